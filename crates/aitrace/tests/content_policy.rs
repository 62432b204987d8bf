//! Content (prompts, completions, tool I/O) is off by default; when on it is
//! redacted and cut at the byte limit, and stays valid JSON.

use aitrace::content::Redactor;
use aitrace::Settings;
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use serde_json::{json, Value};

const CONTENT_KEYS: &[&str] = &[
    "ai.input",
    "ai.output",
    "ai.tool.input",
    "ai.tool.output",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "input.value",
    "output.value",
];

fn run(settings: Settings, prompt: &str) -> (TraceId, Vec<SpanData>) {
    let exporter = install_in_memory();
    let run = aitrace::trace("content").with_settings(settings).start();
    let id = run.trace_id();
    run.in_scope(|| {
        let g = aitrace::generation("openai", "gpt-4o").start();
        g.record_system_instructions("You are terse.");
        g.record_input_messages(&json!([{"role": "user", "content": prompt}]));
        g.record_output_messages(&json!([{"role": "assistant", "content": "ok"}]));
        g.end();
        let t = aitrace::tool("lookup").start();
        t.record_arguments(&json!({"email": "ann@example.com"}));
        t.record_result("found ann@example.com");
        t.end();
    });
    run.end();
    (id, exporter.spans_of_trace(id))
}

#[test]
fn content_is_absent_by_default() {
    let (_, spans) = run(
        Settings::default().with_dialects(aitrace::Dialects::ALL),
        "my secret prompt",
    );
    assert_eq!(spans.len(), 3);
    for s in &spans {
        for key in CONTENT_KEYS {
            // openinference input/output values on tools are content too.
            assert!(
                attr_str(s, key).is_none(),
                "{key} recorded on {} with capture off",
                s.name
            );
        }
        for kv in &s.attributes {
            assert!(
                !kv.value.as_str().contains("secret"),
                "prompt text leaked in {}",
                kv.key
            );
        }
    }
}

#[test]
fn content_is_recorded_when_enabled() {
    let settings = Settings::default()
        .with_dialects(aitrace::Dialects::ALL)
        .with_capture_content(true);
    let (_, spans) = run(settings, "hello");
    let g = by_name(&spans, "chat gpt-4o");
    let input: Value = serde_json::from_str(attr_str(g, "gen_ai.input.messages").unwrap()).unwrap();
    assert_eq!(input, json!([{"role": "user", "content": "hello"}]));
    assert_eq!(
        attr_str(g, "ai.input"),
        attr_str(g, "gen_ai.input.messages")
    );
    assert_eq!(
        attr_str(g, "input.value"),
        attr_str(g, "gen_ai.input.messages")
    );
    assert_eq!(attr_str(g, "input.mime_type"), Some("application/json"));
    assert_eq!(
        attr_str(g, "gen_ai.system_instructions"),
        Some(r#""You are terse.""#)
    );
    let out: Value = serde_json::from_str(attr_str(g, "gen_ai.output.messages").unwrap()).unwrap();
    assert_eq!(out[0]["content"], "ok");
    let t = by_name(&spans, "execute_tool lookup");
    assert_eq!(
        attr_str(t, "gen_ai.tool.call.arguments"),
        Some(r#"{"email":"ann@example.com"}"#)
    );
    assert_eq!(
        attr_str(t, "gen_ai.tool.call.result"),
        Some(r#""found ann@example.com""#)
    );
}

#[test]
fn redaction_runs_before_recording() {
    let redactor = Redactor::new(|_, v| {
        let text = v.to_string().replace("ann@example.com", "[EMAIL]");
        *v = serde_json::from_str(&text).unwrap();
    });
    let settings = Settings::default()
        .with_capture_content(true)
        .with_redactor(redactor);
    let (_, spans) = run(settings, "mail ann@example.com");
    for s in &spans {
        for kv in &s.attributes {
            assert!(
                !kv.value.as_str().contains("ann@example.com"),
                "{} leaked on {}",
                kv.key,
                s.name
            );
        }
    }
    let t = by_name(&spans, "execute_tool lookup");
    assert_eq!(attr_str(t, "ai.tool.input"), Some(r#"{"email":"[EMAIL]"}"#));
}

#[test]
fn long_content_is_truncated_visibly_and_still_parses() {
    let settings = Settings::default()
        .with_capture_content(true)
        .with_max_content_bytes(256);
    let long = "x".repeat(10_000);
    let (_, spans) = run(settings, &long);
    let g = by_name(&spans, "chat gpt-4o");
    let text = attr_str(g, "gen_ai.input.messages").unwrap();
    assert!(text.len() <= 256, "{} bytes", text.len());
    let v: Value = serde_json::from_str(text).expect("truncated content is still JSON");
    let content = v[0]["content"].as_str().unwrap();
    assert!(content.starts_with("xxxx"));
    assert!(content.contains("…[truncated "), "{content}");
    assert_eq!(v[0]["role"], "user");
}
