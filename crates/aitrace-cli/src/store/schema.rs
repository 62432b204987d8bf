//! The tables of the trace store, and the checks that a file is one.
//!
//! `spans` keeps each span as received (its OTLP message with its scope, the
//! resource kept once in `resources`) beside the columns that queries filter
//! on; `traces` keeps one summary row per trace, computed by the SDK's
//! `TraceSummary` whenever spans of the trace arrive, so that the trace list
//! and conversation pages read one small row per trace.

use rusqlite::Connection;

/// `PRAGMA application_id` of an aitrace store: "aitr".
pub const APPLICATION_ID: i64 = 0x6169_7472;
/// `PRAGMA user_version` of the schema below.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = r#"
CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    data BLOB NOT NULL UNIQUE,       -- ResourceSpans with the resource only
    service TEXT                     -- service.name
);
CREATE TABLE spans (
    id INTEGER PRIMARY KEY,          -- arrival order: `aitrace tail` follows it
    trace_id BLOB NOT NULL,          -- 16 bytes
    span_id BLOB NOT NULL,           -- 8 bytes
    parent_id BLOB,                  -- 8 bytes; NULL for a root
    name TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    resource_id INTEGER NOT NULL,
    remote_parent INTEGER NOT NULL,  -- the parent is in another process
    model TEXT,                      -- model calls only (generation, embedding)
    input_tokens INTEGER,
    output_tokens INTEGER,
    cost_usd REAL,
    data BLOB NOT NULL               -- ScopeSpans with the scope and this span only
);
CREATE UNIQUE INDEX spans_by_trace ON spans(trace_id, span_id);
CREATE INDEX spans_by_model ON spans(start_ns, model, input_tokens, output_tokens, cost_usd)
    WHERE model IS NOT NULL;
CREATE TABLE traces (
    trace_id BLOB PRIMARY KEY,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL,
    root_name TEXT NOT NULL,
    service TEXT,
    conversation_id TEXT,
    span_count INTEGER NOT NULL,
    local_roots INTEGER NOT NULL,
    complete INTEGER NOT NULL,       -- one root with no parent, or a remote one
    model_calls INTEGER NOT NULL,
    embedding_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    unpriced_calls INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    guardrails_tripped INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    handoffs INTEGER NOT NULL,
    models TEXT NOT NULL             -- model names, each followed by U+001F
) WITHOUT ROWID;
CREATE INDEX traces_by_time ON traces(start_ns);
CREATE INDEX traces_by_conversation ON traces(conversation_id, start_ns)
    WHERE conversation_id IS NOT NULL;
CREATE INDEX traces_by_service ON traces(service, start_ns);
CREATE TABLE models (
    model TEXT PRIMARY KEY,
    last_ns INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// What a file holds, judged from its header pragmas and tables.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A new, empty database.
    Empty,
    /// An aitrace store of this schema version.
    Current,
    /// An aitrace store of a later schema version.
    Newer(i64),
    /// Some other database.
    Foreign,
}

/// Reads what `conn` holds. Reading the header is also what fails on a file
/// that is not a database.
pub fn inspect(conn: &Connection) -> rusqlite::Result<Found> {
    let app: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    Ok(match (app, version) {
        (0, 0) if tables == 0 => Found::Empty,
        (APPLICATION_ID, v) if v == SCHEMA_VERSION => Found::Current,
        (APPLICATION_ID, v) if v > SCHEMA_VERSION => Found::Newer(v),
        _ => Found::Foreign,
    })
}

/// Creates the tables in an empty database (whose `auto_vacuum` was set first).
pub fn create(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "BEGIN; {SCHEMA} PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
    ))
}
