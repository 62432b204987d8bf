//! MLflow, a real tracking server from PyPI, classifies every aitrace span type
//! with default settings (dialects `ai` and `gen_ai`): one trace with each span
//! type goes over OTLP/HTTP to `mlflow server`, and MLflow's own client reads back
//! each span's type, the generation's token usage and cost, the trace's session
//! and user, and (with content capture on) the trace's request and response
//! previews.
//!
//! The server is started by `support::mlflow`, installed by
//! `scripts/install_peers.sh mlflow` on first use.

mod support;

use aitrace::{GuardrailType, Settings, Usage};
use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use serde_json::json;
use std::time::Duration;
use support::mlflow::{Mlflow, MlflowTrace};

const CONVERSATION: &str = "conv-7";
const USER: &str = "user-42";
const QUESTION: &str = "Where is my order #A1042?";
const ANSWER: &str = "It ships tomorrow.";

/// Each span of [`one_of_each`] by name, with the types MLflow may give it.
const EXPECTED: &[(&str, &[&str])] = &[
    ("invoke_workflow support", &["CHAIN"]),
    ("invoke_agent triage", &["AGENT"]),
    ("chat gpt-4o-mini", &["CHAT_MODEL", "LLM"]),
    ("execute_tool lookup_order", &["TOOL"]),
    ("apply_guardrail pii_check", &["GUARDRAIL"]),
    ("tools/list", &["TOOL"]),
    ("embeddings text-embedding-3-small", &["EMBEDDING"]),
    ("retrieval kb_articles", &["RETRIEVER"]),
    ("speech_group", &["CHAIN"]),
    ("transcription gpt-4o-transcribe", &["LLM"]),
    ("speech gpt-4o-mini-tts", &["LLM"]),
    ("rerank", &["CHAIN"]),
    ("execute_tool transfer_to_billing", &["TOOL"]),
    ("invoke_agent billing", &["AGENT"]),
];

/// One trace with every span type, the way an application would write it, under
/// `settings`. Returns its OpenTelemetry trace id.
fn one_of_each(settings: Settings) -> String {
    let run = aitrace::trace("support")
        .with_settings(settings)
        .with_conversation_id(CONVERSATION)
        .with_user_id(USER)
        .new_root()
        .start();
    run.record_input(QUESTION);
    let trace_id = run.trace_id().to_string();
    run.in_scope(|| {
        let triage = aitrace::agent("triage")
            .with_provider("openai")
            .with_model("gpt-4o-mini")
            .start();
        triage.record_input(QUESTION);
        triage.in_scope(|| {
            let check = aitrace::guardrail("pii_check")
                .with_type(GuardrailType::Input)
                .start();
            check.pass();
            check.end();

            let mut chat = aitrace::generation("openai", "gpt-4o-mini").start();
            chat.record_input_messages(&json!([
                {"role": "user", "parts": [{"type": "text", "content": QUESTION}]}
            ]));
            chat.record_output_messages(&json!([
                {"role": "assistant", "parts": [{"type": "text", "content": ANSWER}],
                 "finish_reason": "stop"}
            ]));
            chat.record_usage(Usage::new(1_000, 200));
            chat.end();

            let tool = aitrace::tool("lookup_order").start();
            tool.record_arguments(&json!({"order": "A1042"}));
            tool.record_result(&json!({"status": "packed"}));
            tool.end();

            let list = aitrace::mcp_list_tools("filesystem").start();
            list.record_tools(["read_file"]);
            list.end();

            let mut embed = aitrace::embeddings("openai", "text-embedding-3-small").start();
            embed.record_usage(12);
            embed.end();

            let search = aitrace::retrieval("kb_articles").with_top_k(3).start();
            search.record_query("order status");
            search.record_documents_count(3);
            search.end();

            let turn = aitrace::speech_group().start();
            turn.in_scope(|| {
                let stt = aitrace::transcription("openai", "gpt-4o-transcribe").start();
                stt.record_output_text(QUESTION);
                stt.end();
                let tts = aitrace::speech("openai", "gpt-4o-mini-tts").start();
                tts.record_input_text(ANSWER);
                tts.end();
            });
            turn.end();

            let rerank = aitrace::custom("rerank").start();
            rerank.record_input(&json!({"candidates": 3}));
            rerank.end();

            let handoff = aitrace::handoff("triage", "billing").start();
            handoff.in_scope(|| {
                let billing = aitrace::agent("billing").start();
                billing.record_output(ANSWER);
                billing.end();
            });
            handoff.end();
        });
        triage.record_output(ANSWER);
        triage.end();
    });
    run.record_output(ANSWER);
    run.end();
    trace_id
}

