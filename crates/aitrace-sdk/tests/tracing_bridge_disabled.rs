//! With tracing disabled, the `tracing` layer still works: nothing is recorded,
//! nothing panics, and `tracing` and aitrace spans keep valid, shared trace ids.

use aitrace_sdk::tracing_bridge::tracing_opentelemetry::OpenTelemetrySpanExt;
use opentelemetry::trace::{TraceContextExt, TraceId};
use tracing_subscriber::layer::SubscriberExt;

#[test]
fn the_layer_works_with_tracing_disabled() {
    let guard = aitrace_sdk::Builder::new()
        .with_disabled(true)
        .install()
        .expect("a disabled pipeline installs");
    assert!(guard.provider().is_none());
    let subscriber = tracing_subscriber::registry().with(guard.tracing_layer());
    tracing::subscriber::with_default(subscriber, || {
        let request = tracing::info_span!("GET /chat");
        let _g = request.enter();
        let outer = request.context().span().span_context().clone();
        assert!(outer.is_valid(), "a tracing span has ids");
        assert!(!outer.is_sampled(), "and records nothing");
        let agent = aitrace::agent("triage").start();
        assert!(!agent.is_recording());
        assert_eq!(agent.trace_id(), outer.trace_id(), "one trace id");
        let inner = agent.in_scope(|| tracing::info_span!("lookup"));
        let inner_cx = inner.context().span().span_context().clone();
        assert!(inner_cx.is_valid());
        assert_eq!(inner_cx.trace_id(), outer.trace_id());
        assert_ne!(inner_cx.trace_id(), TraceId::INVALID);
        agent.end();
    });
    let report = guard.shutdown().expect("nothing to lose");
    assert_eq!(report.stats.exported, 0);
}
