//! A conversation: its traces in the order they started, with totals.

use super::html::{cost, esc, ms, page, tokens};
use super::list::table;
use super::Rendered;
use crate::store::read;
use crate::units::fmt_time_utc;
use rusqlite::Connection;
use std::fmt::Write;

/// Traces shown for one conversation, at most.
const MAX_TRACES: usize = 1000;

/// The conversation page.
pub fn page_of(conn: &Connection, id: &str) -> rusqlite::Result<Rendered> {
    let rows = read::conversation(conn, id, MAX_TRACES + 1)?;
    if rows.is_empty() {
        return Ok(Rendered::not_found(&format!(
            "No trace of conversation {id:?} in the store."
        )));
    }
    let shown = &rows[..rows.len().min(MAX_TRACES)];
    let sum = |f: fn(&read::TraceRow) -> i64| shown.iter().map(f).fold(0i64, i64::saturating_add);
    let calls = sum(|r| r.model_calls.saturating_add(r.embedding_calls));
    let cost_usd: f64 = shown.iter().map(|r| r.cost_usd).sum();
    let first = shown.first().map(|r| r.start_ns).unwrap_or(0);
    let last = shown.iter().map(|r| r.end_ns).max().unwrap_or(first);
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>Conversation <span id=\"conversation-id\">{}</span></h1>\
         <p class=\"meta\">from {} to {} UTC</p>",
        esc(id),
        fmt_time_utc(first),
        fmt_time_utc(last)
    );
    let items = [
        ("traces", "Traces", shown.len().to_string()),
        (
            "model-calls",
            "Model calls",
            sum(|r| r.model_calls).to_string(),
        ),
        (
            "tokens",
            "Tokens",
            tokens(sum(|r| r.input_tokens), sum(|r| r.output_tokens), calls),
        ),
        (
            "cost",
            "Cost",
            cost(cost_usd, calls, sum(|r| r.unpriced_calls)),
        ),
        ("errors", "Errors", sum(|r| r.errors).to_string()),
        ("time", "Time in traces", ms(sum(|r| r.duration_ns))),
    ];
    b.push_str("<div class=\"totals\" id=\"totals\">");
    for (key, label, value) in items {
        let _ = write!(
            b,
            "<div id=\"total-{key}\"><span class=\"label\">{label}</span><span class=\"value\">{}</span></div>",
            esc(&value)
        );
    }
    b.push_str("</div>");
    if rows.len() > MAX_TRACES {
        let _ = write!(
            b,
            "<p class=\"warning\">Only the first {MAX_TRACES} traces are shown, and counted above.</p>"
        );
    }
    b.push_str(&table(shown, false));
    Ok(Rendered::ok(page(
        &format!("Conversation {id}"),
        "Traces",
        &b,
    )))
}
