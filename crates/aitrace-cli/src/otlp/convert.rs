//! Received spans checked and converted: to the bytes the store keeps (the
//! span's own OTLP message, with its scope) and to the SDK's `SpanData`, which
//! the summaries and the tree read.

use super::values::otel_value;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId,
};
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{
    any_value, InstrumentationScope as ProtoScope, KeyValue as ProtoKeyValue,
};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, status, ResourceSpans, ScopeSpans, Span};
use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
use prost::Message;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The `flags` bits of OTLP that say whether the parent is known to be remote.
const HAS_IS_REMOTE: u32 = 0x100;
const IS_REMOTE: u32 = 0x200;

/// A resource as received: encoded (the store keeps each distinct one once)
/// and its `service.name`.
#[derive(Debug)]
pub struct ReceivedResource {
    /// A `ResourceSpans` message holding the resource and its schema URL only.
    pub encoded: Vec<u8>,
    /// `service.name`, when it is a non-empty string.
    pub service: Option<String>,
}

/// One accepted span.
#[derive(Debug)]
pub struct IncomingSpan {
    /// The span as the summaries read it.
    pub data: SpanData,
    /// A `ScopeSpans` message holding the span's scope and the span alone.
    pub encoded: Vec<u8>,
    /// Its resource: an index into [`Batch::resources`].
    pub resource: usize,
}

/// The spans of one export request, checked.
#[derive(Debug, Default)]
pub struct Batch {
    /// The distinct resources of the request.
    pub resources: Vec<ReceivedResource>,
    /// The spans that can be stored.
    pub spans: Vec<IncomingSpan>,
    /// Spans refused (an id of the wrong length, or all zero).
    pub rejected: u64,
    /// Why the first refused span was refused.
    pub rejection: Option<String>,
}

impl Batch {
    /// Checks and converts every span of `request`. A span with a bad id is
    /// refused (counted in [`Batch::rejected`], as OTLP's partial success
    /// reports it) and the others are kept.
    pub fn from_request(request: ExportTraceServiceRequest) -> Batch {
        let mut batch = Batch::default();
        let mut seen: std::collections::HashMap<Vec<u8>, usize> = std::collections::HashMap::new();
        for rs in request.resource_spans {
            let ResourceSpans {
                resource,
                scope_spans,
                schema_url,
            } = rs;
            let service = resource.as_ref().and_then(service_name);
            let encoded = ResourceSpans {
                resource,
                scope_spans: Vec::new(),
                schema_url,
            }
            .encode_to_vec();
            // By content: a request may repeat one resource in many entries.
            let index = *seen.entry(encoded.clone()).or_insert_with(|| {
                batch.resources.push(ReceivedResource { encoded, service });
                batch.resources.len() - 1
            });
            for ss in scope_spans {
                let ScopeSpans {
                    scope,
                    spans,
                    schema_url,
                } = ss;
                for span in spans {
                    match span_data(scope.as_ref(), &span) {
                        Ok(data) => {
                            let encoded = ScopeSpans {
                                scope: scope.clone(),
                                spans: vec![span],
                                schema_url: schema_url.clone(),
                            }
                            .encode_to_vec();
                            batch.spans.push(IncomingSpan {
                                data,
                                encoded,
                                resource: index,
                            });
                        }
                        Err(why) => {
                            batch.rejected += 1;
                            batch.rejection.get_or_insert(why);
                        }
                    }
                }
            }
        }
        batch
    }
}

/// `service.name` of a resource.
pub fn service_name(resource: &Resource) -> Option<String> {
    resource
        .attributes
        .iter()
        .rev()
        .find(|kv| kv.key == "service.name")
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        })
}

/// `span` as the SDK's `SpanData`.
///
/// # Errors
/// A trace id that is not 16 bytes or is all zero, a span id that is not 8
/// bytes or is all zero, or a parent span id that is neither empty nor 8
/// bytes: the reason, naming the span.
pub fn span_data(scope: Option<&ProtoScope>, span: &Span) -> Result<SpanData, String> {
    let trace_id = <[u8; 16]>::try_from(span.trace_id.as_slice())
        .ok()
        .map(TraceId::from_bytes)
        .filter(|id| *id != TraceId::INVALID)
        .ok_or_else(|| {
            format!(
                "span {:?}: trace id must be 16 bytes, not all zero (got {} bytes)",
                span.name,
                span.trace_id.len()
            )
        })?;
    let span_id = <[u8; 8]>::try_from(span.span_id.as_slice())
        .ok()
        .map(SpanId::from_bytes)
        .filter(|id| *id != SpanId::INVALID)
        .ok_or_else(|| {
            format!(
                "span {:?}: span id must be 8 bytes, not all zero (got {} bytes)",
                span.name,
                span.span_id.len()
            )
        })?;
    let parent_span_id = match span.parent_span_id.len() {
        0 => SpanId::INVALID,
        8 => SpanId::from_bytes(span.parent_span_id.as_slice().try_into().unwrap_or([0; 8])),
        n => {
            return Err(format!(
                "span {:?}: parent span id must be empty or 8 bytes (got {n} bytes)",
                span.name
            ))
        }
    };
    let trace_state = span.trace_state.parse().unwrap_or_default();
    let span_context = SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new((span.flags & 0xff) as u8),
        false,
        trace_state,
    );
    let parent_span_is_remote = span.flags & HAS_IS_REMOTE != 0 && span.flags & IS_REMOTE != 0;
    let mut events = SpanEvents::default();
    events.events = span
        .events
        .iter()
        .map(|e| {
            Event::new(
                e.name.clone(),
                time(e.time_unix_nano),
                attributes(&e.attributes),
                e.dropped_attributes_count,
            )
        })
        .collect();
    events.dropped_count = span.dropped_events_count;
    let mut links = SpanLinks::default();
    links.links = span
        .links
        .iter()
        .filter_map(|l| {
            let trace_id = <[u8; 16]>::try_from(l.trace_id.as_slice()).ok()?;
            let span_id = <[u8; 8]>::try_from(l.span_id.as_slice()).ok()?;
            let cx = SpanContext::new(
                TraceId::from_bytes(trace_id),
                SpanId::from_bytes(span_id),
                TraceFlags::new((l.flags & 0xff) as u8),
                l.flags & HAS_IS_REMOTE != 0 && l.flags & IS_REMOTE != 0,
                l.trace_state.parse().unwrap_or_default(),
            );
            Some(Link::new(
                cx,
                attributes(&l.attributes),
                l.dropped_attributes_count,
            ))
        })
        .collect();
    links.dropped_count = span.dropped_links_count;
    let status = match &span.status {
        Some(s) if s.code == status::StatusCode::Error as i32 => Status::error(s.message.clone()),
        Some(s) if s.code == status::StatusCode::Ok as i32 => Status::Ok,
        _ => Status::Unset,
    };
    let instrumentation_scope = match scope {
        Some(scope) => {
            let mut b = InstrumentationScope::builder(scope.name.clone())
                .with_attributes(attributes(&scope.attributes));
            if !scope.version.is_empty() {
                b = b.with_version(scope.version.clone());
            }
            b.build()
        }
        None => InstrumentationScope::builder("").build(),
    };
    Ok(SpanData {
        span_context,
        parent_span_id,
        parent_span_is_remote,
        span_kind: kind(span.kind),
        name: span.name.clone().into(),
        start_time: time(span.start_time_unix_nano),
        end_time: time(span.end_time_unix_nano),
        attributes: attributes(&span.attributes),
        dropped_attributes_count: span.dropped_attributes_count,
        events,
        links,
        status,
        instrumentation_scope,
    })
}

