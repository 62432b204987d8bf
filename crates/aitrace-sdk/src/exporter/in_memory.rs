//! An exporter that keeps spans in memory, bounded, with queries.

use opentelemetry::trace::TraceId;
use opentelemetry::Value;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Default capacity of [`InMemoryExporter::new`]: 10 000 spans.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Keeps the most recent spans in memory (oldest evicted past the capacity) and
/// answers queries by trace id and by attribute. Clones share the same store.
///
/// ```
/// use aitrace_sdk::exporter::InMemoryExporter;
/// let exporter = InMemoryExporter::with_capacity(1000);
/// let provider = aitrace_sdk::opentelemetry_sdk::trace::SdkTracerProvider::builder()
///     .with_simple_exporter(exporter.clone())
///     .build();
/// # drop(provider);
/// assert!(exporter.spans().is_empty());
/// ```
#[derive(Clone, Debug)]
pub struct InMemoryExporter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    spans: Mutex<VecDeque<SpanData>>,
    capacity: usize,
    evicted: AtomicU64,
}

impl Default for InMemoryExporter {
    fn default() -> Self {
        InMemoryExporter::new()
    }
}

impl InMemoryExporter {
    /// An exporter holding up to [`DEFAULT_CAPACITY`] spans.
    pub fn new() -> Self {
        InMemoryExporter::with_capacity(DEFAULT_CAPACITY)
    }

    /// An exporter holding up to `capacity` spans (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        InMemoryExporter {
            inner: Arc::new(Inner {
                spans: Mutex::new(VecDeque::new()),
                capacity: capacity.max(1),
                evicted: AtomicU64::new(0),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<SpanData>> {
        self.inner.spans.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every span held, oldest first.
    pub fn spans(&self) -> Vec<SpanData> {
        self.lock().iter().cloned().collect()
    }

    /// The spans of one trace, in the order they ended.
    pub fn spans_of_trace(&self, trace_id: TraceId) -> Vec<SpanData> {
        self.filter(|s| s.span_context.trace_id() == trace_id)
    }

    /// The spans carrying `key` with exactly `value`, for example every span of one
    /// conversation: `spans_with_attribute("ai.conversation.id", &"conv-42".into())`.
    pub fn spans_with_attribute(&self, key: &str, value: &Value) -> Vec<SpanData> {
        self.filter(|s| {
            s.attributes
                .iter()
                .any(|kv| kv.key.as_str() == key && &kv.value == value)
        })
    }

    /// The spans for which `f` is true.
    pub fn filter(&self, f: impl Fn(&SpanData) -> bool) -> Vec<SpanData> {
        self.lock().iter().filter(|s| f(s)).cloned().collect()
    }

    /// How many spans were evicted to respect the capacity.
    pub fn evicted(&self) -> u64 {
        self.inner.evicted.load(Ordering::Relaxed)
    }

    /// The capacity in spans.
    pub fn capacity(&self) -> usize {
        self.inner.capacity
    }

    /// Forgets every span held.
    pub fn clear(&self) {
        self.lock().clear();
    }

    pub(crate) fn push(&self, batch: Vec<SpanData>) {
        let mut spans = self.lock();
        for span in batch {
            if spans.len() == self.inner.capacity {
                spans.pop_front();
                self.inner.evicted.fetch_add(1, Ordering::Relaxed);
            }
            spans.push_back(span);
        }
    }
}

impl SpanExporter for InMemoryExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.push(batch);
        Ok(())
    }
}
