//! The size of a span as OTLP would encode it, estimated without encoding it.
//!
//! Byte bounds are checked on the application thread (the export queue's byte
//! budget) and on every held span (the keep rules' buffer), so the estimate must
//! be cheap: one pass over the attributes, events and links, with no allocation.
//! It follows the protobuf encoding field by field (tags, length prefixes,
//! varints), so that it stays close to the real encoded size for every kind of
//! value: an array of 1.5 million booleans encodes to about 6 MB (each element is
//! a nested `AnyValue`), not 1.5 MB. What is sent is measured exactly (prost's
//! `encoded_len`); this is for budgets only.

use opentelemetry::trace::{Event, Link, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;

/// Bytes of a varint holding `n`.
fn varint(n: u64) -> usize {
    // 7 bits a byte; 0 takes one byte.
    (64 - (n | 1).leading_zeros() as usize).div_ceil(7)
}

/// A length-delimited field: tag, length prefix, body.
fn field(body: usize) -> usize {
    1 + varint(body as u64) + body
}

/// The body of an `AnyValue` message holding `value`.
fn any_value(value: &Value) -> usize {
    match value {
        Value::Bool(_) => 2,
        Value::I64(i) => 1 + varint(*i as u64),
        Value::F64(_) => 9,
        Value::String(s) => field(s.as_str().len()),
        Value::Array(array) => field(array_value(array)),
        // A kind of value added to the API later: counted like a short string.
        _ => 16,
    }
}

/// The body of an `ArrayValue` message: one nested `AnyValue` per element.
fn array_value(array: &Array) -> usize {
    match array {
        Array::Bool(items) => items.len() * field(2),
        Array::I64(items) => items.iter().map(|i| field(1 + varint(*i as u64))).sum(),
        Array::F64(items) => items.len() * field(9),
        Array::String(items) => items.iter().map(|s| field(field(s.as_str().len()))).sum(),
        _ => 0,
    }
}

/// One `KeyValue` field, framed.
fn key_value(kv: &KeyValue) -> usize {
    field(field(kv.key.as_str().len()) + field(any_value(&kv.value)))
}

fn attributes(list: &[KeyValue]) -> usize {
    list.iter().map(key_value).sum()
}

/// A dropped count, which protobuf leaves out when it is 0.
fn count(n: u32) -> usize {
    if n == 0 {
        0
    } else {
        1 + varint(u64::from(n))
    }
}

fn event(e: &Event) -> usize {
    // time (fixed64), name, attributes, dropped count.
    field(9 + field(e.name.len()) + attributes(&e.attributes) + count(e.dropped_attributes_count))
}

fn link(l: &Link) -> usize {
    // trace id, span id, trace state, attributes, dropped count, flags.
    let state = l.span_context.trace_state().header().len();
    field(
        18 + 10 + field(state) + attributes(&l.attributes) + count(l.dropped_attributes_count) + 5,
    )
}

/// The estimated encoded size of `span` inside an OTLP request, framing included.
pub(crate) fn estimate(span: &SpanData) -> usize {
    let status = match &span.status {
        Status::Error { description } => field(description.len() + 2),
        _ => 4,
    };
    let state = span.span_context.trace_state().header().len();
    // Ids, flags, kind, times and counts take 70 bytes at most.
    let body = 70
        + field(state)
        + field(span.name.len())
        + attributes(&span.attributes)
        + span.events.events.iter().map(event).sum::<usize>()
        + span.links.links.iter().map(link).sum::<usize>()
        + status;
    field(body)
}

#[cfg(all(test, feature = "otlp"))]
mod tests {
    use super::*;
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind, TraceFlags, TraceId, TraceState};
    use opentelemetry::InstrumentationScope;
    use opentelemetry_proto::tonic::trace::v1::Span as ProtoSpan;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message;
    use std::time::{Duration, UNIX_EPOCH};

    fn span(attributes: Vec<KeyValue>, events: usize) -> SpanData {
        let mut ev = SpanEvents::default();
        for i in 0..events {
            ev.events.push(Event::new(
                format!("event {i}"),
                UNIX_EPOCH + Duration::from_secs(1),
                vec![KeyValue::new("k", "v")],
                0,
            ));
        }
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(7),
                SpanId::from(9),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(3),
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: "chat gpt-4o".into(),
            start_time: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            end_time: UNIX_EPOCH + Duration::from_secs(1_700_000_001),
            attributes,
            dropped_attributes_count: 0,
            events: ev,
            links: SpanLinks::default(),
            status: Status::error("boom"),
            instrumentation_scope: InstrumentationScope::builder("t").build(),
        }
    }

    /// The estimate is within 10 % (plus a few bytes) of what prost encodes, for
    /// every kind of value, and never far below it.
    #[test]
    fn close_to_the_encoded_size() {
        let cases = vec![
            span(vec![], 0),
            span(vec![KeyValue::new("gen_ai.request.model", "gpt-4o")], 0),
            span(vec![KeyValue::new("big", "x".repeat(300_000))], 0),
            span(
                vec![KeyValue::new(
                    "bools",
                    Value::Array(Array::Bool(vec![true; 100_000])),
                )],
                0,
            ),
            span(
                vec![KeyValue::new(
                    "ints",
                    Value::Array(Array::I64((0..10_000).map(|i| i * 1_000_003).collect())),
                )],
                0,
            ),
            span(
                vec![KeyValue::new(
                    "negative",
                    Value::Array(Array::I64(vec![-1; 1000])),
                )],
                0,
            ),
            span(
                vec![KeyValue::new(
                    "floats",
                    Value::Array(Array::F64(vec![0.5; 1000])),
                )],
                0,
            ),
            span(
                vec![KeyValue::new(
                    "strings",
                    Value::Array(Array::String(vec!["stop".into(); 1000])),
                )],
                0,
            ),
            span(
                (0..128)
                    .map(|i| KeyValue::new(format!("k{i}"), i as i64))
                    .collect(),
                128,
            ),
        ];
        for s in cases {
            let estimated = estimate(&s);
            let name = s.attributes.first().map(|kv| kv.key.to_string());
            let proto: ProtoSpan = s.into();
            let real = field(proto.encoded_len());
            let slack = real / 10 + 64;
            assert!(
                estimated + slack >= real && estimated <= real + slack,
                "{name:?}: estimated {estimated}, encoded {real}"
            );
        }
    }

    #[test]
    fn varint_lengths() {
        assert_eq!(varint(0), 1);
        assert_eq!(varint(127), 1);
        assert_eq!(varint(128), 2);
        assert_eq!(varint(u64::MAX), 10);
    }
}
