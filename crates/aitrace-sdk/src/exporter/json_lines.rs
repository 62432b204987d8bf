//! An exporter that writes one JSON object per span per line.

use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry::{Array, KeyValue, Value};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use serde::Serialize;
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

/// Writes each span as one line of JSON, for `jq`, log shippers and tests.
///
/// Each line is an object with, in this order:
///
/// | field | content |
/// |---|---|
/// | `trace_id`, `span_id` | lowercase hex |
/// | `parent_span_id` | hex, or `null` for a root |
/// | `parent_is_remote` | whether the parent came from another process |
/// | `name` | the span name |
/// | `kind` | `internal`, `server`, `client`, `producer` or `consumer` |
/// | `start_time_unix_nano`, `end_time_unix_nano` | integers |
/// | `duration_ms` | float |
/// | `status` | `{"code": "unset" \| "ok" \| "error", "message": string or null}` |
/// | `attributes` | object; arrays stay arrays; non-finite floats become `null` |
/// | `events` | `[{"name", "time_unix_nano", "attributes"}]` |
/// | `links` | `[{"trace_id", "span_id", "attributes"}]` |
/// | `resource` | the resource attributes given by the tracer provider |
/// | `scope` | `{"name", "version"}` of the instrumentation scope |
/// | `dropped` | only when the SDK dropped something: `{"attributes", "events", "links"}` counts |
///
/// Times are JSON integers: exact for `jq` and Rust, rounded by readers that
/// parse every number as a double. Keys of `attributes` and `resource` are sorted.
///
/// ```
/// use aitrace_sdk::exporter::JsonLinesExporter;
/// use aitrace_sdk::opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(JsonLinesExporter::stdout())
///     .build();
/// aitrace::opentelemetry::global::set_tracer_provider(provider.clone());
/// aitrace::tool("search_kb").start().end(); // one line on stdout
/// provider.shutdown().unwrap();
/// ```
#[derive(Clone)]
pub struct JsonLinesExporter {
    state: Arc<Mutex<State>>,
}

struct State {
    writer: Box<dyn Write + Send>,
    resource: BTreeMap<String, Json>,
    shut_down: bool,
}

impl fmt::Debug for JsonLinesExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonLinesExporter").finish_non_exhaustive()
    }
}

impl JsonLinesExporter {
    /// Writes to `writer`; it is flushed after every batch.
    pub fn new(writer: impl Write + Send + 'static) -> Self {
        JsonLinesExporter {
            state: Arc::new(Mutex::new(State {
                writer: Box::new(writer),
                resource: BTreeMap::new(),
                shut_down: false,
            })),
        }
    }

    /// Writes to standard output.
    pub fn stdout() -> Self {
        JsonLinesExporter::new(io::stdout())
    }

    /// Appends to the file at `path`, creating it if needed.
    ///
    /// # Errors
    /// When the file cannot be opened for appending.
    ///
    /// ```
    /// use aitrace_sdk::exporter::JsonLinesExporter;
    /// let path = std::env::temp_dir().join("aitrace-doc-spans.jsonl");
    /// let exporter = JsonLinesExporter::to_file(&path)?;
    /// # drop(exporter);
    /// # let _ = std::fs::remove_file(&path);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn to_file(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(JsonLinesExporter::new(BufWriter::new(file)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn write_error(e: impl fmt::Display) -> OTelSdkError {
    OTelSdkError::InternalFailure(format!("json lines exporter: {e}"))
}

impl SpanExporter for JsonLinesExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut st = self.lock();
        if st.shut_down {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let mut out = Vec::with_capacity(batch.len() * 512);
        for span in &batch {
            serde_json::to_writer(&mut out, &SpanLine::new(span, &st.resource))
                .map_err(write_error)?;
            out.push(b'\n');
        }
        st.writer.write_all(&out).map_err(write_error)?;
        st.writer.flush().map_err(write_error)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.lock().writer.flush().map_err(write_error)
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        let mut st = self.lock();
        st.shut_down = true;
        st.writer.flush().map_err(write_error)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.lock().resource = resource
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), value_json(v)))
            .collect();
    }
}

#[derive(Serialize)]
struct SpanLine<'a> {
    trace_id: String,
    span_id: String,
    parent_span_id: Option<String>,
    parent_is_remote: bool,
    name: &'a str,
    kind: &'static str,
    start_time_unix_nano: u64,
    end_time_unix_nano: u64,
    duration_ms: f64,
    status: StatusJson<'a>,
    attributes: BTreeMap<&'a str, Json>,
    events: Vec<EventJson<'a>>,
    links: Vec<LinkJson<'a>>,
    resource: &'a BTreeMap<String, Json>,
    scope: ScopeJson<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<Dropped>,
}

#[derive(Serialize)]
struct StatusJson<'a> {
    code: &'static str,
    message: Option<&'a str>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    name: &'a str,
    time_unix_nano: u64,
    attributes: BTreeMap<&'a str, Json>,
}

#[derive(Serialize)]
struct LinkJson<'a> {
    trace_id: String,
    span_id: String,
    attributes: BTreeMap<&'a str, Json>,
}

#[derive(Serialize)]
struct ScopeJson<'a> {
    name: &'a str,
    version: Option<&'a str>,
}

