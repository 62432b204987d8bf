//! A slow collector: it accepts connections and requests, then answers late or
//! never. The export timeout (from the builder or `OTEL_EXPORTER_OTLP_TIMEOUT`)
//! bounds each export, the application keeps recording without waiting (spans that
//! do not fit in the queue are dropped and counted), and `shutdown_with_timeout`
//! returns by its deadline with a report of what was not delivered.
//!
//! Timing assertions are upper bounds with generous slack (these tests share two
//! cores with other work); the proofs that nothing waited are made with counters.

mod support;
use support::pipeline::{pipeline, wait_stats};

use aitrace_sdk::config::{BatchConfig, Config, Protocol};
use aitrace_sdk::{Builder, FailureKind, TracingGuard};
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::{Duration, Instant};
use support::receiver::{Behaviour, Receiver};

/// Slack added to every deadline checked here.
const SLACK: Duration = Duration::from_secs(5);

fn receiver(protocol: Protocol, behaviour: Behaviour) -> Receiver {
    match protocol {
        Protocol::Grpc => Receiver::grpc_with(false, behaviour),
        Protocol::HttpProtobuf | Protocol::HttpJson => Receiver::http_with(false, behaviour),
    }
}

fn quick_batches() -> BatchConfig {
    BatchConfig {
        schedule_delay: Duration::from_millis(20),
        ..BatchConfig::default()
    }
}

/// One span to a collector that never answers: the export fails after the
/// configured timeout (well before the 10 s default), once, and is counted.
fn one_export_times_out(guard: TracingGuard, receiver: &Receiver, timeout: Duration, label: &str) {
    let tracer = guard.provider().unwrap().tracer("slow");
    let t0 = Instant::now();
    tracer.in_span("never answered", |_| {});
    let s = wait_stats(&guard, timeout + SLACK, |s| s.failed == 1);
    let waited = t0.elapsed();
    assert_eq!(
        (s.recorded, s.exported, s.failed, s.export_errors),
        (1, 0, 1, 1),
        "{label}: {s:?}"
    );
    assert!(
        waited >= timeout,
        "{label}: failed after {waited:?}, before the {timeout:?} timeout"
    );
    assert!(
        waited < timeout + SLACK,
        "{label}: failed after {waited:?}, timeout {timeout:?}"
    );
    assert!(
        receiver.attempt_count() >= 1,
        "{label}: the request reached the receiver"
    );
    assert!(receiver.received().is_empty(), "{label}");
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(2))
        .expect_err("a span failed");
    assert_eq!(report.report.stats.failed, 1, "{label}");
}

#[test]
fn builder_timeout_bounds_an_export_to_a_collector_that_never_answers() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = receiver(protocol, Behaviour::Never);
        let timeout = Duration::from_millis(500);
        let guard = pipeline(protocol, &rx.endpoint, timeout, quick_batches());
        one_export_times_out(guard, &rx, timeout, &format!("{protocol:?}"));
    }
}

#[test]
fn env_timeout_bounds_an_export_to_a_collector_that_never_answers() {
    for (protocol, name) in [
        (Protocol::Grpc, "grpc"),
        (Protocol::HttpProtobuf, "http/protobuf"),
    ] {
        let rx = receiver(protocol, Behaviour::Never);
        let env = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint.clone()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", name.to_string()),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "500".to_string()),
            ("OTEL_BSP_SCHEDULE_DELAY", "20".to_string()),
        ];
        let (config, warnings) =
            Config::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()));
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.otlp.timeout, Duration::from_millis(500));
        let guard = Builder::from_config(config)
            .build()
            .expect("pipeline builds");
        one_export_times_out(
            guard,
            &rx,
            Duration::from_millis(500),
            &format!("{protocol:?} from env"),
        );
    }
}

#[test]
fn a_late_answer_after_the_timeout_is_a_failure_not_an_export() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = receiver(protocol, Behaviour::Delay(Duration::from_millis(1500)));
        let guard = pipeline(
            protocol,
            &rx.endpoint,
            Duration::from_millis(300),
            quick_batches(),
        );
        let tracer = guard.provider().unwrap().tracer("slow");
        tracer.in_span("answered late", |_| {});
        let s = wait_stats(&guard, Duration::from_secs(10), |s| s.failed == 1);
        assert_eq!((s.exported, s.failed), (0, 1), "{protocol:?}: {s:?}");
        // The receiver's answer comes once its delay is over (over gRPC the
        // server sees the cancelled call and never answers): either way the
        // exporter had given up, and the counters do not change.
        std::thread::sleep(Duration::from_millis(1800));
        let s = guard.stats();
        assert_eq!((s.exported, s.failed), (0, 1), "{protocol:?}: {s:?}");
        let _ = guard.shutdown_with_timeout(Duration::from_secs(2));
    }
}

