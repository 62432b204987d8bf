//! Tool spans: `execute_tool {tool}`, INTERNAL.

use super::guard::sealed::Sealed;
use super::{
    shared_cow, span_name, AiSpan, Base, Ending, Kind, SharedStr, SpanBuilder, SpanCore, Start,
};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::content::ContentKind;
use crate::metrics::ToolSet;
use opentelemetry::trace::SpanKind;
use std::borrow::Cow;

/// The tool kind: an `execute_tool {tool}` span ([`crate::ToolSpan`]), built by [`crate::tool`].
#[derive(Debug)]
pub struct Tool {
    name: Cow<'static, str>,
    call_id: Option<Cow<'static, str>>,
    tool_type: Option<Cow<'static, str>>,
    description: Option<Cow<'static, str>>,
}

impl Tool {
    pub(crate) fn new(name: impl Into<Cow<'static, str>>) -> Tool {
        Tool {
            name: name.into(),
            call_id: None,
            tool_type: None,
            description: None,
        }
    }
}

impl SpanBuilder<'_, Tool> {
    /// The model's id for this call (`ai.tool.call_id`, `gen_ai.tool.call.id`).
    pub fn with_call_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.kind.call_id = Some(id.into());
        self
    }

    /// `function`, `extension` or `datastore` (`ai.tool.type`).
    pub fn with_type(mut self, tool_type: impl Into<Cow<'static, str>>) -> Self {
        self.kind.tool_type = Some(tool_type.into());
        self
    }

    /// What the tool does.
    pub fn with_description(mut self, description: impl Into<Cow<'static, str>>) -> Self {
        self.kind.description = Some(description.into());
        self
    }
}

impl Sealed for Tool {}

impl Kind for Tool {
    fn finish(&mut self, core: &mut SpanCore, _ending: Ending) {
        if let Some(m) = core.metrics() {
            m.tool(&ToolSet {
                name: &self.name,
                tool_type: self.tool_type.as_deref(),
            });
        }
    }

    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(gen_ai::operation::EXECUTE_TOOL, &self.name);
        let tool_name = SharedStr::new(&self.name);
        SpanCore::start(
            Start {
                span_type: ai::span_type::TOOL,
                kind: SpanKind::Internal,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::EXECUTE_TOOL);
                if a.d.gen_ai {
                    a.gen(gen_ai::TOOL_NAME, tool_name.get());
                }
            },
            |a| {
                let name = tool_name.get();
                a.ai(ai::TOOL_NAME, name.clone());
                a.oi(oi::TOOL_NAME, name);
                if let Some(id) = &self.call_id {
                    let id = shared_cow(id);
                    a.ai(ai::TOOL_CALL_ID, id.clone());
                    a.gen(gen_ai::TOOL_CALL_ID, id.clone());
                    a.oi(oi::TOOL_ID, id);
                }
                if let Some(t) = &self.tool_type {
                    let t = shared_cow(t);
                    a.ai(ai::TOOL_TYPE, t.clone());
                    a.gen(gen_ai::TOOL_TYPE, t);
                }
                if let Some(desc) = &self.description {
                    let desc = shared_cow(desc);
                    a.ai(ai::TOOL_DESCRIPTION, desc.clone());
                    a.gen(gen_ai::TOOL_DESCRIPTION, desc.clone());
                    a.oi(oi::TOOL_DESCRIPTION, desc);
                }
            },
        )
    }
}

/// A running tool call. An [`AiSpan`] of kind [`Tool`].
///
/// ```
/// let tool = aitrace::tool("get_weather").with_call_id("call_1").start();
/// tool.record_arguments(&serde_json::json!({"city": "Paris"})); // only with content capture on
/// tool.end();
/// ```
impl AiSpan<Tool> {
    /// The arguments the tool was called with; only when content capture is on.
    pub fn record_arguments<T: serde::Serialize + ?Sized>(&self, arguments: &T) {
        self.core
            .record_content(ContentKind::ToolArguments, arguments, |a, text| {
                a.ai(ai::TOOL_INPUT, text.clone());
                a.gen(gen_ai::TOOL_CALL_ARGUMENTS, text.clone());
                a.oi(oi::INPUT_VALUE, text);
            });
    }

    /// What the tool returned; only when content capture is on.
    pub fn record_result<T: serde::Serialize + ?Sized>(&self, result: &T) {
        self.core
            .record_content(ContentKind::ToolResult, result, |a, text| {
                a.ai(ai::TOOL_OUTPUT, text.clone());
                a.gen(gen_ai::TOOL_CALL_RESULT, text.clone());
                a.oi(oi::OUTPUT_VALUE, text);
            });
    }
}
