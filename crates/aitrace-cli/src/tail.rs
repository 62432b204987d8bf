//! `aitrace tail`: traces printed as the console tree as they arrive.
//!
//! It follows the store (new span rows, every quarter of a second), so it
//! works beside any running `aitrace serve` on the same file. When a local
//! root span arrives (no parent, or a parent in another process) the trace is
//! printed as stored so far; spans that wait longer than [`GRACE`] for their
//! root are printed as a partial trace.

use crate::store::read::{self, Arrival};
use crate::store::{open_for_reading, StoreError};
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the store is read.
const POLL: Duration = Duration::from_millis(250);
/// How long spans wait for their root before they are printed as partial.
pub const GRACE: Duration = Duration::from_secs(10);
/// Spans read per poll, at most.
const BATCH: usize = 10_000;

/// Follows the store at `db` until interrupted.
///
/// # Errors
/// A store that cannot be read.
pub fn run(db: &Path, summary: bool, color: bool) -> Result<(), String> {
    let conn = wait_for_store(db)?;
    let sql = |e: rusqlite::Error| StoreError::from_sqlite(db, &e).to_string();
    let mut console = ConsoleExporter::stdout().with_color(color);
    if !summary {
        console = console.without_summary();
    }
    let mut last = read::last_span_rowid(&conn).map_err(sql)?;
    note!("aitrace tail: following {} (Ctrl-C stops)", db.display());
    let mut waiting: HashMap<TraceId, Instant> = HashMap::new();
    loop {
        let arrivals = read::arrivals(&conn, last, BATCH).map_err(sql)?;
        if let Some(a) = arrivals.last() {
            last = a.rowid;
        }
        let now = Instant::now();
        let mut roots: Vec<TraceId> = Vec::new();
        for Arrival {
            trace_id,
            local_root,
            ..
        } in &arrivals
        {
            if *local_root {
                if !roots.contains(trace_id) {
                    roots.push(*trace_id);
                }
            } else {
                waiting.entry(*trace_id).or_insert(now);
            }
        }
        for trace_id in roots {
            waiting.remove(&trace_id);
            print(&conn, &console, trace_id).map_err(sql)?;
        }
        let overdue: Vec<TraceId> = waiting
            .iter()
            .filter(|(_, t)| now.duration_since(**t) >= GRACE)
            .map(|(id, _)| *id)
            .collect();
        for trace_id in overdue {
            waiting.remove(&trace_id);
            print(&conn, &console, trace_id).map_err(sql)?;
        }
        if arrivals.len() < BATCH {
            std::thread::sleep(POLL);
        }
    }
}

fn print(conn: &Connection, console: &ConsoleExporter, trace_id: TraceId) -> rusqlite::Result<()> {
    let spans: Vec<SpanData> = read::trace_spans(conn, trace_id)?
        .into_iter()
        .map(|s| s.data)
        .collect();
    if !spans.is_empty() {
        // A closed pipe (`aitrace tail | head`) ends the command quietly.
        if console.print_trace(&spans).is_err() {
            std::process::exit(0);
        }
    }
    Ok(())
}

/// Opens the store, waiting for `aitrace serve` to create it if need be.
fn wait_for_store(db: &Path) -> Result<Connection, String> {
    let mut told = false;
    loop {
        match open_for_reading(db) {
            Ok(c) => return Ok(c),
            Err(StoreError::Missing { .. }) => {
                if !told {
                    note!(
                        "aitrace tail: waiting for {} (start `aitrace serve`)",
                        db.display()
                    );
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(500));
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}
