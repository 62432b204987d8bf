//! Large payloads, checked at an in-process gRPC receiver (whose decoder refuses
//! messages over gRPC's default 4 MiB limit, like most collectors):
//! - a batch of spans carrying big captured content is split into requests under
//!   the limit, and every span arrives once, its content whole;
//! - a single span over the limit is dropped and counted as failed, and the rest of
//!   its batch arrives;
//! - one export, however many requests its batch was split into, stays within the
//!   export timeout;
//! - thousands of attributes of the user's do not push aitrace's own off a span.
//!
//! These tests install the pipeline globally (aitrace's spans use the global
//! tracer provider), so they take turns.

mod support;
use aitrace::{Settings, Usage};
use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::otlp::DEFAULT_MAX_REQUEST_BYTES as MAX_REQUEST_BYTES;
use aitrace_sdk::{Builder, TracingGuard};
use opentelemetry::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use support::receiver::{Behaviour, Receiver};

fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Content capture on with a limit of `max_content_bytes`; one batch per export
/// call (the schedule is far away, so everything goes at shutdown, in one batch).
fn install(rx: &Receiver, max_content_bytes: usize, timeout: Duration) -> TracingGuard {
    Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(Protocol::Grpc)
        .with_endpoint(rx.endpoint.clone())
        .with_timeout(timeout)
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_secs(600),
            ..BatchConfig::default()
        })
        .with_settings(
            Settings::default()
                .with_capture_content(true)
                .with_max_content_bytes(max_content_bytes),
        )
        .install()
        .expect("pipeline installs")
}

fn str_attr<'a>(span: &'a Span, key: &str) -> Option<&'a str> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Any::StringValue(s) => Some(s.as_str()),
            _ => None,
        })
}

fn int_attr(span: &Span, key: &str) -> Option<i64> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            Any::IntValue(i) => Some(*i),
            _ => None,
        })
}

/// A prompt of about `bytes` bytes, different for each `tag`.
fn prompt(tag: usize, bytes: usize) -> String {
    let unit = format!("[{tag}] the quick brown fox jumps over the lazy dog. ");
    unit.repeat(bytes / unit.len() + 1)
}

fn messages(text: &str) -> serde_json::Value {
    serde_json::json!([{"role": "user", "content": text}])
}

/// A model call whose input messages are `text`.
fn big_call(model: &'static str, text: &str) {
    let g = aitrace::generation("openai", model).start();
    g.record_input_messages(&messages(text));
    g.end();
}

fn check_requests_fit(rx: &Receiver) {
    for (i, r) in rx.received().iter().enumerate() {
        let size = r.request.encoded_len();
        assert!(size <= MAX_REQUEST_BYTES, "request {i} is {size} bytes");
    }
}

#[test]
fn a_batch_of_big_spans_is_split_under_the_limit_and_arrives_whole() {
    let _turn = one_at_a_time();
    const BIG: usize = 12;
    const SMALL: usize = 30;
    // About 0.7 MiB of content per span, recorded under two attributes (`ai.input`
    // and `gen_ai.input.messages`): 1.4 MiB per span, about 17 MiB in one batch.
    let texts: Vec<String> = (0..BIG).map(|i| prompt(i, 700 * 1024)).collect();
    let rx = Receiver::grpc(false);
    let guard = install(&rx, 2 * 1024 * 1024, Duration::from_secs(20));
    let root = aitrace::trace("payloads").new_root().start();
    root.in_scope(|| {
        for text in &texts {
            big_call("big-model", text);
        }
        for i in 0..SMALL {
            aitrace::tool(format!("small {i}")).start().end();
        }
    });
    root.end();
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(60))
        .expect("everything delivered");
    let total = (BIG + SMALL + 1) as u64;
    assert_eq!(
        (report.stats.recorded, report.stats.exported),
        (total, total),
        "{report:?}"
    );
    assert_eq!(report.stats.export_errors, 0);

    let received = rx.received();
    assert!(
        received.len() >= 4,
        "one batch split into {} requests",
        received.len()
    );
    check_requests_fit(&rx);
    let spans = rx.spans();
    let ids: HashSet<Vec<u8>> = spans.iter().map(|s| s.span_id.clone()).collect();
    assert_eq!(
        (spans.len(), ids.len()),
        (BIG + SMALL + 1, BIG + SMALL + 1),
        "each span once"
    );
    let mut seen = 0;
    for span in spans.iter().filter(|s| s.name == "chat big-model") {
        let content = str_attr(span, "gen_ai.input.messages").expect("content recorded");
        let parsed: serde_json::Value =
            serde_json::from_str(content).expect("content is whole JSON");
        let text = parsed[0]["content"].as_str().unwrap();
        assert!(
            texts.iter().any(|t| t == text),
            "content arrived whole ({} bytes)",
            text.len()
        );
        assert_eq!(str_attr(span, "ai.input"), Some(content));
        seen += 1;
    }
    assert_eq!(seen, BIG);
}

