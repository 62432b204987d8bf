//! A collector that is down (nothing listens) or refuses every request with a
//! retryable error: the application never waits, spans that do not fit in the
//! queue are dropped and counted in `TracingGuard::stats()`, failed exports are
//! counted, each export gives up within its timeout, and later batches are still
//! attempted. Transient refusals are retried until delivered.
//!
//! The collector coming back (a real one, restarted on the same ports) is in
//! `reliability_resume.rs`.

mod support;
use support::pipeline::{pipeline, wait_stats, PROTOCOLS};

use aitrace_sdk::config::{BatchConfig, Protocol};
use opentelemetry::trace::{Tracer, TracerProvider};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::receiver::{dead_endpoint, Behaviour, Receiver};

fn span_names(r: &support::receiver::Received) -> Vec<String> {
    r.request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .map(|s| s.name.clone())
        .collect()
}

/// Nothing listens at the endpoint from the start. Four threads record 10 000
/// spans: they finish, every span is accounted for as failed (its export was
/// attempted and refused) or dropped (the queue was full), and the public
/// counters show it while the pipeline runs, not only at shutdown.
#[test]
fn collector_down_from_the_start_drops_and_counts_without_blocking() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 2_500;
    const QUEUE: u64 = 128;
    const BATCH: u64 = 32;
    // Held at most: the queue, plus the batch being exported.
    const HELD: u64 = QUEUE + BATCH;
    for protocol in PROTOCOLS {
        let batch = BatchConfig {
            schedule_delay: Duration::from_millis(20),
            max_queue_size: QUEUE as usize,
            max_export_batch_size: BATCH as usize,
            ..BatchConfig::default()
        };
        let guard = pipeline(
            protocol,
            &dead_endpoint(),
            Duration::from_millis(400),
            batch,
        );
        let tracer = guard.provider().unwrap().tracer("down");
        let t0 = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let tracer = tracer.clone();
                scope.spawn(move || {
                    for i in 0..PER_THREAD {
                        tracer.in_span(format!("down {t}-{i}"), |_| {});
                    }
                });
            }
        });
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{protocol:?}: {:?}",
            t0.elapsed()
        );
        let total = THREADS * PER_THREAD;
        let live = guard.stats();
        assert_eq!(live.recorded, total, "{protocol:?}: {live:?}");
        assert!(
            live.unaccounted() <= HELD,
            "{protocol:?}: memory bounded by the queue: {live:?}"
        );
        assert!(live.dropped >= total - HELD, "{protocol:?}: {live:?}");

        // The queued spans are attempted and fail, each export within its timeout.
        let s = wait_stats(&guard, Duration::from_secs(30), |s| s.unaccounted() == 0);
        assert_eq!(s.unaccounted(), 0, "{protocol:?}: {s:?}");
        assert_eq!(s.exported, 0, "{protocol:?}");
        assert!(s.failed > 0 && s.export_errors > 0, "{protocol:?}: {s:?}");
        assert_eq!(s.failed + s.dropped, total, "{protocol:?}: {s:?}");

        let err = guard
            .shutdown_with_timeout(Duration::from_secs(5))
            .expect_err("nothing delivered");
        assert_eq!(
            err.report.stats, s,
            "{protocol:?}: nothing changed at shutdown"
        );
        assert_eq!(err.report.dropped(), s.dropped);
    }
}

/// A collector that answers UNAVAILABLE (gRPC) or 503 (HTTP) for ever: each export
/// is retried with backoff until its timeout, then fails, and the next batch is
/// still attempted (the retries do not hold the pipeline).
#[test]
fn unavailable_for_ever_fails_each_export_in_time_and_later_batches_are_attempted() {
    for protocol in PROTOCOLS {
        let rx = match protocol {
            Protocol::Grpc => Receiver::grpc_with(false, Behaviour::Unavailable(u32::MAX)),
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                Receiver::http_with(false, Behaviour::Unavailable(u32::MAX))
            }
        };
        let timeout = Duration::from_millis(800);
        let batch = BatchConfig {
            schedule_delay: Duration::from_millis(20),
            ..BatchConfig::default()
        };
        let guard = pipeline(protocol, &rx.endpoint, timeout, batch);
        let tracer = guard.provider().unwrap().tracer("unavailable");

        for (round, label) in ["first", "second", "third"].into_iter().enumerate() {
            let t0 = Instant::now();
            for i in 0..5 {
                tracer.in_span(format!("{label} {i}"), |_| {});
            }
            let want = 5 * (round as u64 + 1);
            let s = wait_stats(&guard, Duration::from_secs(20), |s| s.failed >= want);
            assert_eq!(
                (s.exported, s.failed),
                (0, want),
                "{protocol:?} {label}: {s:?}"
            );
            // Within the timeout, plus the batch delay and generous slack.
            assert!(
                t0.elapsed() < timeout + Duration::from_secs(8),
                "{protocol:?} {label}: {:?}",
                t0.elapsed()
            );
            let attempts = rx.attempts();
            let tries = attempts
                .iter()
                .filter(|r| span_names(r).iter().any(|n| n.starts_with(label)))
                .count();
            assert!(
                tries >= 2,
                "{protocol:?} {label}: retried before giving up ({tries} attempts)"
            );
        }
        assert!(rx.received().is_empty());
        let err = guard
            .shutdown_with_timeout(Duration::from_secs(5))
            .expect_err("nothing delivered");
        assert_eq!(err.report.stats.failed, 15, "{protocol:?}: {err}");
    }
}

/// A collector that refuses three times and then accepts: the retries deliver
/// every span, once.
#[test]
fn transient_unavailability_is_retried_until_delivered() {
    for protocol in PROTOCOLS {
        let rx = match protocol {
            Protocol::Grpc => Receiver::grpc_with(false, Behaviour::Unavailable(3)),
            Protocol::HttpProtobuf | Protocol::HttpJson => {
                Receiver::http_with(false, Behaviour::Unavailable(3))
            }
        };
        let batch = BatchConfig {
            schedule_delay: Duration::from_millis(20),
            ..BatchConfig::default()
        };
        let guard = pipeline(protocol, &rx.endpoint, Duration::from_secs(10), batch);
        let tracer = guard.provider().unwrap().tracer("transient");
        for i in 0..10 {
            tracer.in_span(format!("retried {i}"), |_| {});
        }
        let report = guard
            .shutdown_with_timeout(Duration::from_secs(15))
            .expect("delivered after retries");
        assert_eq!(
            (report.stats.exported, report.stats.failed),
            (10, 0),
            "{protocol:?}"
        );
        assert_eq!(
            rx.attempt_count(),
            4,
            "{protocol:?}: three refusals, then accepted"
        );
        let names: HashSet<String> = rx.spans().into_iter().map(|s| s.name).collect();
        assert_eq!(names.len(), 10, "{protocol:?}: each span once");
        assert_eq!(rx.spans().len(), 10, "{protocol:?}");
    }
}
