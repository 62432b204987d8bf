//! The example workflow, exported by the SDK over OTLP/gRPC, OTLP/HTTP with
//! protobuf and with JSON, each plain and gzip-compressed (and zstd over gRPC
//! and HTTP protobuf), arrives whole in
//! the store: tree shape, models, tokens, cost, errors, conversation, service
//! and captured content, readable as soon as the exporter was acknowledged.

mod support;

use aitrace_sdk::config::{BatchConfig, Compression, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use std::time::Duration;
use support::{query_json, shape, span, stored_trace, Server, TempDir};

const QUESTION: &str =
    "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?";

const SHAPE: &[&str] = &[
    "invoke_workflow customer_support",
    "  invoke_agent triage",
    "    apply_guardrail pii_check",
    "    chat gpt-4o-mini",
    "    execute_tool search_kb",
    "    execute_tool lookup_order",
    "    chat gpt-4o-mini",
    "    execute_tool transfer_to_billing",
    "      invoke_agent billing",
    "        chat claude-sonnet-4-5",
];

#[test]
fn the_workflow_arrives_whole_over_every_protocol_and_compression() {
    let dir = TempDir::new("sdk-protocols");
    let server = Server::start(&dir, &[], &[]);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let variants = [
        (Protocol::Grpc, Compression::None),
        (Protocol::Grpc, Compression::Gzip),
        (Protocol::HttpProtobuf, Compression::None),
        (Protocol::HttpProtobuf, Compression::Gzip),
        (Protocol::HttpJson, Compression::None),
        (Protocol::HttpJson, Compression::Gzip),
        (Protocol::Grpc, Compression::Zstd),
        (Protocol::HttpProtobuf, Compression::Zstd),
    ];
    let mut conversation = String::new();
    let mut services = Vec::new();
    for (protocol, compression) in variants {
        let what = format!("{} {compression:?}", protocol.name());
        let service = format!("bot-{}-{compression:?}", protocol.name().replace('/', "-"));
        let endpoint = match protocol {
            Protocol::Grpc => server.grpc_url(),
            _ => server.http_url(),
        };
        // Content capture on, so that the store keeps prompts and answers.
        let guard =
            Builder::from_lookup(|k| (k == "AITRACE_CAPTURE_CONTENT").then(|| "true".into()))
                .with_exporters(vec![ExporterKind::Otlp])
                .with_protocol(protocol)
                .with_compression(compression)
                .with_endpoint(endpoint)
                .with_service_name(service.clone())
                .with_batch(BatchConfig {
                    schedule_delay: Duration::from_millis(50),
                    ..BatchConfig::default()
                })
                .install()
                .expect("pipeline installs");
        let outcome = rt.block_on(aitrace_examples::workflow::run_support_workflow(QUESTION));
        let report = guard.shutdown().expect("every span delivered");
        assert_eq!(report.stats.exported, 10, "{what}: {report:?}");
        assert_eq!(report.stats.failed, 0, "{what}: {report:?}");

        // Acknowledged means committed: the trace is there now, no waiting.
        let trace = stored_trace(&server.db, &outcome.trace_id.to_string());
        assert_eq!(shape(&trace), SHAPE, "{what}");
        assert_eq!(trace["service"], service.as_str(), "{what}");
        assert_eq!(
            trace["conversation_id"],
            outcome.conversation_id.as_str(),
            "{what}"
        );
        assert_eq!(trace["complete"], true, "{what}");
        assert_eq!(trace["model_calls"], 3, "{what}");
        assert_eq!(trace["errors"], 1, "{what}");
        assert_eq!(trace["tool_calls"], 2, "{what}");
        assert_eq!(trace["handoffs"], 1, "{what}");
        assert!(trace["input_tokens"].as_u64().unwrap() > 1000, "{what}");
        assert!(trace["cost_usd"].as_f64().unwrap() > 0.001, "{what}");
        let models: Vec<&str> = trace["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["model"].as_str().unwrap())
            .collect();
        assert_eq!(
            models,
            ["claude-sonnet-4-5-20250929", "gpt-4o-mini-2024-07-18"],
            "{what}"
        );

        let sonnet = span(&trace, "chat claude-sonnet-4-5");
        assert_eq!(sonnet["type"], "generation");
        assert_eq!(sonnet["kind"], "client");
        assert_eq!(sonnet["attributes"]["gen_ai.provider.name"], "anthropic");
        assert!(sonnet["attributes"]["ai.cost_usd"].as_f64().unwrap() > 0.0);
        assert!(sonnet["attributes"]["gen_ai.input.messages"]
            .as_str()
            .unwrap()
            .contains("charged twice"));
        assert_eq!(sonnet["resource"]["service.name"], service.as_str());
        // The critical path (which child is longest depends on timing): from the
        // root down, and the spans marked on it are the ones it names.
        let path: Vec<&str> = trace["critical_path"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            path[..2],
            ["invoke_workflow customer_support", "invoke_agent triage"]
        );
        let marked: Vec<&str> = trace["spans"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["critical_path"] == true)
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(marked, path, "{what}");
        let failed = span(&trace, "execute_tool lookup_order");
        assert_eq!(failed["status"]["code"], "error");
        assert_eq!(failed["events"][0]["name"], "exception");
        let guardrail = span(&trace, "apply_guardrail pii_check");
        assert_eq!(guardrail["attributes"]["ai.guardrail.triggered"], false);

        conversation = outcome.conversation_id;
        services.push(service);
    }

    // The runs are one conversation, listed in the order they ran.
    let runs = query_json(&server.db, &["--conversation", &conversation]);
    let got: Vec<&str> = runs
        .iter()
        .map(|t| t["service"].as_str().unwrap())
        .collect();
    assert_eq!(got, services);
    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
}
