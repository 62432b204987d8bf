//! The shape of a trace: parents, names, kinds, and attributes inherited from the trace.

use aitrace::Usage;
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory, tree_shape};
use opentelemetry::trace::SpanKind;

#[test]
fn nested_spans_form_one_tree_and_inherit_the_conversation_id() {
    let exporter = install_in_memory();
    let run = aitrace::trace("support")
        .with_conversation_id("conv-1")
        .with_user_id("u-7")
        .start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        let agent = aitrace::agent("triage").start();
        agent.in_scope(|| {
            let mut g = aitrace::generation("openai", "gpt-4o").start();
            g.record_usage(Usage::new(1000, 100));
            g.end();
            aitrace::tool("search_kb").start().end();
        });
        agent.end();
    });
    run.end();

    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(
        tree_shape(&spans),
        "invoke_workflow support\n  invoke_agent triage\n    chat gpt-4o\n    execute_tool search_kb\n"
    );
    for s in &spans {
        assert_eq!(
            attr_str(s, "ai.conversation.id"),
            Some("conv-1"),
            "{}",
            s.name
        );
        assert_eq!(
            attr_str(s, "gen_ai.conversation.id"),
            Some("conv-1"),
            "{}",
            s.name
        );
        assert_eq!(attr_str(s, "ai.user.id"), Some("u-7"), "{}", s.name);
    }
    let g = by_name(&spans, "chat gpt-4o");
    assert_eq!(g.span_kind, SpanKind::Client);
    assert_eq!(attr_str(g, "ai.span.type"), Some("generation"));
    assert_eq!(
        by_name(&spans, "invoke_agent triage").span_kind,
        SpanKind::Internal
    );
}
