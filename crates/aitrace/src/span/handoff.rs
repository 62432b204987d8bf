//! Handoff spans: `execute_tool transfer_to_{to}`, INTERNAL.
//!
//! A handoff is the tool call by which one agent passes the conversation to
//! another. The receiving agent's span is a child of the handoff span.

use super::guard::sealed::Sealed;
use super::{shared_cow, span_name, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use opentelemetry::trace::SpanKind;
use std::borrow::Cow;

/// Prefix of the tool name a handoff is called by: `transfer_to_{to}`.
const TRANSFER_TO: &str = "transfer_to_";

/// The handoff kind: an `execute_tool transfer_to_{to}` span ([`crate::HandoffSpan`]), built by [`crate::handoff`].
///
/// Start the receiving agent inside the handoff so that its span nests under it.
///
/// ```
/// let triage = aitrace::agent("triage").start();
/// let handoff = triage.in_scope(|| aitrace::handoff("triage", "billing").start());
///
/// // The target agent runs under the handoff: either as the current span...
/// let billing = handoff.in_scope(|| aitrace::agent("billing").start());
/// billing.end();
/// // ...or with the handoff's context as an explicit parent.
/// let billing = aitrace::agent("billing").child_of(handoff.context()).start();
/// billing.end();
///
/// handoff.end();
/// triage.end();
/// ```
#[derive(Debug)]
pub struct Handoff {
    from: Cow<'static, str>,
    to: Cow<'static, str>,
    call_id: Option<Cow<'static, str>>,
}

impl Handoff {
    pub(crate) fn new(
        from: impl Into<Cow<'static, str>>,
        to: impl Into<Cow<'static, str>>,
    ) -> Handoff {
        Handoff {
            from: from.into(),
            to: to.into(),
            call_id: None,
        }
    }
}

impl SpanBuilder<'_, Handoff> {
    /// The model's id for the `transfer_to_{to}` tool call (`ai.tool.call_id`,
    /// `gen_ai.tool.call.id`, `tool.id`).
    pub fn with_call_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.kind.call_id = Some(id.into());
        self
    }
}

impl Sealed for Handoff {}

impl Kind for Handoff {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let mut tool_name = String::with_capacity(TRANSFER_TO.len() + self.to.len());
        tool_name.push_str(TRANSFER_TO);
        tool_name.push_str(&self.to);
        let name = span_name(gen_ai::operation::EXECUTE_TOOL, &tool_name);
        SpanCore::start(
            Start {
                span_type: ai::span_type::HANDOFF,
                kind: SpanKind::Internal,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::EXECUTE_TOOL);
                a.gen(gen_ai::TOOL_NAME, tool_name);
            },
            |a| {
                let from = shared_cow(&self.from);
                let to = shared_cow(&self.to);
                a.ai(ai::HANDOFF_FROM, from.clone());
                a.ai(ai::HANDOFF_TO, to.clone());
                a.gen(gen_ai::HANDOFF_SOURCE_NAME, from.clone());
                a.gen(gen_ai::HANDOFF_TARGET_NAME, to.clone());
                // Agent names, not conversation content: always recorded in this dialect.
                a.oi(oi::INPUT_VALUE, from);
                a.oi(oi::OUTPUT_VALUE, to);
                if let Some(id) = &self.call_id {
                    let id = shared_cow(id);
                    a.ai(ai::TOOL_CALL_ID, id.clone());
                    a.gen(gen_ai::TOOL_CALL_ID, id.clone());
                    a.oi(oi::TOOL_ID, id);
                }
            },
        )
    }
}
