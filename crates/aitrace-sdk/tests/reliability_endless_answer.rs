//! A collector whose answer never ends: over HTTP, `200 OK` with a chunked body
//! that streams for ever; over gRPC, a status whose message is 1 MiB long.
//! Before, the HTTP client read the whole body and the process allocated until
//! it aborted (3.8 GB in 3 s). Answers are now read up to 64 KiB: each export is
//! one counted failure, not retried, its kind says why, and memory stays flat.

mod support;
use support::pipeline::{pipeline, wait_stats};

use aitrace_sdk::config::{BatchConfig, Protocol};
use aitrace_sdk::FailureKind;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::Duration;
use support::receiver::{Behaviour, Receiver};

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

#[test]
fn an_endless_http_answer_is_a_counted_failure_not_an_abort() {
    let rx = Receiver::http_with(false, Behaviour::EndlessAnswer);
    let batch = BatchConfig {
        schedule_delay: Duration::from_millis(20),
        ..BatchConfig::default()
    };
    // Long enough that reading the stream until the timeout would take
    // gigabytes at loopback speed.
    let guard = pipeline(
        Protocol::HttpProtobuf,
        &rx.endpoint,
        Duration::from_secs(5),
        batch,
    );
    let tracer = guard.provider().unwrap().tracer("endless");
    let before = rss_kib();
    for round in 1..=3u64 {
        for i in 0..10 {
            tracer.in_span(format!("span {round}-{i}"), |_| {});
        }
        let s = wait_stats(&guard, Duration::from_secs(20), |s| s.failed >= 10 * round);
        assert_eq!(
            (s.exported, s.failed, s.export_errors),
            (0, 10 * round, round),
            "{s:?}"
        );
    }
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "memory grew by {grown} KiB");
    // Not retried: the collector took the request; reading its answer failed.
    assert_eq!(rx.attempt_count(), 3);
    let failure = guard.last_failure().expect("the failure is kept");
    assert_eq!(failure.kind, FailureKind::ResponseTooLarge, "{failure}");
    assert!(failure.message.contains("65536 bytes"), "{failure}");
    let err = guard
        .shutdown_with_timeout(Duration::from_secs(2))
        .expect_err("nothing was delivered");
    assert_eq!(err.report.stats.failed, 30);
}

#[test]
fn a_huge_grpc_status_message_is_a_failure_and_prints_short() {
    let rx = Receiver::grpc_with(false, Behaviour::EndlessAnswer);
    let batch = BatchConfig {
        schedule_delay: Duration::from_millis(20),
        ..BatchConfig::default()
    };
    let guard = pipeline(Protocol::Grpc, &rx.endpoint, Duration::from_secs(2), batch);
    let tracer = guard.provider().unwrap().tracer("endless");
    let before = rss_kib();
    for i in 0..10 {
        tracer.in_span(format!("span {i}"), |_| {});
    }
    let s = wait_stats(&guard, Duration::from_secs(20), |s| s.failed >= 10);
    assert_eq!((s.exported, s.failed), (0, 10), "{s:?}");
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 64 * 1024, "memory grew by {grown} KiB");
    let failure = guard.last_failure().expect("the failure is kept");
    assert!(
        failure.message.len() < 1000,
        "the collector's text is cut short: {} bytes",
        failure.message.len()
    );
    assert!(!failure.message.contains(&"x".repeat(400)), "{failure}");
    let _ = guard.shutdown_with_timeout(Duration::from_secs(2));
}
