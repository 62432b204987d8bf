//! The JSON encoding of OTLP/HTTP (`http/json`), as the OTLP specification
//! defines it: the protobuf JSON mapping with trace and span ids as hex strings
//! (not base64), lowerCamelCase field names, enums as integers, and 64-bit
//! integers (times, `intValue`) as decimal strings. `opentelemetry-proto`'s
//! `with-serde` feature writes exactly that; the tests below hold it to the spec.
//!
//! One gap is closed here: JSON has no NaN or infinity, and serde writes a
//! non-finite `doubleValue` as `null`, which receivers read as an empty value
//! (or refuse, failing the whole request). Such a double is sent as the string
//! `"NaN"`, `"Infinity"` or `"-Infinity"` instead (a `stringValue`), so the span
//! arrives and the value stays readable.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue};

/// The request body of an `http/json` export. Non-finite doubles in `request`
/// are replaced by their text on the way (in place: no copy of the request).
pub(crate) fn encode(
    request: &mut ExportTraceServiceRequest,
) -> Result<Vec<u8>, serde_json::Error> {
    for rs in request.resource_spans.iter_mut() {
        if let Some(r) = &mut rs.resource {
            finite(&mut r.attributes);
        }
        for ss in &mut rs.scope_spans {
            if let Some(scope) = &mut ss.scope {
                finite(&mut scope.attributes);
            }
            for span in &mut ss.spans {
                finite(&mut span.attributes);
                for event in &mut span.events {
                    finite(&mut event.attributes);
                }
                for link in &mut span.links {
                    finite(&mut link.attributes);
                }
            }
        }
    }
    serde_json::to_vec(&*request)
}

fn finite(attributes: &mut [KeyValue]) {
    for kv in attributes {
        if let Some(v) = &mut kv.value {
            finite_value(v);
        }
    }
}

fn finite_value(v: &mut AnyValue) {
    match &mut v.value {
        Some(Value::DoubleValue(d)) if !d.is_finite() => {
            let text = if d.is_nan() {
                "NaN"
            } else if *d > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            };
            v.value = Some(Value::StringValue(text.to_string()));
        }
        Some(Value::ArrayValue(a)) => a.values.iter_mut().for_each(finite_value),
        Some(Value::KvlistValue(l)) => finite(&mut l.values),
        _ => {}
    }
}

