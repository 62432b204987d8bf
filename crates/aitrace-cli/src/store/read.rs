//! Reading the store: the trace list with its filters, one trace with its
//! spans, a conversation, model usage over time, arriving spans for
//! `aitrace tail`, and traces by attribute.

use super::ingest::MODEL_SEP;
use crate::otlp::span_data;
use crate::otlp::values;
use aitrace_sdk::gen_ai_spans::adopt_received;
use opentelemetry::trace::TraceId;
use opentelemetry_proto::tonic::common::v1::InstrumentationScope;
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use opentelemetry_sdk::trace::SpanData;
use prost::Message;
use rusqlite::types::ToSql;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::{HashMap, HashSet};

/// The summary row of one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRow {
    /// The trace id.
    pub trace_id: TraceId,
    /// The earliest start of its spans (ns since the epoch).
    pub start_ns: i64,
    /// The latest end of its spans.
    pub end_ns: i64,
    /// The root span's duration (as `TraceSummary::duration`).
    pub duration_ns: i64,
    /// The root span's name.
    pub root_name: String,
    /// The root span's `service.name`.
    pub service: Option<String>,
    /// `ai.conversation.id` (or `gen_ai.conversation.id`, or `session.id`).
    pub conversation_id: Option<String>,
    /// Spans stored.
    pub span_count: i64,
    /// Spans whose parent is not stored: 1 for a complete trace.
    pub local_roots: i64,
    /// One root, with no parent or a remote one.
    pub complete: bool,
    /// Generations.
    pub model_calls: i64,
    /// Embeddings.
    pub embedding_calls: i64,
    /// Input tokens of the model calls.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Total tokens.
    pub total_tokens: i64,
    /// Cost of the priced model calls, in US dollars.
    pub cost_usd: f64,
    /// Model calls without a price.
    pub unpriced_calls: i64,
    /// Spans with status Error.
    pub errors: i64,
    /// Guardrails that tripped.
    pub guardrails_tripped: i64,
    /// Tool calls.
    pub tool_calls: i64,
    /// Handoffs.
    pub handoffs: i64,
    /// The models used, most expensive first.
    pub models: Vec<String>,
}

const TRACE_COLUMNS: &str = "trace_id, start_ns, end_ns, duration_ns, root_name, service, conversation_id, span_count, local_roots, complete, model_calls, embedding_calls, input_tokens, output_tokens, total_tokens, cost_usd, unpriced_calls, errors, guardrails_tripped, tool_calls, handoffs, models";

fn trace_row(r: &Row<'_>) -> rusqlite::Result<TraceRow> {
    let id: Vec<u8> = r.get(0)?;
    let models: String = r.get(21)?;
    Ok(TraceRow {
        trace_id: trace_id_of(&id),
        start_ns: r.get(1)?,
        end_ns: r.get(2)?,
        duration_ns: r.get(3)?,
        root_name: r.get(4)?,
        service: r.get(5)?,
        conversation_id: r.get(6)?,
        span_count: r.get(7)?,
        local_roots: r.get(8)?,
        complete: r.get(9)?,
        model_calls: r.get(10)?,
        embedding_calls: r.get(11)?,
        input_tokens: r.get(12)?,
        output_tokens: r.get(13)?,
        total_tokens: r.get(14)?,
        cost_usd: r.get(15)?,
        unpriced_calls: r.get(16)?,
        errors: r.get(17)?,
        guardrails_tripped: r.get(18)?,
        tool_calls: r.get(19)?,
        handoffs: r.get(20)?,
        models: models
            .split(MODEL_SEP)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect(),
    })
}

fn trace_id_of(bytes: &[u8]) -> TraceId {
    <[u8; 16]>::try_from(bytes)
        .map(TraceId::from_bytes)
        .unwrap_or(TraceId::INVALID)
}

/// Which traces to list. Empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceFilter {
    /// This conversation only.
    pub conversation: Option<String>,
    /// This service only (the root span's `service.name`).
    pub service: Option<String>,
    /// Traces with a call to this model.
    pub model: Option<String>,
    /// Traces with at least one error.
    pub errors_only: bool,
    /// Traces that cost at least this much, in US dollars.
    pub min_cost_usd: Option<f64>,
    /// Traces that lasted at least this long, in nanoseconds.
    pub min_duration_ns: Option<i64>,
    /// Traces that started at or after this time (ns since the epoch).
    pub from_ns: Option<i64>,
    /// Traces that started before this time.
    pub to_ns: Option<i64>,
}

