//! `skip(..)` leaves the named arguments out of what a traced function records,
//! `skip_all` all of them, and `skip_output` its return value; the rest is
//! still recorded.
#![cfg(feature = "macros")]

use aitrace::Settings;
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use serde_json::{json, Value};

#[aitrace::traced(skip(password, r#type))]
fn login(user: &str, password: &str, r#type: u8) -> bool {
    !user.is_empty() && !password.is_empty() && r#type > 0
}

#[aitrace::traced(skip_all)]
fn rotate(key: &str, salt: &str) -> usize {
    key.len() + salt.len()
}

#[aitrace::traced(kind = tool, skip_output)]
fn fetch_token(scope: &str) -> Result<String, std::io::Error> {
    Ok(format!("secret-token-for-{scope}"))
}

#[test]
fn skipped_arguments_and_outputs_are_not_recorded() {
    let exporter = install_in_memory();
    let root = aitrace::trace("skip")
        .with_settings(Settings::default().with_capture_content(true))
        .new_root()
        .start();
    let trace_id = root.trace_id();
    root.in_scope(|| {
        assert!(login("ann", "hunter2", 1));
        assert_eq!(rotate("k", "s"), 2);
        fetch_token("admin").unwrap();
    });
    root.end();
    let spans = exporter.spans_of_trace(trace_id);
    let json = |name: &str, key: &str| -> Option<Value> {
        attr_str(by_name(&spans, name), key).map(|s| serde_json::from_str(s).unwrap())
    };

    assert_eq!(json("login", "ai.input"), Some(json!({"user": "ann"})));
    assert_eq!(json("login", "ai.output"), Some(json!(true)));

    assert_eq!(
        json("rotate", "ai.input"),
        None,
        "skip_all: no input at all"
    );
    assert_eq!(json("rotate", "ai.output"), Some(json!(2)));

    let tool = "execute_tool fetch_token";
    assert_eq!(json(tool, "ai.tool.input"), Some(json!({"scope": "admin"})));
    assert_eq!(json(tool, "ai.tool.output"), None);
    assert_eq!(json(tool, "gen_ai.tool.call.result"), None);
    for span in &spans {
        for kv in &span.attributes {
            let v = kv.value.to_string();
            assert!(
                !v.contains("hunter2") && !v.contains("secret-token"),
                "{} on {} holds skipped content",
                kv.key,
                span.name
            );
        }
    }
}
