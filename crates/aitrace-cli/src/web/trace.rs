//! A trace: its totals, models and critical path, the AI tree as the console
//! draws it with a timeline beside it, and the selected span's attributes,
//! events, links, resource and captured content.

use super::html::{cost, esc, ms, page, tokens, url};
use super::{Params, Rendered};
use crate::otlp::convert::kind_name;
use crate::otlp::values;
use crate::store::ns;
use crate::store::read::{self, StoredSpan};
use crate::units::fmt_time_utc;
use aitrace::attributes::{ai, gen_ai, openinference};
use aitrace_sdk::summary::TraceSummary;
use aitrace_sdk::tree::{Detail, TraceTree, Verdict};
use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_sdk::trace::SpanData;
use rusqlite::Connection;
use std::collections::HashMap;
use std::fmt::Write;

/// Attributes that hold captured content (prompts, answers, tool input and
/// output), shown apart from the others.
const CONTENT: &[&str] = &[
    gen_ai::SYSTEM_INSTRUCTIONS,
    gen_ai::INPUT_MESSAGES,
    gen_ai::OUTPUT_MESSAGES,
    gen_ai::TOOL_CALL_ARGUMENTS,
    gen_ai::TOOL_CALL_RESULT,
    ai::INPUT,
    ai::OUTPUT,
    ai::TOOL_INPUT,
    ai::TOOL_OUTPUT,
    openinference::INPUT_VALUE,
    openinference::OUTPUT_VALUE,
];

/// Prefixes of content attributes of other instrumentation (OpenLLMetry's
/// numbered prompts and completions).
const CONTENT_PREFIXES: &[&str] = &[
    "gen_ai.prompt.",
    "gen_ai.completion.",
    "llm.input_messages.",
    "llm.output_messages.",
];

fn is_content(key: &str) -> bool {
    CONTENT.contains(&key) || CONTENT_PREFIXES.iter().any(|p| key.starts_with(p))
}

/// Spans drawn in the tree, at most: a page stays readable and quick for a
/// trace of any size.
const MAX_TREE_ROWS: usize = 2000;

/// Width of the timeline drawing, in its own units.
const TIMELINE_WIDTH: f64 = 1000.0;