/// Every span arrived, with one of the types MLflow may give it, and the model
/// calls with the usage MLflow found.
fn assert_classified(trace: &MlflowTrace, label: &str) {
    assert_eq!(
        trace.spans.len(),
        EXPECTED.len(),
        "{label}: {:?}",
        trace.spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let unclassified: Vec<String> = EXPECTED
        .iter()
        .filter_map(|(name, types)| {
            let got = trace.spans.iter().find(|s| s.name == *name);
            let got = got.map_or("(no such span)", |s| s.span_type.as_str());
            (!types.contains(&got)).then(|| format!("{name}: {got} (expected {types:?})"))
        })
        .collect();
    assert!(
        unclassified.is_empty(),
        "{label}: MLflow classified these spans otherwise:\n  {}\nall spans: {:?}",
        unclassified.join("\n  "),
        trace
            .spans
            .iter()
            .map(|s| (&s.name, &s.span_type))
            .collect::<Vec<_>>()
    );

    let chat = trace.span("chat gpt-4o-mini");
    assert_eq!(
        chat.token_usage,
        json!({"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200}),
        "{label}"
    );
    assert_eq!(chat.model, json!("gpt-4o-mini"), "{label}");
    assert_eq!(chat.provider, json!("openai"), "{label}");
    let cost = chat.cost["total_cost"]
        .as_f64()
        .unwrap_or_else(|| panic!("{label}: MLflow priced no cost for the generation: {chat:?}"));
    assert!(cost > 0.0, "{label}: {cost}");
    assert_eq!(
        trace.span("embeddings text-embedding-3-small").token_usage["input_tokens"],
        json!(12),
        "{label}"
    );

    assert_eq!(trace.session.as_deref(), Some(CONVERSATION), "{label}");
    assert_eq!(trace.user.as_deref(), Some(USER), "{label}");
    assert!(
        trace.token_usage["input_tokens"].as_i64() >= Some(1000),
        "{label}: {}",
        trace.token_usage
    );
}

#[test]
fn mlflow_classifies_every_span_type_with_default_settings() {
    let mlflow = Mlflow::start();
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(mlflow.endpoint())
        // MLflow takes traces only (its /v1/metrics is a 404).
        .with_metrics_exporters(Vec::new())
        .with_header(Mlflow::EXPERIMENT_HEADER, Mlflow::DEFAULT_EXPERIMENT)
        // MLflow's first OTLP request after start was seen to take more than the
        // default 10 s (it loads its tracing stack then).
        .with_timeout(Duration::from_secs(120))
        .with_service_name("mlflow-span-types")
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(100),
            ..BatchConfig::default()
        })
        .install()
        .expect("pipeline installs");

    // Default settings: dialects ai and gen_ai, content capture off.
    let plain = one_of_each(Settings::default());
    // The same with content capture on: inputs and outputs are recorded.
    let captured = one_of_each(Settings::default().with_capture_content(true));
    // MLflow writes each trace to its database before it answers, seconds on a
    // loaded machine: more than the default 2 s shutdown deadline.
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(60))
        .expect("every span delivered to MLflow");
    assert_eq!(
        report.stats.exported,
        2 * EXPECTED.len() as u64,
        "{report:?}"
    );

    let timeout = Duration::from_secs(60);
    let plain = mlflow.read_trace(&plain, EXPECTED.len(), timeout);
    assert_classified(&plain, "default settings");
    assert_eq!(
        plain.request_preview.as_deref().unwrap_or(""),
        "",
        "content off"
    );
    assert_eq!(
        plain.response_preview.as_deref().unwrap_or(""),
        "",
        "content off"
    );

    let captured = mlflow.read_trace(&captured, EXPECTED.len(), timeout);
    assert_classified(&captured, "content captured");
    let request = captured.request_preview.clone().unwrap_or_default();
    let response = captured.response_preview.clone().unwrap_or_default();
    assert!(
        request.contains(QUESTION),
        "request preview: {request:?}\n{:#}",
        captured.raw
    );
    assert!(
        response.contains(ANSWER),
        "response preview: {response:?}\n{:#}",
        captured.raw
    );
}
