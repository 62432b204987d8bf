//! [`Fanout`]: one span processor in front of several.

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::time::{Duration, Instant};

/// Sends each span to several processors, in order, so that what sits in front
/// (the keep rules, `GenAiSpans`) handles each span once.
///
/// Every processor is flushed and shut down even when an earlier one fails; the
/// first error is returned. Shutdown shares one deadline: each processor gets
/// what is left of it, so that the whole pipeline keeps the caller's timeout.
///
/// ```
/// use aitrace_sdk::exporter::InMemoryExporter;
/// use aitrace_sdk::fanout::Fanout;
/// use aitrace_sdk::opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor};
/// use aitrace::opentelemetry::trace::{Tracer, TracerProvider};
///
/// let (a, b) = (InMemoryExporter::default(), InMemoryExporter::default());
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(Fanout(vec![
///         Box::new(SimpleSpanProcessor::new(a.clone())),
///         Box::new(SimpleSpanProcessor::new(b.clone())),
///     ]))
///     .build();
/// provider.tracer("doc").in_span("twice", |_| {});
/// assert_eq!((a.spans().len(), b.spans().len()), (1, 1));
/// ```
pub struct Fanout(pub Vec<Box<dyn SpanProcessor>>);

impl std::fmt::Debug for Fanout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fanout({} processors)", self.0.len())
    }
}

impl SpanProcessor for Fanout {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        for p in &self.0 {
            p.on_start(span, cx);
        }
    }

    fn on_end(&self, span: SpanData) {
        if let Some((last, rest)) = self.0.split_last() {
            for p in rest {
                p.on_end(span.clone());
            }
            last.on_end(span);
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        let results: Vec<OTelSdkResult> = self.0.iter().map(|p| p.force_flush()).collect();
        results.into_iter().collect()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = Instant::now().checked_add(timeout);
        let results: Vec<OTelSdkResult> = self
            .0
            .iter()
            .map(|p| {
                let left =
                    deadline.map_or(timeout, |d| d.saturating_duration_since(Instant::now()));
                if left.is_zero() {
                    // Still told to stop, with no time to finish anything.
                    let _ = p.shutdown_with_timeout(Duration::ZERO);
                    return Err(OTelSdkError::Timeout(timeout));
                }
                p.shutdown_with_timeout(left)
            })
            .collect();
        results.into_iter().collect()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        for p in &mut self.0 {
            p.set_resource(resource);
        }
    }
}
