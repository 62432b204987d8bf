//! Exact attributes, names and kinds of MCP list-tools spans, in each dialect
//! configuration. The span is named `tools/list`, with no target: the MCP
//! conventions add a target only for a tool or prompt, and listing has none.

mod support;

use aitrace::{Dialects, NetworkTransport};
use aitrace_sdk::testing::by_name;
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use support::{assert_attrs, configs, run, s, strings, Expect};

fn base(d: Dialects, server: &str) -> Expect {
    Expect::span(d, "mcp_list_tools")
        .gen("mcp.method.name", s("tools/list"))
        .ai("ai.mcp.server", s(server))
        .kind("TOOL")
}

#[test]
fn list_tools_with_every_option() {
    for (label, d) in configs() {
        let spans = run(d, true, || {
            let list = aitrace::mcp_list_tools("filesystem")
                .with_session_id("sess-42")
                .with_protocol_version("2025-06-18")
                .with_transport(NetworkTransport::Tcp)
                .with_server("mcp.example.com", 8443)
                .start();
            list.record_tools(["read_file", "write_file"]);
            list.end();
        });
        let list = by_name(&spans, "tools/list");
        assert_eq!(list.span_kind, SpanKind::Client, "{label}");
        let expect = base(d, "filesystem")
            .gen("mcp.session.id", s("sess-42"))
            .gen("mcp.protocol.version", s("2025-06-18"))
            .gen("network.transport", s("tcp"))
            .gen("server.address", s("mcp.example.com"))
            .gen("server.port", Value::I64(8443))
            .ai("ai.mcp.tools", strings(&["read_file", "write_file"]));
        assert_attrs(list, &expect);
    }
}

#[test]
fn list_tools_without_options_or_tools() {
    for (_, d) in configs() {
        let spans = run(d, false, || aitrace::mcp_list_tools("git").start().end());
        assert_attrs(by_name(&spans, "tools/list"), &base(d, "git"));
    }
}

#[test]
fn transports_have_their_network_transport_values() {
    let d = Dialects::default();
    let all = [
        (NetworkTransport::Tcp, "tcp"),
        (NetworkTransport::Quic, "quic"),
        (NetworkTransport::Pipe, "pipe"),
        (NetworkTransport::Unix, "unix"),
        (NetworkTransport::Udp, "udp"),
    ];
    for (transport, value) in all {
        assert_eq!(transport.as_str(), value);
        let spans = run(d, false, || {
            aitrace::mcp_list_tools("stdio-server")
                .with_transport(transport)
                .start()
                .end()
        });
        let expect = base(d, "stdio-server").gen("network.transport", s(value));
        assert_attrs(by_name(&spans, "tools/list"), &expect);
    }
}

#[test]
fn an_empty_tool_list_is_recorded_as_an_empty_array() {
    let d = Dialects::default();
    let spans = run(d, false, || {
        let list = aitrace::mcp_list_tools("empty").start();
        list.record_tools(Vec::<String>::new());
        list.end();
    });
    let expect = base(d, "empty").ai("ai.mcp.tools", strings(&[]));
    assert_attrs(by_name(&spans, "tools/list"), &expect);
}
