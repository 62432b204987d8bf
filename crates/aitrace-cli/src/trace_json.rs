//! A stored trace as JSON, for `aitrace query --format json`: the summary the
//! SDK computes, then every span in tree order with its attributes as an
//! object (`key: value`), events, links and resource.

use crate::otlp::convert::kind_name;
use crate::otlp::values::{self, json_object};
use crate::store::ns;
use crate::store::read::{StoredSpan, TraceRow};
use crate::units::fmt_rfc3339;
use aitrace::attributes::ai;
use aitrace_sdk::summary::TraceSummary;
use aitrace_sdk::tree::TraceTree;
use opentelemetry::trace::{SpanId, Status};
use opentelemetry_sdk::trace::SpanData;
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;

fn ms(ns: i64) -> f64 {
    ns as f64 / 1e6
}

/// The JSON of one trace.
pub fn trace_json(row: &TraceRow, spans: &[StoredSpan]) -> Json {
    let datas: Vec<SpanData> = spans.iter().map(|s| s.data.clone()).collect();
    let summary = TraceSummary::from_spans(&datas);
    let tree = TraceTree::new(&datas);
    let by_id: HashMap<SpanId, &StoredSpan> = spans
        .iter()
        .map(|s| (s.data.span_context.span_id(), s))
        .collect();
    let spans_json: Vec<Json> = tree
        .lines()
        .iter()
        .filter_map(|line| {
            let s = by_id.get(&line.span.span_context.span_id())?;
            Some(span_json(s, line.depth, line.critical))
        })
        .collect();
    json!({
        "trace_id": row.trace_id.to_string(),
        "root_name": summary.root_name,
        "service": row.service,
        "conversation_id": row.conversation_id,
        "start_time": fmt_rfc3339(row.start_ns),
        "start_time_unix_nano": row.start_ns,
        "duration_ms": ms(summary.duration.as_nanos() as i64),
        "complete": row.complete,
        "span_count": summary.span_count,
        "model_calls": summary.model_calls,
        "embedding_calls": summary.embedding_calls,
        "input_tokens": summary.input_tokens,
        "output_tokens": summary.output_tokens,
        "total_tokens": summary.total_tokens,
        "cost_usd": summary.cost_usd,
        "unpriced_calls": summary.unpriced_calls,
        "errors": summary.errors,
        "guardrails_tripped": summary.guardrails_tripped,
        "tool_calls": summary.tool_calls,
        "handoffs": summary.handoffs,
        "models": summary.models.iter().map(|m| json!({
            "model": m.model,
            "calls": m.calls,
            "input_tokens": m.input_tokens,
            "output_tokens": m.output_tokens,
            "total_tokens": m.total_tokens,
            "cost_usd": m.cost_usd,
            "unpriced_calls": m.unpriced_calls,
        })).collect::<Vec<_>>(),
        "critical_path": summary.critical_path.iter().map(|(name, d)| json!({
            "name": name,
            "duration_ms": ms(d.as_nanos() as i64),
        })).collect::<Vec<_>>(),
        "spans": spans_json,
    })
}

fn span_json(s: &StoredSpan, depth: usize, critical: bool) -> Json {
    let d = &s.data;
    let mut attributes = match json_object(&s.span.attributes) {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    let mut derived = Vec::new();
    for kv in &d.attributes[s.received_attributes.min(d.attributes.len())..] {
        attributes.insert(kv.key.to_string(), values::otel_json(&kv.value));
        derived.push(kv.key.to_string());
    }
    let (code, message) = match &d.status {
        Status::Unset => ("unset", String::new()),
        Status::Ok => ("ok", String::new()),
        Status::Error { description } => ("error", description.to_string()),
    };
    let span_type = d
        .attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == ai::SPAN_TYPE)
        .map(|kv| kv.value.to_string());
    let mut out = json!({
        "span_id": d.span_context.span_id().to_string(),
        "parent_span_id": (d.parent_span_id != SpanId::INVALID).then(|| d.parent_span_id.to_string()),
        "parent_is_remote": d.parent_span_is_remote,
        "name": d.name,
        "depth": depth,
        "critical_path": critical,
        "kind": kind_name(&d.span_kind),
        "type": span_type,
        "start_time_unix_nano": ns(d.start_time),
        "end_time_unix_nano": ns(d.end_time),
        "duration_ms": ms(ns(d.end_time) - ns(d.start_time)),
        "status": {"code": code, "message": message},
        "service": s.service,
        "scope": s.scope.as_ref().map(|sc| json!({"name": sc.name, "version": sc.version})),
        "attributes": Json::Object(attributes),
        "events": s.span.events.iter().map(|e| json!({
            "name": e.name,
            "time_unix_nano": e.time_unix_nano,
            "attributes": json_object(&e.attributes),
        })).collect::<Vec<_>>(),
        "links": s.span.links.iter().map(|l| json!({
            "trace_id": values::hex(&l.trace_id),
            "span_id": values::hex(&l.span_id),
            "attributes": json_object(&l.attributes),
        })).collect::<Vec<_>>(),
        "resource": s.resource.as_ref().map(|r| json_object(&r.attributes)).unwrap_or(Json::Null),
    });
    if !derived.is_empty() {
        out["derived_attributes"] = json!(derived);
    }
    out
}
