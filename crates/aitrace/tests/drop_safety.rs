//! A guard dropped without `end()` still ends its span, exactly once; a streamed
//! generation dropped early keeps its usage so far and is marked incomplete.

use aitrace::Usage;
use aitrace_sdk::testing::{attr_bool, attr_f64, attr_i64, by_name, install_in_memory};
use opentelemetry::trace::Status;

#[test]
fn dropped_guards_end_their_spans_once() {
    let exporter = install_in_memory();
    let run = aitrace::trace("drops").start();
    let id = run.trace_id();
    run.in_scope(|| {
        let _agent = aitrace::agent("a").start();
        let tool = aitrace::tool("t").start();
        drop(tool);
        // A panic unwinding through a span still ends it.
        let caught = std::panic::catch_unwind(|| {
            let _g = aitrace::generation("openai", "gpt-4o").start();
            panic!("model client bug");
        });
        assert!(caught.is_err());
    });
    drop(run);
    let spans = exporter.spans_of_trace(id);
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(names.len(), 4, "{names:?}");
    for n in [
        "invoke_workflow drops",
        "invoke_agent a",
        "execute_tool t",
        "chat gpt-4o",
    ] {
        assert_eq!(
            names.iter().filter(|x| **x == n).count(),
            1,
            "{n} in {names:?}"
        );
    }
}

#[test]
fn end_then_drop_does_not_end_twice() {
    let exporter = install_in_memory();
    let run = aitrace::trace("once").start();
    let id = run.trace_id();
    let agent = run.in_scope(|| aitrace::agent("x").start());
    agent.end();
    run.end();
    assert_eq!(exporter.spans_of_trace(id).len(), 2);
}

#[test]
fn streamed_generation_dropped_early_keeps_usage_and_is_incomplete() {
    let exporter = install_in_memory();
    let run = aitrace::trace("stream").start();
    let id = run.trace_id();
    run.in_scope(|| {
        let mut g = aitrace::generation("openai", "gpt-4o-mini")
            .streaming()
            .start();
        std::thread::sleep(std::time::Duration::from_millis(5));
        g.record_first_token();
        g.add_usage(&Usage::new(120, 3));
        g.add_usage(&Usage::new(0, 4));
        drop(g); // the client went away mid-stream
    });
    run.end();
    let spans = exporter.spans_of_trace(id);
    let g = by_name(&spans, "chat gpt-4o-mini");
    assert_eq!(attr_bool(g, "ai.incomplete"), Some(true));
    assert_eq!(attr_bool(g, "ai.stream"), Some(true));
    assert_eq!(attr_bool(g, "gen_ai.request.stream"), Some(true));
    assert_eq!(attr_i64(g, "ai.prompt_tokens"), Some(120));
    assert_eq!(attr_i64(g, "ai.completion_tokens"), Some(7));
    let ttft = attr_f64(g, "ai.time_to_first_token_ms").unwrap();
    assert!(ttft >= 5.0, "{ttft}");
    let ttfc = attr_f64(g, "gen_ai.response.time_to_first_chunk").unwrap();
    assert!((ttfc * 1000.0 - ttft).abs() < 1e-6);
    assert_eq!(
        g.status,
        Status::Unset,
        "an incomplete stream is not an error by itself"
    );
}

#[test]
fn streamed_generation_ended_normally_is_not_incomplete() {
    let exporter = install_in_memory();
    let run = aitrace::trace("stream-ok").start();
    let id = run.trace_id();
    run.in_scope(|| {
        let mut g = aitrace::generation("openai", "gpt-4o-mini")
            .streaming()
            .start();
        g.record_first_token();
        g.record_usage(Usage::new(10, 2));
        g.end();
    });
    run.end();
    let spans = exporter.spans_of_trace(id);
    assert_eq!(
        attr_bool(by_name(&spans, "chat gpt-4o-mini"), "ai.incomplete"),
        None
    );
}

#[derive(Debug)]
struct Timeout;
impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tool timed out after 30s")
    }
}
impl std::error::Error for Timeout {}

#[test]
fn end_with_error_sets_status_event_and_error_type() {
    let exporter = install_in_memory();
    let run = aitrace::trace("errors").start();
    let id = run.trace_id();
    run.in_scope(|| aitrace::tool("slow").start().end_with_error(&Timeout));
    run.end();
    let spans = exporter.spans_of_trace(id);
    let t = by_name(&spans, "execute_tool slow");
    assert_eq!(t.status, Status::error("tool timed out after 30s"));
    let ev = t
        .events
        .iter()
        .find(|e| e.name == "exception")
        .expect("exception event");
    let msg = ev
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "exception.message")
        .unwrap();
    assert_eq!(msg.value.as_str(), "tool timed out after 30s");
    let et = aitrace_sdk::testing::attr_str(t, "error.type").unwrap();
    assert!(et.ends_with("Timeout"), "{et}");
    assert_eq!(
        by_name(&spans, "invoke_workflow errors").status,
        Status::Unset
    );
}
