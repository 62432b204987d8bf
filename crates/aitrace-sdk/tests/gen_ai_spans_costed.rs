//! A `gen_ai` span that aitrace did not make (here written with the plain
//! OpenTelemetry API, as an LLM client crate would) is typed and costed by the
//! pipeline: the exported span carries the cost, the console tree and summary
//! count the call, and the keep rules see its cost.

mod support;
use aitrace::{PriceTable, Usage};
use aitrace_sdk::config::SamplerConfig;
use aitrace_sdk::exporter::{ConsoleExporter, InMemoryExporter};
use aitrace_sdk::keep_rules::KeepRules;
use aitrace_sdk::testing::{attr_f64, attr_i64, attr_str, by_name};
use opentelemetry::trace::{Span as _, SpanKind, TraceContextExt, Tracer, TracerProvider as _};
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanExporter};
use support::console::SharedBuf;

/// What `gpt-4o-2024-08-06` costs for 1000 in / 200 out, from the bundled table.
fn expected_cost() -> f64 {
    PriceTable::bundled()
        .cost("gpt-4o-2024-08-06", &Usage::new(1000, 200))
        .expect("gpt-4o is priced")
        .total_usd()
}

/// A `chat gpt-4o` CLIENT span as another instrumentation writes it, as the
/// child of a plain root span, in a trace of its own.
fn foreign_call(tracer: &opentelemetry_sdk::trace::SdkTracer) -> opentelemetry::trace::TraceId {
    let root = tracer.start("handle request");
    let cx = opentelemetry::Context::current_with_span(root);
    let mut call = tracer
        .span_builder("chat gpt-4o")
        .with_kind(SpanKind::Client)
        .with_attributes([
            KeyValue::new("gen_ai.operation.name", "chat"),
            KeyValue::new("gen_ai.provider.name", "openai"),
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
        ])
        .start_with_context(tracer, &cx);
    call.set_attribute(KeyValue::new("gen_ai.response.model", "gpt-4o-2024-08-06"));
    call.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", 1000));
    call.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", 200));
    call.end();
    let id = cx.span().span_context().trace_id();
    cx.span().end();
    id
}

#[test]
fn a_foreign_chat_span_is_costed_counted_and_kept() {
    let memory = InMemoryExporter::default();
    let console = SharedBuf::default();
    let console_exporter = ConsoleExporter::with_writer(console.clone());
    // Head sampling drops everything; only the cost rule can keep a trace.
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_sampler(SamplerConfig::AlwaysOff)
        .with_keep_rules(KeepRules {
            costlier_than_usd: Some(expected_cost() / 2.0),
            ..KeepRules::default()
        })
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .with_span_processor(SimpleSpanProcessor::new(console_exporter.clone()))
        .build()
        .expect("pipeline builds");
    let provider = guard.provider().expect("tracing is on").clone();
    let tracer = provider.tracer("some-llm-client");

    let trace_id = foreign_call(&tracer);

    let spans = memory.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 2, "the cost rule kept the whole trace");
    let call = by_name(&spans, "chat gpt-4o");
    assert_eq!(attr_str(call, "ai.span.type"), Some("generation"));
    let cost = attr_f64(call, "ai.cost_usd").expect("costed");
    assert!((cost - expected_cost()).abs() < 1e-12, "{cost}");
    assert_eq!(attr_f64(call, "gen_ai.usage.cost"), Some(cost));
    assert_eq!(
        attr_i64(call, "ai.cost_microcents"),
        Some((expected_cost() * 1e8).round() as i64)
    );
    // The plain root is not a GenAI span and stays as it was.
    let root = by_name(&spans, "handle request");
    assert_eq!(attr_str(root, "ai.span.type"), None);

    console_exporter
        .force_flush()
        .expect("console output written");
    let keep = guard.keep_rule_stats().expect("keep rules are on");
    assert_eq!(keep.traces_kept, 1, "{keep:?}");
    // The console writes from a thread of its own: shut down to read it all.
    guard.shutdown().expect("clean shutdown");
    let out = console.text();
    assert!(
        out.contains("chat gpt-4o") && out.contains("1000 in / 200 out tokens"),
        "{out}"
    );
    assert!(
        out.contains("model calls: 1, tokens 1000 in / 200 out / 1200 total"),
        "{out}"
    );
    assert!(out.contains("gpt-4o-2024-08-06: 1 call"), "{out}");
}

#[test]
fn a_span_that_brings_its_own_cost_keeps_it() {
    let memory = InMemoryExporter::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .build()
        .expect("pipeline builds");
    let tracer = guard.provider().expect("on").tracer("other");
    let mut span = tracer.start("chat some-model");
    span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
    span.set_attribute(KeyValue::new("gen_ai.request.model", "gpt-4o"));
    span.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", 1000));
    span.set_attribute(KeyValue::new("gen_ai.usage.cost", 0.5));
    let trace_id = span.span_context().trace_id();
    span.end();
    let spans = memory.spans_of_trace(trace_id);
    assert_eq!(attr_f64(&spans[0], "gen_ai.usage.cost"), Some(0.5));
    assert_eq!(attr_f64(&spans[0], "ai.cost_usd"), None, "no second cost");
    let summary = aitrace_sdk::summary::TraceSummary::from_spans(&spans);
    assert_eq!(summary.model_calls, 1);
    assert_eq!(summary.cost_usd, 0.5);
    guard.shutdown().expect("clean shutdown");
}
