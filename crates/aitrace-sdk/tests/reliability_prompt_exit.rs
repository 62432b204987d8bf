//! A prompt and truthful exit. With a collector that is dead (connection
//! refused), silent (never answers) or untrusted (TLS), and the export timeout
//! left at its 10 s default, `shutdown()` returns within its 2 s default, and its
//! report names the cause, not only "timeout". (Before, every exit with a dead
//! collector waited the full 10 s and said `Timeout(10s)`.) The timeout comes
//! from `AITRACE_SHUTDOWN_TIMEOUT` or `Builder::with_shutdown_timeout`, and also
//! bounds dropping the guard. `flush()` keeps the same deadline and returns a
//! report; the pipeline runs on after it.
//!
//! Upper bounds on time carry a second of slack (the tests share two cores); the
//! old behaviour took 10 s.

mod support;
use aitrace_sdk::config::{Config, ExporterKind, Protocol};
use aitrace_sdk::{Builder, FailureKind, TracingGuard};
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::{Duration, Instant};
use support::receiver::{dead_endpoint, Behaviour, Receiver};

const SLACK: Duration = Duration::from_secs(1);

/// Default timeouts everywhere: export 10 s, shutdown 2 s.
fn guard_for(protocol: Protocol, endpoint: &str) -> TracingGuard {
    Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .build()
        .expect("pipeline builds")
}

fn record(guard: &TracingGuard, n: usize) {
    let tracer = guard.provider().unwrap().tracer("exit");
    for i in 0..n {
        tracer.in_span(format!("span {i}"), |_| {});
    }
}

/// Shuts down and returns how long it took and the error.
fn shut(guard: TracingGuard) -> (Duration, aitrace_sdk::ShutdownError) {
    let t0 = Instant::now();
    let err = guard.shutdown().expect_err("nothing was delivered");
    (t0.elapsed(), err)
}

#[test]
fn a_dead_collector_costs_two_seconds_and_is_named_refused() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let guard = guard_for(protocol, &dead_endpoint());
        assert_eq!(guard.config().shutdown_timeout, Duration::from_secs(2));
        record(&guard, 100);
        let (took, err) = shut(guard);
        assert!(
            took < Duration::from_secs(2) + SLACK,
            "{protocol:?}: {took:?}"
        );
        let r = &err.report;
        assert_eq!(
            (r.stats.exported, r.stats.failed),
            (0, 100),
            "{protocol:?}: {err}"
        );
        let failure = r.last_failure.as_ref().expect("a cause");
        assert_eq!(
            failure.kind,
            FailureKind::Refused,
            "{protocol:?}: {failure}"
        );
        let shown = err.to_string();
        assert!(
            shown.contains("100 failed") && shown.contains("connection refused"),
            "{protocol:?}: {shown}"
        );
    }
}

#[test]
fn a_silent_collector_is_named_timeout_and_an_untrusted_one_tls() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let silent = match protocol {
            Protocol::Grpc => Receiver::grpc_with(false, Behaviour::Never),
            _ => Receiver::http_with(false, Behaviour::Never),
        };
        let guard = guard_for(protocol, &silent.endpoint);
        record(&guard, 10);
        let (took, err) = shut(guard);
        assert!(
            took < Duration::from_secs(2) + SLACK,
            "{protocol:?}: {took:?}"
        );
        let failure = err.report.last_failure.as_ref().expect("a cause");
        assert_eq!(
            failure.kind,
            FailureKind::Timeout,
            "{protocol:?}: {failure}"
        );
        assert!(silent.attempt_count() >= 1);

        let untrusted = Receiver::grpc_or_http(protocol, true);
        let guard = guard_for(protocol, &untrusted.endpoint);
        record(&guard, 10);
        let (took, err) = shut(guard);
        assert!(
            took < Duration::from_secs(2) + SLACK,
            "{protocol:?}: {took:?}"
        );
        let failure = err.report.last_failure.as_ref().expect("a cause");
        assert_eq!(failure.kind, FailureKind::Tls, "{protocol:?}: {failure}");
        assert!(err.to_string().contains("TLS"), "{err}");
    }
}

#[test]
fn the_shutdown_timeout_comes_from_the_environment_or_code_and_bounds_drop() {
    let dead = dead_endpoint();
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", dead.as_str()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("AITRACE_SHUTDOWN_TIMEOUT", "600"),
    ];
    let (config, warnings) = Config::from_lookup(|k| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    });
    assert!(warnings.is_empty(), "{warnings:?}");
    let guard = Builder::from_config(config).build().unwrap();
    assert_eq!(guard.config().shutdown_timeout, Duration::from_millis(600));
    record(&guard, 10);
    let (took, err) = shut(guard);
    assert!(took < Duration::from_millis(600) + SLACK, "{took:?}");
    assert_eq!(err.report.stats.failed, 10, "{err}");

    // In code; and dropping the guard keeps the same deadline.
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(dead_endpoint())
        .with_shutdown_timeout(Duration::from_millis(700))
        .build()
        .unwrap();
    record(&guard, 10);
    let stats = guard.stats();
    let t0 = Instant::now();
    drop(guard);
    let took = t0.elapsed();
    assert!(took < Duration::from_millis(700) + SLACK, "{took:?}");
    assert_eq!(stats.recorded, 10);
}

#[test]
fn flush_keeps_the_deadline_reports_and_the_pipeline_runs_on() {
    // Dead: the flush fails within the timeout, with the cause.
    let guard = guard_for(Protocol::Grpc, &dead_endpoint());
    record(&guard, 20);
    let t0 = Instant::now();
    let err = guard
        .flush_with_timeout(Duration::from_secs(1))
        .expect_err("nothing delivered");
    assert!(
        t0.elapsed() < Duration::from_secs(1) + SLACK,
        "{:?}",
        t0.elapsed()
    );
    assert_eq!((err.lost, err.pending), (20, 0), "{err}");
    assert_eq!(
        err.report.last_failure.as_ref().map(|f| f.kind),
        Some(FailureKind::Refused),
        "{err}"
    );
    assert!(err.to_string().contains("connection refused"), "{err}");
    drop(guard);

    // Live: the flush delivers what was recorded, and later spans still go.
    let rx = Receiver::grpc(false);
    let guard = guard_for(Protocol::Grpc, &rx.endpoint);
    record(&guard, 30);
    let report = guard.flush().expect("delivered");
    assert_eq!(report.stats.exported, 30);
    assert_eq!(rx.spans().len(), 30);
    assert_eq!(report.last_failure, None);
    record(&guard, 5);
    let report = guard.flush().expect("delivered");
    assert_eq!(report.stats.exported, 35);
    let report = guard.shutdown().expect("clean");
    assert_eq!(report.stats.exported, 35);
}
