//! One transaction of arriving spans: each span inserted once (a span sent
//! again is ignored), and the summary row of every trace they belong to
//! recomputed by the SDK's `TraceSummary` from all its spans so far.
//!
//! Spans of other instrumentation are typed and costed by
//! `gen_ai_spans::adopt_received` before figures are taken, with the spans of
//! the trace already stored, so that a client library's span under an aitrace
//! model call is not counted twice, whichever arrives first.

use super::ns;
use crate::otlp::{span_data, Batch};
use aitrace::attributes::{ai, gen_ai, openinference};
use aitrace_sdk::gen_ai_spans::adopt_received;
use aitrace_sdk::summary::{ModelCall, TraceSummary};
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry::Value;
use opentelemetry_proto::tonic::trace::v1::ScopeSpans;
use opentelemetry_sdk::trace::SpanData;
use prost::Message;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::{HashMap, HashSet};

/// Resource ids by encoded resource, kept across transactions. At most this
/// many; past it the cache starts again (a lookup costs one indexed query).
const MAX_CACHED_RESOURCES: usize = 4096;

/// A trace with more spans than this stored is no longer summarised from all
/// its spans each time some arrive (that would cost its whole size per
/// request): what arrives is added to its summary row instead. Then a client
/// library's span under an aitrace generation is counted apart when the two
/// arrive in different requests, and `local_roots` stays as it was.
pub const LARGE_TRACE: i64 = 10_000;

/// Separator after each model name in `traces.models`.
pub const MODEL_SEP: char = '\u{1f}';

/// Resource ids known to be committed, and those added by the transaction in
/// progress (forgotten if it rolls back).
#[derive(Default)]
pub struct ResourceIds {
    committed: HashMap<Vec<u8>, i64>,
    pending: HashMap<Vec<u8>, i64>,
}

impl ResourceIds {
    /// The transaction committed: its resources are known for good.
    pub fn commit(&mut self) {
        if self.committed.len() + self.pending.len() > MAX_CACHED_RESOURCES {
            self.committed.clear();
        }
        self.committed.extend(self.pending.drain());
    }

    /// The transaction rolled back: forget what it added.
    pub fn rollback(&mut self) {
        self.pending.clear();
    }

    fn get(&self, encoded: &[u8]) -> Option<i64> {
        self.committed
            .get(encoded)
            .or_else(|| self.pending.get(encoded))
            .copied()
    }
}

/// What one request's spans came to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    /// Spans inserted.
    pub inserted: usize,
    /// Spans already stored (sent again), ignored.
    pub duplicates: usize,
}

/// A span of this transaction, with its resource.
struct New {
    /// Taken when the span joins its trace.
    data: Option<SpanData>,
    encoded: Vec<u8>,
    resource_id: i64,
    service: Option<String>,
    job: usize,
}

/// Where a span of a trace comes from, and its service.
struct Member {
    service: Option<String>,
    origin: Origin,
}

enum Origin {
    /// Stored before, with the figures it was stored with.
    Old {
        rowid: i64,
        figures: Option<Figures>,
    },
    /// Arriving now: an index into the transaction's new spans.
    New(usize),
}

/// The model-call columns of a span.
#[derive(Clone, Debug, PartialEq)]
struct Figures {
    model: String,
    input_tokens: Option<i64>,
    output_tokens: Option<i64>,
    cost_usd: Option<f64>,
}

impl Figures {
    fn of(span: &SpanData) -> Option<Figures> {
        let call = ModelCall::of(span)?;
        Some(Figures {
            model: call.model.unwrap_or("unknown").to_string(),
            input_tokens: call.input_tokens.map(clamp),
            output_tokens: call.output_tokens.map(clamp),
            cost_usd: call.cost_usd,
        })
    }
}

fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Stores `batches` (one per request) in `tx` and returns, per batch, what
/// came of its spans.
///
/// # Errors
/// Any SQLite error; the caller rolls the transaction back and fails every
/// request of it.
pub fn apply(
    tx: &Transaction<'_>,
    batches: Vec<Batch>,
    resources: &mut ResourceIds,
) -> rusqlite::Result<Vec<Stored>> {
    let mut stored = vec![Stored::default(); batches.len()];
    let mut new: Vec<New> = Vec::new();
    for (job, batch) in batches.into_iter().enumerate() {
        let mut ids = Vec::with_capacity(batch.resources.len());
        for r in &batch.resources {
            ids.push(resource_id(
                tx,
                resources,
                &r.encoded,
                r.service.as_deref(),
            )?);
        }
        for s in batch.spans {
            new.push(New {
                data: Some(s.data),
                encoded: s.encoded,
                resource_id: ids[s.resource],
                service: batch.resources[s.resource].service.clone(),
                job,
            });
        }
    }

    // Spans by trace, in arrival order.
    let mut order: Vec<TraceId> = Vec::new();
    let mut by_trace: HashMap<TraceId, Vec<usize>> = HashMap::new();
    for (i, s) in new.iter().enumerate() {
        let Some(data) = &s.data else { continue };
        let id = data.span_context.trace_id();
        by_trace
            .entry(id)
            .or_insert_with(|| {
                order.push(id);
                Vec::new()
            })
            .push(i);
    }

    let mut models: HashMap<String, i64> = HashMap::new();
    for trace_id in order {
        let stored_spans: Option<i64> = tx
            .prepare_cached("SELECT span_count FROM traces WHERE trace_id = ?1")?
            .query_row([trace_id.to_bytes()], |r| r.get(0))
            .optional()?;
        if stored_spans.is_some_and(|n| n > LARGE_TRACE) {
            let arriving: Vec<usize> = by_trace[&trace_id].clone();
            add_to_large_trace(tx, trace_id, &arriving, &mut new, &mut stored, &mut models)?;
            continue;
        }
        let (mut spans, mut members) = match stored_spans {
            Some(_) => load_trace(tx, trace_id)?,
            None => (Vec::new(), Vec::new()),
        };
        let mut seen: HashSet<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
        for &i in &by_trace[&trace_id] {
            let s = &mut new[i];
            let Some(data) = s.data.take() else { continue };
            if !seen.insert(data.span_context.span_id()) {
                stored[s.job].duplicates += 1;
                continue;
            }
            stored[s.job].inserted += 1;
            spans.push(data);
            members.push(Member {
                service: s.service.clone(),
                origin: Origin::New(i),
            });
        }
        if !members.iter().any(|m| matches!(m.origin, Origin::New(_))) {
            continue;
        }
        adopt_received(&mut spans);
        for (m, span) in members.iter().zip(&spans) {
            let figures = Figures::of(span);
            if let Some(f) = &figures {
                let at = ns(span.start_time);
                let last = models.entry(f.model.clone()).or_insert(at);
                *last = (*last).max(at);
            }
            match &m.origin {
                Origin::New(i) => {
                    let s = &new[*i];
                    insert_span(tx, span, &s.encoded, s.resource_id, figures.as_ref())?;
                }
                Origin::Old {
                    rowid,
                    figures: old,
                } if *old != figures => {
                    update_figures(tx, *rowid, figures.as_ref())?;
                }
                Origin::Old { .. } => {}
            }
        }
        let services: Vec<Option<&str>> = members.iter().map(|m| m.service.as_deref()).collect();
        write_trace(tx, trace_id, &spans, &services)?;
    }
    for (model, last) in models {
        tx.prepare_cached(
            "INSERT INTO models(model, last_ns) VALUES (?1, ?2)
             ON CONFLICT(model) DO UPDATE SET last_ns = max(last_ns, excluded.last_ns)",
        )?
        .execute(params![model, last])?;
    }
    Ok(stored)
}

