//! A real collector (rotel) that is down when the application starts, comes up,
//! goes down in the middle of the run and comes back on the same ports: the
//! application keeps recording throughout, what cannot be delivered is counted
//! (dropped or failed), and export resumes by itself each time the collector is
//! back, with no restart or call from the application.

use support::pipeline::wait_stats;
mod support;

use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::{Builder, StatsSnapshot, TracingGuard};
use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry_sdk::trace::SdkTracer;
use std::time::{Duration, Instant};
use support::Rotel;

/// Records `count` spans named `{prefix} {i}` as fast as possible (the collector
/// is down), then waits until the pipeline has settled each of them.
fn record_while_down(
    tracer: &SdkTracer,
    guard: &TracingGuard,
    prefix: &str,
    count: usize,
) -> StatsSnapshot {
    let before = guard.stats();
    for i in 0..count {
        tracer.in_span(format!("{prefix} {i}"), |_| {});
    }
    let s = guard.stats();
    assert_eq!(
        s.recorded - before.recorded,
        count as u64,
        "{prefix}: every span recorded: {s:?}"
    );
    let s = wait_stats(guard, Duration::from_secs(30), |s| s.unaccounted() == 0);
    assert_eq!(s.unaccounted(), 0, "{prefix}: settled: {s:?}");
    assert_eq!(
        s.exported, before.exported,
        "{prefix}: nothing exported while down: {s:?}"
    );
    s
}

/// With the collector back, records a span every 50 ms until rotel has logged
/// `want` of them (bounded in count and time), then checks that every span
/// recorded from the first one that arrived onwards arrived too.
fn record_until_delivered(rotel: &Rotel, tracer: &SdkTracer, prefix: &str, want: usize) {
    let named = |spans: &[support::ReceivedSpan]| -> Vec<usize> {
        let mut ids: Vec<usize> = spans
            .iter()
            .filter_map(|s| s.name.strip_prefix(prefix)?.strip_prefix(' ')?.parse().ok())
            .collect();
        ids.sort_unstable();
        ids
    };
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut sent = 0;
    loop {
        tracer.in_span(format!("{prefix} {sent}"), |_| {});
        sent += 1;
        std::thread::sleep(Duration::from_millis(50));
        if sent % 10 == 0 && named(&rotel.spans()).len() >= want {
            break;
        }
        assert!(
            Instant::now() < deadline && sent < 800,
            "{prefix}: export did not resume ({sent} recorded)"
        );
    }
    // Everything recorded up to now arrives, from the first delivered span on.
    let spans = rotel
        .wait_until(Duration::from_secs(20), |spans| {
            named(spans).last() == Some(&(sent - 1))
        })
        .unwrap_or_else(|spans| {
            panic!(
                "{prefix}: the last span did not arrive: {:?}",
                named(&spans)
            )
        });
    let ids = named(&spans);
    let first = ids[0];
    assert_eq!(
        ids,
        (first..sent).collect::<Vec<_>>(),
        "{prefix}: every span after the first delivered one"
    );
}

fn resume(protocol: Protocol) {
    let mut rotel = Rotel::start();
    // Down from the start: the ports are known, nothing listens.
    rotel.stop();
    let endpoint = match protocol {
        Protocol::Grpc => rotel.grpc_endpoint(),
        Protocol::HttpProtobuf | Protocol::HttpJson => rotel.http_endpoint(),
    };
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_millis(500))
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(50),
            max_queue_size: 64,
            max_export_batch_size: 16,
            ..BatchConfig::default()
        })
        .build()
        .expect("pipeline builds");
    let tracer = guard.provider().unwrap().tracer("resume");
    let tag = format!("{protocol:?}");

    let s = record_while_down(&tracer, &guard, &format!("{tag} down-at-start"), 1000);
    assert!(s.dropped > 0 && s.failed > 0, "{tag}: {s:?}");

    rotel.restart();
    record_until_delivered(&rotel, &tracer, &format!("{tag} first-up"), 10);

    rotel.stop();
    let before = guard.stats();
    let s = record_while_down(&tracer, &guard, &format!("{tag} down-mid-run"), 1000);
    assert!(
        s.dropped > before.dropped && s.failed > before.failed,
        "{tag}: {s:?}"
    );

    rotel.restart();
    record_until_delivered(&rotel, &tracer, &format!("{tag} back-again"), 10);

    let err = guard
        .shutdown_with_timeout(Duration::from_secs(10))
        .expect_err("some spans were lost");
    let r = err.report;
    assert!(r.stats.exported >= 20, "{tag}: {r:?}");
    assert_eq!(
        r.stats.recorded,
        r.stats.exported + r.stats.failed + r.stats.dropped,
        "{tag}: all accounted: {r:?}"
    );
    // Nothing recorded while the collector was down reached it.
    assert!(
        !rotel.spans().iter().any(|s| s.name.contains("down-")),
        "{tag}"
    );
}

#[test]
fn grpc_export_resumes_when_the_collector_returns() {
    resume(Protocol::Grpc);
}

#[test]
fn http_export_resumes_when_the_collector_returns() {
    resume(Protocol::HttpProtobuf);
}
