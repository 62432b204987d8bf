//! A model call that is both an aitrace generation and a `gen_ai` span of the
//! client library inside it is counted once: the aitrace span carries usage and
//! cost, the library's span is passed on untouched.

use aitrace::Usage;
use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::summary::TraceSummary;
use aitrace_sdk::testing::{attr_f64, attr_str, by_name};
use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::SimpleSpanProcessor;

/// The client library's span for the same request, started in the current context.
fn library_span(tracer: &opentelemetry_sdk::trace::SdkTracer, name: &'static str) {
    let mut span = tracer.start(name);
    span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
    span.set_attribute(KeyValue::new("gen_ai.request.model", "gpt-4o"));
    span.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", 812));
    span.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", 64));
    span.end();
}

#[test]
fn a_library_span_inside_an_aitrace_generation_is_not_counted_again() {
    let memory = InMemoryExporter::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .install()
        .expect("pipeline installs");
    let tracer = guard.provider().expect("on").tracer("llm-client");

    let run = aitrace::trace("support").start();
    run.in_scope(|| {
        let mut call = aitrace::generation("openai", "gpt-4o").start();
        call.in_scope(|| {
            // The library's span, and one more level below it (an HTTP span
            // with usage would be odd, but must not count either).
            library_span(&tracer, "chat gpt-4o (library)");
        });
        call.record_usage(Usage::new(812, 64));
        call.end();
        // The same library used outside an aitrace generation is counted.
        library_span(&tracer, "chat gpt-4o (alone)");
    });
    let trace_id = run.trace_id();
    run.end();

    let spans = memory.spans_of_trace(trace_id);
    let ours = by_name(&spans, "chat gpt-4o");
    let inside = by_name(&spans, "chat gpt-4o (library)");
    let alone = by_name(&spans, "chat gpt-4o (alone)");
    assert_eq!(inside.parent_span_id, ours.span_context.span_id());
    assert_eq!(attr_str(inside, "ai.span.type"), None);
    assert_eq!(attr_f64(inside, "ai.cost_usd"), None);
    assert_eq!(attr_f64(inside, "gen_ai.usage.cost"), None);
    assert_eq!(attr_str(alone, "ai.span.type"), Some("generation"));

    let one_call = attr_f64(ours, "ai.cost_usd").expect("priced");
    assert_eq!(attr_f64(alone, "ai.cost_usd"), Some(one_call));
    let summary = TraceSummary::from_spans(&spans);
    assert_eq!(summary.model_calls, 2, "ours and the lone library call");
    assert_eq!((summary.input_tokens, summary.output_tokens), (1624, 128));
    assert!((summary.cost_usd - 2.0 * one_call).abs() < 1e-12);
    guard.shutdown().expect("clean shutdown");
}
