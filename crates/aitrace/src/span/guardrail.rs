//! Guardrail spans: `apply_guardrail {name}`, INTERNAL.

use super::guard::sealed::Sealed;
use super::{
    shared, shared_cow, span_name, AiSpan, Base, Ending, Kind, SpanBuilder, SpanCore, Start,
};
use crate::attributes::{ai, gen_ai};
use crate::metrics::GuardrailSet;
use opentelemetry::trace::SpanKind;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU8, Ordering};

/// The first word of a guardrail span's name.
const APPLY_GUARDRAIL: &str = "apply_guardrail";
/// `gen_ai.guardrail.result.type` of a guardrail whose tripwire fired.
const RESULT_TRIGGERED: &str = "tripwire_triggered";
/// `gen_ai.guardrail.result.type` of a guardrail that let the content through.
const RESULT_PASSED: &str = "passed";

/// What a guardrail checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GuardrailType {
    /// The input of an agent or model (`input`).
    Input,
    /// The output of an agent or model (`output`).
    Output,
    /// The arguments of a tool call (`tool_input`).
    ToolInput,
    /// The result of a tool call (`tool_output`).
    ToolOutput,
}

impl GuardrailType {
    /// The `ai.guardrail.type` and `gen_ai.guardrail.source` value.
    pub fn as_str(self) -> &'static str {
        match self {
            GuardrailType::Input => "input",
            GuardrailType::Output => "output",
            GuardrailType::ToolInput => "tool_input",
            GuardrailType::ToolOutput => "tool_output",
        }
    }
}

/// The guardrail kind: an `apply_guardrail {name}` span ([`crate::GuardrailSpan`]), built by [`crate::guardrail`].
#[derive(Debug)]
pub struct Guardrail {
    name: Cow<'static, str>,
    guardrail_type: Option<GuardrailType>,
    /// The last result recorded, for metrics: [`NO_RESULT`], 0 (passed) or 1
    /// (tripped). Atomic because results are recorded through `&self`.
    result: AtomicU8,
}

/// [`Guardrail::result`] before any result is recorded.
const NO_RESULT: u8 = 2;

impl Guardrail {
    pub(crate) fn new(name: impl Into<Cow<'static, str>>) -> Guardrail {
        Guardrail {
            name: name.into(),
            guardrail_type: None,
            result: AtomicU8::new(NO_RESULT),
        }
    }
}

impl SpanBuilder<'_, Guardrail> {
    /// What the guardrail checks (`ai.guardrail.type`, `gen_ai.guardrail.source`).
    pub fn with_type(mut self, guardrail_type: GuardrailType) -> Self {
        self.kind.guardrail_type = Some(guardrail_type);
        self
    }
}

impl Sealed for Guardrail {}

impl Kind for Guardrail {
    fn finish(&mut self, core: &mut SpanCore, _ending: Ending) {
        if let Some(m) = core.metrics() {
            let triggered = match *self.result.get_mut() {
                NO_RESULT => None,
                r => Some(r == 1),
            };
            m.guardrail(&GuardrailSet {
                name: &self.name,
                guardrail_type: self.guardrail_type.map(GuardrailType::as_str),
                triggered,
            });
        }
    }

    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(APPLY_GUARDRAIL, &self.name);
        SpanCore::start(
            Start {
                span_type: ai::span_type::GUARDRAIL,
                kind: SpanKind::Internal,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |_| {},
            |a| {
                let name = shared_cow(&self.name);
                a.ai(ai::GUARDRAIL_NAME, name.clone());
                a.gen(gen_ai::GUARDRAIL_COMPONENT_NAME, name);
                if let Some(t) = self.guardrail_type {
                    a.ai(ai::GUARDRAIL_TYPE, t.as_str());
                    a.gen(gen_ai::GUARDRAIL_SOURCE, t.as_str());
                }
            },
        )
    }
}

/// A running guardrail check. An [`AiSpan`] of kind [`Guardrail`].
///
/// A tripped guardrail is a result, not a failure: the span's status stays unset.
///
/// ```
/// use aitrace::GuardrailType;
///
/// let check = aitrace::guardrail("pii_check").with_type(GuardrailType::Input).start();
/// check.trip("an email address in the prompt");
/// check.end();
///
/// let check = aitrace::guardrail("toxicity").with_type(GuardrailType::Output).start();
/// check.pass();
/// check.end();
/// ```
impl AiSpan<Guardrail> {
    /// Records the outcome: whether the tripwire fired (`ai.guardrail.triggered`,
    /// `gen_ai.guardrail.result.value` and `.type`), and why, if known.
    pub fn record_result(&self, triggered: bool, reason: Option<&str>) {
        self.kind
            .result
            .store(u8::from(triggered), Ordering::Relaxed);
        self.core
            .for_hooks(|info| info.guardrail_triggered = Some(triggered));
        self.core.record(|a| {
            a.ai(ai::GUARDRAIL_TRIGGERED, triggered);
            a.gen(
                gen_ai::GUARDRAIL_RESULT_TYPE,
                if triggered {
                    RESULT_TRIGGERED
                } else {
                    RESULT_PASSED
                },
            );
            a.gen(gen_ai::GUARDRAIL_RESULT_VALUE, triggered);
            if let Some(reason) = reason {
                let reason = shared(reason);
                a.ai(ai::GUARDRAIL_REASON, reason.clone());
                a.gen(gen_ai::GUARDRAIL_RESULT_REASON, reason);
            }
        });
    }

    /// Records that the tripwire fired, and why.
    pub fn trip(&self, reason: &str) {
        self.record_result(true, Some(reason));
    }

    /// Records that the guardrail let the content through.
    pub fn pass(&self) {
        self.record_result(false, None);
    }
}
