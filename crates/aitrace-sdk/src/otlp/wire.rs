//! The OTLP protobuf encoding of a span, written straight from the SDK's
//! `SpanData`: the bytes prost writes for the `opentelemetry-proto` message that
//! `opentelemetry-proto` converts the span into, without making that message.
//!
//! Why: making the message copies every name, key and string value into a new
//! `String` (an allocation and a free each), then prost walks it twice (its
//! size, then its bytes). Writing from `SpanData` allocates nothing per value.
//! The export thread spent most of its time there (`docs/performance.md`,
//! "OTLP export").
//!
//! Field numbers and order are those of `opentelemetry/proto/trace/v1/trace.proto`
//! and `common/v1/common.proto` (prost writes fields in field-number order and
//! leaves out proto3 defaults: empty strings and bytes, zero numbers; a `oneof`
//! value and a present sub-message are always written). The tests check the
//! bytes against `opentelemetry-proto` and prost, span for span.

use opentelemetry::trace::{SpanContext, SpanKind, Status};
use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use prost::encoding::{encode_varint, encoded_len_varint};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wire types.
const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;
const FIXED32: u32 = 5;

/// `SpanFlags`: the context says whether its parent (or a link's span) is remote.
const HAS_IS_REMOTE: u32 = 0x100;
const IS_REMOTE: u32 = 0x200;

fn tag(out: &mut Vec<u8>, field: u32, wire: u32) {
    encode_varint(u64::from(field << 3 | wire), out);
}

fn tag_len(field: u32) -> usize {
    encoded_len_varint(u64::from(field << 3))
}

/// Bytes of a length-delimited field whose body is `len` bytes.
pub(crate) fn field_len(field: u32, len: usize) -> usize {
    tag_len(field) + encoded_len_varint(len as u64) + len
}

/// The tag and length of a length-delimited field; its body follows.
pub(crate) fn header(out: &mut Vec<u8>, field: u32, len: usize) {
    tag(out, field, LEN);
    encode_varint(len as u64, out);
}

pub(crate) fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    header(out, field, b.len());
    out.extend_from_slice(b);
}

/// A string field, left out when empty (proto3).
pub(crate) fn string(out: &mut Vec<u8>, field: u32, s: &str) {
    if !s.is_empty() {
        bytes(out, field, s.as_bytes());
    }
}

pub(crate) fn string_len(field: u32, s: &str) -> usize {
    if s.is_empty() {
        0
    } else {
        field_len(field, s.len())
    }
}

/// A varint field (uint32, int64, enum), left out when zero.
fn varint(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        tag(out, field, VARINT);
        encode_varint(v, out);
    }
}

fn varint_len(field: u32, v: u64) -> usize {
    if v == 0 {
        0
    } else {
        tag_len(field) + encoded_len_varint(v)
    }
}

fn fixed64(out: &mut Vec<u8>, field: u32, v: u64) {
    if v != 0 {
        tag(out, field, FIXED64);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn fixed64_len(field: u32, v: u64) -> usize {
    if v == 0 {
        0
    } else {
        tag_len(field) + 8
    }
}

fn fixed32(out: &mut Vec<u8>, field: u32, v: u32) {
    if v != 0 {
        tag(out, field, FIXED32);
        out.extend_from_slice(&v.to_le_bytes());
    }
}

fn fixed32_len(field: u32, v: u32) -> usize {
    if v == 0 {
        0
    } else {
        tag_len(field) + 4
    }
}

/// Nanoseconds since the Unix epoch; a time before it is 0 (as
/// `opentelemetry-proto` has it).
fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

// AnyValue: string_value = 1, bool_value = 2, int_value = 3, double_value = 4,
// array_value = 5. ArrayValue: values = 1. KeyValue: key = 1, value = 2.

/// The body of an `AnyValue`.
fn any_len(v: &Value) -> usize {
    match v {
        Value::Bool(_) => tag_len(2) + 1,
        Value::I64(i) => tag_len(3) + encoded_len_varint(*i as u64),
        Value::F64(_) => tag_len(4) + 8,
        Value::String(s) => field_len(1, s.as_str().len()),
        Value::Array(a) => field_len(5, array_len(a)),
        // Kinds added after this was written go as their text, not lost.
        other => field_len(1, other.as_str().len()),
    }
}

fn any(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Bool(b) => {
            tag(out, 2, VARINT);
            out.push(u8::from(*b));
        }
        Value::I64(i) => {
            tag(out, 3, VARINT);
            encode_varint(*i as u64, out);
        }
        Value::F64(f) => {
            tag(out, 4, FIXED64);
            out.extend_from_slice(&f.to_le_bytes());
        }
        Value::String(s) => bytes(out, 1, s.as_str().as_bytes()),
        Value::Array(a) => {
            header(out, 5, array_len(a));
            array(out, a);
        }
        other => bytes(out, 1, other.as_str().as_bytes()),
    }
}

/// The body of an `ArrayValue`: each element an `AnyValue` of field 1.
fn array_len(a: &Array) -> usize {
    let each = |body: usize| field_len(1, body);
    match a {
        Array::Bool(v) => v.len() * each(tag_len(2) + 1),
        Array::I64(v) => v
            .iter()
            .map(|i| each(tag_len(3) + encoded_len_varint(*i as u64)))
            .sum(),
        Array::F64(v) => v.len() * each(tag_len(4) + 8),
        Array::String(v) => v.iter().map(|s| each(field_len(1, s.as_str().len()))).sum(),
        other => each(field_len(1, other.to_string().len())),
    }
}

fn array(out: &mut Vec<u8>, a: &Array) {
    match a {
        Array::Bool(v) => v.iter().for_each(|b| element(out, &Value::Bool(*b))),
        Array::I64(v) => v.iter().for_each(|i| element(out, &Value::I64(*i))),
        Array::F64(v) => v.iter().for_each(|f| element(out, &Value::F64(*f))),
        Array::String(v) => v.iter().for_each(|s| {
            header(out, 1, field_len(1, s.as_str().len()));
            bytes(out, 1, s.as_str().as_bytes());
        }),
        other => {
            let text = other.to_string();
            header(out, 1, field_len(1, text.len()));
            bytes(out, 1, text.as_bytes());
        }
    }
}

/// One element of an array (a number or a bool: no allocation to wrap it).
fn element(out: &mut Vec<u8>, v: &Value) {
    header(out, 1, any_len(v));
    any(out, v);
}

fn key_value_len(kv: &KeyValue) -> usize {
    string_len(1, kv.key.as_str()) + field_len(2, any_len(&kv.value))
}

/// Attributes as repeated `KeyValue` field `field`.
pub(crate) fn attributes<'a>(
    out: &mut Vec<u8>,
    field: u32,
    kvs: impl IntoIterator<Item = &'a KeyValue>,
) {
    for kv in kvs {
        header(out, field, key_value_len(kv));
        string(out, 1, kv.key.as_str());
        header(out, 2, any_len(&kv.value));
        any(out, &kv.value);
    }
}

