//! Spans from a Python application (the OpenTelemetry Python SDK and its OTLP
//! exporters, installed by scripts/install_otel_python.sh) arrive over
//! OTLP/gRPC and OTLP/HTTP: tree, service, conversation (OpenInference's
//! session.id), the gen_ai model call typed and priced, the error kept.

mod support;

use std::process::{Command, Stdio};
use support::{query_json, repo_root, span, stored_trace, Server, TempDir};

/// Installs the Python SDK (idempotent) and returns its interpreter.
fn python() -> String {
    let script = repo_root().join("scripts/install_otel_python.sh");
    let out = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("the installer runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} failed: {stdout}",
        script.display()
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("python="))
        .expect("python=… on stdout")
        .to_string()
}

#[test]
fn a_python_application_is_received_over_grpc_and_http() {
    let python = python();
    let sender = repo_root().join("crates/aitrace-cli/tests/python/send_spans.py");
    let dir = TempDir::new("python");
    let server = Server::start(&dir, &[], &[]);
    for (protocol, endpoint) in [("grpc", server.grpc_url()), ("http", server.http_url())] {
        let conversation = format!("py-conv-{protocol}");
        let out = Command::new(&python)
            .arg(&sender)
            .args([protocol, &endpoint, &conversation])
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{protocol}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let trace_id = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(trace_id.len(), 32, "{trace_id}");

        let trace = stored_trace(&server.db, &trace_id);
        assert_eq!(
            support::shape(&trace),
            ["agent run", "  chat gpt-4o-mini", "  lookup_parcel"],
            "{protocol}"
        );
        assert_eq!(trace["service"], format!("python-{protocol}"));
        assert_eq!(trace["conversation_id"], conversation.as_str());
        assert_eq!(
            trace["model_calls"], 1,
            "{protocol}: the gen_ai span is a model call"
        );
        assert_eq!(trace["input_tokens"], 1200);
        assert!(trace["cost_usd"].as_f64().unwrap() > 0.0, "priced: {trace}");
        assert_eq!(trace["errors"], 1);
        let chat = span(&trace, "chat gpt-4o-mini");
        assert_eq!(chat["type"], "generation");
        assert_eq!(chat["kind"], "client");
        assert_eq!(chat["resource"]["telemetry.sdk.language"], "python");
        assert!(chat["attributes"]["gen_ai.input.messages"]
            .as_str()
            .unwrap()
            .contains("parcel"));
        let tool = span(&trace, "lookup_parcel");
        assert_eq!(tool["status"]["message"], "carrier API down");
        assert_eq!(tool["attributes"]["openinference.span.kind"], "TOOL");
    }
    assert_eq!(
        query_json(&server.db, &["--conversation", "py-conv-grpc"]).len(),
        1
    );
    server.stop();
}
