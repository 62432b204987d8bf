//! Under a span the sampler dropped, children are not recorded either, keep the
//! trace id (so it still propagates downstream, unsampled), and get their own ids.

use aitrace_sdk::exporter::InMemoryExporter;
use opentelemetry::global;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};

#[test]
fn children_of_a_dropped_root_share_its_trace_and_record_nothing() {
    let exporter = InMemoryExporter::new();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            0.0,
        ))))
        .with_simple_exporter(exporter.clone())
        .build();
    global::set_tracer_provider(provider.clone());

    let run = aitrace::trace("dropped").start();
    assert!(!run.is_recording());
    let root = run.span_context();
    assert!(root.is_valid() && !root.is_sampled());
    let (agent, tool) = run.in_scope(|| {
        let agent = aitrace::agent("a").start();
        let tool = agent.in_scope(|| aitrace::tool("t").start());
        (agent, tool)
    });
    for child in [agent.span_context(), tool.span_context()] {
        assert_eq!(child.trace_id(), root.trace_id());
        assert!(child.is_valid() && !child.is_sampled() && !child.is_remote());
    }
    assert_ne!(agent.span_id(), root.span_id());
    assert_ne!(tool.span_id(), agent.span_id());
    assert!(!agent.is_recording() && !tool.is_recording());
    assert_eq!(
        tool.context().span().span_context().span_id(),
        tool.span_id()
    );
    tool.end();
    agent.end();
    run.end();
    provider.force_flush().unwrap();
    assert!(exporter.spans().is_empty());
}
