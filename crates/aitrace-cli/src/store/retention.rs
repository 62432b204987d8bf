//! Retention: traces older than `--max-age` are deleted, then the oldest
//! traces while the data is larger than `--max-size`; freed pages go back to
//! the file system. Runs in the writer, in transactions of
//! [`CHUNK`] traces, so ingest is held back for a short while at a time.

use super::{ns, StoreOptions};
use crate::units::fmt_bytes;
use rusqlite::{params, Connection, TransactionBehavior};
use std::fmt;
use std::time::SystemTime;

/// Traces deleted per transaction.
const CHUNK: usize = 500;

/// What one retention pass deleted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Traces deleted, in all.
    pub traces: usize,
    /// Of which, for their age.
    pub by_age: usize,
    /// Of which, for the size of the store.
    pub by_size: usize,
    /// The size of the data afterwards.
    pub bytes_after: u64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "retention deleted {} trace{} ({} for age, {} for size); the store holds {}",
            self.traces,
            if self.traces == 1 { "" } else { "s" },
            self.by_age,
            self.by_size,
            fmt_bytes(self.bytes_after)
        )
    }
}

/// Applies the retention of `options` once.
///
/// # Errors
/// Any SQLite error (what was deleted before it stays deleted).
pub fn run(conn: &Connection, options: &StoreOptions) -> rusqlite::Result<Report> {
    let mut report = Report::default();
    if let Some(age) = options.max_age {
        let cutoff = SystemTime::now()
            .checked_sub(age)
            .map(ns)
            .unwrap_or(i64::MIN);
        loop {
            let n = delete_oldest(conn, Some(cutoff), CHUNK)?;
            report.by_age += n;
            if n < CHUNK {
                break;
            }
        }
        conn.execute("DELETE FROM models WHERE last_ns < ?1", [cutoff])?;
    }
    if let Some(max) = options.max_bytes {
        loop {
            let used = used_bytes(conn)?;
            if used <= max {
                break;
            }
            let traces: i64 = conn.query_row("SELECT count(*) FROM traces", [], |r| r.get(0))?;
            if traces == 0 {
                break;
            }
            // As many of the oldest traces as the excess is of the whole,
            // supposing traces of about one size: close to the limit in one
            // round, and never much below it.
            let excess = (used - max) as f64 / used as f64;
            let step = ((traces as f64 * excess).ceil() as usize).clamp(1, CHUNK);
            report.by_size += delete_oldest(conn, None, step)?;
        }
    }
    report.traces = report.by_age + report.by_size;
    if report.traces > 0 {
        // The pragma frees one page per row it returns: step it to the end.
        let mut stmt = conn.prepare("PRAGMA incremental_vacuum")?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
        drop(rows);
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    }
    report.bytes_after = used_bytes(conn)?;
    Ok(report)
}

/// Bytes of the pages in use (the file less its free pages).
pub fn used_bytes(conn: &Connection) -> rusqlite::Result<u64> {
    let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
    let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
    Ok(((pages - free).max(0) * size) as u64)
}

/// Deletes up to `limit` of the oldest traces (started before `before`, if
/// given) with their spans, in one transaction. Returns how many.
fn delete_oldest(conn: &Connection, before: Option<i64>, limit: usize) -> rusqlite::Result<usize> {
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let ids: Vec<Vec<u8>> = {
        let mut stmt = tx.prepare_cached(
            "SELECT trace_id FROM traces WHERE ?1 IS NULL OR start_ns < ?1 ORDER BY start_ns LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![before, limit as i64], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in &ids {
        tx.prepare_cached("DELETE FROM spans WHERE trace_id = ?1")?
            .execute([id])?;
        tx.prepare_cached("DELETE FROM traces WHERE trace_id = ?1")?
            .execute([id])?;
    }
    tx.commit()?;
    Ok(ids.len())
}