/// The trace page.
pub fn page_of(conn: &Connection, id: &str, params: &Params) -> rusqlite::Result<Rendered> {
    let Some(trace_id) = TraceId::from_hex(id).ok().filter(|_| id.len() == 32) else {
        return Ok(Rendered::not_found(&format!(
            "{id:?} is not a trace id (32 hexadecimal digits)"
        )));
    };
    let spans = read::trace_spans(conn, trace_id)?;
    if spans.is_empty() {
        return Ok(Rendered::not_found(&format!(
            "No trace {trace_id} in the store (it may have been removed by retention)."
        )));
    }
    let row = read::trace_row_of(conn, trace_id)?;
    let datas: Vec<SpanData> = spans.iter().map(|s| s.data.clone()).collect();
    let summary = TraceSummary::from_spans(&datas);
    let tree = TraceTree::new(&datas);
    let by_id: HashMap<SpanId, usize> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| (s.data.span_context.span_id(), i))
        .collect();
    let t0 = datas.iter().map(|s| ns(s.start_time)).min().unwrap_or(0);
    let t1 = datas.iter().map(|s| ns(s.end_time)).max().unwrap_or(t0);
    let selected = params
        .get("span")
        .and_then(|s| SpanId::from_hex(s).ok())
        .and_then(|id| by_id.get(&id).copied());

    let mut b = String::new();
    let root_name = if summary.root_name.is_empty() {
        "(no name)"
    } else {
        &summary.root_name
    };
    let _ = write!(b, "<h1 id=\"trace-title\">{}</h1>\n<p class=\"meta\">trace <code id=\"trace-id\">{trace_id}</code>", esc(root_name));
    if let Some(r) = &row {
        if let Some(service) = &r.service {
            let _ = write!(b, " · service <strong>{}</strong>", esc(service));
        }
    }
    let _ = write!(
        b,
        " · started {} UTC · {}",
        fmt_time_utc(t0),
        ms(summary.duration.as_nanos() as i64)
    );
    if let Some(conv) = row.as_ref().and_then(|r| r.conversation_id.as_ref()) {
        let _ = write!(
            b,
            " · conversation <a id=\"conversation-link\" href=\"/conversation/{}\">{}</a>",
            url(conv),
            esc(conv)
        );
    }
    b.push_str("</p>\n");
    if tree.roots() > 1 || row.as_ref().is_some_and(|r| !r.complete) {
        let _ = write!(
            b,
            "<p class=\"warning\" id=\"partial\">Partial trace: {} span{} without a parent here \
             (the root span has not arrived, or its parent is in a process that sent nothing).</p>",
            tree.roots(),
            if tree.roots() == 1 { "" } else { "s" }
        );
    }
    b.push_str(&totals(&summary));
    if !summary.models.is_empty() {
        b.push_str("<h2>Models</h2><table class=\"models\" id=\"trace-models\"><thead><tr><th>Model</th><th class=\"num\">Calls</th><th class=\"num\">Input tokens</th><th class=\"num\">Output tokens</th><th class=\"num\">Cost</th></tr></thead><tbody>");
        for m in &summary.models {
            let _ = write!(
                b,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&m.model),
                m.calls,
                m.input_tokens,
                m.output_tokens,
                cost(m.cost_usd, m.calls as i64, m.unpriced_calls as i64)
            );
        }
        b.push_str("</tbody></table>\n");
    }
    b.push_str("<h2>Critical path</h2><ol class=\"critical-path\" id=\"critical-path\">");
    for (name, d) in &summary.critical_path {
        let _ = write!(
            b,
            "<li>{} <span class=\"dur\">{}</span></li>",
            esc(name),
            ms(d.as_nanos() as i64)
        );
    }
    b.push_str("</ol>\n<h2>Spans</h2>\n");

    // The tree with the timeline.
    b.push_str("<table class=\"tree\" id=\"tree\"><thead><tr><th>Span</th><th>Type</th><th class=\"num\">Duration</th><th>Status</th><th>Details</th><th class=\"timeline\">Timeline</th></tr></thead><tbody>\n");
    let window = (t1 - t0).max(1) as f64;
    for line in tree.lines().iter().take(MAX_TREE_ROWS) {
        let span = line.span;
        let span_id = span.span_context.span_id();
        let mut classes = vec!["span"];
        if line.critical {
            classes.push("critical");
        }
        if line.error.is_some() {
            classes.push("error");
        }
        if selected.is_some_and(|i| spans[i].data.span_context.span_id() == span_id) {
            classes.push("selected");
        }
        let kind = span_type(span);
        let status = match &line.error {
            Some(msg) => format!("<span class=\"err\">✗ {}</span>", esc(msg)),
            // Dropped before it ended: neither a success nor an error.
            None if line.incomplete => "<span class=\"incomplete\">◌ incomplete</span>".to_string(),
            None => "<span class=\"ok\">✓</span>".to_string(),
        };
        let x = (ns(span.start_time) - t0) as f64 / window * TIMELINE_WIDTH;
        let w = ((ns(span.end_time) - ns(span.start_time)).max(0) as f64 / window * TIMELINE_WIDTH)
            .max(2.0);
        let _ = writeln!(
            b,
            "<tr class=\"{classes}\" data-span-id=\"{span_id}\"><td class=\"name\"><span class=\"branches\">{branches}</span><a href=\"?span={span_id}#detail\">{name}</a></td>\
             <td class=\"type\">{kind}</td><td class=\"num\">{dur}</td><td class=\"status\">{status}</td><td class=\"details\">{details}</td>\
             <td class=\"timeline\"><svg viewBox=\"0 0 {TIMELINE_WIDTH} 10\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"from {start} to {end} ms\"><rect class=\"bar{bar}\" x=\"{x:.1}\" y=\"1\" width=\"{w:.1}\" height=\"8\"/></svg></td></tr>",
            classes = classes.join(" "),
            branches = esc(&line.branches),
            name = esc(&span.name),
            kind = esc(&kind),
            dur = ms(line.duration().as_nanos() as i64),
            details = details(&line.details),
            start = format_args!("{:.1}", (ns(span.start_time) - t0) as f64 / 1e6),
            end = format_args!("{:.1}", (ns(span.end_time) - t0) as f64 / 1e6),
            bar = if line.error.is_some() { " err" } else if line.critical { " crit" } else { "" },
        );
    }
    b.push_str("</tbody></table>\n");
    if tree.lines().len() > MAX_TREE_ROWS {
        let _ = write!(
            b,
            "<p class=\"warning\" id=\"tree-cut\">The first {MAX_TREE_ROWS} of {} spans are drawn (the totals count them all); \
             <code>aitrace query {trace_id}</code> prints them all.</p>",
            tree.lines().len()
        );
    }

    match selected {
        Some(i) => b.push_str(&detail(&spans[i], &spans)),
        None => b.push_str("<p class=\"hint\" id=\"detail\">Select a span to see its attributes, events and captured content.</p>"),
    }
    Ok(Rendered::ok(page(
        &format!("{root_name} · trace"),
        "Traces",
        &b,
    )))
}

