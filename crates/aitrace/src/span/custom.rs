//! Custom spans: a name, a kind and attributes of your choosing.

use super::guard::sealed::Sealed;
use super::{AiSpan, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::ai;
use opentelemetry::trace::SpanKind;
use opentelemetry::KeyValue;
use std::borrow::Cow;

/// The custom kind: a span of your own ([`crate::CustomSpan`]), built by
/// [`crate::custom`].
#[derive(Debug)]
pub struct Custom {
    name: Cow<'static, str>,
    span_kind: SpanKind,
    attributes: Vec<KeyValue>,
}

impl Custom {
    pub(crate) fn new(name: impl Into<Cow<'static, str>>) -> Custom {
        Custom {
            name: name.into(),
            span_kind: SpanKind::Internal,
            attributes: Vec::new(),
        }
    }
}

impl SpanBuilder<'_, Custom> {
    /// The span kind (default [`SpanKind::Internal`]).
    pub fn with_kind(mut self, kind: SpanKind) -> Self {
        self.kind.span_kind = kind;
        self
    }

    /// An attribute of yours, set when the span starts (samplers see it).
    pub fn with_attribute(mut self, attribute: KeyValue) -> Self {
        self.kind.attributes.push(attribute);
        self
    }

    /// Attributes of yours, set when the span starts (samplers see them).
    pub fn with_attributes(mut self, attributes: impl IntoIterator<Item = KeyValue>) -> Self {
        self.kind.attributes.extend(attributes);
        self
    }
}

impl Sealed for Custom {}

impl Kind for Custom {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let attributes = std::mem::take(&mut self.attributes);
        SpanCore::start(
            Start {
                span_type: ai::span_type::CUSTOM,
                kind: self.span_kind.clone(),
                name: std::mem::take(&mut self.name),
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| a.out.extend(attributes),
            |_| {},
        )
    }
}

/// A running span of your own ([`crate::CustomSpan`]): any step of an agent
/// application that none of the typed spans describes.
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
impl AiSpan<Custom> {
    /// What this step was given (`ai.input`, and `input.value` with
    /// `input.mime_type` whatever the dialects), as JSON; only when content
    /// capture is on, and through
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
}
