//! A model call made by an OpenInference instrumentation (its own names only:
//! `openinference.span.kind`, `llm.token_count.*`, `llm.model_name`) counts in
//! the GenAI metrics with its tokens, its model and the cost the pipeline gave it.

use aitrace::instrumentation::with_instrumentation;
use aitrace_sdk::metrics::InMemoryMetrics;
use aitrace_sdk::testing::{attr_f64, by_name, install_in_memory};
use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
use opentelemetry::{global, KeyValue};

#[test]
fn an_openinference_model_call_counts_with_its_model_and_cost() {
    let exporter = install_in_memory();
    let tracer = global::tracer_provider().tracer("openinference.instrumentation.openai");
    let metrics = InMemoryMetrics::new();
    let trace_id = with_instrumentation(metrics.instrumentation(), || {
        let run = aitrace::trace("python-style").start();
        run.in_scope(|| {
            let mut span = tracer.start("ChatCompletion");
            span.set_attribute(KeyValue::new("openinference.span.kind", "LLM"));
            span.set_attribute(KeyValue::new("llm.model_name", "gpt-4o-mini-2024-07-18"));
            span.set_attribute(KeyValue::new("llm.token_count.prompt", 1200));
            span.set_attribute(KeyValue::new("llm.token_count.completion", 300));
            span.end();
        });
        let id = run.trace_id();
        run.end();
        id
    });
    let spans = exporter.spans_of_trace(trace_id);
    let chat = by_name(&spans, "ChatCompletion");
    let m = metrics.collect();
    let model = ("gen_ai.response.model", "gpt-4o-mini-2024-07-18");
    let input = [("gen_ai.token.type", "input"), model];
    let output = [("gen_ai.token.type", "output"), model];
    assert_eq!(m.sum("gen_ai.client.token.usage", &input), 1200.0, "{m:?}");
    assert_eq!(m.sum("gen_ai.client.token.usage", &output), 300.0, "{m:?}");
    let cost = attr_f64(chat, "ai.cost_usd").expect("priced by the pipeline");
    assert!(
        (m.sum("ai.client.cost", &[model]) - cost).abs() < 1e-12,
        "{m:?}"
    );
}
