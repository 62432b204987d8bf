//! The trace list: newest first, 50 a page, with filters.

use super::html::{cost, esc, ms, page, query, tokens, url};
use super::{Params, Rendered};
use crate::serve::Shared;
use crate::store::read::{self, Cursor, TraceFilter, TraceRow};
use crate::units::{fmt_time_utc, parse_datetime_utc, parse_duration};
use rusqlite::Connection;
use std::fmt::Write;
use std::time::SystemTime;

/// Traces on one page.
pub const PAGE_SIZE: usize = 50;

/// The choices of the "started in the last" filter.
const SINCE: [(&str, &str); 6] = [
    ("", "any time"),
    ("15m", "15 minutes"),
    ("1h", "hour"),
    ("24h", "24 hours"),
    ("7d", "7 days"),
    ("30d", "30 days"),
];

/// The filter the parameters ask for, and the parameters it could not read.
pub fn filter_of(params: &Params) -> (TraceFilter, Vec<String>) {
    let mut problems = Vec::new();
    let text = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut number = |k: &str| -> Option<f64> {
        let v = text(k)?;
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            _ => {
                problems.push(format!("{k}={v:?} is not a number ≥ 0"));
                None
            }
        }
    };
    let min_cost_usd = number("min_cost");
    let min_duration_ns = number("min_ms").map(|x| (x * 1e6) as i64);
    let mut from_ns = None;
    if let Some(since) = text("since") {
        match parse_duration(&since) {
            Ok(Some(d)) => {
                from_ns = SystemTime::now().checked_sub(d).map(crate::store::ns);
            }
            Ok(None) => {}
            Err(e) => problems.push(e.to_string()),
        }
    }
    let mut time = |k: &str| {
        let v = text(k)?;
        let t = parse_datetime_utc(&v);
        if t.is_none() {
            problems.push(format!(
                "{k}={v:?} is not a date and time (YYYY-MM-DDTHH:MM, UTC)"
            ));
        }
        t
    };
    if let Some(f) = time("from") {
        from_ns = Some(from_ns.map_or(f, |s: i64| s.max(f)));
    }
    let to_ns = time("to");
    let filter = TraceFilter {
        conversation: text("conversation"),
        service: text("service"),
        model: text("model"),
        errors_only: params
            .get("errors")
            .is_some_and(|v| v == "1" || v == "on" || v == "true"),
        min_cost_usd,
        min_duration_ns,
        from_ns,
        to_ns,
    };
    (filter, problems)
}

/// The list page.
pub fn page_of(conn: &Connection, shared: &Shared, params: &Params) -> rusqlite::Result<Rendered> {
    let (filter, problems) = filter_of(params);
    let after = params.get("before").and_then(|c| Cursor::from_param(c));
    let result = read::list_traces(conn, &filter, after, PAGE_SIZE)?;
    let services = read::services(conn)?;
    let models = read::models(conn)?;

    let mut body = String::new();
    body.push_str("<h1>Traces</h1>\n");
    body.push_str(&form(params, &services, &models));
    for p in &problems {
        let _ = writeln!(body, "<p class=\"warning\">Ignored: {}</p>", esc(p));
    }
    if result.rows.is_empty() {
        if after.is_none() && filter == TraceFilter::default() {
            let _ = write!(
                body,
                "<div class=\"empty\" id=\"no-traces\"><p>No traces yet.</p>\
                 <p>Point an application at this server:</p>\
                 <pre>OTEL_EXPORTER_OTLP_ENDPOINT=http://{http} cargo run --example agent_workflow</pre>\
                 <p>(OTLP/HTTP at <code>http://{http}/v1/traces</code>, OTLP/gRPC at <code>http://{grpc}</code>.) \
                 Traces appear here when you reload.</p></div>",
                http = shared.http_addr,
                grpc = shared.grpc_addr
            );
        } else {
            body.push_str(
                "<p class=\"empty\" id=\"no-traces\">No trace matches these filters.</p>",
            );
        }
    } else {
        body.push_str(&table(&result.rows, true));
    }
    // Pages: the newest, and the next older one.
    let keep: Vec<(&str, String)> = [
        "conversation",
        "service",
        "model",
        "errors",
        "min_cost",
        "min_ms",
        "since",
        "from",
        "to",
    ]
    .iter()
    .map(|k| (*k, params.get(*k).cloned().unwrap_or_default()))
    .collect();
    body.push_str("<nav class=\"pager\">");
    if after.is_some() {
        let _ = write!(
            body,
            "<a href=\"/{}\" id=\"newest\">← Newest</a>",
            query(&keep)
        );
    }
    if let Some(next) = result.next {
        let mut q = keep.clone();
        q.push(("before", next.to_param()));
        let _ = write!(body, "<a href=\"/{}\" id=\"older\">Older →</a>", query(&q));
    }
    body.push_str("</nav>");
    Ok(Rendered::ok(page("Traces", "Traces", &body)))
}