#[derive(Serialize)]
struct Dropped {
    attributes: u32,
    events: u32,
    links: u32,
}

impl<'a> SpanLine<'a> {
    fn new(span: &'a SpanData, resource: &'a BTreeMap<String, Json>) -> SpanLine<'a> {
        let (code, message) = match &span.status {
            Status::Unset => ("unset", None),
            Status::Ok => ("ok", None),
            Status::Error { description } => ("error", Some(description.as_ref())),
        };
        let dropped = (span.dropped_attributes_count > 0
            || span.events.dropped_count > 0
            || span.links.dropped_count > 0)
            .then_some(Dropped {
                attributes: span.dropped_attributes_count,
                events: span.events.dropped_count,
                links: span.links.dropped_count,
            });
        SpanLine {
            trace_id: span.span_context.trace_id().to_string(),
            span_id: span.span_context.span_id().to_string(),
            parent_span_id: (span.parent_span_id != SpanId::INVALID)
                .then(|| span.parent_span_id.to_string()),
            parent_is_remote: span.parent_span_is_remote,
            name: &span.name,
            kind: match span.span_kind {
                SpanKind::Internal => "internal",
                SpanKind::Server => "server",
                SpanKind::Client => "client",
                SpanKind::Producer => "producer",
                SpanKind::Consumer => "consumer",
            },
            start_time_unix_nano: unix_nanos(span.start_time),
            end_time_unix_nano: unix_nanos(span.end_time),
            duration_ms: span
                .end_time
                .duration_since(span.start_time)
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0,
            status: StatusJson { code, message },
            attributes: attributes_json(&span.attributes),
            events: span
                .events
                .iter()
                .map(|e| EventJson {
                    name: &e.name,
                    time_unix_nano: unix_nanos(e.timestamp),
                    attributes: attributes_json(&e.attributes),
                })
                .collect(),
            links: span
                .links
                .iter()
                .map(|l| LinkJson {
                    trace_id: l.span_context.trace_id().to_string(),
                    span_id: l.span_context.span_id().to_string(),
                    attributes: attributes_json(&l.attributes),
                })
                .collect(),
            resource,
            scope: ScopeJson {
                name: span.instrumentation_scope.name(),
                version: span.instrumentation_scope.version(),
            },
            dropped,
        }
    }
}

/// Nanoseconds since the Unix epoch (0 before it, saturated far after it).
fn unix_nanos(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Attributes as an object; a key set twice keeps its last value.
fn attributes_json(attributes: &[KeyValue]) -> BTreeMap<&str, Json> {
    attributes
        .iter()
        .map(|kv| (kv.key.as_str(), value_json(&kv.value)))
        .collect()
}

fn value_json(v: &Value) -> Json {
    match v {
        Value::Bool(b) => Json::Bool(*b),
        Value::I64(n) => Json::from(*n),
        Value::F64(x) => Json::from(*x),
        Value::String(s) => Json::from(s.as_str()),
        Value::Array(Array::Bool(a)) => Json::from(a.clone()),
        Value::Array(Array::I64(a)) => Json::from(a.clone()),
        Value::Array(Array::F64(a)) => a.iter().map(|x| Json::from(*x)).collect(),
        Value::Array(Array::String(a)) => a.iter().map(|s| Json::from(s.as_str())).collect(),
        other => Json::String(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::test_spans::span;
    use opentelemetry::trace::Event;

    #[test]
    fn values_map_to_json() {
        assert_eq!(value_json(&Value::F64(f64::NAN)), Json::Null);
        assert_eq!(
            value_json(&Value::Array(Array::String(vec!["a".into(), "b".into()]))),
            serde_json::json!(["a", "b"])
        );
        assert_eq!(
            value_json(&Value::Array(Array::F64(vec![1.5, f64::INFINITY]))),
            serde_json::json!([1.5, null])
        );
        assert_eq!(value_json(&Value::I64(-3)), serde_json::json!(-3));
    }

    #[test]
    fn a_line_has_every_field() {
        let mut s = span(2, 1, "chat x", 10, 35, vec![KeyValue::new("k", 1)]);
        s.status = Status::error("bad");
        s.events.events.push(Event::new(
            "exception",
            s.start_time,
            vec![KeyValue::new("exception.message", "bad")],
            0,
        ));
        let resource = BTreeMap::from([("service.name".to_string(), Json::from("svc"))]);
        let line = serde_json::to_value(SpanLine::new(&s, &resource)).unwrap();
        assert_eq!(line["parent_span_id"], "0000000000000001");
        assert_eq!(line["span_id"], "0000000000000002");
        assert_eq!(line["duration_ms"], 25.0);
        assert_eq!(
            line["status"],
            serde_json::json!({"code": "error", "message": "bad"})
        );
        assert_eq!(line["attributes"]["k"], 1);
        assert_eq!(line["events"][0]["attributes"]["exception.message"], "bad");
        assert_eq!(line["resource"]["service.name"], "svc");
        assert_eq!(line["scope"]["name"], "test");
        assert!(line.get("dropped").is_none());
        let root =
            serde_json::to_value(SpanLine::new(&span(1, 0, "r", 0, 1, vec![]), &resource)).unwrap();
        assert!(root["parent_span_id"].is_null());
    }
}
