//! The runtime OTLP export runs on: one small tokio runtime that aitrace owns.
//!
//! The application may have no async runtime, a multi-thread one, or a
//! current-thread one, and may shut down inside or outside it. Export never
//! borrows the application's runtime: requests run on this runtime's own thread,
//! and the batch processor's thread only hands them over (and waits for the
//! previous one to end). Dropping it never blocks (so it is safe inside an
//! async context).

use std::future::Future;
use std::sync::Arc;

/// A dedicated single-worker tokio runtime, shared by the exporters of one pipeline.
#[derive(Clone, Debug)]
pub(crate) struct ExportRuntime {
    inner: Arc<Owned>,
}

#[derive(Debug)]
struct Owned(Option<tokio::runtime::Runtime>);

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl ExportRuntime {
    pub(crate) fn new() -> std::io::Result<ExportRuntime> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("aitrace-export")
            .enable_all()
            .build()?;
        Ok(ExportRuntime {
            inner: Arc::new(Owned(Some(rt))),
        })
    }

    fn rt(&self) -> &tokio::runtime::Runtime {
        self.inner
            .0
            .as_ref()
            .expect("the runtime lives until Owned drops")
    }

    /// Runs `f` with this runtime as the ambient one (to build clients that spawn).
    pub(crate) fn enter<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.rt().enter();
        f()
    }

    /// Runs `future` on this runtime; the returned future can be awaited from any
    /// executor (including `futures_executor::block_on` on the processor's thread).
    pub(crate) fn spawn<F>(&self, future: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt().spawn(future)
    }
}
