//! Requests are sized by their real encoded size, not an estimate, and stay
//! under the limit (4 MiB by default, the in-process gRPC receiver's own limit,
//! like most collectors'). Before, a size estimate decided: it counted one byte
//! per boolean of an array (each is a 4-byte nested value on the wire), and
//! nothing at all for empty events, so one such span, or a batch of them, made a
//! request the collector refused and the whole batch was lost.
//!
//! - a span with 1.5 million booleans (6 MB encoded) is dropped alone, counted
//!   as too large and failed, and its 100 batch-mates arrive;
//! - 4096 spans of 128 empty events each (7.7 MB in one batch) arrive, split;
//! - over `http/json`, whose size is only known once encoded, bodies stay under
//!   a limit set with `AITRACE_MAX_REQUEST_BYTES`, and a span whose JSON alone
//!   is over it is dropped alone.

mod support;
use aitrace_sdk::config::{BatchConfig, Config, ExporterKind, Protocol};
use aitrace_sdk::{Builder, FailureKind, TracingGuard};
use opentelemetry::trace::{Span as _, Tracer, TracerProvider};
use opentelemetry::{Array, KeyValue, Value};
use prost::Message;
use std::time::Duration;
use support::receiver::Receiver;

/// Everything is exported at shutdown, in one batch of up to `batch` spans.
fn pipeline(rx: &Receiver, protocol: Protocol, batch: usize) -> TracingGuard {
    Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(rx.endpoint.clone())
        .with_timeout(Duration::from_secs(30))
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_secs(600),
            max_queue_size: batch,
            max_export_batch_size: batch,
            ..BatchConfig::default()
        })
        .build()
        .expect("pipeline builds")
}

fn check_requests_fit(rx: &Receiver, limit: usize) {
    for (i, r) in rx.received().iter().enumerate() {
        let size = r.request.encoded_len();
        assert!(size <= limit, "request {i} is {size} bytes");
    }
}

#[test]
fn a_span_too_large_alone_is_dropped_alone_and_its_batch_arrives() {
    let rx = Receiver::grpc(false);
    let guard = pipeline(&rx, Protocol::Grpc, 512);
    let tracer = guard.provider().unwrap().tracer("size");
    for i in 0..50 {
        tracer.in_span(format!("before {i}"), |_| {});
    }
    let mut huge = tracer.start("a million and a half booleans");
    huge.set_attribute(KeyValue::new(
        "flags",
        Value::Array(Array::Bool(vec![true; 1_500_000])),
    ));
    huge.end();
    for i in 0..50 {
        tracer.in_span(format!("after {i}"), |_| {});
    }
    let err = guard
        .shutdown_with_timeout(Duration::from_secs(30))
        .expect_err("one span is lost");
    let s = err.report.stats;
    assert_eq!(
        (s.recorded, s.exported, s.failed, s.too_large, s.dropped),
        (101, 100, 1, 1, 0),
        "{err}"
    );
    let failure = err.report.last_failure.as_ref().expect("reported");
    assert_eq!(failure.kind, FailureKind::TooLarge);
    assert!(
        failure.message.contains("a million and a half booleans")
            && failure.message.contains("4194304"),
        "{failure}"
    );
    check_requests_fit(&rx, 4 * 1024 * 1024);
    let names: Vec<String> = rx.spans().into_iter().map(|s| s.name).collect();
    assert_eq!(names.len(), 100);
    assert!(!names.iter().any(|n| n.contains("booleans")));
}

#[test]
fn a_batch_of_many_small_events_is_split_and_arrives_whole() {
    const SPANS: usize = 4096;
    let rx = Receiver::grpc(false);
    let guard = pipeline(&rx, Protocol::Grpc, SPANS);
    let tracer = guard.provider().unwrap().tracer("events");
    for i in 0..SPANS {
        let mut span = tracer.start(format!("span {i}"));
        for _ in 0..128 {
            span.add_event("e", vec![]);
        }
        span.end();
    }
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(60))
        .expect("every span delivered");
    assert_eq!(
        (report.stats.exported, report.stats.failed),
        (SPANS as u64, 0)
    );
    let received = rx.received();
    assert!(received.len() >= 2, "{} requests", received.len());
    check_requests_fit(&rx, 4 * 1024 * 1024);
    let spans = rx.spans();
    assert_eq!(spans.len(), SPANS);
    assert!(spans.iter().all(|s| s.events.len() == 128));
}

#[test]
fn json_bodies_stay_under_a_limit_from_the_environment() {
    const LIMIT: usize = 65536;
    let rx = Receiver::http(false);
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json".to_string()),
        ("AITRACE_MAX_REQUEST_BYTES", LIMIT.to_string()),
        ("OTEL_BSP_SCHEDULE_DELAY", "600000".to_string()),
    ];
    let (config, warnings) =
        Config::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(config.otlp.max_request_bytes, LIMIT);
    let guard = Builder::from_config(config).build().expect("builds");
    let tracer = guard.provider().unwrap().tracer("json");
    for i in 0..200 {
        let mut span = tracer.start(format!("span {i}"));
        span.set_attribute(KeyValue::new("text", "abc ".repeat(250)));
        span.end();
    }
    // 40 KB of quotes: under the limit as protobuf, twice as long in JSON,
    // where each is escaped.
    let mut quoted = tracer.start("quoted");
    quoted.set_attribute(KeyValue::new("quotes", "\"".repeat(40_000)));
    quoted.end();
    let err = guard
        .shutdown_with_timeout(Duration::from_secs(30))
        .expect_err("the quoted span is lost");
    let s = err.report.stats;
    assert_eq!((s.exported, s.failed, s.too_large), (200, 1, 1), "{err}");
    let received = rx.received();
    assert!(received.len() >= 4, "{} requests", received.len());
    for r in &received {
        assert!(
            r.body.len() <= LIMIT,
            "a JSON body of {} bytes",
            r.body.len()
        );
    }
    assert_eq!(rx.spans().len(), 200);
}