fn resource_id(
    tx: &Transaction<'_>,
    cache: &mut ResourceIds,
    encoded: &[u8],
    service: Option<&str>,
) -> rusqlite::Result<i64> {
    if let Some(id) = cache.get(encoded) {
        return Ok(id);
    }
    let found: Option<i64> = tx
        .prepare_cached("SELECT id FROM resources WHERE data = ?1")?
        .query_row([encoded], |r| r.get(0))
        .optional()?;
    let id = match found {
        Some(id) => {
            cache.committed.insert(encoded.to_vec(), id);
            return Ok(id);
        }
        None => {
            tx.prepare_cached("INSERT INTO resources(data, service) VALUES (?1, ?2)")?
                .execute(params![encoded, service])?;
            tx.last_insert_rowid()
        }
    };
    cache.pending.insert(encoded.to_vec(), id);
    Ok(id)
}

/// The spans of `trace_id` stored before this transaction.
fn load_trace(
    tx: &Transaction<'_>,
    trace_id: TraceId,
) -> rusqlite::Result<(Vec<SpanData>, Vec<Member>)> {
    let mut spans = Vec::new();
    let mut members = Vec::new();
    let mut stmt = tx.prepare_cached(
        "SELECT s.id, s.data, s.model, s.input_tokens, s.output_tokens, s.cost_usd, r.service
         FROM spans s JOIN resources r ON r.id = s.resource_id
         WHERE s.trace_id = ?1 ORDER BY s.id",
    )?;
    let rows = stmt.query_map([trace_id.to_bytes()], |r| {
        let model: Option<String> = r.get(2)?;
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            model.map(|model| -> rusqlite::Result<Figures> {
                Ok(Figures {
                    model,
                    input_tokens: r.get(3)?,
                    output_tokens: r.get(4)?,
                    cost_usd: r.get(5)?,
                })
            }),
            r.get::<_, Option<String>>(6)?,
        ))
    })?;
    for row in rows {
        let (rowid, data, figures, service) = row?;
        let figures = figures.transpose()?;
        // A stored span always decodes (it was encoded by us); one that does
        // not is left out of the summary rather than failing the transaction.
        let Some(data) = decode_stored(&data) else {
            continue;
        };
        spans.push(data);
        members.push(Member {
            service,
            origin: Origin::Old { rowid, figures },
        });
    }
    Ok((spans, members))
}

/// A stored `ScopeSpans` message as `SpanData`.
pub fn decode_stored(data: &[u8]) -> Option<SpanData> {
    let ss = ScopeSpans::decode(data).ok()?;
    let span = ss.spans.first()?;
    span_data(ss.scope.as_ref(), span).ok()
}

fn insert_span(
    tx: &Transaction<'_>,
    d: &SpanData,
    encoded: &[u8],
    resource_id: i64,
    figures: Option<&Figures>,
) -> rusqlite::Result<()> {
    let parent = (d.parent_span_id != SpanId::INVALID).then(|| d.parent_span_id.to_bytes());
    tx.prepare_cached(
        "INSERT INTO spans(trace_id, span_id, parent_id, name, start_ns, end_ns, resource_id,
                           remote_parent, model, input_tokens, output_tokens, cost_usd, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        d.span_context.trace_id().to_bytes(),
        d.span_context.span_id().to_bytes(),
        parent,
        d.name.as_ref(),
        ns(d.start_time),
        ns(d.end_time),
        resource_id,
        d.parent_span_is_remote,
        figures.map(|f| &f.model),
        figures.and_then(|f| f.input_tokens),
        figures.and_then(|f| f.output_tokens),
        figures.and_then(|f| f.cost_usd),
        encoded,
    ])?;
    Ok(())
}

fn update_figures(tx: &Transaction<'_>, rowid: i64, f: Option<&Figures>) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "UPDATE spans SET model = ?2, input_tokens = ?3, output_tokens = ?4, cost_usd = ?5 WHERE id = ?1",
    )?
    .execute(params![
        rowid,
        f.map(|f| &f.model),
        f.and_then(|f| f.input_tokens),
        f.and_then(|f| f.output_tokens),
        f.and_then(|f| f.cost_usd),
    ])?;
    Ok(())
}

