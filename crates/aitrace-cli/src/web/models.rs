//! Tokens and cost by model over time.

use super::chart::{legend, stacked_bars, Series};
use super::html::{cost, esc, page};
use super::{Params, Rendered};
use crate::store::{ns, read};
use crate::units::fmt_time_utc;
use aitrace_sdk::summary::fmt_usd;
use rusqlite::Connection;
use std::collections::HashMap;
use std::fmt::Write;
use std::time::SystemTime;

const HOUR: i64 = 3_600_000_000_000;
const DAY: i64 = 24 * HOUR;

/// The ranges offered: (parameter, label, length, bucket).
const RANGES: [(&str, &str, i64, i64); 4] = [
    ("24h", "24 hours", DAY, HOUR),
    ("7d", "7 days", 7 * DAY, 6 * HOUR),
    ("30d", "30 days", 30 * DAY, DAY),
    ("all", "all time", 0, 0),
];

/// Buckets in the "all time" range, about.
const ALL_BUCKETS: i64 = 40;

/// The models page.
pub fn page_of(conn: &Connection, params: &Params) -> rusqlite::Result<Rendered> {
    let range = params.get("range").map(String::as_str).unwrap_or("7d");
    let (key, label, length, mut bucket) = RANGES
        .iter()
        .copied()
        .find(|r| r.0 == range)
        .unwrap_or(RANGES[1]);
    let now = ns(SystemTime::now());
    let (from, to) = if length > 0 {
        (now - length, now)
    } else {
        match read::model_call_span(conn)? {
            Some((first, last)) => {
                let span = (last - first).max(HOUR);
                // Whole hours, about ALL_BUCKETS of them.
                bucket = ((span / ALL_BUCKETS) / HOUR + 1) * HOUR;
                (first, last)
            }
            None => (now - DAY, now),
        }
    };
    let first = from.div_euclid(bucket) * bucket;
    let starts: Vec<i64> = (0..)
        .map(|i| first + i * bucket)
        .take_while(|b| *b <= to)
        .collect();
    let index: HashMap<i64, usize> = starts.iter().enumerate().map(|(i, b)| (*b, i)).collect();
    let usage = read::model_usage(conn, first, bucket)?;

    // Per model: totals and one value per bucket.
    #[derive(Default)]
    struct Model {
        calls: i64,
        input: i64,
        output: i64,
        cost: f64,
        unpriced: i64,
        tokens: Vec<f64>,
        costs: Vec<f64>,
    }
    let mut models: HashMap<String, Model> = HashMap::new();
    for u in &usage {
        let m = models.entry(u.model.clone()).or_insert_with(|| Model {
            tokens: vec![0.0; starts.len()],
            costs: vec![0.0; starts.len()],
            ..Model::default()
        });
        m.calls = m.calls.saturating_add(u.calls);
        m.input = m.input.saturating_add(u.input_tokens);
        m.output = m.output.saturating_add(u.output_tokens);
        m.cost += u.cost_usd;
        m.unpriced = m.unpriced.saturating_add(u.unpriced_calls);
        if let Some(&i) = index.get(&u.bucket_ns) {
            m.tokens[i] += u.input_tokens as f64 + u.output_tokens as f64;
            m.costs[i] += u.cost_usd;
        }
    }
    let mut order: Vec<(&String, &Model)> = models.iter().collect();
    order.sort_by(|a, b| {
        b.1.cost
            .total_cmp(&a.1.cost)
            .then(
                b.1.input
                    .saturating_add(b.1.output)
                    .cmp(&a.1.input.saturating_add(a.1.output)),
            )
            .then(a.0.cmp(b.0))
    });

    let mut b = String::from("<h1>Models</h1><nav class=\"ranges\">");
    for (k, l, _, _) in RANGES {
        let class = if k == key { " class=\"active\"" } else { "" };
        let _ = write!(b, "<a href=\"/models?range={k}\"{class}>{l}</a>");
    }
    b.push_str("</nav>");
    if order.is_empty() {
        let _ = write!(
            b,
            "<p class=\"empty\" id=\"no-models\">No model calls in the last {label}.</p>"
        );
        return Ok(Rendered::ok(page("Models", "Models", &b)));
    }
    b.push_str("<table class=\"models\" id=\"model-totals\"><thead><tr><th>Model</th><th class=\"num\">Calls</th><th class=\"num\">Input tokens</th><th class=\"num\">Output tokens</th><th class=\"num\">Cost</th></tr></thead><tbody>");
    for (name, m) in &order {
        let _ = write!(
            b,
            "<tr data-model=\"{}\"><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(name),
            esc(name),
            m.calls,
            m.input,
            m.output,
            cost(m.cost, m.calls, m.unpriced)
        );
    }
    b.push_str("</tbody></table>");
    let labels: Vec<String> = starts
        .iter()
        .map(|s| {
            let t = fmt_time_utc(*s);
            if bucket >= DAY {
                t[..10].to_string()
            } else {
                format!("{}:00", &t[5..13])
            }
        })
        .collect();
    let series = |pick: fn(&Model) -> &Vec<f64>| -> Vec<Series> {
        order
            .iter()
            .map(|(name, m)| Series {
                name: (*name).clone(),
                values: pick(m).clone(),
            })
            .collect()
    };
    let tokens = series(|m| &m.tokens);
    let costs = series(|m| &m.costs);
    let (n, unit) = if bucket >= DAY {
        (bucket / DAY, "day")
    } else {
        (bucket / HOUR, "hour")
    };
    let per = if n == 1 {
        unit.to_string()
    } else {
        format!("{n} {unit}s")
    };
    let _ = write!(
        b,
        "<h2>Tokens by model</h2><p class=\"note\">Input and output tokens per {per}, last {label} (UTC).</p>{}{}",
        stacked_bars("chart-tokens", "Tokens by model over time", &labels, &tokens, &|v| format!("{v:.0}")),
        legend(&tokens)
    );
    let _ =
        write!(
        b,
        "<h2>Cost by model</h2><p class=\"note\">US dollars per {per}, priced calls only.</p>{}{}",
        stacked_bars("chart-cost", "Cost by model over time", &labels, &costs, &|v| fmt_usd(v)),
        legend(&costs)
    );
    Ok(Rendered::ok(page("Models", "Models", &b)))
}
