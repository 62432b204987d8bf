//! Property test of the protobuf written straight from `SpanData`: for any
//! spans, the bytes are those of `opentelemetry-proto`'s conversion encoded by
//! prost, and packing under any limit loses and reorders nothing.

use super::packed::{encode, ResourceBytes};
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Array, InstrumentationScope, KeyValue, StringValue, Value};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use opentelemetry_sdk::Resource;
use proptest::prelude::*;
use prost::Message;
use std::time::{Duration, UNIX_EPOCH};

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), "[a-z._]{1,12}", "\\PC{0,40}"]
}

fn value() -> impl Strategy<Value = Value> {
    let strings = prop::collection::vec(text(), 0..4)
        .prop_map(|v| Array::String(v.into_iter().map(StringValue::from).collect()));
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::I64),
        any::<f64>().prop_map(Value::F64),
        text().prop_map(Value::from),
        prop::collection::vec(any::<bool>(), 0..4).prop_map(|v| Value::Array(Array::Bool(v))),
        prop::collection::vec(any::<i64>(), 0..4).prop_map(|v| Value::Array(Array::I64(v))),
        prop::collection::vec(any::<f64>(), 0..4).prop_map(|v| Value::Array(Array::F64(v))),
        strings.prop_map(Value::Array),
    ]
}

fn attributes() -> impl Strategy<Value = Vec<KeyValue>> {
    prop::collection::vec((text(), value()), 0..6)
        .prop_map(|v| v.into_iter().map(|(k, v)| KeyValue::new(k, v)).collect())
}

fn context() -> impl Strategy<Value = SpanContext> {
    (
        any::<u128>(),
        any::<u64>(),
        any::<u8>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(t, s, f, remote, state)| {
            let state = if state {
                TraceState::from_key_value([("vendor", "a1"), ("other", "b")]).unwrap()
            } else {
                TraceState::default()
            };
            SpanContext::new(
                TraceId::from(t),
                SpanId::from(s),
                TraceFlags::new(f),
                remote,
                state,
            )
        })
}

fn time() -> impl Strategy<Value = std::time::SystemTime> {
    prop_oneof![
        Just(UNIX_EPOCH),
        any::<u64>().prop_map(|n| UNIX_EPOCH + Duration::from_nanos(n)),
    ]
}

fn span() -> impl Strategy<Value = SpanData> {
    let events = prop::collection::vec((text(), time(), attributes(), 0..3_u32), 0..3);
    let links = prop::collection::vec((context(), attributes(), 0..3_u32), 0..3);
    (
        (
            context(),
            any::<u64>(),
            any::<bool>(),
            0..5_u8,
            text(),
            time(),
            time(),
        ),
        (attributes(), 0..3_u32, events, 0..3_u32, links, 0..3_u32),
        (0..3_u8, text(), 0..3_usize),
    )
        .prop_map(
            |(
                (cx, parent, parent_remote, kind, name, start, end),
                (attributes, dropped, events, dropped_events, links, dropped_links),
                (status, description, scope),
            )| {
                let mut span_events = SpanEvents::default();
                span_events.events = events
                    .into_iter()
                    .map(|(n, t, a, d)| Event::new(n, t, a, d))
                    .collect();
                span_events.dropped_count = dropped_events;
                let mut span_links = SpanLinks::default();
                span_links.links = links
                    .into_iter()
                    .map(|(cx, a, d)| {
                        let mut l = Link::with_context(cx);
                        l.attributes = a;
                        l.dropped_attributes_count = d;
                        l
                    })
                    .collect();
                span_links.dropped_count = dropped_links;
                SpanData {
                    span_context: cx,
                    parent_span_id: SpanId::from(parent),
                    parent_span_is_remote: parent_remote,
                    span_kind: [
                        SpanKind::Internal,
                        SpanKind::Server,
                        SpanKind::Client,
                        SpanKind::Producer,
                        SpanKind::Consumer,
                    ][kind as usize]
                        .clone(),
                    name: name.into(),
                    start_time: start,
                    end_time: end,
                    attributes,
                    dropped_attributes_count: dropped,
                    events: span_events,
                    links: span_links,
                    status: match status {
                        0 => Status::Unset,
                        1 => Status::Ok,
                        _ => Status::error(description),
                    },
                    instrumentation_scope: scopes()[scope].clone(),
                }
            },
        )
}

fn scopes() -> [InstrumentationScope; 3] {
    [
        InstrumentationScope::builder("aitrace").build(),
        InstrumentationScope::builder("tracing")
            .with_version("0.1")
            .with_attributes([KeyValue::new("k", 1_i64)])
            .build(),
        InstrumentationScope::builder("")
            .with_schema_url("https://opentelemetry.io/schemas/1.36.0")
            .build(),
    ]
}

fn resource() -> Resource {
    Resource::builder_empty()
        .with_attributes([
            KeyValue::new("service.name", "props"),
            KeyValue::new("n", 3_i64),
        ])
        .build()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_spans_encode_as_opentelemetry_proto_and_prost_do(
        batch in prop::collection::vec(span(), 1..8)
    ) {
        let resource = resource();
        let packed = encode(&batch, &ResourceBytes::new(&resource), usize::MAX);
        prop_assert!(packed.too_large.is_empty());
        prop_assert_eq!(packed.requests.len(), 1);
        let want = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &(&resource).into()),
        }
        .encode_to_vec();
        prop_assert!(packed.requests[0].body == want, "the encodings differ");
    }

    #[test]
    fn any_limit_keeps_every_span_once_and_each_request_under_it(
        batch in prop::collection::vec(span(), 1..12),
        limit in 300_usize..6_000,
    ) {
        let packed = encode(&batch, &ResourceBytes::new(&resource()), limit);
        let mut sent = 0;
        let mut ids = Vec::new();
        for r in &packed.requests {
            prop_assert!(r.body.len() <= limit, "{} > {}", r.body.len(), limit);
            let decoded = ExportTraceServiceRequest::decode(&r.body[..]).unwrap();
            let n = decoded.resource_spans.iter()
                .flat_map(|rs| &rs.scope_spans)
                .flat_map(|ss| &ss.spans)
                .map(|s| ids.push(s.span_id.clone()))
                .count();
            prop_assert_eq!(n as u64, r.spans);
            sent += n;
        }
        prop_assert_eq!(sent + packed.too_large.len(), batch.len());
        // Nothing set aside: every span of the batch was sent, once.
        if packed.too_large.is_empty() {
            let mut want: Vec<Vec<u8>> = batch
                .iter()
                .map(|s| s.span_context.span_id().to_bytes().to_vec())
                .collect();
            want.sort();
            ids.sort();
            prop_assert_eq!(ids, want);
        }
    }
}
