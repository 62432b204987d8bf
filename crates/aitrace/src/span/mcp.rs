//! MCP list-tools spans: `tools/list {server}`, CLIENT.

use super::guard::sealed::Sealed;
use super::{shared, shared_cow, span_name, AiSpan, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, StringValue, Value};
use std::borrow::Cow;

/// The MCP list-tools kind ([`crate::McpListToolsSpan`]), built by [`crate::mcp_list_tools`].
#[derive(Debug)]
pub struct McpListTools {
    server: Cow<'static, str>,
    session_id: Option<Cow<'static, str>>,
}

impl McpListTools {
    pub(crate) fn new(server: impl Into<Cow<'static, str>>) -> McpListTools {
        McpListTools {
            server: server.into(),
            session_id: None,
        }
    }
}

impl SpanBuilder<'_, McpListTools> {
    /// The MCP session the request belongs to (`mcp.session.id`, with the gen_ai dialect).
    pub fn with_session_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.kind.session_id = Some(id.into());
        self
    }
}

impl Sealed for McpListTools {}

impl Kind for McpListTools {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(gen_ai::mcp_method::TOOLS_LIST, &self.server);
        SpanCore::start(
            Start {
                span_type: ai::span_type::MCP_LIST_TOOLS,
                kind: SpanKind::Client,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::MCP_METHOD_NAME, gen_ai::mcp_method::TOOLS_LIST);
            },
            |a| {
                a.ai(ai::MCP_SERVER, shared_cow(&self.server));
                if let Some(id) = &self.session_id {
                    a.gen(gen_ai::MCP_SESSION_ID, id.clone());
                }
                a.oi(oi::SPAN_KIND, oi::kind::TOOL);
            },
        )
    }
}

/// A running `tools/list` request to an MCP server. Ends on
/// [`McpListToolsSpan::end`] or when dropped.
///
/// ```
/// let list = aitrace::mcp_list_tools("filesystem").with_session_id("9f2c").start();
/// list.record_tools(["read_file", "write_file"]);
/// list.end();
/// ```
impl AiSpan<McpListTools> {
    /// The names of the tools the server offers (`ai.mcp.tools`).
    pub fn record_tools<I, S>(&self, names: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if !self.core.is_recording() {
            return;
        }
        let names: Vec<StringValue> = names.into_iter().map(|n| shared(n.as_ref())).collect();
        self.core.record(|a| {
            a.ai(ai::MCP_TOOLS, Value::Array(Array::String(names)));
        });
    }
}