fn totals(s: &TraceSummary) -> String {
    let calls = (s.model_calls + s.embedding_calls) as i64;
    let items = [
        ("spans", "Spans", s.span_count.to_string()),
        (
            "model-calls",
            "Model calls",
            if s.embedding_calls > 0 {
                format!("{} + {} embedding", s.model_calls, s.embedding_calls)
            } else {
                s.model_calls.to_string()
            },
        ),
        (
            "tokens",
            "Tokens",
            tokens(s.input_tokens as i64, s.output_tokens as i64, calls),
        ),
        (
            "cost",
            "Cost",
            cost(s.cost_usd, calls, s.unpriced_calls as i64),
        ),
        ("errors", "Errors", s.errors.to_string()),
        (
            "guardrails",
            "Guardrails tripped",
            s.guardrails_tripped.to_string(),
        ),
        ("tools", "Tool calls", s.tool_calls.to_string()),
        ("handoffs", "Handoffs", s.handoffs.to_string()),
    ];
    let mut out = String::from("<div class=\"totals\" id=\"totals\">");
    for (id, label, value) in items {
        let _ = write!(
            out,
            "<div id=\"total-{id}\"><span class=\"label\">{label}</span><span class=\"value\">{}</span></div>",
            esc(&value)
        );
    }
    out.push_str("</div>\n");
    out
}

/// The span's AI type, else its kind.
fn span_type(span: &SpanData) -> String {
    span.attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == ai::SPAN_TYPE)
        .map(|kv| kv.value.to_string())
        .unwrap_or_else(|| kind_name(&span.span_kind).to_string())
}

fn details(list: &[Detail]) -> String {
    let parts: Vec<String> = list
        .iter()
        .map(|d| {
            let class = match d {
                Detail::Model(_) => "model",
                Detail::Tokens { .. } => "tokens",
                Detail::Cost(_) => "cost",
                Detail::Unpriced => "unpriced",
                Detail::Guardrail(Verdict::Tripped(_)) => "tripped",
                Detail::Guardrail(_) => "verdict",
                Detail::Handoff { .. } => "handoff",
                Detail::Kind(_) => "kind",
                _ => "other",
            };
            format!("<span class=\"d {class}\">{}</span>", esc(&d.to_string()))
        })
        .collect();
    parts.join(" · ")
}