fn attributes_len<'a>(field: u32, kvs: impl IntoIterator<Item = &'a KeyValue>) -> usize {
    kvs.into_iter()
        .map(|kv| field_len(field, key_value_len(kv)))
        .sum()
}

/// The body of an `InstrumentationScope`: name = 1, version = 2, attributes = 3.
pub(crate) fn scope(out: &mut Vec<u8>, s: &InstrumentationScope) {
    string(out, 1, s.name());
    string(out, 2, s.version().unwrap_or_default());
    attributes(out, 3, s.attributes());
}

fn flags(context: &SpanContext, remote: bool) -> u32 {
    u32::from(context.trace_flags().to_u8()) | HAS_IS_REMOTE | if remote { IS_REMOTE } else { 0 }
}

fn kind(k: &SpanKind) -> u64 {
    match k {
        SpanKind::Internal => 1,
        SpanKind::Server => 2,
        SpanKind::Client => 3,
        SpanKind::Producer => 4,
        SpanKind::Consumer => 5,
    }
}

// Span: trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4, name = 5,
// kind = 6, start = 7, end = 8, attributes = 9, dropped_attributes_count = 10,
// events = 11, dropped_events_count = 12, links = 13, dropped_links_count = 14,
// status = 15, flags = 16.

/// Appends the body of the `Span` message of `span` to `out`.
pub(crate) fn span(out: &mut Vec<u8>, span: &SpanData) {
    let cx = &span.span_context;
    bytes(out, 1, &cx.trace_id().to_bytes());
    bytes(out, 2, &cx.span_id().to_bytes());
    string(out, 3, &cx.trace_state().header());
    if span.parent_span_id != opentelemetry::trace::SpanId::INVALID {
        bytes(out, 4, &span.parent_span_id.to_bytes());
    }
    string(out, 5, &span.name);
    varint(out, 6, kind(&span.span_kind));
    fixed64(out, 7, nanos(span.start_time));
    fixed64(out, 8, nanos(span.end_time));
    attributes(out, 9, &span.attributes);
    varint(out, 10, u64::from(span.dropped_attributes_count));
    for e in span.events.iter() {
        // Event: time = 1, name = 2, attributes = 3, dropped_attributes_count = 4.
        let t = nanos(e.timestamp);
        let len = fixed64_len(1, t)
            + string_len(2, &e.name)
            + attributes_len(3, &e.attributes)
            + varint_len(4, u64::from(e.dropped_attributes_count));
        header(out, 11, len);
        fixed64(out, 1, t);
        string(out, 2, &e.name);
        attributes(out, 3, &e.attributes);
        varint(out, 4, u64::from(e.dropped_attributes_count));
    }
    varint(out, 12, u64::from(span.events.dropped_count));
    for l in span.links.iter() {
        // Link: trace_id = 1, span_id = 2, trace_state = 3, attributes = 4,
        // dropped_attributes_count = 5, flags = 6.
        let lcx = &l.span_context;
        let state = lcx.trace_state().header();
        let f = flags(lcx, lcx.is_remote());
        let len = field_len(1, 16)
            + field_len(2, 8)
            + string_len(3, &state)
            + attributes_len(4, &l.attributes)
            + varint_len(5, u64::from(l.dropped_attributes_count))
            + fixed32_len(6, f);
        header(out, 13, len);
        bytes(out, 1, &lcx.trace_id().to_bytes());
        bytes(out, 2, &lcx.span_id().to_bytes());
        string(out, 3, &state);
        attributes(out, 4, &l.attributes);
        varint(out, 5, u64::from(l.dropped_attributes_count));
        fixed32(out, 6, f);
    }
    varint(out, 14, u64::from(span.links.dropped_count));
    // Status: message = 2, code = 3 (Unset 0, Ok 1, Error 2); always present.
    let (message, code) = match &span.status {
        Status::Unset => ("", 0),
        Status::Ok => ("", 1),
        Status::Error { description } => (description.as_ref(), 2),
    };
    header(out, 15, string_len(2, message) + varint_len(3, code));
    string(out, 2, message);
    varint(out, 3, code);
    fixed32(out, 16, flags(cx, span.parent_span_is_remote));
}
