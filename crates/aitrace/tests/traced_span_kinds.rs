//! `#[traced]` makes a span named after the function, or `name = "…"`, typed by
//! `kind`: a custom span by default, or a tool, agent or workflow span with the
//! name, `ai.span.type` and typed attributes of the matching builder.
#![cfg(feature = "macros")]

use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use opentelemetry::trace::{SpanKind, TraceId};
use opentelemetry_sdk::trace::SpanData;

#[aitrace::traced]
fn plain_step() {}

#[aitrace::traced(name = "renamed_step")]
fn step_with_a_long_internal_name() {}

#[aitrace::traced(kind = custom)]
fn explicit_custom() {}

#[aitrace::traced(kind = tool)]
fn get_weather(city: &str) -> String {
    format!("sunny in {city}")
}

#[aitrace::traced(kind = tool, name = "search_kb")]
fn search_knowledge_base() -> usize {
    3
}

#[aitrace::traced(kind = agent)]
fn triage() {
    get_weather("Paris");
}

#[aitrace::traced(kind = "agent", name = "billing")]
fn billing_agent() {}

/// The root of a run: returns its trace id, read inside it.
#[aitrace::traced(kind = workflow, name = "support")]
fn handle_request() -> TraceId {
    triage();
    billing_agent();
    aitrace::current_trace_id().expect("a span is current")
}

fn span_type(span: &SpanData) -> Option<&str> {
    attr_str(span, "ai.span.type")
}

#[test]
fn kinds_make_typed_spans_named_after_the_function() {
    let exporter = install_in_memory();
    let root = aitrace::custom("test_root").start();
    let trace_id = root.trace_id();
    root.in_scope(|| {
        plain_step();
        step_with_a_long_internal_name();
        explicit_custom();
        search_knowledge_base();
    });
    root.end();
    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 5);
    for name in ["plain_step", "renamed_step", "explicit_custom"] {
        let span = by_name(&spans, name);
        assert_eq!(span_type(span), Some("custom"), "{name}");
        assert_eq!(span.span_kind, SpanKind::Internal, "{name}");
    }
    let tool = by_name(&spans, "execute_tool search_kb");
    assert_eq!(span_type(tool), Some("tool"));
    assert_eq!(attr_str(tool, "ai.tool.name"), Some("search_kb"));
    assert_eq!(attr_str(tool, "gen_ai.tool.name"), Some("search_kb"));
    assert_eq!(
        attr_str(tool, "gen_ai.operation.name"),
        Some("execute_tool")
    );
}

#[test]
fn a_workflow_roots_a_run_whose_spans_inherit_its_name() {
    let exporter = install_in_memory();
    let trace_id = handle_request();
    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 4, "workflow, two agents, one tool");

    let workflow = by_name(&spans, "invoke_workflow support");
    assert_eq!(span_type(workflow), Some("workflow"));
    assert_eq!(attr_str(workflow, "ai.workflow.name"), Some("support"));

    let triage = by_name(&spans, "invoke_agent triage");
    assert_eq!(span_type(triage), Some("agent"));
    assert_eq!(attr_str(triage, "ai.agent.name"), Some("triage"));
    assert_eq!(triage.parent_span_id, workflow.span_context.span_id());

    let billing = by_name(&spans, "invoke_agent billing");
    assert_eq!(attr_str(billing, "ai.agent.name"), Some("billing"));
    assert_eq!(billing.parent_span_id, workflow.span_context.span_id());

    let tool = by_name(&spans, "execute_tool get_weather");
    assert_eq!(attr_str(tool, "ai.tool.name"), Some("get_weather"));
    assert_eq!(tool.parent_span_id, triage.span_context.span_id());

    for span in [triage, billing, tool] {
        assert_eq!(
            attr_str(span, "ai.workflow.name"),
            Some("support"),
            "{} inherits the workflow name",
            span.name
        );
    }
}