/// A JSON object or array laid out one value per line, keys in the order
/// they were written; `None` for anything else (shown as it is).
fn indent_json(text: &str) -> Option<String> {
    let t = text.trim_start();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text).ok()?;
    let mut out = String::with_capacity(text.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                let empty = matches!(chars.clone().find(|c| !c.is_whitespace()), Some('}' | ']'));
                if !empty {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                if !out.ends_with(['{', '[']) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    Some(out)
}

fn detail(s: &StoredSpan, all: &[StoredSpan]) -> String {
    let d = &s.data;
    let mut b = String::new();
    let _ = write!(
        b,
        "<section class=\"detail\" id=\"detail\"><h2>{}</h2><dl>",
        esc(&d.name)
    );
    let mut field = |k: &str, v: String| {
        let _ = write!(b, "<dt>{k}</dt><dd>{v}</dd>");
    };
    field(
        "Span id",
        format!("<code>{}</code>", d.span_context.span_id()),
    );
    if d.parent_span_id != SpanId::INVALID {
        let parent = all
            .iter()
            .find(|p| p.data.span_context.span_id() == d.parent_span_id);
        field(
            "Parent",
            match parent {
                Some(p) => format!(
                    "<a href=\"?span={id}#detail\">{}</a> <code>{id}</code>",
                    esc(&p.data.name),
                    id = d.parent_span_id
                ),
                None => format!(
                    "<code>{}</code>{}",
                    d.parent_span_id,
                    if d.parent_span_is_remote {
                        " (in another process)"
                    } else {
                        " (not received)"
                    }
                ),
            },
        );
    }
    field("Type", esc(&span_type(d)));
    field("Kind", kind_name(&d.span_kind).to_string());
    field(
        "Status",
        match &d.status {
            Status::Error { description } => {
                format!("<span class=\"err\">error: {}</span>", esc(description))
            }
            Status::Ok => "ok".to_string(),
            Status::Unset => "unset".to_string(),
        },
    );
    field("Start", format!("{} UTC", fmt_time_utc(ns(d.start_time))));
    field("Duration", ms(ns(d.end_time) - ns(d.start_time)));
    if let Some(service) = &s.service {
        field("Service", esc(service));
    }
    if let Some(scope) = &s.scope {
        let v = if scope.version.is_empty() {
            esc(&scope.name)
        } else {
            format!("{} {}", esc(&scope.name), esc(&scope.version))
        };
        field("Scope", v);
    }
    b.push_str("</dl>");

    let content: Vec<&KeyValue> = s
        .span
        .attributes
        .iter()
        .filter(|kv| is_content(&kv.key))
        .collect();
    if !content.is_empty() {
        b.push_str("<h3>Captured content</h3><div class=\"content\" id=\"content\">");
        for kv in content {
            let text = kv.value.as_ref().map(values::text).unwrap_or_default();
            let shown = indent_json(&text).unwrap_or(text);
            let _ = write!(b, "<h4>{}</h4><pre>{}</pre>", esc(&kv.key), esc(&shown));
        }
        b.push_str("</div>");
    }

    b.push_str("<h3>Attributes</h3><table class=\"attrs\" id=\"attributes\"><tbody>");
    for kv in s.span.attributes.iter().filter(|kv| !is_content(&kv.key)) {
        let (v, t) = kv
            .value
            .as_ref()
            .map(|v| (values::text(v), values::type_name(v)))
            .unwrap_or_default();
        let _ = write!(
            b,
            "<tr><th>{}</th><td>{}</td><td class=\"type\">{t}</td></tr>",
            esc(&kv.key),
            esc(&v)
        );
    }
    for kv in &d.attributes[s.received_attributes.min(d.attributes.len())..] {
        let _ = write!(
            b,
            "<tr class=\"derived\"><th>{}</th><td>{}</td><td class=\"type\" title=\"not sent: added by aitrace serve from the span's gen_ai attributes\">derived</td></tr>",
            esc(kv.key.as_str()),
            esc(values::otel_json(&kv.value).to_string().trim_matches('"'))
        );
    }
    b.push_str("</tbody></table>");
    if d.dropped_attributes_count > 0 {
        let _ = write!(
            b,
            "<p class=\"note\">{} attributes were dropped by the sender.</p>",
            d.dropped_attributes_count
        );
    }

    if !s.span.events.is_empty() {
        b.push_str("<h3>Events</h3><table class=\"events\" id=\"events\"><thead><tr><th class=\"num\">At</th><th>Event</th><th>Attributes</th></tr></thead><tbody>");
        for e in &s.span.events {
            let at = i64::try_from(e.time_unix_nano)
                .unwrap_or(i64::MAX)
                .saturating_sub(ns(d.start_time));
            let mut attrs = String::new();
            for kv in &e.attributes {
                let v = kv.value.as_ref().map(values::text).unwrap_or_default();
                if v.contains('\n') {
                    let _ = write!(
                        attrs,
                        "<div><b>{}</b><pre>{}</pre></div>",
                        esc(&kv.key),
                        esc(&v)
                    );
                } else {
                    let _ = write!(attrs, "<div><b>{}</b> {}</div>", esc(&kv.key), esc(&v));
                }
            }
            let _ = write!(
                b,
                "<tr><td class=\"num\">+{}</td><td>{}</td><td>{attrs}</td></tr>",
                ms(at),
                esc(&e.name)
            );
        }
        b.push_str("</tbody></table>");
    }
    if !s.span.links.is_empty() {
        b.push_str("<h3>Links</h3><ul class=\"links\">");
        for l in &s.span.links {
            let trace = values::hex(&l.trace_id);
            let _ = write!(
                b,
                "<li><a href=\"/trace/{trace}?span={span}#detail\">trace {trace}, span {span}</a></li>",
                span = values::hex(&l.span_id)
            );
        }
        b.push_str("</ul>");
    }
    if let Some(resource) = &s.resource {
        b.push_str("<h3>Resource</h3><table class=\"attrs\" id=\"resource\"><tbody>");
        for kv in &resource.attributes {
            let v = kv.value.as_ref().map(values::text).unwrap_or_default();
            let _ = write!(b, "<tr><th>{}</th><td>{}</td></tr>", esc(&kv.key), esc(&v));
        }
        b.push_str("</tbody></table>");
    }
    b.push_str("</section>");
    b
}

#[cfg(test)]
mod tests {
    use super::indent_json;

    #[test]
    fn json_content_is_laid_out_in_its_own_key_order() {
        assert_eq!(
            indent_json(r#"[{"role":"user","parts":[{"type":"text","content":"a, {b}: \"c\""}],"x":{}}]"#).unwrap(),
            "[\n  {\n    \"role\": \"user\",\n    \"parts\": [\n      {\n        \"type\": \"text\",\n        \"content\": \"a, {b}: \\\"c\\\"\"\n      }\n    ],\n    \"x\": {}\n  }\n]"
        );
        assert_eq!(indent_json("plain text"), None);
        assert_eq!(indent_json("{not json"), None);
    }
}