#[test]
fn a_span_over_the_limit_is_dropped_and_counted_and_its_batch_arrives() {
    let _turn = one_at_a_time();
    let rx = Receiver::grpc(false);
    let guard = install(&rx, 8 * 1024 * 1024, Duration::from_secs(20));
    // 2.5 MiB, recorded twice: over 4 MiB on its own.
    let huge = prompt(0, 2560 * 1024);
    let root = aitrace::trace("one huge span").new_root().start();
    root.in_scope(|| {
        for i in 0..10 {
            aitrace::tool(format!("before {i}")).start().end();
        }
        big_call("huge-model", &huge);
        for i in 0..10 {
            aitrace::tool(format!("after {i}")).start().end();
        }
    });
    root.end();
    let err = guard
        .shutdown_with_timeout(Duration::from_secs(30))
        .expect_err("one span failed");
    let s = err.report.stats;
    assert_eq!(
        (s.recorded, s.exported, s.failed, s.dropped),
        (22, 21, 1, 0),
        "{err}"
    );
    assert_eq!(err.report.dropped(), 0);
    check_requests_fit(&rx);
    let names: Vec<String> = rx.spans().into_iter().map(|s| s.name).collect();
    assert_eq!(names.len(), 21, "{names:?}");
    assert!(!names.iter().any(|n| n == "chat huge-model"));
    assert!(
        names.iter().any(|n| n == "execute_tool before 0")
            && names.iter().any(|n| n == "execute_tool after 9")
    );
}

/// A batch split into several requests, sent to a collector that never answers:
/// the first request uses up the export's timeout, and the others are not sent
/// (they would each have waited as long again); all of its spans count as failed.
#[test]
fn one_export_stays_within_its_timeout_however_many_requests_it_needs() {
    let _turn = one_at_a_time();
    let rx = Receiver::grpc_with(false, Behaviour::Never);
    let timeout = Duration::from_millis(800);
    let guard = install(&rx, 2 * 1024 * 1024, timeout);
    let root = aitrace::trace("split and stuck").new_root().start();
    root.in_scope(|| {
        for i in 0..8 {
            big_call("big-model", &prompt(i, 900 * 1024));
        }
    });
    root.end();
    let t0 = Instant::now();
    let err = guard
        .shutdown_with_timeout(Duration::from_secs(30))
        .expect_err("nothing delivered");
    let took = t0.elapsed();
    assert_eq!(
        (err.report.stats.exported, err.report.stats.failed),
        (0, 9),
        "{err}"
    );
    assert_eq!(
        rx.attempt_count(),
        1,
        "requests sent after the export's time was up"
    );
    assert!(
        took < timeout + Duration::from_secs(6),
        "the export took {took:?} with a {timeout:?} timeout"
    );
}

#[test]
fn thousands_of_user_attributes_leave_core_attributes_on_the_wire() {
    let _turn = one_at_a_time();
    let rx = Receiver::grpc(false);
    let guard = install(&rx, 16 * 1024, Duration::from_secs(10));
    let root = aitrace::trace("many attributes").new_root().start();
    root.in_scope(|| {
        let mut g = aitrace::generation("openai", "gpt-4o")
            .with_temperature(0.3)
            .start();
        for i in 0..3000 {
            g.set_attribute(KeyValue::new(format!("app.tag.{i}"), format!("value {i}")));
        }
        g.record_response_model("gpt-4o-2024-08-06");
        g.record_usage(Usage::new(1200, 300));
        g.end();
    });
    root.end();
    guard
        .shutdown_with_timeout(Duration::from_secs(20))
        .expect("delivered");
    let spans = rx.spans();
    let g = spans
        .iter()
        .find(|s| s.name == "chat gpt-4o")
        .expect("the generation span");
    assert_eq!(g.dropped_attributes_count, 0, "the SDK dropped none");
    assert_eq!(int_attr(g, "gen_ai.usage.input_tokens"), Some(1200));
    assert_eq!(int_attr(g, "gen_ai.usage.output_tokens"), Some(300));
    assert_eq!(str_attr(g, "gen_ai.request.model"), Some("gpt-4o"));
    assert_eq!(
        str_attr(g, "gen_ai.response.model"),
        Some("gpt-4o-2024-08-06")
    );
    assert!(
        g.attributes.iter().any(|kv| kv.key == "ai.cost_usd"),
        "cost recorded at end"
    );
    assert_eq!(int_attr(g, "ai.dropped_attributes"), Some(3000 - 40));
    assert_eq!(
        g.attributes
            .iter()
            .filter(|kv| kv.key.starts_with("app.tag."))
            .count(),
        40
    );
}
