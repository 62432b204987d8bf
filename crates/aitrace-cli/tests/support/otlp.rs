//! OTLP trace requests built by hand, with the attributes a test needs.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{
    span, status, ResourceSpans, ScopeSpans, Span, Status,
};
use std::time::{SystemTime, UNIX_EPOCH};

/// An attribute value.
pub enum V {
    /// A string.
    S(&'static str),
    /// An owned string.
    O(String),
    /// An integer.
    I(i64),
    /// A double.
    F(f64),
    /// A boolean.
    B(bool),
}

/// An attribute.
pub fn kv(key: &str, v: V) -> KeyValue {
    let value = match v {
        V::S(s) => any_value::Value::StringValue(s.to_string()),
        V::O(s) => any_value::Value::StringValue(s),
        V::I(n) => any_value::Value::IntValue(n),
        V::F(x) => any_value::Value::DoubleValue(x),
        V::B(b) => any_value::Value::BoolValue(b),
    };
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}

/// Nanoseconds since the epoch, now.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// A span of trace `trace` with id `id`, parent `parent` (0 = root), from
/// `start_ns` lasting `ms` milliseconds.
pub fn span(
    trace: u128,
    id: u64,
    parent: u64,
    name: &str,
    start_ns: u64,
    ms: u64,
    attributes: Vec<KeyValue>,
) -> Span {
    Span {
        trace_id: trace.to_be_bytes().to_vec(),
        span_id: id.to_be_bytes().to_vec(),
        parent_span_id: if parent == 0 {
            Vec::new()
        } else {
            parent.to_be_bytes().to_vec()
        },
        name: name.to_string(),
        kind: span::SpanKind::Internal as i32,
        start_time_unix_nano: start_ns,
        end_time_unix_nano: start_ns + ms * 1_000_000,
        attributes,
        flags: 0x101,
        ..Default::default()
    }
}

/// `span` with status Error and `message`.
pub fn failed(mut s: Span, message: &str) -> Span {
    s.status = Some(Status {
        message: message.to_string(),
        code: status::StatusCode::Error as i32,
    });
    s
}

/// A request carrying `spans` from service `service`.
pub fn request(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![kv("service.name", V::O(service.to_string()))],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "test".into(),
                    ..Default::default()
                }),
                spans,
                schema_url: String::new(),
            }],
            schema_url: String::new(),
        }],
    }
}

/// The attributes of an aitrace generation with usage and cost.
pub fn generation(model: &'static str, input: i64, output: i64, cost: f64) -> Vec<KeyValue> {
    vec![
        kv("ai.span.type", V::S("generation")),
        kv("ai.model", V::S(model)),
        kv("ai.prompt_tokens", V::I(input)),
        kv("ai.completion_tokens", V::I(output)),
        kv("ai.total_tokens", V::I(input + output)),
        kv("ai.cost_usd", V::F(cost)),
    ]
}

/// A small complete trace: a workflow, an agent, a generation and a tool,
/// in conversation `conversation`, started `ago_ns` before now.
pub fn small_trace(trace: u128, conversation: &str, ago_ns: u64) -> Vec<Span> {
    let t = now_ns() - ago_ns;
    let conv = || kv("ai.conversation.id", V::O(conversation.to_string()));
    let with_conv = |mut a: Vec<KeyValue>| {
        a.push(conv());
        a
    };
    let base = (trace as u64) << 8;
    vec![
        span(
            trace,
            base + 3,
            base + 2,
            "chat gpt-4o",
            t + 2_000_000,
            40,
            with_conv(generation("gpt-4o", 800, 60, 0.0026)),
        ),
        span(
            trace,
            base + 4,
            base + 2,
            "execute_tool search_kb",
            t + 45_000_000,
            5,
            with_conv(vec![kv("ai.span.type", V::S("tool"))]),
        ),
        span(
            trace,
            base + 2,
            base + 1,
            "invoke_agent triage",
            t + 1_000_000,
            60,
            with_conv(vec![kv("ai.span.type", V::S("agent"))]),
        ),
        span(
            trace,
            base + 1,
            0,
            "invoke_workflow support",
            t,
            70,
            with_conv(vec![kv("ai.span.type", V::S("workflow"))]),
        ),
    ]
}
