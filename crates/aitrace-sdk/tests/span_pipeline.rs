//! The span pipeline `install()` gives the span API decides as the provider's
//! sampler does: a ratio keeps its share of traces (not the square of it), each
//! root is recorded exactly when the SDK's ratio sampler keeps its trace id, and
//! the exported span carries that id; dropped spans keep valid ids and drop their
//! children; after shutdown spans follow the global provider again.
//!
//! One test: the pipeline is process-wide.

use aitrace_sdk::config::{ExporterKind, SamplerConfig};
use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::Builder;
use opentelemetry::trace::{SpanKind, TraceId};
use opentelemetry_sdk::trace::{
    Sampler, SamplingDecision, SdkTracerProvider, ShouldSample, SimpleSpanProcessor,
};
use std::collections::HashSet;

/// What the SDK's own ratio sampler decides for a root with `trace_id`.
fn sdk_keeps(ratio: f64, trace_id: TraceId) -> bool {
    Sampler::TraceIdRatioBased(ratio)
        .should_sample(None, trace_id, "any", &SpanKind::Internal, &[], &[])
        .decision
        == SamplingDecision::RecordAndSample
}

#[test]
fn the_span_pipeline_decides_as_the_provider() {
    const RATIO: f64 = 0.5;
    const ROOTS: usize = 4_000;
    let exporter = InMemoryExporter::with_capacity(100_000);
    let guard = Builder::new()
        .with_exporters(Vec::<ExporterKind>::new())
        .with_sampler(SamplerConfig::ParentBasedTraceIdRatio(RATIO))
        .with_span_processor(SimpleSpanProcessor::new(exporter.clone()))
        .install()
        .expect("installs");
    assert!(
        aitrace::instrumentation::current_instrumentation()
            .pipeline()
            .is_some(),
        "install() gives the span API its pipeline"
    );

    // Roots: recorded exactly when the SDK's ratio sampler keeps their trace id.
    let mut recorded = HashSet::new();
    for i in 0..ROOTS {
        let agent = aitrace::agent(format!("agent {i}")).start();
        let id = agent.trace_id();
        assert_ne!(id, TraceId::INVALID);
        assert_eq!(
            agent.is_recording(),
            sdk_keeps(RATIO, id),
            "root {i} with trace id {id}: the head decision is the SDK's for that id"
        );
        assert_eq!(agent.span_context().is_sampled(), agent.is_recording());
        // A child follows its root, recorded or dropped, in the same trace.
        let tool = aitrace::tool("search").child_of(agent.context()).start();
        assert_eq!(tool.trace_id(), id);
        assert_eq!(tool.is_recording(), agent.is_recording());
        assert_ne!(tool.span_id(), agent.span_id());
        if agent.is_recording() {
            recorded.insert(id);
        }
        tool.end();
        agent.end();
    }
    // The share is the ratio, not its square (a decision taken twice on two ids):
    // 4.5 standard deviations of a binomial share at n = 4,000 is 0.036.
    let share = recorded.len() as f64 / ROOTS as f64;
    assert!(
        (share - RATIO).abs() < 0.036,
        "kept {share} of roots with ratio {RATIO}"
    );
    // What was exported: both spans of each kept trace, under the id decided on.
    let spans = exporter.spans();
    assert_eq!(spans.len(), 2 * recorded.len(), "two spans per kept trace");
    for s in &spans {
        assert!(
            recorded.contains(&s.span_context.trace_id()),
            "exported span {} of a trace that was not kept",
            s.name
        );
    }

    // Another provider installed by hand while the guard lives: aitrace's spans
    // stay on the pipeline of the guard (documented), until it shuts down.
    let other = InMemoryExporter::with_capacity(1_000);
    let replacement = SdkTracerProvider::builder()
        .with_span_processor(SimpleSpanProcessor::new(other.clone()))
        .build();
    opentelemetry::global::set_tracer_provider(replacement.clone());
    let before = exporter.spans().len();
    let mut kept_id = None;
    while kept_id.is_none() {
        let agent = aitrace::agent("while the guard lives").start();
        kept_id = agent.is_recording().then(|| agent.trace_id());
        agent.end();
    }
    assert!(exporter.spans().len() > before);
    assert!(
        other.spans().is_empty(),
        "the replacement got aitrace's span"
    );

    guard.shutdown().expect("shuts down");
    assert!(
        aitrace::instrumentation::current_instrumentation()
            .pipeline()
            .is_none(),
        "shutdown removes the pipeline"
    );
    let after = aitrace::agent("after shutdown").start();
    assert!(after.is_recording(), "the replacement samples everything");
    let after_id = after.trace_id();
    after.end();
    let theirs = other.spans();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].span_context.trace_id(), after_id);
    assert_eq!(theirs[0].name, "invoke_agent after shutdown");
    assert_eq!(
        theirs[0].instrumentation_scope.name(),
        aitrace::pipeline::instrumentation_scope().name()
    );
}
