//! MCP list-tools spans: `tools/list {server}`, CLIENT.

use super::{builder_common, shared, shared_cow, span_common, span_name, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, Context, StringValue, Value};
use std::borrow::Cow;
use std::time::SystemTime;

/// Builds a [`McpListToolsSpan`]. Made by [`crate::mcp_list_tools`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct McpListToolsBuilder<'a> {
    server: Cow<'static, str>,
    session_id: Option<Cow<'static, str>>,
    parent: Option<&'a Context>,
    start_time: Option<SystemTime>,
}

builder_common!(McpListToolsBuilder);

impl<'a> McpListToolsBuilder<'a> {
    pub(crate) fn new(server: impl Into<Cow<'static, str>>) -> Self {
        McpListToolsBuilder {
            server: server.into(),
            session_id: None,
            parent: None,
            start_time: None,
        }
    }

    /// The MCP session the request belongs to (`mcp.session.id`, with the gen_ai dialect).
    pub fn with_session_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.session_id = Some(id.into());
        self
    }

    /// Starts the span.
    pub fn start(self) -> McpListToolsSpan {
        let name = span_name(gen_ai::mcp_method::TOOLS_LIST, &self.server);
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::MCP_LIST_TOOLS,
                kind: SpanKind::Client,
                name,
                parent: self.parent,
                start_time: self.start_time,
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
        );
        McpListToolsSpan { core }
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
#[derive(Debug)]
pub struct McpListToolsSpan {
    core: SpanCore,
}

impl McpListToolsSpan {
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

    fn finish(&mut self, _dropped: bool) {}
}

span_common!(McpListToolsSpan);