impl TraceFilter {
    /// The SQL condition and its parameters.
    fn sql(&self) -> (String, Vec<Box<dyn ToSql>>) {
        let mut conds: Vec<&str> = Vec::new();
        let mut params: Vec<Box<dyn ToSql>> = Vec::new();
        let mut add = |cond: &'static str, p: Box<dyn ToSql>| {
            conds.push(cond);
            params.push(p);
        };
        if let Some(c) = &self.conversation {
            add("conversation_id = ?", Box::new(c.clone()));
        }
        if let Some(s) = &self.service {
            add("service = ?", Box::new(s.clone()));
        }
        if let Some(m) = &self.model {
            add("instr(models, ?) > 0", Box::new(format!("{m}{MODEL_SEP}")));
        }
        if let Some(c) = self.min_cost_usd {
            add("cost_usd >= ?", Box::new(c));
        }
        if let Some(d) = self.min_duration_ns {
            add("duration_ns >= ?", Box::new(d));
        }
        if let Some(f) = self.from_ns {
            add("start_ns >= ?", Box::new(f));
        }
        if let Some(t) = self.to_ns {
            add("start_ns < ?", Box::new(t));
        }
        if self.errors_only {
            conds.push("errors > 0");
        }
        let sql = if conds.is_empty() {
            "1".to_string()
        } else {
            conds.join(" AND ")
        };
        (sql, params)
    }
}

/// Where a page of the newest-first trace list starts: after this trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The start of the last trace shown.
    pub start_ns: i64,
    /// Its id (traces that start at the same nanosecond are ordered by id).
    pub trace_id: TraceId,
}

impl Cursor {
    /// As written in a URL: `<start_ns>-<trace id>`.
    pub fn to_param(self) -> String {
        format!("{}-{}", self.start_ns, self.trace_id)
    }

    /// From [`Cursor::to_param`]'s form.
    pub fn from_param(s: &str) -> Option<Cursor> {
        let (start, id) = s.rsplit_once('-')?;
        Some(Cursor {
            start_ns: start.parse().ok()?,
            trace_id: TraceId::from_hex(id).ok()?,
        })
    }
}

/// One page of the trace list.
#[derive(Debug)]
pub struct Page {
    /// The traces, newest first.
    pub rows: Vec<TraceRow>,
    /// Where the next (older) page starts, if there is one.
    pub next: Option<Cursor>,
}

/// The newest traces that pass `filter`, older than `after` if given.
///
/// # Errors
/// Any SQLite error.
pub fn list_traces(
    conn: &Connection,
    filter: &TraceFilter,
    after: Option<Cursor>,
    limit: usize,
) -> rusqlite::Result<Page> {
    let (cond, mut params) = filter.sql();
    let mut sql = format!("SELECT {TRACE_COLUMNS} FROM traces WHERE {cond}");
    if let Some(c) = after {
        sql.push_str(" AND (start_ns < ? OR (start_ns = ? AND trace_id < ?))");
        params.push(Box::new(c.start_ns));
        params.push(Box::new(c.start_ns));
        params.push(Box::new(c.trace_id.to_bytes().to_vec()));
    }
    sql.push_str(" ORDER BY start_ns DESC, trace_id DESC LIMIT ?");
    params.push(Box::new(limit as i64 + 1));
    let mut stmt = conn.prepare_cached(&sql)?;
    let refs: Vec<&dyn ToSql> = params.iter().map(|p| p.as_ref()).collect();
    let mut rows: Vec<TraceRow> = stmt
        .query_map(refs.as_slice(), trace_row)?
        .collect::<rusqlite::Result<_>>()?;
    let next = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| Cursor {
            start_ns: r.start_ns,
            trace_id: r.trace_id,
        })
    } else {
        None
    };
    Ok(Page { rows, next })
}

/// The summary row of one trace.
///
/// # Errors
/// Any SQLite error.
pub fn trace_row_of(conn: &Connection, trace_id: TraceId) -> rusqlite::Result<Option<TraceRow>> {
    conn.prepare_cached(&format!(
        "SELECT {TRACE_COLUMNS} FROM traces WHERE trace_id = ?1"
    ))?
    .query_row([trace_id.to_bytes()], trace_row)
    .optional()
}

/// The traces of a conversation, oldest first (at most `limit`).
///
/// # Errors
/// Any SQLite error.
pub fn conversation(conn: &Connection, id: &str, limit: usize) -> rusqlite::Result<Vec<TraceRow>> {
    conn.prepare_cached(&format!(
        "SELECT {TRACE_COLUMNS} FROM traces WHERE conversation_id = ?1
         ORDER BY start_ns, trace_id LIMIT ?2"
    ))?
    .query_map(params![id, limit as i64], trace_row)?
    .collect()
}

