//! Counts of what happened to recorded spans: exported, failed, dropped.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Live counters of one pipeline. Clones share the same counters.
///
/// `recorded` counts spans that ended while sampled; each is then exported,
/// failed (an export was attempted and did not succeed, or the collector rejected
/// it), dropped (the queue was full), or still queued; after shutdown, whatever is
/// in none of those was lost because shutdown ran out of time.
#[derive(Clone, Debug, Default)]
pub struct ExportStats {
    inner: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    recorded: AtomicU64,
    exported: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    export_errors: AtomicU64,
}

/// A point-in-time copy of [`ExportStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Spans that ended while sampled and went to the OTLP pipeline.
    pub recorded: u64,
    /// Spans the collector accepted.
    pub exported: u64,
    /// Spans in exports that failed or were rejected.
    pub failed: u64,
    /// Spans dropped before export because the queue was full.
    pub dropped: u64,
    /// Failed export calls (each may carry many spans).
    pub export_errors: u64,
}

impl StatsSnapshot {
    /// Spans neither exported, failed nor dropped: queued or in flight while
    /// running; after shutdown, spans shutdown had no time to export.
    pub fn unaccounted(&self) -> u64 {
        self.recorded.saturating_sub(self.exported + self.failed + self.dropped)
    }
}

impl ExportStats {
    /// A copy of the counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        let c = &self.inner;
        StatsSnapshot {
            recorded: c.recorded.load(Ordering::Relaxed),
            exported: c.exported.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
            export_errors: c.export_errors.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn add_recorded(&self, n: u64) {
        self.inner.recorded.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn add_exported(&self, n: u64) {
        self.inner.exported.fetch_add(n, Ordering::Relaxed);
    }

    /// Counts a span dropped because the queue was full; true the first time (to log once).
    pub(crate) fn add_dropped(&self) -> bool {
        self.inner.dropped.fetch_add(1, Ordering::Relaxed) == 0
    }

    /// Spans handed on but not yet exported, failed or dropped.
    pub(crate) fn in_flight(&self) -> u64 {
        self.snapshot().unaccounted()
    }

    /// Counts a failed export; returns true the first time (to log once).
    pub(crate) fn add_failed(&self, n: u64) -> bool {
        self.inner.failed.fetch_add(n, Ordering::Relaxed);
        self.inner.export_errors.fetch_add(1, Ordering::Relaxed) == 0
    }
}
