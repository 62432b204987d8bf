//! A custom span with a parent built from ids, written with aitrace's re-exports only.
//!
//! This crate has no `opentelemetry` or `opentelemetry_sdk` dependency (see its
//! Cargo.toml): the test compiles only while `aitrace` re-exports the OpenTelemetry
//! API and the types below, and `aitrace-sdk` re-exports the SDK. It then checks that
//! the types are the ones the pipeline records: kind, attributes, parent, status.

use aitrace::opentelemetry::trace::{TraceContextExt, TraceState};
use aitrace::{
    Context, Key, KeyValue, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, Value,
};
use aitrace_sdk::opentelemetry_sdk::trace::SpanData;
use aitrace_sdk::testing::{attr, by_name, install_in_memory};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT: &str = "00f067aa0ba902b7";

#[test]
fn a_custom_span_needs_no_opentelemetry_dependency() {
    let exporter = install_in_memory();
    let trace_id = TraceId::from_hex(TRACE).unwrap();
    let parent_id = SpanId::from_hex(PARENT).unwrap();
    let parent = Context::new().with_remote_span_context(SpanContext::new(
        trace_id,
        parent_id,
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    ));

    let mut span = aitrace::custom("vector_store.upsert")
        .with_kind(SpanKind::Client)
        .with_attribute(KeyValue::new("db.collection.name", "tickets"))
        .child_of(&parent)
        .start();
    span.set_attribute(KeyValue::new(Key::new("db.operation.batch.size"), 64_i64));
    let span_id = span.span_id();
    assert_eq!(
        span.trace_id(),
        trace_id,
        "the span continues the parent's trace"
    );
    span.record_error_type("timeout", "upsert timed out");
    span.end();

    let spans: Vec<SpanData> = exporter.spans_of_trace(trace_id);
    let exported = by_name(&spans, "vector_store.upsert");
    assert_eq!(exported.span_context.span_id(), span_id);
    assert_eq!(exported.parent_span_id, parent_id);
    assert_eq!(exported.span_kind, SpanKind::Client);
    assert_eq!(
        attr(exported, "db.collection.name"),
        Some(&Value::from("tickets"))
    );
    assert_eq!(
        attr(exported, "db.operation.batch.size"),
        Some(&Value::I64(64))
    );
    assert!(
        matches!(&exported.status, Status::Error { description } if description == "upsert timed out"),
        "{:?}",
        exported.status
    );
}