/// One stored span: as received, and as the SDK reads it.
#[derive(Debug)]
pub struct StoredSpan {
    /// The span as the summaries and the tree read it: typed and costed by
    /// `adopt_received` when it came from other instrumentation.
    pub data: SpanData,
    /// How many of `data`'s attributes were received; those after them were
    /// added by `adopt_received`.
    pub received_attributes: usize,
    /// The span as received.
    pub span: Span,
    /// Its instrumentation scope.
    pub scope: Option<InstrumentationScope>,
    /// Its resource.
    pub resource: Option<Resource>,
    /// Its resource's `service.name`.
    pub service: Option<String>,
}

/// The spans of a trace, in arrival order (empty for an unknown trace).
///
/// # Errors
/// Any SQLite error.
pub fn trace_spans(conn: &Connection, trace_id: TraceId) -> rusqlite::Result<Vec<StoredSpan>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.data, s.resource_id, r.data, r.service
         FROM spans s JOIN resources r ON r.id = s.resource_id
         WHERE s.trace_id = ?1 ORDER BY s.id",
    )?;
    let mut resources: HashMap<i64, Option<Resource>> = HashMap::new();
    let mut out: Vec<StoredSpan> = Vec::new();
    let mut rows = stmt.query([trace_id.to_bytes()])?;
    while let Some(r) = rows.next()? {
        let data: Vec<u8> = r.get(1)?;
        let resource_id: i64 = r.get(2)?;
        let resource = match resources.get(&resource_id) {
            Some(res) => res.clone(),
            None => {
                let encoded: Vec<u8> = r.get(3)?;
                let res = ResourceSpans::decode(encoded.as_slice())
                    .ok()
                    .and_then(|rs| rs.resource);
                resources.insert(resource_id, res.clone());
                res
            }
        };
        let service: Option<String> = r.get(4)?;
        let Ok(ScopeSpans {
            scope, mut spans, ..
        }) = ScopeSpans::decode(data.as_slice())
        else {
            continue;
        };
        let Some(span) = spans.pop() else { continue };
        let Ok(data) = span_data(scope.as_ref(), &span) else {
            continue;
        };
        out.push(StoredSpan {
            received_attributes: data.attributes.len(),
            data,
            span,
            scope,
            resource,
            service,
        });
    }
    let mut datas: Vec<SpanData> = out.iter().map(|s| s.data.clone()).collect();
    adopt_received(&mut datas);
    for (s, d) in out.iter_mut().zip(datas) {
        s.data = d;
    }
    Ok(out)
}

/// The services that have traces, by name.
///
/// # Errors
/// Any SQLite error.
pub fn services(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT DISTINCT service FROM traces WHERE service IS NOT NULL ORDER BY service",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

/// The models that have calls, by name.
///
/// # Errors
/// Any SQLite error.
pub fn models(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT model FROM models ORDER BY model")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// Calls, tokens and cost of one model in one time bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Usage {
    /// The start of the bucket (ns since the epoch).
    pub bucket_ns: i64,
    /// The model.
    pub model: String,
    /// Calls.
    pub calls: i64,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cost of the priced calls.
    pub cost_usd: f64,
    /// Calls without a price.
    pub unpriced_calls: i64,
}

/// Model calls that started at or after `from_ns`, per model and per bucket of
/// `bucket_ns`, oldest bucket first.
///
/// # Errors
/// Any SQLite error.
pub fn model_usage(
    conn: &Connection,
    from_ns: i64,
    bucket_ns: i64,
) -> rusqlite::Result<Vec<Usage>> {
    conn.prepare_cached(
        "SELECT (start_ns / ?2) * ?2 AS bucket, model, count(*),
                total(input_tokens), total(output_tokens), total(cost_usd), sum(cost_usd IS NULL)
         FROM spans WHERE model IS NOT NULL AND start_ns >= ?1
         GROUP BY bucket, model ORDER BY bucket, model",
    )?
    .query_map(params![from_ns, bucket_ns.max(1)], |r| {
        Ok(Usage {
            bucket_ns: r.get(0)?,
            model: r.get(1)?,
            calls: r.get(2)?,
            input_tokens: r.get::<_, f64>(3)? as i64,
            output_tokens: r.get::<_, f64>(4)? as i64,
            cost_usd: r.get(5)?,
            unpriced_calls: r.get(6)?,
        })
    })?
    .collect()
}

/// The start of the first and last model call (ns), if there are any.
///
/// # Errors
/// Any SQLite error.
pub fn model_call_span(conn: &Connection) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.query_row(
        "SELECT min(start_ns), max(start_ns) FROM spans WHERE model IS NOT NULL",
        [],
        |r| Ok(r.get::<_, Option<i64>>(0)?.zip(r.get::<_, Option<i64>>(1)?)),
    )
}

/// The id of the last span stored (0 when none).
///
/// # Errors
/// Any SQLite error.
pub fn last_span_rowid(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(id), 0) FROM spans", [], |r| r.get(0))
}

