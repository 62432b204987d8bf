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
        self.recorded
            .saturating_sub(self.exported + self.failed + self.dropped)
    }
}

// The counting methods are called by the OTLP exporter only: without the `otlp`
// feature (as `aitrace-cli` builds the SDK) they are unused, and that is fine.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
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

    pub(crate) fn add_exported(&self, n: u64) {
        self.inner.exported.fetch_add(n, Ordering::Release);
    }

    /// Counts a span dropped because the queue was full; true the first time (to log once).
    pub(crate) fn add_dropped(&self) -> bool {
        self.inner.dropped.fetch_add(1, Ordering::Relaxed) == 0
    }

    /// Counts a span bound for a queue of `capacity` spans. `Ok` when it fits (it
    /// is then in flight until exported or failed); `Err(first)` when `capacity`
    /// spans are already in flight: the span is counted as dropped, and `first` is
    /// true for the first drop (to log once).
    ///
    /// The check and the count are one atomic step (a compare-and-swap on
    /// `recorded`), so threads ending spans at the same time never admit more than
    /// `capacity` spans in flight, and a queue of that capacity behind this check
    /// never overflows (which would lose spans without counting them).
    pub(crate) fn admit(&self, capacity: u64) -> Result<(), bool> {
        let c = &self.inner;
        let mut recorded = c.recorded.load(Ordering::Acquire);
        loop {
            // Read after `recorded`, these can only be at least as large as they were
            // then: the estimate of spans in flight errs on the high side.
            let settled = c.exported.load(Ordering::Acquire)
                + c.failed.load(Ordering::Acquire)
                + c.dropped.load(Ordering::Acquire);
            if recorded.saturating_sub(settled) >= capacity {
                c.recorded.fetch_add(1, Ordering::AcqRel);
                return Err(self.add_dropped());
            }
            match c.recorded.compare_exchange_weak(
                recorded,
                recorded + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => recorded = now,
            }
        }
    }

    /// Counts a failed export; returns true the first time (to log once).
    pub(crate) fn add_failed(&self, n: u64) -> bool {
        self.inner.failed.fetch_add(n, Ordering::Release);
        self.inner.export_errors.fetch_add(1, Ordering::Relaxed) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Threads released together at an empty queue admit exactly `capacity`
    /// spans between them; every other span is counted as dropped, and only the
    /// first drop asks to be logged.
    #[test]
    fn admission_never_exceeds_the_capacity() {
        const THREADS: usize = 8;
        const CAPACITY: u64 = 5;
        for _ in 0..200 {
            let stats = ExportStats::default();
            let barrier = std::sync::Barrier::new(THREADS);
            let (admitted, first_drops) = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            (0..4).fold((0u64, 0u64), |(a, f), _| match stats.admit(CAPACITY) {
                                Ok(()) => (a + 1, f),
                                Err(first) => (a, f + u64::from(first)),
                            })
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap())
                    .fold((0, 0), |(a, f), (x, y)| (a + x, f + y))
            });
            let s = stats.snapshot();
            assert_eq!(admitted, CAPACITY, "{s:?}");
            assert_eq!(first_drops, 1);
            assert_eq!(
                (s.recorded, s.dropped, s.unaccounted()),
                (4 * THREADS as u64, s.recorded - CAPACITY, CAPACITY)
            );
        }
    }
}
