//! Handoff spans: `execute_tool transfer_to_{to}`, INTERNAL.
//!
//! A handoff is the tool call by which one agent passes the conversation to
//! another. The receiving agent's span is a child of the handoff span.

use super::{builder_common, shared_cow, span_common, span_name, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use opentelemetry::trace::SpanKind;
use opentelemetry::Context;
use std::borrow::Cow;
use std::time::SystemTime;

/// Prefix of the tool name a handoff is called by: `transfer_to_{to}`.
const TRANSFER_TO: &str = "transfer_to_";

/// Builds a [`HandoffSpan`]. Made by [`crate::handoff`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct HandoffBuilder<'a> {
    from: Cow<'static, str>,
    to: Cow<'static, str>,
    call_id: Option<Cow<'static, str>>,
    parent: Option<&'a Context>,
    start_time: Option<SystemTime>,
}

builder_common!(HandoffBuilder);

impl<'a> HandoffBuilder<'a> {
    pub(crate) fn new(
        from: impl Into<Cow<'static, str>>,
        to: impl Into<Cow<'static, str>>,
    ) -> Self {
        HandoffBuilder {
            from: from.into(),
            to: to.into(),
            call_id: None,
            parent: None,
            start_time: None,
        }
    }

    /// The model's id for the `transfer_to_{to}` tool call (`ai.tool.call_id`,
    /// `gen_ai.tool.call.id`, `tool.id`).
    pub fn with_call_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.call_id = Some(id.into());
        self
    }

    /// Starts the span.
    pub fn start(self) -> HandoffSpan {
        let mut tool_name = String::with_capacity(TRANSFER_TO.len() + self.to.len());
        tool_name.push_str(TRANSFER_TO);
        tool_name.push_str(&self.to);
        let name = span_name(gen_ai::operation::EXECUTE_TOOL, &tool_name);
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::HANDOFF,
                kind: SpanKind::Internal,
                name,
                parent: self.parent,
                start_time: self.start_time,
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
        );
        HandoffSpan { core }
    }
}

/// A running handoff from one agent to another. Ends on [`HandoffSpan::end`] or
/// when dropped. Start the receiving agent inside it so that its span nests under
/// the handoff.
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
pub struct HandoffSpan {
    core: SpanCore,
}

impl HandoffSpan {
    fn finish(&mut self, _dropped: bool) {}
}

span_common!(HandoffSpan);
