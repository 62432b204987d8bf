//! Exact attributes, names and kinds of MCP list-tools spans, in each dialect
//! configuration.

mod attributes_common;

use aitrace::Dialects;
use aitrace_sdk::testing::by_name;
use attributes_common::{assert_attrs, configs, run, s, strings, Expect};
use opentelemetry::trace::SpanKind;

fn base(d: Dialects, server: &str) -> Expect {
    Expect::span(d, "mcp_list_tools")
        .gen("mcp.method.name", s("tools/list"))
        .ai("ai.mcp.server", s(server))
        .oi("openinference.span.kind", s("TOOL"))
}

#[test]
fn list_tools_with_session_and_tools() {
    for (label, d) in configs() {
        let spans = run(d, true, || {
            let list = aitrace::mcp_list_tools("filesystem")
                .with_session_id("sess-42")
                .start();
            list.record_tools(["read_file", "write_file"]);
            list.end();
        });
        let list = by_name(&spans, "tools/list filesystem");
        assert_eq!(list.span_kind, SpanKind::Client, "{label}");
        let expect = base(d, "filesystem")
            .gen("mcp.session.id", s("sess-42"))
            .ai("ai.mcp.tools", strings(&["read_file", "write_file"]));
        assert_attrs(list, &expect);
    }
}

#[test]
fn list_tools_without_session_or_tools() {
    for (_, d) in configs() {
        let spans = run(d, false, || aitrace::mcp_list_tools("git").start().end());
        assert_attrs(by_name(&spans, "tools/list git"), &base(d, "git"));
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
    assert_attrs(by_name(&spans, "tools/list empty"), &expect);
}
