//! What a traced function records goes through the content policy of its trace:
//! the redactor sees the arguments (as `Input`, or `ToolArguments` for a tool)
//! and the return value (`Output`, `ToolResult`) before they are recorded, and
//! the byte limit cuts long values with a visible marker, keeping JSON.
#![cfg(feature = "macros")]

use aitrace::content::{ContentKind, Redactor};
use aitrace::Settings;
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

#[aitrace::traced]
fn send_mail(to: &str, body: &str) -> String {
    format!("sent to {to}: {} bytes", body.len())
}

#[aitrace::traced(kind = tool)]
fn find_customer(email: &str) -> Value {
    json!({"email": email, "tier": "gold"})
}

/// Masks every string value that looks like an email address.
fn mask(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('@') => *s = "[email]".into(),
        Value::Array(items) => items.iter_mut().for_each(mask),
        Value::Object(map) => map.values_mut().for_each(mask),
        _ => {}
    }
}

#[test]
fn the_redactor_and_the_byte_limit_apply() {
    let exporter = install_in_memory();
    let kinds = Arc::new(Mutex::new(Vec::new()));
    let seen = kinds.clone();
    let settings = Settings::default()
        .with_capture_content(true)
        .with_max_content_bytes(200)
        .with_redactor(Redactor::new(move |kind, v| {
            seen.lock().unwrap().push(kind);
            mask(v);
        }));
    let root = aitrace::trace("redaction")
        .with_settings(settings)
        .new_root()
        .start();
    let trace_id = root.trace_id();
    let long_body = "x".repeat(1000);
    root.in_scope(|| {
        send_mail("ann@example.com", &long_body);
        find_customer("bob@example.com");
    });
    root.end();
    let spans = exporter.spans_of_trace(trace_id);
    let json = |name: &str, key: &str| -> Value {
        let text = attr_str(by_name(&spans, name), key).expect(key);
        assert!(text.len() <= 200, "{key} on {name}: {} bytes", text.len());
        serde_json::from_str(text).expect("still JSON")
    };

    let input = json("send_mail", "ai.input");
    assert_eq!(input["to"], json!("[email]"));
    let body = input["body"].as_str().unwrap();
    assert!(body.starts_with("xxx"), "{body}");
    assert!(body.contains("…[truncated "), "cut visibly: {body}");
    assert_eq!(json("send_mail", "ai.output"), json!("[email]"));

    let tool = "execute_tool find_customer";
    assert_eq!(json(tool, "ai.tool.input"), json!({"email": "[email]"}));
    assert_eq!(
        json(tool, "ai.tool.output"),
        json!({"email": "[email]", "tier": "gold"})
    );

    assert_eq!(
        *kinds.lock().unwrap(),
        vec![
            ContentKind::Input,
            ContentKind::Output,
            ContentKind::ToolArguments,
            ContentKind::ToolResult
        ]
    );
}
