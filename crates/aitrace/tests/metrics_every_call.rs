//! Every generation, embeddings call, tool call, agent run and guardrail check
//! counts in the metrics, whether or not its trace is sampled: the same calls
//! under a dropped parent and under a sampled one record the same metrics, and
//! a disabled API or one without instruments records none.

use aitrace::instrumentation::{with_instrumentation, Instrumentation};
use aitrace::opentelemetry::trace::{TraceContextExt, TraceState};
use aitrace::{
    Context, GuardrailType, PriceTable, SpanContext, SpanId, TraceFlags, TraceId, Usage,
};
use aitrace_sdk::metrics::{InMemoryMetrics, MetricsSnapshot};
use aitrace_sdk::testing::install_in_memory;

/// A parent whose sampling decision was "drop" (as if it came in a
/// `traceparent` with flags 00): the default parent-based sampler drops its
/// children, and their children are decided by aitrace without the provider.
fn dropped_parent() -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::default(),
        true,
        TraceState::NONE,
    ))
}

/// One agent run: a guardrail that trips, a generation, a failed tool, an
/// embeddings call; returns whether the spans recorded.
fn agent_run(parent: &Context) -> bool {
    let agent = aitrace::agent("triage")
        .with_provider("openai")
        .with_model("gpt-4o")
        .child_of(parent)
        .start();
    let recorded = agent.is_recording();
    agent.in_scope(|| {
        let check = aitrace::guardrail("pii_check")
            .with_type(GuardrailType::Input)
            .start();
        check.trip("an email address");
        check.end();

        let mut call = aitrace::generation("openai", "gpt-4o").start();
        assert_eq!(call.is_recording(), recorded);
        call.record_response_model("gpt-4o-2024-08-06");
        call.record_usage(
            Usage::new(1000, 200)
                .with_cache_read(400)
                .with_reasoning(50),
        );
        call.end();

        let tool = aitrace::tool("search_kb").with_type("function").start();
        tool.end_with_error(&std::io::Error::other("connection reset"));

        let mut embed = aitrace::embeddings("openai", "in-house-embedder").start();
        embed.record_usage(300);
        embed.end();
    });
    agent.end();
    recorded
}

fn expect_one_run(m: &MetricsSnapshot, runs: f64) {
    let model = [("gen_ai.response.model", "gpt-4o-2024-08-06")];
    assert_eq!(
        m.count("gen_ai.client.operation.duration", &model),
        runs as u64
    );
    let input = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.token.type", "input"),
    ];
    let output = [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.token.type", "output"),
    ];
    assert_eq!(m.sum("gen_ai.client.token.usage", &input), 1000.0 * runs);
    assert_eq!(m.sum("gen_ai.client.token.usage", &output), 200.0 * runs);
    assert_eq!(m.sum("ai.client.token.cache_read", &model), 400.0 * runs);
    assert_eq!(m.sum("ai.client.token.reasoning", &model), 50.0 * runs);
    // Priced as the span is: the model that answered, from the bundled table.
    let usage = Usage::new(1000, 200)
        .with_cache_read(400)
        .with_reasoning(50);
    let chat = PriceTable::bundled()
        .cost("gpt-4o-2024-08-06", &usage)
        .unwrap()
        .total_usd();
    let cost = m.sum("ai.client.cost", &[("gen_ai.operation.name", "chat")]);
    assert!(
        (cost - chat * runs).abs() < 1e-12,
        "{cost} != {}",
        chat * runs
    );
    // The embeddings model has no price: it adds nothing, not even a zero.
    assert!(PriceTable::bundled().get("in-house-embedder").is_none());
    let unpriced = [("gen_ai.operation.name", "embeddings")];
    assert_eq!(m.find("ai.client.cost", &unpriced).count(), 0);
    let embeddings = [("gen_ai.operation.name", "embeddings")];
    assert_eq!(
        m.sum("gen_ai.client.token.usage", &embeddings),
        300.0 * runs
    );
    assert_eq!(
        m.count("gen_ai.client.operation.duration", &embeddings),
        runs as u64
    );
    assert_eq!(
        m.count(
            "ai.tool.duration",
            &[
                ("gen_ai.tool.name", "search_kb"),
                ("error.type", "std::io::error::Error")
            ]
        ),
        runs as u64
    );
    assert_eq!(
        m.count("ai.agent.duration", &[("gen_ai.agent.name", "triage")]),
        runs as u64
    );
    assert_eq!(
        m.sum(
            "ai.guardrail.checks",
            &[
                ("ai.guardrail.name", "pii_check"),
                ("ai.guardrail.triggered", "true")
            ]
        ),
        runs
    );
}

#[test]
fn unsampled_calls_count_like_sampled_ones() {
    let exporter = install_in_memory();
    let sampled = InMemoryMetrics::new();
    let recorded = with_instrumentation(sampled.instrumentation(), || agent_run(&Context::new()));
    assert!(recorded, "the sampled run records");
    let dropped = InMemoryMetrics::new();
    let recorded = with_instrumentation(dropped.instrumentation(), || {
        agent_run(&dropped_parent()) || agent_run(&dropped_parent())
    });
    assert!(!recorded, "the dropped runs record no span");
    expect_one_run(&sampled.collect(), 1.0);
    expect_one_run(&dropped.collect(), 2.0);
    // And the sampled generation's span carries the cost the metric counted.
    let spans = exporter.spans();
    let span = spans
        .iter()
        .rev()
        .find(|s| s.name == "chat gpt-4o")
        .expect("the sampled generation was exported");
    let span_cost = aitrace_sdk::testing::attr_f64(span, "ai.cost_usd").unwrap();
    let metric_cost = sampled
        .collect()
        .sum("ai.client.cost", &[("gen_ai.operation.name", "chat")]);
    assert_eq!(span_cost, metric_cost);
}

#[test]
fn nothing_is_recorded_while_disabled_or_without_instruments() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    let off = metrics.instrumentation().with_enabled(false);
    with_instrumentation(off, || agent_run(&Context::new()));
    assert!(metrics.collect().is_empty(), "{:?}", metrics.collect());
    // No instruments: the spans still record, nothing is counted anywhere.
    let none = Instrumentation::new();
    assert!(none.metrics().is_none());
    assert!(with_instrumentation(none, || agent_run(&Context::new())));
    assert!(metrics.collect().is_empty());
}
