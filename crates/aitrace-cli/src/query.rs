//! `aitrace query`: stored traces by id, by conversation, by attribute or by
//! filter, printed as the console tree or as JSON. Reads the store directly,
//! beside a running server or without one.

use crate::store::read::{self, AttributeFilter, TraceFilter, TraceRow};
use crate::store::{ns, open_for_reading};
use crate::trace_json::trace_json;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// What to look up.
#[derive(Debug, Default)]
pub struct Request {
    /// These traces.
    pub trace_ids: Vec<String>,
    /// This conversation's traces.
    pub conversation: Option<String>,
    /// Attribute conditions, all of which must hold.
    pub attributes: Vec<AttributeFilter>,
    /// This service's traces.
    pub service: Option<String>,
    /// Traces with calls to this model.
    pub model: Option<String>,
    /// Traces with errors.
    pub errors: bool,
    /// Traces that started in this last period.
    pub since: Option<Duration>,
    /// At most this many traces.
    pub limit: usize,
}

/// How to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    /// The console tree.
    Tree,
    /// A JSON array.
    Json,
    /// JSON, one trace per line.
    JsonLines,
}

/// Runs the query and prints its traces.
///
/// # Errors
/// What to tell the user: a store that cannot be read, a bad trace id, a
/// trace that is not there.
pub fn run(db: &Path, request: &Request, output: Output) -> Result<(), String> {
    let conn = open_for_reading(db).map_err(|e| e.to_string())?;
    let sql = |e: rusqlite::Error| crate::store::StoreError::from_sqlite(db, &e).to_string();
    let filter = TraceFilter {
        conversation: request.conversation.clone(),
        service: request.service.clone(),
        model: request.model.clone(),
        errors_only: request.errors,
        from_ns: request
            .since
            .and_then(|d| SystemTime::now().checked_sub(d))
            .map(ns),
        ..TraceFilter::default()
    };
    let mut missing = Vec::new();
    let rows: Vec<TraceRow> = if !request.trace_ids.is_empty() {
        let mut rows = Vec::new();
        for id in &request.trace_ids {
            let trace_id = TraceId::from_hex(id.trim())
                .ok()
                .filter(|_| id.trim().len() == 32)
                .ok_or_else(|| format!("{id:?} is not a trace id (32 hexadecimal digits)"))?;
            match read::trace_row_of(&conn, trace_id).map_err(sql)? {
                Some(r) => rows.push(r),
                None => missing.push(id.trim().to_string()),
            }
        }
        rows
    } else if !request.attributes.is_empty() {
        read::traces_with_attributes(&conn, &request.attributes, &filter, request.limit)
            .map_err(sql)?
    } else {
        read::list_traces(&conn, &filter, None, request.limit)
            .map_err(sql)?
            .rows
    };
    // A conversation reads in the order it happened; other lists newest first.
    let mut rows = rows;
    if request.conversation.is_some() && request.trace_ids.is_empty() {
        rows.reverse();
    }

    let io = |e: std::io::Error| format!("cannot write the output: {e}");
    match output {
        Output::Tree => {
            // The console writes from a thread of its own: stdout is not
            // locked here, or that thread would wait for this one.
            let console = ConsoleExporter::with_writer(std::io::stdout());
            for row in &rows {
                let spans = read::trace_spans(&conn, row.trace_id).map_err(sql)?;
                let datas: Vec<SpanData> = spans.into_iter().map(|s| s.data).collect();
                console.print_trace(&datas).map_err(io)?;
            }
        }
        Output::Json | Output::JsonLines => {
            let mut out = std::io::stdout().lock();
            let mut all = Vec::new();
            for row in &rows {
                let spans = read::trace_spans(&conn, row.trace_id).map_err(sql)?;
                let json = trace_json(row, &spans);
                if output == Output::JsonLines {
                    writeln!(out, "{json}").map_err(io)?;
                } else {
                    all.push(json);
                }
            }
            if output == Output::Json {
                let text = serde_json::to_string_pretty(&serde_json::Value::Array(all))
                    .map_err(|e| e.to_string())?;
                writeln!(out, "{text}").map_err(io)?;
            }
            out.flush().map_err(io)?;
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "no trace {} in {}",
            missing.join(", "),
            db.display()
        ));
    }
    if rows.is_empty() && output == Output::Tree {
        note!("aitrace: no trace matches");
    }
    Ok(())
}
