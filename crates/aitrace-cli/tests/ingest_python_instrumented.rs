//! A Python application whose `openai` calls are instrumented by OpenInference
//! or by OpenLLMetry (the real libraries, installed by
//! scripts/install_otel_python.sh) exports to `aitrace serve` over gRPC and
//! HTTP: the chat completion is stored as a generation with its model, tokens
//! and the cost from aitrace's price table, the embedding as an embedding
//! call, and the trace's totals count each call once.

mod support;

use aitrace::Usage;
use serde_json::Value as Json;
use std::process::Command;
use support::{python, repo_root, span, stored_trace, Server, TempDir};

/// What the stand-in OpenAI API answers (see the script): 1200 prompt tokens of
/// which 200 cached, 300 completion tokens.
const CHAT_MODEL: &str = "gpt-4o-mini-2024-07-18";

fn chat_cost() -> f64 {
    aitrace::global_settings()
        .prices()
        .cost(CHAT_MODEL, &Usage::new(1200, 300).with_cache_read(200))
        .expect("gpt-4o-mini is in the price table")
        .total_usd()
}

/// The embedding's cost: 8 input tokens of text-embedding-3-small.
fn embedding_cost() -> f64 {
    aitrace::global_settings()
        .prices()
        .cost("text-embedding-3-small", &Usage::new(8, 0))
        .expect("text-embedding-3-small is in the price table")
        .total_usd()
}

/// Runs the script for `dialect` over both protocols; returns each stored trace.
fn send(server: &Server, dialect: &str) -> Vec<Json> {
    let python = python();
    let script = repo_root().join("crates/aitrace-cli/tests/python/instrumented_openai.py");
    let mut traces = Vec::new();
    for (protocol, endpoint) in [("grpc", server.grpc_url()), ("http", server.http_url())] {
        let out = Command::new(&python)
            .arg(&script)
            .args([dialect, protocol, &endpoint])
            .env_remove("OTEL_SDK_DISABLED")
            .output()
            .expect("python runs");
        assert!(
            out.status.success(),
            "{dialect} over {protocol}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let trace_id = String::from_utf8(out.stdout).unwrap().trim().to_string();
        assert_eq!(trace_id.len(), 32, "{trace_id}");
        let trace = stored_trace(&server.db, &trace_id);
        assert_eq!(trace["service"], format!("{dialect}-{protocol}"));
        traces.push(trace);
    }
    traces
}

/// The totals every dialect must give: one priced chat call, one priced
/// embedding, tokens counted once.
fn assert_totals(trace: &Json) {
    assert_eq!(trace["model_calls"], 1, "{trace}");
    assert_eq!(trace["embedding_calls"], 1, "{trace}");
    assert_eq!(
        trace["input_tokens"], 1208,
        "1200 chat + 8 embedding: {trace}"
    );
    assert_eq!(trace["output_tokens"], 300);
    assert_eq!(trace["unpriced_calls"], 0, "{trace}");
    let cost = trace["cost_usd"].as_f64().unwrap();
    let want = chat_cost() + embedding_cost();
    assert!((cost - want).abs() < 1e-12, "{cost} != {want}");
    let models = trace["models"].as_array().unwrap();
    let chat = models
        .iter()
        .find(|m| m["model"] == CHAT_MODEL)
        .unwrap_or_else(|| panic!("{CHAT_MODEL} in {models:?}"));
    assert_eq!(
        (chat["calls"].as_u64(), chat["input_tokens"].as_u64()),
        (Some(1), Some(1200))
    );
    assert!(models
        .iter()
        .any(|m| m["model"] == "text-embedding-3-small"));
}

#[test]
fn openinference_spans_are_typed_and_costed() {
    let dir = TempDir::new("openinference");
    let server = Server::start(&dir, &[], &[]);
    for trace in send(&server, "openinference") {
        assert_eq!(
            support::shape(&trace),
            ["answer question", "  ChatCompletion", "  CreateEmbeddings"]
        );
        let chat = span(&trace, "ChatCompletion");
        assert_eq!(chat["type"], "generation");
        let a = &chat["attributes"];
        assert_eq!(a["openinference.span.kind"], "LLM", "the library's own");
        assert_eq!(a["llm.token_count.prompt"], 1200);
        // What aitrace added, from the OpenInference names.
        assert_eq!(a["ai.prompt_tokens"], 1200);
        assert_eq!(a["ai.completion_tokens"], 300);
        assert_eq!(a["ai.model"], CHAT_MODEL);
        assert!((a["ai.cost_usd"].as_f64().unwrap() - chat_cost()).abs() < 1e-12);
        let derived = chat["derived_attributes"].as_array().unwrap();
        assert!(
            derived.iter().any(|k| k == "ai.prompt_tokens"),
            "{derived:?}"
        );
        let embedding = span(&trace, "CreateEmbeddings");
        assert_eq!(embedding["type"], "embedding");
        assert_eq!(
            embedding["attributes"]["ai.model"],
            "text-embedding-3-small"
        );
        assert_eq!(span(&trace, "answer question")["type"], Json::Null);
        assert_totals(&trace);
    }
    server.stop();
}

#[test]
fn openllmetry_spans_are_typed_and_costed() {
    let dir = TempDir::new("openllmetry");
    let server = Server::start(&dir, &[], &[]);
    for trace in send(&server, "openllmetry") {
        assert_eq!(
            support::shape(&trace),
            ["answer question", "  openai.chat", "  openai.embeddings"]
        );
        let chat = span(&trace, "openai.chat");
        assert_eq!(chat["type"], "generation");
        assert_eq!(chat["kind"], "client");
        let a = &chat["attributes"];
        assert_eq!(a["gen_ai.usage.input_tokens"], 1200, "the library's own");
        assert_eq!(a["gen_ai.usage.cache_read.input_tokens"], 200);
        assert!(
            a.get("ai.prompt_tokens").is_none(),
            "GenAI names are read as they are: {a}"
        );
        assert!((a["ai.cost_usd"].as_f64().unwrap() - chat_cost()).abs() < 1e-12);
        assert_eq!(span(&trace, "openai.embeddings")["type"], "embedding");
        assert_totals(&trace);
    }
    server.stop();
}
