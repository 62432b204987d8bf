//! Counts of what happened to recorded spans: exported, failed, dropped; and
//! the last export failure, with its cause.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    printed: AtomicU64,
    discarded: AtomicU64,
    too_large: AtomicU64,
    queued_bytes: AtomicU64,
    last_failure: Mutex<Option<ExportFailure>>,
}

/// What kind of failure kept spans from the collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureKind {
    /// Nothing accepted the connection: the collector is down or the endpoint
    /// is wrong.
    Refused,
    /// TLS failed: the collector's certificate was not trusted, or ours was
    /// refused. Not retried.
    Tls,
    /// No answer in time: within the export timeout, or by the shutdown or flush
    /// deadline.
    Timeout,
    /// The collector answered with an error status (gRPC or HTTP).
    Status,
    /// The connection failed or broke (reset, closed early, name not resolved).
    Connection,
    /// The collector's answer was larger than aitrace reads (a broken or hostile
    /// collector). Not retried.
    ResponseTooLarge,
    /// A span was larger on its own than the request limit; it was dropped, the
    /// rest of its batch sent.
    TooLarge,
    /// The request could not be encoded or compressed. Not retried.
    Encoding,
}

impl FailureKind {
    /// A short name: `refused`, `tls`, `timeout`, `status`, `connection`,
    /// `response too large`, `too large`, `encoding`.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Refused => "refused",
            FailureKind::Tls => "tls",
            FailureKind::Timeout => "timeout",
            FailureKind::Status => "status",
            FailureKind::Connection => "connection",
            FailureKind::ResponseTooLarge => "response too large",
            FailureKind::TooLarge => "too large",
            FailureKind::Encoding => "encoding",
        }
    }
}

/// An export failure: its kind and a description safe to print (the endpoint's
/// credentials and query hidden, the collector's text cut short and cleaned of
/// control characters, header values never included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportFailure {
    /// What kind of failure.
    pub kind: FailureKind,
    /// What happened, for people.
    pub message: String,
}