/// Adds the arriving spans `arriving` (indexes into `new`) of a trace of more
/// than [`LARGE_TRACE`] stored spans: each inserted unless already stored,
/// and their summary added to the trace's row.
fn add_to_large_trace(
    tx: &Transaction<'_>,
    trace_id: TraceId,
    arriving: &[usize],
    new: &mut [New],
    stored: &mut [Stored],
    models: &mut HashMap<String, i64>,
) -> rusqlite::Result<()> {
    let mut spans: Vec<SpanData> = Vec::new();
    let mut from: Vec<usize> = Vec::new();
    let mut seen: HashSet<SpanId> = HashSet::new();
    for &i in arriving {
        let s = &mut new[i];
        let Some(data) = s.data.take() else { continue };
        let id = data.span_context.span_id();
        let known: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM spans WHERE trace_id = ?1 AND span_id = ?2")?
            .query_row(params![trace_id.to_bytes(), id.to_bytes()], |r| r.get(0))
            .optional()?;
        if known.is_some() || !seen.insert(id) {
            stored[s.job].duplicates += 1;
            continue;
        }
        stored[s.job].inserted += 1;
        spans.push(data);
        from.push(i);
    }
    if spans.is_empty() {
        return Ok(());
    }
    adopt_received(&mut spans);
    for (span, &i) in spans.iter().zip(&from) {
        let figures = Figures::of(span);
        if let Some(f) = &figures {
            let at = ns(span.start_time);
            let last = models.entry(f.model.clone()).or_insert(at);
            *last = (*last).max(at);
        }
        insert_span(
            tx,
            span,
            &new[i].encoded,
            new[i].resource_id,
            figures.as_ref(),
        )?;
    }
    let part = TraceSummary::from_spans(&spans);
    let current: String = tx
        .prepare_cached("SELECT models FROM traces WHERE trace_id = ?1")?
        .query_row([trace_id.to_bytes()], |r| r.get(0))?;
    let mut names = current;
    for m in &part.models {
        let name = format!("{}{MODEL_SEP}", m.model.replace(MODEL_SEP, " "));
        if !names.split_inclusive(MODEL_SEP).any(|n| n == name) {
            names.push_str(&name);
        }
    }
    let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "UPDATE traces SET span_count = span_count + ?2, model_calls = model_calls + ?3,
             embedding_calls = embedding_calls + ?4, input_tokens = input_tokens + ?5,
             output_tokens = output_tokens + ?6, total_tokens = total_tokens + ?7,
             cost_usd = cost_usd + ?8, unpriced_calls = unpriced_calls + ?9,
             errors = errors + ?10, guardrails_tripped = guardrails_tripped + ?11,
             tool_calls = tool_calls + ?12, handoffs = handoffs + ?13,
             start_ns = min(start_ns, ?14), end_ns = max(end_ns, ?15),
             conversation_id = coalesce(conversation_id, ?16), models = ?17
         WHERE trace_id = ?1",
    )?
    .execute(params![
        trace_id.to_bytes(),
        n(part.span_count),
        n(part.model_calls),
        n(part.embedding_calls),
        clamp(part.input_tokens),
        clamp(part.output_tokens),
        clamp(part.total_tokens),
        part.cost_usd,
        n(part.unpriced_calls),
        n(part.errors),
        n(part.guardrails_tripped),
        n(part.tool_calls),
        n(part.handoffs),
        spans
            .iter()
            .map(|s| ns(s.start_time))
            .min()
            .unwrap_or(i64::MAX),
        spans.iter().map(|s| ns(s.end_time)).max().unwrap_or(0),
        spans.iter().find_map(conversation_of),
        names,
    ])?;
    // The root, when it arrives now.
    if let Some((root, i)) = spans
        .iter()
        .zip(&from)
        .find(|(s, _)| s.parent_span_id == SpanId::INVALID || s.parent_span_is_remote)
    {
        tx.prepare_cached(
            "UPDATE traces SET root_name = ?2, duration_ns = ?3, service = coalesce(?4, service),
                 complete = (local_roots <= 1) WHERE trace_id = ?1",
        )?
        .execute(params![
            trace_id.to_bytes(),
            root.name.as_ref(),
            ns(root.end_time).saturating_sub(ns(root.start_time)).max(0),
            new[*i].service,
        ])?;
    }
    Ok(())
}

