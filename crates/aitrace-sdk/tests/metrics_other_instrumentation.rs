//! `gen_ai` spans made by other instrumentation (an LLM client's `chat` span, a
//! hand-written `execute_tool` span) count in the GenAI metrics as aitrace's
//! own do, with the cost the pipeline gave them; one inside an aitrace
//! generation is not counted again; and, as a span processor sees only spans
//! that record, an unsampled one is not counted (the documented limit).

use aitrace::instrumentation::with_instrumentation;
use aitrace::Usage;
use aitrace_sdk::metrics::InMemoryMetrics;
use aitrace_sdk::testing::{attr_f64, by_name, install_in_memory};
use opentelemetry::trace::{Span as _, Status, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::{global, Context, KeyValue};

fn library_chat(tracer: &impl Tracer, name: &'static str, input: i64, output: i64) {
    let mut span = tracer.start(name);
    span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
    span.set_attribute(KeyValue::new("gen_ai.provider.name", "openai"));
    span.set_attribute(KeyValue::new("gen_ai.request.model", "gpt-4o"));
    span.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", input));
    span.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", output));
    span.end();
}

#[test]
fn spans_of_other_instrumentation_count_once_when_sampled() {
    let exporter = install_in_memory();
    let tracer = global::tracer_provider().tracer("llm-client");
    let metrics = InMemoryMetrics::new();
    let trace_id = with_instrumentation(metrics.instrumentation(), || {
        let run = aitrace::trace("other").start();
        run.in_scope(|| {
            library_chat(&tracer, "chat gpt-4o (alone)", 1000, 200);
            // Inside an aitrace generation: the generation counts, not this.
            let mut call = aitrace::generation("openai", "gpt-4o").start();
            call.in_scope(|| library_chat(&tracer, "chat gpt-4o (inside)", 1000, 200));
            call.record_usage(Usage::new(1000, 200));
            call.end();
            let mut tool = tracer.start("execute_tool lookup");
            tool.set_attribute(KeyValue::new("gen_ai.operation.name", "execute_tool"));
            tool.set_attribute(KeyValue::new("gen_ai.tool.name", "lookup"));
            tool.set_status(Status::error("timed out"));
            tool.end();
            // A span the sampler dropped reaches no processor.
            let dropped =
                Context::new().with_remote_span_context(opentelemetry::trace::SpanContext::new(
                    run.trace_id(),
                    opentelemetry::trace::SpanId::from_bytes([0, 0, 0, 0, 0, 0, 0, 7]),
                    opentelemetry::trace::TraceFlags::default(),
                    true,
                    Default::default(),
                ));
            let _cx = dropped.attach();
            library_chat(&tracer, "chat gpt-4o (unsampled)", 5, 5);
        });
        let id = run.trace_id();
        run.end();
        id
    });
    let spans = exporter.spans_of_trace(trace_id);
    let alone = by_name(&spans, "chat gpt-4o (alone)");
    let ours = by_name(&spans, "chat gpt-4o");
    let m = metrics.collect();

    let input = [("gen_ai.token.type", "input")];
    assert_eq!(m.sum("gen_ai.client.token.usage", &input), 2000.0, "{m:?}");
    let duration = "gen_ai.client.operation.duration";
    assert_eq!(m.count(duration, &[("gen_ai.provider.name", "openai")]), 2);
    let cost = attr_f64(alone, "ai.cost_usd").unwrap() + attr_f64(ours, "ai.cost_usd").unwrap();
    assert!((m.sum("ai.client.cost", &[]) - cost).abs() < 1e-12);
    // A failed span without `error.type` counts as the conventions' `_OTHER`.
    let failed = [("gen_ai.tool.name", "lookup"), ("error.type", "_OTHER")];
    assert_eq!(m.count("ai.tool.duration", &failed), 1);
}
