//! Helpers for tests of instrumented code: an in-memory pipeline installed once
//! per process, and lookups on recorded spans.
//!
//! Tests in one binary run in parallel and share the global tracer provider, so
//! each test should start its own trace and query [`InMemoryExporter::spans_of_trace`].

use crate::exporter::InMemoryExporter;
use opentelemetry::trace::SpanId;
use opentelemetry::Value;
use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor, SpanData};
use std::sync::OnceLock;

/// Installs (once per process) a global tracer provider that exports every span,
/// as it ends, to an in-memory exporter of 100 000 spans, and returns that exporter.
/// Spans with `gen_ai.*` attributes made by other instrumentation go through
/// [`GenAiSpans`](crate::gen_ai_spans::GenAiSpans) first, as in a pipeline from
/// [`init`](crate::init).
pub fn install_in_memory() -> InMemoryExporter {
    static EXPORTER: OnceLock<(InMemoryExporter, SdkTracerProvider)> = OnceLock::new();
    EXPORTER
        .get_or_init(|| {
            let exporter = InMemoryExporter::with_capacity(100_000);
            // Spans from other instrumentation are understood as in `init()`.
            let provider = SdkTracerProvider::builder()
                .with_span_processor(crate::gen_ai_spans::GenAiSpans::new(
                    SimpleSpanProcessor::new(exporter.clone()),
                ))
                .build();
            opentelemetry::global::set_tracer_provider(provider.clone());
            (exporter, provider)
        })
        .0
        .clone()
}

/// The value of attribute `key` on `span`.
pub fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// The string value of attribute `key`, if it is a string.
pub fn attr_str<'a>(span: &'a SpanData, key: &str) -> Option<&'a str> {
    match attr(span, key)? {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// The integer value of attribute `key`, if it is one.
pub fn attr_i64(span: &SpanData, key: &str) -> Option<i64> {
    match attr(span, key)? {
        Value::I64(n) => Some(*n),
        _ => None,
    }
}

/// The float value of attribute `key`, if it is one.
pub fn attr_f64(span: &SpanData, key: &str) -> Option<f64> {
    match attr(span, key)? {
        Value::F64(n) => Some(*n),
        _ => None,
    }
}

/// The boolean value of attribute `key`, if it is one.
pub fn attr_bool(span: &SpanData, key: &str) -> Option<bool> {
    match attr(span, key)? {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// The span named `name` among `spans`.
///
/// # Panics
/// When no span, or more than one, has that name (a test helper: the panic is the failure).
pub fn by_name<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found: Vec<&SpanData> = spans.iter().filter(|s| s.name == name).collect();
    match found.as_slice() {
        [one] => one,
        _ => panic!(
            "expected exactly one span named {name:?}, found {}; spans: {:?}",
            found.len(),
            spans.iter().map(|s| s.name.as_ref()).collect::<Vec<_>>()
        ),
    }
}

/// The children of `parent` among `spans`, in start order.
pub fn children_of(spans: &[SpanData], parent: SpanId) -> Vec<&SpanData> {
    let mut c: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.parent_span_id == parent)
        .collect();
    c.sort_by_key(|s| s.start_time);
    c
}

/// Renders the span tree of `spans` as indented names (ids and times left out),
/// for comparing the shape of a trace with an expected text.
pub fn tree_shape(spans: &[SpanData]) -> String {
    let ids: std::collections::HashSet<SpanId> =
        spans.iter().map(|s| s.span_context.span_id()).collect();
    let mut roots: Vec<&SpanData> = spans
        .iter()
        .filter(|s| !ids.contains(&s.parent_span_id))
        .collect();
    roots.sort_by_key(|s| s.start_time);
    let mut out = String::new();
    fn walk(spans: &[SpanData], s: &SpanData, depth: usize, out: &mut String) {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&s.name);
        out.push('\n');
        for c in children_of(spans, s.span_context.span_id()) {
            walk(spans, c, depth + 1, out);
        }
    }
    for r in roots {
        walk(spans, r, 0, &mut out);
    }
    out
}