impl fmt::Display for ExportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A point-in-time copy of [`ExportStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    /// Spans that ended while sampled and went to the OTLP pipeline (the
    /// `exported`, `failed` and `dropped` counts are of these).
    pub recorded: u64,
    /// Spans the collector accepted.
    pub exported: u64,
    /// Spans in exports that failed or were rejected.
    pub failed: u64,
    /// Spans dropped before export because the queue was full.
    pub dropped: u64,
    /// Failed export calls (each may carry many spans).
    pub export_errors: u64,
    /// Spans handed to the console exporter (printed as part of their trace's
    /// tree, or at shutdown as part of a partial one).
    pub printed: u64,
    /// Spans that ended with no exporter to go to (`OTEL_TRACES_EXPORTER=none`
    /// and no processor of yours): discarded on purpose, not lost.
    pub discarded: u64,
    /// Spans larger on their own than the request limit, dropped at export
    /// (included in `failed`).
    pub too_large: u64,
    /// Estimated bytes of the spans queued or being exported, held against the
    /// queue's byte budget.
    pub queued_bytes: u64,
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
            printed: c.printed.load(Ordering::Relaxed),
            discarded: c.discarded.load(Ordering::Relaxed),
            too_large: c.too_large.load(Ordering::Relaxed),
            queued_bytes: c.queued_bytes.load(Ordering::Relaxed),
        }
    }

    /// Counts a span handed to the console exporter.
    pub(crate) fn add_printed(&self) {
        self.inner.printed.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a span that had no exporter to go to.
    pub(crate) fn add_discarded(&self) {
        self.inner.discarded.fetch_add(1, Ordering::Relaxed);
    }

    /// The last export failure, if any: what the collector or the connection
    /// did, safe to print.
    pub fn last_failure(&self) -> Option<ExportFailure> {
        self.inner
            .last_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn set_last_failure(&self, failure: ExportFailure) {
        *self
            .inner
            .last_failure
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(failure);
    }

    /// Counts a span dropped at export for being over the request limit on its
    /// own (also counted as failed); true the first time (to log once).
    pub(crate) fn add_too_large(&self) -> bool {
        self.inner.failed.fetch_add(1, Ordering::Release);
        self.inner.too_large.fetch_add(1, Ordering::Relaxed) == 0
    }

    /// Gives back the byte budget held by spans that were exported or failed.
    pub(crate) fn release_bytes(&self, bytes: u64) {
        let _ = self
            .inner
            .queued_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| {
                Some(b.saturating_sub(bytes))
            });
    }

    pub(crate) fn add_exported(&self, n: u64) {
        self.inner.exported.fetch_add(n, Ordering::Release);
    }

    /// Counts a span dropped because the queue was full; true the first time (to log once).
    pub(crate) fn add_dropped(&self) -> bool {
        self.inner.dropped.fetch_add(1, Ordering::Relaxed) == 0
    }

    /// Counts a span of `bytes` estimated bytes bound for a queue of `capacity`
    /// spans and `max_bytes` bytes. `Ok` when it fits (it is then in flight until
    /// exported or failed, and holds its bytes until [`ExportStats::release_bytes`]);
    /// `Err(first)` when `capacity` spans are already in flight or its bytes would
    /// pass `max_bytes`: the span is counted as dropped, and `first` is true for
    /// the first drop (to log once).
    ///
    /// The count check and the count are one atomic step (a compare-and-swap on
    /// `recorded`), so threads ending spans at the same time never admit more than
    /// `capacity` spans in flight, and a queue of that capacity behind this check
    /// never overflows (which would lose spans without counting them). The bytes
    /// are reserved first and given back if the span is refused.
    pub(crate) fn admit(&self, capacity: u64, max_bytes: u64, bytes: u64) -> Result<(), bool> {
        let c = &self.inner;
        let reserved = c
            .queued_bytes
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                held.checked_add(bytes).filter(|total| *total <= max_bytes)
            })
            .is_ok();
        let mut recorded = c.recorded.load(Ordering::Acquire);
        loop {
            // Read after `recorded`, these can only be at least as large as they were
            // then: the estimate of spans in flight errs on the high side.
            let settled = c.exported.load(Ordering::Acquire)
                + c.failed.load(Ordering::Acquire)
                + c.dropped.load(Ordering::Acquire);
            if !reserved || recorded.saturating_sub(settled) >= capacity {
                if reserved {
                    self.release_bytes(bytes);
                }
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
                            (0..4).fold((0u64, 0u64), |(a, f), _| {
                                match stats.admit(CAPACITY, u64::MAX, 1) {
                                    Ok(()) => (a + 1, f),
                                    Err(first) => (a, f + u64::from(first)),
                                }
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
            assert_eq!(
                s.queued_bytes, CAPACITY,
                "refused spans gave their bytes back"
            );
        }
    }

    /// The byte budget refuses what would pass it, and takes what fits again once
    /// bytes are given back.
    #[test]
    fn admission_keeps_the_byte_budget() {
        let stats = ExportStats::default();
        assert_eq!(stats.admit(100, 1000, 600), Ok(()));
        assert_eq!(stats.admit(100, 1000, 600), Err(true));
        assert_eq!(stats.admit(100, 1000, 400), Ok(()));
        assert_eq!(stats.admit(100, 1000, 1), Err(false));
        // A span larger than the whole budget never fits.
        assert_eq!(stats.admit(100, 1000, 5000), Err(false));
        stats.add_exported(2);
        stats.release_bytes(1000);
        assert_eq!(stats.admit(100, 1000, 600), Ok(()));
        let s = stats.snapshot();
        assert_eq!(
            (
                s.recorded,
                s.exported,
                s.dropped,
                s.queued_bytes,
                s.unaccounted()
            ),
            (6, 2, 3, 600, 1)
        );
    }
}
