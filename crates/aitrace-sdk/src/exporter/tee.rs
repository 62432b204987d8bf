//! An exporter that hands every batch to several exporters.

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, Instant};

type ExportFuture<'a> = Pin<Box<dyn Future<Output = OTelSdkResult> + Send + 'a>>;

/// The object-safe face of a [`SpanExporter`], whose `export` returns an
/// opaque future and so cannot be called through `dyn`.
trait DynExporter: Send + Sync + fmt::Debug {
    fn export_boxed(&self, batch: Vec<SpanData>) -> ExportFuture<'_>;
    fn shutdown_boxed(&self, timeout: Duration) -> OTelSdkResult;
    fn force_flush_boxed(&self) -> OTelSdkResult;
    fn set_resource_boxed(&mut self, resource: &Resource);
}

impl<E: SpanExporter + 'static> DynExporter for E {
    fn export_boxed(&self, batch: Vec<SpanData>) -> ExportFuture<'_> {
        Box::pin(SpanExporter::export(self, batch))
    }
    fn shutdown_boxed(&self, timeout: Duration) -> OTelSdkResult {
        SpanExporter::shutdown_with_timeout(self, timeout)
    }
    fn force_flush_boxed(&self) -> OTelSdkResult {
        SpanExporter::force_flush(self)
    }
    fn set_resource_boxed(&mut self, resource: &Resource) {
        SpanExporter::set_resource(self, resource)
    }
}

/// Sends every batch to each of its exporters, which may be of different types:
/// for example the console tree while developing and OTLP to a collector.
///
/// The exports run concurrently and all of them run to completion: one that
/// fails, or panics, does not stop the others. The result is the first error,
/// in the order the exporters were added. `force_flush`, shutdown and
/// `set_resource` reach every exporter the same way; shutdown shares its
/// timeout among them.
///
/// ```
/// use aitrace_sdk::exporter::{InMemoryExporter, JsonLinesExporter, TeeExporter};
/// use aitrace_sdk::opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let memory = InMemoryExporter::new();
/// let tee = TeeExporter::new()
///     .with(memory.clone())
///     .with(JsonLinesExporter::new(std::io::sink()));
/// let provider = SdkTracerProvider::builder().with_simple_exporter(tee).build();
/// aitrace::opentelemetry::global::set_tracer_provider(provider.clone());
///
/// aitrace::tool("search_kb").start().end();
/// assert_eq!(memory.spans().len(), 1);
/// provider.shutdown().unwrap();
/// ```
#[derive(Debug, Default)]
pub struct TeeExporter {
    exporters: Vec<Box<dyn DynExporter>>,
}

impl TeeExporter {
    /// A tee with no exporter yet (exporting to it does nothing).
    pub fn new() -> Self {
        TeeExporter::default()
    }

    /// Adds an exporter.
    pub fn with(mut self, exporter: impl SpanExporter + 'static) -> Self {
        self.push(exporter);
        self
    }

    /// Adds an exporter.
    pub fn push(&mut self, exporter: impl SpanExporter + 'static) {
        self.exporters.push(Box::new(exporter));
    }

    /// How many exporters it sends to.
    pub fn len(&self) -> usize {
        self.exporters.len()
    }

    /// True when it has no exporter.
    pub fn is_empty(&self) -> bool {
        self.exporters.is_empty()
    }
}

fn panicked(what: &str, index: usize) -> OTelSdkError {
    OTelSdkError::InternalFailure(format!(
        "tee exporter: exporter #{index} panicked in {what}"
    ))
}

/// Runs `f` for each exporter, catching panics; the first error wins.
fn each(
    exporters: &[Box<dyn DynExporter>],
    what: &str,
    mut f: impl FnMut(&dyn DynExporter) -> OTelSdkResult,
) -> OTelSdkResult {
    let mut first = Ok(());
    for (i, e) in exporters.iter().enumerate() {
        let result = catch_unwind(AssertUnwindSafe(|| f(e.as_ref())))
            .unwrap_or_else(|_| Err(panicked(what, i)));
        if first.is_ok() {
            first = result;
        }
    }
    first
}

impl SpanExporter for TeeExporter {
    async fn export(&self, mut batch: Vec<SpanData>) -> OTelSdkResult {
        let n = self.exporters.len();
        let mut futures: Vec<Option<ExportFuture<'_>>> = Vec::with_capacity(n);
        let mut results: Vec<Option<OTelSdkResult>> = Vec::with_capacity(n);
        for (i, e) in self.exporters.iter().enumerate() {
            let spans = if i + 1 == n {
                std::mem::take(&mut batch)
            } else {
                batch.clone()
            };
            match catch_unwind(AssertUnwindSafe(|| e.export_boxed(spans))) {
                Ok(future) => {
                    futures.push(Some(future));
                    results.push(None);
                }
                Err(_) => {
                    futures.push(None);
                    results.push(Some(Err(panicked("export", i))));
                }
            }
        }
        // Poll every export until all are done.
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (i, slot) in futures.iter_mut().enumerate() {
                let Some(future) = slot else { continue };
                match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                    Ok(Poll::Ready(result)) => {
                        results[i] = Some(result);
                        *slot = None;
                    }
                    Ok(Poll::Pending) => pending = true,
                    Err(_) => {
                        results[i] = Some(Err(panicked("export", i)));
                        *slot = None;
                    }
                }
            }
            if pending {
                Poll::Pending
            } else {
                Poll::Ready(())
            }
        })
        .await;
        results
            .into_iter()
            .flatten()
            .find(Result::is_err)
            .unwrap_or(Ok(()))
    }

    fn force_flush(&self) -> OTelSdkResult {
        each(&self.exporters, "force_flush", |e| e.force_flush_boxed())
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = Instant::now() + timeout;
        each(&self.exporters, "shutdown", |e| {
            e.shutdown_boxed(deadline.saturating_duration_since(Instant::now()))
        })
    }

    fn set_resource(&mut self, resource: &Resource) {
        for e in &mut self.exporters {
            let _ = catch_unwind(AssertUnwindSafe(|| e.set_resource_boxed(resource)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exporter::InMemoryExporter;
    use crate::summary::test_spans::span;

    #[derive(Debug)]
    struct Failing;
    impl SpanExporter for Failing {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            Err(OTelSdkError::InternalFailure("down".into()))
        }
    }

    #[derive(Debug)]
    struct Panicking;
    impl SpanExporter for Panicking {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            panic!("exporter bug")
        }
        fn force_flush(&self) -> OTelSdkResult {
            panic!("exporter bug")
        }
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_panicking_exporter_is_contained() {
        let a = InMemoryExporter::new();
        let b = InMemoryExporter::new();
        let tee = TeeExporter::new()
            .with(a.clone())
            .with(Panicking)
            .with(Failing)
            .with(b.clone());
        let result = block_on(tee.export(vec![span(1, 0, "s", 0, 1, vec![])]));
        assert!(
            matches!(&result, Err(OTelSdkError::InternalFailure(m)) if m.contains("#1 panicked")),
            "{result:?}"
        );
        assert_eq!((a.spans().len(), b.spans().len()), (1, 1));
        assert!(tee.force_flush().is_err());
        assert!(tee.shutdown().is_ok());
    }

    #[test]
    fn an_empty_tee_succeeds() {
        let tee = TeeExporter::new();
        assert!(tee.is_empty());
        assert!(block_on(tee.export(vec![])).is_ok());
    }
}
