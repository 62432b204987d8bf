//! With tracing disabled nothing is recorded, the code path is the same, and ids
//! are still there for logs and API responses.

use aitrace::Usage;
use aitrace_sdk::testing::install_in_memory;
use opentelemetry::trace::{SpanId, TraceId};

#[test]
fn disabled_records_nothing_but_keeps_ids() {
    let exporter = install_in_memory();
    aitrace::set_enabled(false);
    assert!(!aitrace::is_enabled());

    let run = aitrace::trace("off").with_conversation_id("c").start();
    let trace_id = run.trace_id();
    assert_ne!(trace_id, TraceId::INVALID);
    assert!(!run.is_recording());
    let (agent_trace, agent_span, nested) = run.in_scope(|| {
        let agent = aitrace::agent("a").start();
        let mut g = aitrace::generation("openai", "gpt-4o").start();
        g.record_usage(Usage::new(10, 10));
        g.record_input_messages("not recorded");
        g.end();
        let ids = (
            agent.trace_id(),
            agent.span_id(),
            aitrace::current_trace_id(),
        );
        agent.end();
        ids
    });
    run.end();
    assert_eq!(agent_trace, trace_id, "children share the trace id");
    assert_ne!(agent_span, SpanId::INVALID);
    assert_eq!(nested, Some(trace_id));
    assert!(
        exporter.spans().is_empty(),
        "nothing recorded: {:?}",
        exporter.spans()
    );

    aitrace::set_enabled(true);
    let on = aitrace::agent("on").start();
    let id = on.trace_id();
    on.end();
    assert_eq!(exporter.spans_of_trace(id).len(), 1);
}
