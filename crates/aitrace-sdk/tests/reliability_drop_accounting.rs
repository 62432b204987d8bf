//! Every span that ends is accounted for exactly once: exported, failed, or
//! dropped because the queue was full, even when many threads end spans at the
//! same time as the queue fills and drains. A span lost without being counted
//! would show as `unaccounted()` after a shutdown that had all the time it needed.

mod support;
use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use support::receiver::Receiver;

/// A tiny queue that a fast collector keeps emptying, hammered by eight threads
/// until a few thousand spans went through (bounded in count and time): admission
/// races at the "full" boundary at every export.
#[test]
fn drops_under_contention_are_all_counted() {
    const THREADS: u64 = 8;
    const MAX_PER_THREAD: u64 = 100_000;
    const ENOUGH_EXPORTED: u64 = 3_000;
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = Receiver::grpc_or_http(protocol, false);
        let guard = Builder::new()
            .with_exporters(vec![ExporterKind::Otlp])
            .with_protocol(protocol)
            .with_endpoint(rx.endpoint.clone())
            .with_timeout(Duration::from_secs(5))
            .with_batch(BatchConfig {
                schedule_delay: Duration::from_millis(1),
                max_queue_size: 8,
                max_export_batch_size: 4,
                ..BatchConfig::default()
            })
            .build()
            .unwrap();
        let tracer = guard.provider().unwrap().tracer("contention");
        let stop = Instant::now() + Duration::from_secs(4);
        let sent = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let (tracer, guard, sent) = (tracer.clone(), &guard, &sent);
                scope.spawn(move || {
                    for i in 0..MAX_PER_THREAD {
                        if i % 64 == 0
                            && (guard.stats().exported >= ENOUGH_EXPORTED || Instant::now() > stop)
                        {
                            return;
                        }
                        tracer.in_span(format!("c {t}-{i}"), |_| {});
                        sent.fetch_add(1, Ordering::Relaxed);
                        std::thread::yield_now();
                    }
                });
            }
        });
        let total = sent.load(Ordering::Relaxed);
        let stats = match guard.shutdown_with_timeout(Duration::from_secs(20)) {
            Ok(r) => r.stats,
            Err(e) => e.report.stats,
        };
        assert_eq!(stats.recorded, total, "{protocol:?}: {stats:?}");
        assert_eq!(stats.failed, 0, "{protocol:?}: {stats:?}");
        assert_eq!(
            stats.unaccounted(),
            0,
            "{protocol:?}: spans lost without being counted: {stats:?}"
        );
        assert_eq!(
            stats.exported + stats.dropped,
            total,
            "{protocol:?}: {stats:?}"
        );
        assert!(
            stats.dropped > 0,
            "{protocol:?}: the queue did overflow: {stats:?}"
        );
        assert_eq!(
            rx.spans().len() as u64,
            stats.exported,
            "{protocol:?}: the receiver has every exported span"
        );
    }
}