/// `partialSuccess.<field>` (`rejectedSpans`, `rejectedDataPoints`) of a JSON
/// response: an int64, so a decimal string by the mapping, though some
/// receivers write a number. Anything else (an empty body, `{}`) is full success.
pub(crate) fn rejected(body: &[u8], field: &str) -> u64 {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return 0;
    };
    let rejected = &json["partialSuccess"][field];
    rejected
        .as_u64()
        .or_else(|| rejected.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::{InstrumentationScope, KeyValue as Kv};
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
    use serde_json::{json, Value as Json};
    use std::time::{Duration, UNIX_EPOCH};

    fn request() -> ExportTraceServiceRequest {
        let trace_id = TraceId::from_hex("5b8efff798038103d269b633813fc60c").unwrap();
        let mut events = SpanEvents::default();
        events.events.push(opentelemetry::trace::Event::new(
            "exception",
            UNIX_EPOCH + Duration::from_nanos(1_700_000_000_000_000_500),
            vec![Kv::new("exception.type", "Timeout")],
            0,
        ));
        let span = SpanData {
            span_context: SpanContext::new(
                trace_id,
                SpanId::from_hex("eee19b7ec3c1b174").unwrap(),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from_hex("eee19b7ec3c1b173").unwrap(),
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: "chat gpt-4o".into(),
            start_time: UNIX_EPOCH + Duration::from_nanos(1_700_000_000_000_000_000),
            end_time: UNIX_EPOCH + Duration::from_nanos(1_700_000_000_000_001_000),
            attributes: vec![
                Kv::new("gen_ai.usage.input_tokens", 9_007_199_254_740_993_i64),
                Kv::new("gen_ai.request.temperature", 0.5),
                Kv::new("ai.streamed", true),
                Kv::new("bad.double", f64::NAN),
                Kv::new("hot", f64::INFINITY),
                Kv::new(
                    "gen_ai.response.finish_reasons",
                    opentelemetry::Value::Array(opentelemetry::Array::String(vec!["stop".into()])),
                ),
            ],
            dropped_attributes_count: 0,
            events,
            links: SpanLinks::default(),
            status: Status::error("timed out"),
            instrumentation_scope: InstrumentationScope::builder("aitrace").build(),
        };
        let resource = opentelemetry_sdk::Resource::builder_empty()
            .with_attribute(Kv::new("service.name", "bot"))
            .build();
        let resource: ResourceAttributesWithSchema = (&resource).into();
        ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(vec![span], &resource),
        }
    }

    fn encoded() -> Json {
        serde_json::from_slice(&encode(&mut request()).unwrap()).unwrap()
    }

    fn attr<'a>(span: &'a Json, key: &str) -> &'a Json {
        span["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|kv| kv["key"] == key)
            .map(|kv| &kv["value"])
            .unwrap_or_else(|| panic!("no attribute {key}"))
    }

    #[test]
    fn ids_are_hex_and_field_names_lower_camel_case() {
        let j = encoded();
        let span = &j["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["traceId"], "5b8efff798038103d269b633813fc60c");
        assert_eq!(span["spanId"], "eee19b7ec3c1b174");
        assert_eq!(span["parentSpanId"], "eee19b7ec3c1b173");
        assert_eq!(span["name"], "chat gpt-4o");
        assert!(span.get("trace_id").is_none() && span.get("start_time_unix_nano").is_none());
        assert_eq!(
            j["resourceSpans"][0]["resource"]["attributes"][0],
            json!({"key": "service.name", "value": {"stringValue": "bot"}})
        );
        assert_eq!(
            j["resourceSpans"][0]["scopeSpans"][0]["scope"]["name"],
            "aitrace"
        );
    }

    #[test]
    fn enums_are_integers_and_64_bit_integers_decimal_strings() {
        let j = encoded();
        let span = &j["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(span["kind"], 3, "SPAN_KIND_CLIENT");
        assert_eq!(span["status"]["code"], 2, "STATUS_CODE_ERROR");
        assert_eq!(span["status"]["message"], "timed out");
        assert_eq!(span["startTimeUnixNano"], "1700000000000000000");
        assert_eq!(span["endTimeUnixNano"], "1700000000000001000");
        assert_eq!(span["events"][0]["timeUnixNano"], "1700000000000000500");
        assert_eq!(span["events"][0]["name"], "exception");
        // Above 2^53: a JSON number would lose it.
        assert_eq!(
            attr(span, "gen_ai.usage.input_tokens"),
            &json!({"intValue": "9007199254740993"})
        );
        assert_eq!(
            attr(span, "gen_ai.request.temperature"),
            &json!({"doubleValue": 0.5})
        );
        assert_eq!(attr(span, "ai.streamed"), &json!({"boolValue": true}));
        assert_eq!(
            attr(span, "gen_ai.response.finish_reasons"),
            &json!({"arrayValue": {"values": [{"stringValue": "stop"}]}})
        );
        assert_eq!(span["flags"], 0x101, "sampled, parent known to be local");
    }

    #[test]
    fn non_finite_doubles_arrive_as_text() {
        let j = encoded();
        let span = &j["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(attr(span, "bad.double"), &json!({"stringValue": "NaN"}));
        assert_eq!(attr(span, "hot"), &json!({"stringValue": "Infinity"}));
    }

    #[test]
    fn the_body_decodes_back_to_the_request() {
        let mut want = request();
        let body = encode(&mut want.clone()).unwrap();
        let back: ExportTraceServiceRequest = serde_json::from_slice(&body).unwrap();
        // Only the two non-finite doubles differ.
        let attrs = &mut want.resource_spans[0].scope_spans[0].spans[0].attributes;
        attrs[3].value = Some(AnyValue {
            value: Some(Value::StringValue("NaN".into())),
        });
        attrs[4].value = Some(AnyValue {
            value: Some(Value::StringValue("Infinity".into())),
        });
        assert_eq!(back, want);
    }

    #[test]
    fn rejected_spans_as_string_or_number() {
        let rejected_spans = |body: &[u8]| rejected(body, "rejectedSpans");
        assert_eq!(
            rejected_spans(br#"{"partialSuccess":{"rejectedSpans":"3"}}"#),
            3
        );
        assert_eq!(
            rejected_spans(br#"{"partialSuccess":{"rejectedSpans":4,"errorMessage":"x"}}"#),
            4
        );
        assert_eq!(rejected_spans(br#"{"partialSuccess":null}"#), 0);
        assert_eq!(rejected_spans(b"{}"), 0);
        assert_eq!(rejected_spans(b""), 0);
        assert_eq!(
            rejected(
                br#"{"partialSuccess":{"rejectedDataPoints":"2"}}"#,
                "rejectedDataPoints"
            ),
            2
        );
    }
}