/// The conversation a span belongs to: aitrace's attribute, the GenAI
/// convention's, or OpenInference's session.
pub fn conversation_of(span: &SpanData) -> Option<&str> {
    [
        ai::CONVERSATION_ID,
        gen_ai::CONVERSATION_ID,
        openinference::SESSION_ID,
    ]
    .iter()
    .find_map(|key| {
        span.attributes
            .iter()
            .rev()
            .find(|kv| kv.key.as_str() == *key)
            .and_then(|kv| match &kv.value {
                Value::String(s) if !s.as_str().is_empty() => Some(s.as_str()),
                _ => None,
            })
    })
}

/// Writes the summary row of a trace from all its spans (adopted).
fn write_trace(
    tx: &Transaction<'_>,
    trace_id: TraceId,
    spans: &[SpanData],
    services: &[Option<&str>],
) -> rusqlite::Result<()> {
    let summary = TraceSummary::from_spans(spans);
    let root = spans
        .iter()
        .position(|s| s.span_context.span_id() == summary.root_span_id);
    let service = root
        .and_then(|i| services[i])
        .or_else(|| services.iter().flatten().next().copied());
    // The root's conversation, else the earliest span's that has one.
    let conversation = root.and_then(|i| conversation_of(&spans[i])).or_else(|| {
        spans
            .iter()
            .filter(|s| conversation_of(s).is_some())
            .min_by_key(|s| s.start_time)
            .and_then(conversation_of)
    });
    let start = spans.iter().map(|s| ns(s.start_time)).min().unwrap_or(0);
    let end = spans.iter().map(|s| ns(s.end_time)).max().unwrap_or(0);
    let complete = summary.local_roots == 1
        && root.is_some_and(|i| {
            spans[i].parent_span_id == SpanId::INVALID || spans[i].parent_span_is_remote
        });
    let mut models = String::new();
    for m in &summary.models {
        models.push_str(&m.model.replace(MODEL_SEP, " "));
        models.push(MODEL_SEP);
    }
    let n = |x: usize| i64::try_from(x).unwrap_or(i64::MAX);
    tx.prepare_cached(
        "INSERT OR REPLACE INTO traces(trace_id, start_ns, end_ns, duration_ns, root_name, service,
             conversation_id, span_count, local_roots, complete, model_calls, embedding_calls,
             input_tokens, output_tokens, total_tokens, cost_usd, unpriced_calls, errors,
             guardrails_tripped, tool_calls, handoffs, models)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
                 ?19, ?20, ?21, ?22)",
    )?
    .execute(params![
        trace_id.to_bytes(),
        start,
        end,
        i64::try_from(summary.duration.as_nanos()).unwrap_or(i64::MAX),
        summary.root_name,
        service,
        conversation,
        n(summary.span_count),
        n(summary.local_roots),
        complete,
        n(summary.model_calls),
        n(summary.embedding_calls),
        clamp(summary.input_tokens),
        clamp(summary.output_tokens),
        clamp(summary.total_tokens),
        summary.cost_usd,
        n(summary.unpriced_calls),
        n(summary.errors),
        n(summary.guardrails_tripped),
        n(summary.tool_calls),
        n(summary.handoffs),
        models,
    ])?;
    Ok(())
}