/// A span that arrived: its row id, trace, and whether it is a local root
/// (no parent, or a parent in another process).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// The span's row id.
    pub rowid: i64,
    /// Its trace.
    pub trace_id: TraceId,
    /// No parent, or a remote one.
    pub local_root: bool,
}

/// Spans stored after row `after`, in arrival order (at most `limit`).
///
/// # Errors
/// Any SQLite error.
pub fn arrivals(conn: &Connection, after: i64, limit: usize) -> rusqlite::Result<Vec<Arrival>> {
    conn.prepare_cached(
        "SELECT id, trace_id, parent_id IS NULL OR remote_parent FROM spans
         WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?
    .query_map(params![after, limit as i64], |r| {
        let id: Vec<u8> = r.get(1)?;
        Ok(Arrival {
            rowid: r.get(0)?,
            trace_id: trace_id_of(&id),
            local_root: r.get(2)?,
        })
    })?
    .collect()
}

/// One `key=value` condition on span attributes: a span matches when it has
/// the attribute and its value, written as text (a string as itself, a number
/// or boolean as in JSON), equals `value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeFilter {
    /// The attribute key.
    pub key: String,
    /// The value, as text.
    pub value: String,
}

impl AttributeFilter {
    fn matches(&self, span: &Span) -> bool {
        span.attributes.iter().any(|kv| {
            kv.key == self.key
                && kv
                    .value
                    .as_ref()
                    .is_some_and(|v| values::text(v) == self.value)
        })
    }

    /// Whether a non-string attribute could be written as `value`: then its
    /// bytes need not appear in the stored span.
    fn may_be_non_string(&self) -> bool {
        self.value.parse::<f64>().is_ok() || self.value == "true" || self.value == "false"
    }
}

/// The newest traces (at most `limit`) that pass `filter` and have, for each
/// attribute condition, a span that meets it.
///
/// Not indexed: spans are scanned newest first, with SQLite looking for the
/// key's (and a string value's) bytes in each stored span before it is
/// decoded, until `limit` traces are found. With a time range in `filter`
/// the scan stops at its start.
///
/// # Errors
/// Any SQLite error.
pub fn traces_with_attributes(
    conn: &Connection,
    attributes: &[AttributeFilter],
    filter: &TraceFilter,
    limit: usize,
) -> rusqlite::Result<Vec<TraceRow>> {
    let Some(first) = attributes.first() else {
        return Ok(list_traces(conn, filter, None, limit)?.rows);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT trace_id, data FROM spans
         WHERE instr(data, CAST(?1 AS BLOB)) > 0
           AND (?3 OR instr(data, CAST(?2 AS BLOB)) > 0)
           AND (?4 IS NULL OR start_ns >= ?4)
         ORDER BY id DESC",
    )?;
    let mut rows = stmt.query(params![
        first.key,
        first.value,
        first.may_be_non_string(),
        filter.from_ns
    ])?;
    let mut checked: HashSet<TraceId> = HashSet::new();
    let mut found: Vec<TraceRow> = Vec::new();
    while let Some(r) = rows.next()? {
        let trace_id = trace_id_of(&r.get::<_, Vec<u8>>(0)?);
        if checked.contains(&trace_id) {
            continue;
        }
        let data: Vec<u8> = r.get(1)?;
        let Some(span) = ScopeSpans::decode(data.as_slice())
            .ok()
            .and_then(|mut ss| ss.spans.pop())
        else {
            continue;
        };
        if !first.matches(&span) {
            continue;
        }
        checked.insert(trace_id);
        let Some(row) = trace_row_of(conn, trace_id)? else {
            continue;
        };
        if !passes(&row, filter) {
            continue;
        }
        if attributes.len() > 1 {
            let spans = trace_spans(conn, trace_id)?;
            let all = attributes[1..]
                .iter()
                .all(|a| spans.iter().any(|s| a.matches(&s.span)));
            if !all {
                continue;
            }
        }
        found.push(row);
        if found.len() >= limit {
            break;
        }
    }
    found.sort_by_key(|r| std::cmp::Reverse(r.start_ns));
    Ok(found)
}

/// Whether `row` passes `filter` (as [`list_traces`] would judge it).
fn passes(row: &TraceRow, f: &TraceFilter) -> bool {
    f.conversation
        .as_ref()
        .is_none_or(|c| row.conversation_id.as_ref() == Some(c))
        && f.service
            .as_ref()
            .is_none_or(|s| row.service.as_ref() == Some(s))
        && f.model.as_ref().is_none_or(|m| row.models.contains(m))
        && (!f.errors_only || row.errors > 0)
        && f.min_cost_usd.is_none_or(|c| row.cost_usd >= c)
        && f.min_duration_ns.is_none_or(|d| row.duration_ns >= d)
        && f.from_ns.is_none_or(|t| row.start_ns >= t)
        && f.to_ns.is_none_or(|t| row.start_ns < t)
}
