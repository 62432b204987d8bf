//! [`Fanout`]: one span processor in front of several.

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::time::Duration;

/// Sends each span to several processors, in order, so that what sits in front
/// (the keep rules, `GenAiSpans`) handles each span once.
///
/// Every processor is flushed and shut down even when an earlier one fails; the
/// first error is returned. The processors shut down at the same time, each
/// within the caller's timeout, so that the whole pipeline keeps it and a slow
/// one does not eat the others' time.
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
        // At the same time, each with the whole timeout: a console exporter
        // waiting for a terminal that does not read must not leave the OTLP
        // exporter no time.
        let results: Vec<OTelSdkResult> = match self.0.as_slice() {
            [] => Vec::new(),
            [only] => vec![only.shutdown_with_timeout(timeout)],
            [rest @ .., last] => std::thread::scope(|scope| {
                let others: Vec<_> = rest
                    .iter()
                    .map(|p| scope.spawn(move || p.shutdown_with_timeout(timeout)))
                    .collect();
                let mine = last.shutdown_with_timeout(timeout);
                let mut results: Vec<OTelSdkResult> = others
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(OTelSdkError::InternalFailure(
                                "a span processor panicked while shutting down".into(),
                            ))
                        })
                    })
                    .collect();
                results.push(mine);
                results
            }),
        };
        results.into_iter().collect()
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        for p in &mut self.0 {
            p.set_resource(resource);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Instant;

    /// Needs `needs` to shut down; notes whether it was given that long.
    #[derive(Debug)]
    struct Slow {
        needs: Duration,
        finished: Arc<AtomicBool>,
    }

    impl SpanProcessor for Slow {
        fn on_start(&self, _: &mut Span, _: &Context) {}
        fn on_end(&self, _: SpanData) {}
        fn force_flush(&self) -> OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
            std::thread::sleep(self.needs.min(timeout));
            if timeout < self.needs {
                return Err(OTelSdkError::Timeout(timeout));
            }
            self.finished.store(true, Ordering::SeqCst);
            Ok(())
        }
    }

    /// A processor that uses its whole timeout (a console nobody reads) does
    /// not leave the next one (the OTLP exporter) no time: both get it, and
    /// the whole keeps it.
    #[test]
    fn processors_shut_down_side_by_side_within_the_timeout() {
        let stuck = Arc::new(AtomicBool::new(false));
        let quick = Arc::new(AtomicBool::new(false));
        let fanout = Fanout(vec![
            Box::new(Slow {
                needs: Duration::from_secs(60),
                finished: stuck.clone(),
            }),
            Box::new(Slow {
                needs: Duration::from_millis(100),
                finished: quick.clone(),
            }),
        ]);
        let t0 = Instant::now();
        let result = fanout.shutdown_with_timeout(Duration::from_millis(400));
        let took = t0.elapsed();
        assert!(
            matches!(result, Err(OTelSdkError::Timeout(_))),
            "{result:?}"
        );
        assert!(!stuck.load(Ordering::SeqCst));
        assert!(quick.load(Ordering::SeqCst), "the second had its time");
        assert!(took < Duration::from_secs(2), "{took:?}");
    }
}