fn attributes(list: &[ProtoKeyValue]) -> Vec<KeyValue> {
    list.iter()
        .filter_map(|kv| {
            Some(KeyValue::new(
                kv.key.clone(),
                otel_value(kv.value.as_ref()?)?,
            ))
        })
        .collect()
}

fn time(ns: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_nanos(ns)
}

/// The OpenTelemetry kind of an OTLP kind (unspecified and unknown values are internal).
pub fn kind(k: i32) -> SpanKind {
    match span::SpanKind::try_from(k) {
        Ok(span::SpanKind::Server) => SpanKind::Server,
        Ok(span::SpanKind::Client) => SpanKind::Client,
        Ok(span::SpanKind::Producer) => SpanKind::Producer,
        Ok(span::SpanKind::Consumer) => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// The short name of a kind: `internal`, `server`, `client`, `producer`, `consumer`.
pub fn kind_name(k: &SpanKind) -> &'static str {
    match k {
        SpanKind::Server => "server",
        SpanKind::Client => "client",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::common::v1::AnyValue;
    use opentelemetry_proto::tonic::trace::v1::Status as ProtoStatus;

    pub(crate) fn proto_span(trace: u8, id: u8, parent: u8) -> Span {
        Span {
            trace_id: vec![trace; 16],
            span_id: vec![id; 8],
            parent_span_id: if parent == 0 { vec![] } else { vec![parent; 8] },
            name: format!("span {id}"),
            kind: span::SpanKind::Client as i32,
            start_time_unix_nano: 1_700_000_000_000_000_000,
            end_time_unix_nano: 1_700_000_000_500_000_000,
            attributes: vec![ProtoKeyValue {
                key: "ai.span.type".into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue("generation".into())),
                }),
                ..Default::default()
            }],
            status: Some(ProtoStatus {
                message: "boom".into(),
                code: status::StatusCode::Error as i32,
            }),
            flags: 0x301,
            ..Default::default()
        }
    }

    #[test]
    fn a_span_converts_with_its_parent_kind_status_and_times() {
        let data = span_data(None, &proto_span(1, 2, 3)).unwrap();
        assert_eq!(data.span_context.span_id(), SpanId::from_bytes([2; 8]));
        assert_eq!(data.parent_span_id, SpanId::from_bytes([3; 8]));
        assert!(data.parent_span_is_remote);
        assert_eq!(data.span_kind, SpanKind::Client);
        assert_eq!(data.status, Status::error("boom"));
        assert_eq!(
            data.end_time.duration_since(data.start_time).unwrap(),
            Duration::from_millis(500)
        );
        assert!(data.span_context.is_sampled());
    }

    #[test]
    fn bad_ids_are_refused_with_a_reason_and_the_rest_kept() {
        let mut bad = proto_span(1, 2, 0);
        bad.trace_id = vec![1; 3];
        let mut zero = proto_span(0, 4, 0);
        zero.name = "zero".into();
        let mut bad_parent = proto_span(1, 5, 0);
        bad_parent.parent_span_id = vec![1; 4];
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans {
                    scope: None,
                    spans: vec![bad, zero, bad_parent, proto_span(1, 6, 0)],
                    schema_url: String::new(),
                }],
                schema_url: String::new(),
            }],
        };
        let batch = Batch::from_request(request);
        assert_eq!(batch.spans.len(), 1);
        assert_eq!(batch.rejected, 3);
        assert_eq!(
            batch.rejection.as_deref(),
            Some("span \"span 2\": trace id must be 16 bytes, not all zero (got 3 bytes)")
        );
        let back = ScopeSpans::decode(batch.spans[0].encoded.as_slice()).unwrap();
        assert_eq!(back.spans[0].span_id, vec![6; 8]);
    }
}