/// While an export hangs (the collector never answers and the timeout is long),
/// four application threads record 20 000 spans: they all finish while no export has
/// completed, so none of them waited for the exporter; what did not fit in the queue
/// is dropped and counted, and memory stays bounded by the queue.
#[test]
fn recording_never_waits_for_a_hanging_collector() {
    const THREADS: u64 = 4;
    const PER_THREAD: u64 = 5_000;
    const QUEUE: u64 = 256;
    const BATCH: u64 = 64;
    // Held at most: the queue, plus the batch being exported.
    const HELD: u64 = QUEUE + BATCH;
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = receiver(protocol, Behaviour::Never);
        let batch = BatchConfig {
            schedule_delay: Duration::from_millis(10),
            max_queue_size: QUEUE as usize,
            max_export_batch_size: BATCH as usize,
            ..BatchConfig::default()
        };
        // Longer than the test: the first export cannot finish while we record.
        let guard = pipeline(protocol, &rx.endpoint, Duration::from_secs(120), batch);
        let tracer = guard.provider().unwrap().tracer("hang");
        // Let the first export start and hang.
        tracer.in_span("first", |_| {});
        assert!(
            rx.wait_for_attempts(1, Duration::from_secs(10)) >= 1,
            "{protocol:?}: an export is in flight"
        );

        let t0 = Instant::now();
        std::thread::scope(|scope| {
            for t in 0..THREADS {
                let tracer = tracer.clone();
                scope.spawn(move || {
                    for i in 0..PER_THREAD {
                        tracer.in_span(format!("span {t}-{i}"), |_| {});
                    }
                });
            }
        });
        let recorded_in = t0.elapsed();
        assert!(
            recorded_in < Duration::from_secs(30),
            "{protocol:?}: {recorded_in:?}"
        );

        let s = guard.stats();
        let total = THREADS * PER_THREAD + 1;
        assert_eq!(s.recorded, total, "{protocol:?}: {s:?}");
        assert_eq!(
            (s.exported, s.failed),
            (0, 0),
            "{protocol:?}: no export finished, yet recording did: {s:?}"
        );
        // The hanging export holds its batch; the queue behind it filled up to
        // its size plus one batch, as the SDK's own processor would hold, and
        // not one span more.
        assert_eq!(s.unaccounted(), HELD, "{protocol:?}: queue bounded: {s:?}");
        assert_eq!(s.dropped, total - HELD, "{protocol:?}: {s:?}");
        assert_eq!(
            s.dropped + s.unaccounted(),
            total,
            "{protocol:?}: every span is queued or dropped"
        );

        let t0 = Instant::now();
        let deadline = Duration::from_secs(1);
        let err = guard
            .shutdown_with_timeout(deadline)
            .expect_err("nothing was delivered");
        assert!(
            t0.elapsed() < deadline + SLACK,
            "{protocol:?}: shutdown took {:?}",
            t0.elapsed()
        );
        // What was being exported, and what waited in the queue, failed at the
        // shutdown deadline; the rest was dropped at the door.
        let r = &err.report;
        assert_eq!(r.stats.exported, 0);
        assert_eq!(r.stats.failed + r.dropped(), total, "{protocol:?}: {err}");
        assert!(r.stats.failed >= 1, "{protocol:?}: {err}");
    }
}

/// `shutdown_with_timeout` returns by its deadline even while an export hangs
/// for longer, and its error counts every span that was not delivered, with
/// the cause.
#[test]
fn shutdown_with_timeout_meets_its_deadline_and_reports_what_was_lost() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = receiver(protocol, Behaviour::Never);
        let guard = pipeline(
            protocol,
            &rx.endpoint,
            Duration::from_secs(60),
            quick_batches(),
        );
        let tracer = guard.provider().unwrap().tracer("hang");
        for i in 0..100 {
            tracer.in_span(format!("lost {i}"), |_| {});
        }
        assert!(
            rx.wait_for_attempts(1, Duration::from_secs(10)) >= 1,
            "{protocol:?}"
        );

        let deadline = Duration::from_millis(1500);
        let t0 = Instant::now();
        let err = guard
            .shutdown_with_timeout(deadline)
            .expect_err("the spans were not delivered");
        let took = t0.elapsed();
        assert!(
            took < deadline + SLACK,
            "{protocol:?}: shutdown took {took:?} for a {deadline:?} deadline"
        );
        // The exporter gave up at the shutdown deadline: every span is counted
        // as failed, with that cause, rather than left unaccounted.
        let r = &err.report;
        assert_eq!(
            (r.stats.recorded, r.stats.exported, r.stats.failed),
            (100, 0, 100),
            "{protocol:?}: {r:?}"
        );
        assert_eq!(r.dropped(), 0, "{protocol:?}: {r:?}");
        assert!(!r.is_clean());
        let failure = r.last_failure.as_ref().expect("the cause is kept");
        assert_eq!(
            failure.kind,
            FailureKind::Timeout,
            "{protocol:?}: {failure}"
        );
        let shown = err.to_string();
        assert!(
            shown.contains("0 exported") && shown.contains("100 failed"),
            "{protocol:?}: {shown}"
        );
        assert!(
            shown.contains("shutdown or flush deadline"),
            "{protocol:?}: the reason names the deadline: {shown}"
        );
    }
}
