//! MCP list-tools spans: `tools/list`, CLIENT.

use super::guard::sealed::Sealed;
use super::{shared, shared_cow, AiSpan, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::{ai, gen_ai};
use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, StringValue, Value};
use std::borrow::Cow;

/// The transport of an MCP session (`network.transport`, with the gen_ai dialect).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkTransport {
    /// TCP: the MCP conventions' value for Streamable HTTP over HTTP/1.1 or HTTP/2 (`tcp`).
    Tcp,
    /// QUIC: for HTTP/3 (`quic`).
    Quic,
    /// A pipe: the stdio transport (`pipe`).
    Pipe,
    /// A Unix domain socket (`unix`).
    Unix,
    /// UDP (`udp`).
    Udp,
}

impl NetworkTransport {
    /// The `network.transport` value.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkTransport::Tcp => "tcp",
            NetworkTransport::Quic => "quic",
            NetworkTransport::Pipe => "pipe",
            NetworkTransport::Unix => "unix",
            NetworkTransport::Udp => "udp",
        }
    }
}

/// The MCP list-tools kind ([`crate::McpListToolsSpan`]), built by [`crate::mcp_list_tools`].
#[derive(Debug)]
pub struct McpListTools {
    server: Cow<'static, str>,
    session_id: Option<Cow<'static, str>>,
    protocol_version: Option<Cow<'static, str>>,
    transport: Option<NetworkTransport>,
    address: Option<(Cow<'static, str>, u16)>,
}

impl McpListTools {
    pub(crate) fn new(server: impl Into<Cow<'static, str>>) -> McpListTools {
        McpListTools {
            server: server.into(),
            session_id: None,
            protocol_version: None,
            transport: None,
            address: None,
        }
    }
}

impl SpanBuilder<'_, McpListTools> {
    /// The MCP session the request belongs to (`mcp.session.id`, with the gen_ai dialect).
    pub fn with_session_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.kind.session_id = Some(id.into());
        self
    }

    /// The version of the Model Context Protocol the session speaks, such as
    /// `2025-06-18` (`mcp.protocol.version`, with the gen_ai dialect).
    pub fn with_protocol_version(mut self, version: impl Into<Cow<'static, str>>) -> Self {
        self.kind.protocol_version = Some(version.into());
        self
    }

    /// The transport of the session (`network.transport`, with the gen_ai
    /// dialect): [`NetworkTransport::Pipe`] for stdio, [`NetworkTransport::Tcp`]
    /// (or [`NetworkTransport::Quic`]) for Streamable HTTP.
    pub fn with_transport(mut self, transport: NetworkTransport) -> Self {
        self.kind.transport = Some(transport);
        self
    }

    /// The server called over the network (`server.address`, `server.port`, with
    /// the gen_ai dialect, set at start), as on generation spans.
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.kind.address = Some((address.into(), port));
        self
    }
}

impl Sealed for McpListTools {}

impl Kind for McpListTools {
    /// The span is named after the method, `tools/list`: the MCP conventions name a
    /// client span `{mcp.method.name} {target}` only when the request has a tool or
    /// prompt as target, and listing has none. The server's name is `ai.mcp.server`.
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        SpanCore::start(
            Start {
                span_type: ai::span_type::MCP_LIST_TOOLS,
                kind: SpanKind::Client,
                name: Cow::Borrowed(gen_ai::mcp_method::TOOLS_LIST),
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::MCP_METHOD_NAME, gen_ai::mcp_method::TOOLS_LIST);
                if let Some((address, port)) = &self.address {
                    a.gen(gen_ai::SERVER_ADDRESS, address.clone());
                    a.gen(gen_ai::SERVER_PORT, i64::from(*port));
                }
            },
            |a| {
                a.ai(ai::MCP_SERVER, shared_cow(&self.server));
                if let Some(id) = &self.session_id {
                    a.gen(gen_ai::MCP_SESSION_ID, id.clone());
                }
                if let Some(version) = &self.protocol_version {
                    a.gen(gen_ai::MCP_PROTOCOL_VERSION, version.clone());
                }
                if let Some(transport) = self.transport {
                    a.gen(gen_ai::NETWORK_TRANSPORT, transport.as_str());
                }
            },
        )
    }
}

/// A running `tools/list` request to an MCP server. Ends on
/// [`McpListToolsSpan::end`](crate::McpListToolsSpan) or when dropped.
///
/// ```
/// use aitrace::NetworkTransport;
///
/// let list = aitrace::mcp_list_tools("filesystem")
///     .with_session_id("9f2c")
///     .with_protocol_version("2025-06-18")
///     .with_transport(NetworkTransport::Pipe)
///     .start();
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
