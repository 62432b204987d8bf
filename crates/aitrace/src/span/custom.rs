//! Custom spans: a name, a kind and attributes of your choosing.

use super::{builder_common, span_common, SpanCore, Start};
use crate::attributes::ai;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;
use std::time::SystemTime;

/// Builds a [`CustomSpan`]. Made by [`crate::custom`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct CustomBuilder<'a> {
    name: Cow<'static, str>,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    parent: Option<&'a Context>,
    start_time: Option<SystemTime>,
}

builder_common!(CustomBuilder);

impl<'a> CustomBuilder<'a> {
    pub(crate) fn new(name: impl Into<Cow<'static, str>>) -> Self {
        CustomBuilder {
            name: name.into(),
            kind: SpanKind::Internal,
            attributes: Vec::new(),
            parent: None,
            start_time: None,
        }
    }

    /// The span kind (default [`SpanKind::Internal`]).
    pub fn with_kind(mut self, kind: SpanKind) -> Self {
        self.kind = kind;
        self
    }

    /// An attribute of yours, set when the span starts (samplers see it).
    pub fn with_attribute(mut self, attribute: KeyValue) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Attributes of yours, set when the span starts (samplers see them).
    pub fn with_attributes(mut self, attributes: impl IntoIterator<Item = KeyValue>) -> Self {
        self.attributes.extend(attributes);
        self
    }

    /// Starts the span.
    pub fn start(self) -> CustomSpan {
        let attributes = self.attributes;
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::CUSTOM,
                kind: self.kind,
                name: self.name,
                parent: self.parent,
                start_time: self.start_time,
            },
            |a| a.out.extend(attributes),
            |_| {},
        );
        CustomSpan { core }
    }
}

/// A running span of your own: any step of an agent application that none of the
/// typed spans describes. Ends on [`CustomSpan::end`] or when dropped.
///
/// ```
/// use aitrace::{KeyValue, SpanKind};
///
/// let step = aitrace::custom("rerank")
///     .with_kind(SpanKind::Internal)
///     .with_attribute(KeyValue::new("rerank.candidates", 50))
///     .start();
/// step.set_attribute(KeyValue::new("rerank.kept", 5));
/// step.end();
/// ```
#[derive(Debug)]
pub struct CustomSpan {
    core: SpanCore,
}

impl CustomSpan {
    /// What this step was given (`ai.input`, and `input.value` with
    /// `input.mime_type` whatever the dialects), as JSON; only when content capture is on, and through
    /// the redactor and the byte limit like all content.
    ///
    /// ```
    /// let step = aitrace::custom("rerank").start();
    /// step.record_input(&serde_json::json!({"query": "refund policy", "candidates": 50}));
    /// step.record_output(&["doc-7", "doc-2"]);
    /// step.end();
    /// ```
    pub fn record_input<T: serde::Serialize + ?Sized>(&self, input: &T) {
        self.core.record_input(input);
    }

    /// What this step produced (`ai.output`, and `output.value` with
    /// `output.mime_type` whatever the dialects), as JSON; only when content
    /// capture is on.
    pub fn record_output<T: serde::Serialize + ?Sized>(&self, output: &T) {
        self.core.record_output(output);
    }

    fn finish(&mut self, _dropped: bool) {}
}

span_common!(CustomSpan);
