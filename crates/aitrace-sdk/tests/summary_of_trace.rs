//! TraceSummary on real spans: per-model breakdown, unpriced calls kept apart,
//! and the critical path through the longest children.

mod support;
use aitrace_sdk::summary::TraceSummary;
use std::time::{Duration, SystemTime};
use support::console::support_trace_spans;

#[test]
fn per_model_breakdown_and_unpriced_calls() {
    let (trace_id, spans) = support_trace_spans();
    let s = TraceSummary::from_spans(&spans);
    assert_eq!(s.trace_id, trace_id);
    assert_eq!(s.root_name, "invoke_workflow support");
    assert_eq!(s.span_count, 9);
    assert_eq!(s.model_calls, 2);
    assert_eq!(
        (s.input_tokens, s.output_tokens, s.total_tokens),
        (912, 84, 996)
    );
    assert_eq!(s.unpriced_calls, 1);
    assert_eq!(s.errors, 1);
    assert_eq!(s.guardrails_tripped, 1);
    assert_eq!(s.tool_calls, 1);
    assert_eq!(s.handoffs, 1);

    assert_eq!(s.model_names(), ["gpt-4o", "my-local-llm"]);
    let gpt = &s.models[0];
    assert_eq!(
        (gpt.calls, gpt.input_tokens, gpt.output_tokens),
        (1, 812, 64)
    );
    // gpt-4o at $2.50 / $10 per million tokens.
    let expected = 812.0 * 2.5e-6 + 64.0 * 10e-6;
    assert!((gpt.cost_usd - expected).abs() < 1e-9, "{}", gpt.cost_usd);
    assert!(
        (s.cost_usd - expected).abs() < 1e-9,
        "the unpriced call adds nothing"
    );
    let local = &s.models[1];
    assert_eq!((local.calls, local.unpriced_calls), (1, 1));
    assert_eq!(local.cost_usd, 0.0);
    assert!(s
        .to_string()
        .contains("my-local-llm: 1 call, 100 in / 20 out tokens, unpriced"));
}

#[test]
fn the_critical_path_takes_the_longest_child_each_time() {
    let memory = aitrace_sdk::testing::install_in_memory();
    let now = SystemTime::now();
    let ago = |secs: u64| now - Duration::from_secs(secs);

    let run = aitrace::trace("plan").new_root().start();
    run.in_scope(|| {
        // The short agent starts first; the long one lasts about 20 s.
        let short = aitrace::agent("short").with_start_time(ago(3)).start();
        short.in_scope(|| aitrace::tool("quick").with_start_time(ago(2)).start().end());
        short.end();
        let long = aitrace::agent("long").with_start_time(ago(20)).start();
        long.in_scope(|| {
            aitrace::tool("a").with_start_time(ago(4)).start().end();
            let mut call = aitrace::generation("openai", "gpt-4o")
                .with_start_time(ago(10))
                .start();
            call.record_usage(aitrace::Usage::new(10, 10));
            call.end();
            aitrace::tool("b").with_start_time(ago(1)).start().end();
        });
        long.end();
    });
    let trace_id = run.trace_id();
    run.end();

    let s = TraceSummary::from_spans(&memory.spans_of_trace(trace_id));
    let names: Vec<&str> = s.critical_path.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["invoke_workflow plan", "invoke_agent long", "chat gpt-4o"]
    );
    assert!(s.critical_path[1].1 >= Duration::from_secs(20));
    assert!(s.critical_path[2].1 >= Duration::from_secs(10));
    assert!(s.critical_path[2].1 < Duration::from_secs(20));
}
