//! The tee exporter delivers every batch to each of its exporters, and one
//! failing exporter does not keep the others from theirs.

mod support;
use aitrace_sdk::exporter::{InMemoryExporter, JsonLinesExporter, TeeExporter};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::console::{support_trace_spans, SharedBuf};

/// Fails every call, and counts them.
#[derive(Debug, Default, Clone)]
struct Failing {
    calls: Arc<AtomicUsize>,
    resource: Arc<Mutex<Option<String>>>,
}

impl SpanExporter for Failing {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(OTelSdkError::InternalFailure("collector down".into()))
    }
    fn force_flush(&self) -> OTelSdkResult {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(OTelSdkError::InternalFailure("flush failed".into()))
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(OTelSdkError::Timeout(Duration::from_secs(1)))
    }
    fn set_resource(&mut self, resource: &Resource) {
        *self.resource.lock().unwrap() = resource
            .get(&opentelemetry::Key::from_static_str("service.name"))
            .map(|v| v.to_string());
    }
}

#[tokio::test]
async fn every_exporter_gets_the_batch() {
    let (trace_id, spans) = support_trace_spans();
    let a = InMemoryExporter::new();
    let b = InMemoryExporter::new();
    let json = SharedBuf::default();
    let tee = TeeExporter::new()
        .with(a.clone())
        .with(JsonLinesExporter::new(json.clone()))
        .with(b.clone());
    assert_eq!(tee.len(), 3);
    tee.export(spans.clone()).await.unwrap();
    assert_eq!(a.spans_of_trace(trace_id), spans);
    assert_eq!(b.spans_of_trace(trace_id), spans);
    assert_eq!(json.text().lines().count(), spans.len());
}

#[tokio::test]
async fn a_failing_exporter_is_isolated() {
    let (trace_id, spans) = support_trace_spans();
    let a = InMemoryExporter::new();
    let b = InMemoryExporter::new();
    let failing = Failing::default();
    let mut tee = TeeExporter::new()
        .with(a.clone())
        .with(failing.clone())
        .with(b.clone());

    let result = tee.export(spans.clone()).await;
    assert!(
        matches!(&result, Err(OTelSdkError::InternalFailure(m)) if m == "collector down"),
        "{result:?}"
    );
    assert_eq!(a.spans_of_trace(trace_id).len(), 9);
    assert_eq!(
        b.spans_of_trace(trace_id).len(),
        9,
        "the exporter after the failing one still ran"
    );

    // force_flush, shutdown and set_resource reach every exporter.
    tee.set_resource(&Resource::builder().with_service_name("tee-test").build());
    assert_eq!(
        failing.resource.lock().unwrap().as_deref(),
        Some("tee-test")
    );
    assert!(tee.force_flush().is_err());
    assert!(matches!(tee.shutdown(), Err(OTelSdkError::Timeout(_))));
    assert_eq!(failing.calls.load(Ordering::SeqCst), 3);
}

#[test]
fn works_as_the_exporter_of_a_provider() {
    let a = InMemoryExporter::new();
    let failing = Failing::default();
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
        .with_resource(
            Resource::builder()
                .with_service_name("tee-provider")
                .build(),
        )
        .with_simple_exporter(TeeExporter::new().with(failing.clone()).with(a.clone()))
        .build();
    use opentelemetry::trace::{Tracer, TracerProvider};
    provider.tracer("test").in_span("work", |_| {});
    assert_eq!(a.spans().len(), 1);
    assert_eq!(failing.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        failing.resource.lock().unwrap().as_deref(),
        Some("tee-provider")
    );
    let _ = provider.shutdown();
}