fn form(params: &Params, services: &[String], models: &[String]) -> String {
    let v = |k: &str| esc(params.get(k).map(String::as_str).unwrap_or(""));
    let select = |name: &str, any: &str, options: &[(String, String)]| {
        let current = params.get(name).map(String::as_str).unwrap_or("");
        let mut s =
            format!("<select name=\"{name}\" id=\"f-{name}\"><option value=\"\">{any}</option>");
        for (value, label) in options {
            let sel = if value == current { " selected" } else { "" };
            let _ = write!(
                s,
                "<option value=\"{}\"{sel}>{}</option>",
                esc(value),
                esc(label)
            );
        }
        s.push_str("</select>");
        s
    };
    let pairs = |list: &[String]| -> Vec<(String, String)> {
        list.iter().map(|x| (x.clone(), x.clone())).collect()
    };
    let since: Vec<(String, String)> = SINCE[1..]
        .iter()
        .map(|(k, l)| (k.to_string(), format!("last {l}")))
        .collect();
    let errors = if params.get("errors").is_some_and(|e| e == "1") {
        " checked"
    } else {
        ""
    };
    format!(
        "<form class=\"filters\" method=\"get\" action=\"/\">\
         <label>Conversation <input name=\"conversation\" id=\"f-conversation\" value=\"{conv}\"></label>\
         <label>Service {service}</label>\
         <label>Model {model}</label>\
         <label><input type=\"checkbox\" name=\"errors\" id=\"f-errors\" value=\"1\"{errors}> errors only</label>\
         <label>Cost ≥ $ <input name=\"min_cost\" id=\"f-min_cost\" inputmode=\"decimal\" size=\"7\" value=\"{min_cost}\"></label>\
         <label>Duration ≥ <input name=\"min_ms\" id=\"f-min_ms\" inputmode=\"decimal\" size=\"7\" value=\"{min_ms}\"> ms</label>\
         <label>Started {since}</label>\
         <label>From <input type=\"datetime-local\" name=\"from\" id=\"f-from\" value=\"{from}\"></label>\
         <label>to <input type=\"datetime-local\" name=\"to\" id=\"f-to\" value=\"{to}\"> UTC</label>\
         <button type=\"submit\" id=\"f-apply\">Filter</button> <a href=\"/\">Clear</a></form>\n",
        conv = v("conversation"),
        service = select("service", "any", &pairs(services)),
        model = select("model", "any", &pairs(models)),
        min_cost = v("min_cost"),
        min_ms = v("min_ms"),
        since = select("since", "any time", &since),
        from = v("from"),
        to = v("to"),
    )
}

/// A table of traces, one row each (with the conversation column if asked).
pub fn table(rows: &[TraceRow], with_conversation: bool) -> String {
    let mut s = String::from(
        "<table class=\"traces\" id=\"traces\"><thead><tr><th>Time (UTC)</th><th>Root</th>\
         <th>Service</th><th class=\"num\">Duration</th><th class=\"num\">Model calls</th>\
         <th class=\"num\">Tokens</th><th class=\"num\">Cost</th><th class=\"num\">Errors</th>",
    );
    if with_conversation {
        s.push_str("<th>Conversation</th>");
    }
    s.push_str("</tr></thead><tbody>\n");
    for r in rows {
        let id = r.trace_id.to_string();
        let mut root = format!(
            "<a href=\"/trace/{id}\">{}</a>",
            esc(if r.root_name.is_empty() {
                "(no name)"
            } else {
                &r.root_name
            })
        );
        if !r.complete {
            root.push_str(" <span class=\"tag\" title=\"the root span has not arrived, or several spans have no parent here\">partial</span>");
        }
        if r.guardrails_tripped > 0 {
            let _ = write!(
                root,
                " <span class=\"tag tripped\">{} guardrail{} tripped</span>",
                r.guardrails_tripped,
                if r.guardrails_tripped == 1 { "" } else { "s" }
            );
        }
        let calls = r.model_calls.saturating_add(r.embedding_calls);
        let errors = if r.errors > 0 {
            format!("<span class=\"err\">{}</span>", r.errors)
        } else {
            "0".to_string()
        };
        let _ = write!(
            s,
            "<tr data-trace-id=\"{id}\"><td class=\"time\">{time}</td><td class=\"root\">{root}</td>\
             <td>{service}</td><td class=\"num\">{dur}</td><td class=\"num\">{calls}</td>\
             <td class=\"num\">{tokens}</td><td class=\"num cost\">{cost}</td><td class=\"num\">{errors}</td>",
            time = fmt_time_utc(r.start_ns),
            service = esc(r.service.as_deref().unwrap_or("")),
            dur = ms(r.duration_ns),
            calls = r.model_calls,
            tokens = tokens(r.input_tokens, r.output_tokens, calls),
            cost = cost(r.cost_usd, calls, r.unpriced_calls),
        );
        if with_conversation {
            match &r.conversation_id {
                Some(c) => {
                    let _ = write!(
                        s,
                        "<td class=\"conv\"><a href=\"/conversation/{}\">{}</a></td>",
                        url(c),
                        esc(c)
                    );
                }
                None => s.push_str("<td></td>"),
            }
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    s
}
