//! The keep-rule buffer stays within its bounds under a flood of unfinished
//! traces, and reports what it evicted.

use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::keep_rules::{KeepRuleSampler, KeepRules, KeepRulesProcessor};
use opentelemetry::trace::{Span, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SimpleSpanProcessor};
use std::sync::Arc;

#[test]
fn the_buffer_bound_holds_and_counts_evictions() {
    let exporter = InMemoryExporter::new();
    let rules = KeepRules {
        errors: true,
        max_buffered_spans: 100,
        max_buffered_bytes: 64 * 1024,
        ..KeepRules::default()
    };
    let processor = KeepRulesProcessor::new(SimpleSpanProcessor::new(exporter.clone()), rules);
    let stats = processor.stats_handle();
    let processor = Arc::new(processor);
    let provider = SdkTracerProvider::builder()
        .with_sampler(KeepRuleSampler::new(Sampler::AlwaysOff))
        .with_span_processor(SharedProcessor(processor.clone()))
        .build();
    let tracer = provider.tracer("flood");

    // 1000 traces whose roots never end, 5 children each, with some weight.
    let mut roots = Vec::new();
    for i in 0..1000 {
        let root = tracer.start("root");
        let cx = Context::new().with_remote_span_context(root.span_context().clone());
        for _ in 0..5 {
            let mut child = tracer.start_with_context("child", &cx);
            child.set_attribute(KeyValue::new("payload", "x".repeat(200)));
            child.end();
        }
        roots.push(root);
        let held = processor.stats().spans_buffered;
        assert!(held <= 100, "held {held} spans after trace {i}");
    }
    let s = processor.stats();
    assert_eq!(s.spans_evicted + s.spans_buffered, 5000, "{s:?}");
    assert!(s.spans_evicted >= 4900, "{s:?}");
    assert_eq!(
        stats.snapshot().spans_evicted,
        s.spans_evicted,
        "the handle sees the same counters"
    );
    assert!(
        exporter.spans().is_empty(),
        "nothing kept without a rule match"
    );
    drop(roots);
}

#[derive(Debug)]
struct SharedProcessor<P>(Arc<P>);

impl<P: opentelemetry_sdk::trace::SpanProcessor> opentelemetry_sdk::trace::SpanProcessor
    for SharedProcessor<P>
{
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &Context) {
        self.0.on_start(span, cx)
    }
    fn on_end(&self, span: opentelemetry_sdk::trace::SpanData) {
        self.0.on_end(span)
    }
    fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.force_flush()
    }
    fn shutdown_with_timeout(
        &self,
        t: std::time::Duration,
    ) -> opentelemetry_sdk::error::OTelSdkResult {
        self.0.shutdown_with_timeout(t)
    }
}
