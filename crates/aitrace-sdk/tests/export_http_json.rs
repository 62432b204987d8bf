//! `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`: what goes on the wire is OTLP/HTTP
//! with the JSON encoding the OTLP specification defines — `Content-Type:
//! application/json`, hex trace and span ids, lowerCamelCase field names, enums as
//! integers, 64-bit integers as decimal strings — and it decodes back to the
//! spans that were recorded. The end-to-end tests (`examples/tests/
//! e2e_otlp_http_json*.rs`) send the same encoding to the rotel collector.

mod support;
use aitrace_sdk::Builder;
use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::KeyValue;
use serde_json::Value;
use std::time::Duration;
use support::receiver::Receiver;

#[test]
fn spans_are_posted_as_otlp_json() {
    let rx = Receiver::http(false);
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json".to_string()),
        ("OTEL_SERVICE_NAME", "json-bot".to_string()),
    ];
    let guard = Builder::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
        .build()
        .expect("starts");
    let tracer = guard.provider().unwrap().tracer("json-test");
    let (trace_id, parent_id, child_id) = tracer.in_span("invoke_agent triage", |cx| {
        let parent = cx.span().span_context().clone();
        let child = tracer
            .span_builder("chat gpt-4o")
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("gen_ai.usage.input_tokens", 9_007_199_254_740_993_i64),
                KeyValue::new("gen_ai.request.temperature", 0.25),
                KeyValue::new("ai.streamed", true),
            ])
            .start(&tracer);
        let child_id = opentelemetry::trace::Span::span_context(&child).span_id();
        drop(child);
        (parent.trace_id(), parent.span_id(), child_id)
    });
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(10))
        .expect("delivered");
    assert_eq!(report.stats.exported, 2);

    let received = rx.received();
    assert!(!received.is_empty());
    for r in &received {
        let ct = r.headers.iter().find(|(k, _)| k == "content-type");
        assert_eq!(ct.map(|(_, v)| v.as_str()), Some("application/json"));
    }
    let spans: Vec<Value> = received
        .iter()
        .flat_map(|r| {
            let body: Value = serde_json::from_slice(&r.body).expect("the body is JSON");
            let mut out = Vec::new();
            for rs in body["resourceSpans"].as_array().unwrap() {
                assert!(
                    rs["resource"]["attributes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|kv| kv["key"] == "service.name"
                            && kv["value"]["stringValue"] == "json-bot"),
                    "{rs}"
                );
                for ss in rs["scopeSpans"].as_array().unwrap() {
                    assert_eq!(ss["scope"]["name"], "json-test");
                    out.extend(ss["spans"].as_array().unwrap().iter().cloned());
                }
            }
            out
        })
        .collect();
    assert_eq!(spans.len(), 2);
    let chat = spans.iter().find(|s| s["name"] == "chat gpt-4o").unwrap();
    let agent = spans
        .iter()
        .find(|s| s["name"] == "invoke_agent triage")
        .unwrap();

    assert_eq!(chat["traceId"], trace_id.to_string(), "hex, not base64");
    assert_eq!(chat["spanId"], child_id.to_string());
    assert_eq!(chat["parentSpanId"], parent_id.to_string());
    assert_eq!(agent["spanId"], parent_id.to_string());
    assert_eq!(agent["parentSpanId"], "", "a root span has no parent");
    assert_eq!(chat["kind"], 3, "SPAN_KIND_CLIENT as an integer");
    assert_eq!(agent["kind"], 1, "SPAN_KIND_INTERNAL");
    for s in [chat, agent] {
        let start = s["startTimeUnixNano"].as_str().expect("a decimal string");
        let end = s["endTimeUnixNano"].as_str().expect("a decimal string");
        assert!(start.parse::<u64>().unwrap() <= end.parse::<u64>().unwrap());
    }
    let attr = |key: &str| {
        chat["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|kv| kv["key"] == key)
            .map(|kv| kv["value"].clone())
            .unwrap()
    };
    assert_eq!(
        attr("gen_ai.usage.input_tokens"),
        serde_json::json!({"intValue": "9007199254740993"})
    );
    assert_eq!(
        attr("gen_ai.request.temperature"),
        serde_json::json!({"doubleValue": 0.25})
    );
    assert_eq!(attr("ai.streamed"), serde_json::json!({"boolValue": true}));
    // And the receiver's decoder reads it back to the same spans.
    let decoded = rx.spans();
    assert_eq!(decoded.len(), 2);
    let chat = decoded.iter().find(|s| s.name == "chat gpt-4o").unwrap();
    assert_eq!(chat.trace_id, trace_id.to_bytes().to_vec());
    assert_eq!(chat.parent_span_id, parent_id.to_bytes().to_vec());
}
