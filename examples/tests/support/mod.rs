//! Runs the example workflow with OTLP export to a real collector (`rotel`,
//! installed by `scripts/install_peers.sh`) and checks what it received.
#![allow(dead_code)]

#[path = "../../../crates/aitrace-sdk/tests/support/peers.rs"]
mod peers;

use aitrace_sdk::config::{BatchConfig, Compression, ExporterKind, Protocol};
use aitrace_sdk::Builder;
pub use peers::{ReceivedSpan, Rotel};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

pub mod openai_stub;

/// The ten spans of one workflow run, by name (names that occur twice are listed twice).
const EXPECTED: &[(&str, &str)] = &[
    ("invoke_workflow customer_support", "internal"),
    ("invoke_agent triage", "internal"),
    ("apply_guardrail pii_check", "internal"),
    ("chat gpt-4o-mini", "client"),
    ("execute_tool search_kb", "internal"),
    ("execute_tool lookup_order", "internal"),
    ("chat gpt-4o-mini", "client"),
    ("execute_tool transfer_to_billing", "internal"),
    ("invoke_agent billing", "internal"),
    ("chat claude-sonnet-4-5", "client"),
];

/// Exports one workflow run over `protocol` and checks every span at the collector.
pub fn export_and_check(protocol: Protocol, compression: Compression) {
    let rotel = Rotel::start();
    let endpoint = match protocol {
        Protocol::Grpc => rotel.grpc_endpoint(),
        Protocol::HttpProtobuf | Protocol::HttpJson => rotel.http_endpoint(),
    };
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_compression(compression)
        .with_endpoint(endpoint)
        .with_service_name("e2e-support-bot")
        .with_service_version("1.2.3")
        .with_resource_attribute("deployment.environment.name", "test")
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(100),
            ..BatchConfig::default()
        })
        .install()
        .expect("pipeline installs");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let outcome = rt.block_on(aitrace_examples::workflow::run_support_workflow(
        "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?",
    ));
    let report = guard.shutdown().expect("every span delivered");
    assert_eq!(report.stats.exported, EXPECTED.len() as u64, "{report:?}");

    let spans = rotel.wait_for_spans(EXPECTED.len(), Duration::from_secs(10));
    let trace_id = format!("{}", outcome.trace_id);
    let ours: Vec<&ReceivedSpan> = spans.iter().filter(|s| s.trace_id == trace_id).collect();
    assert_eq!(
        ours.len(),
        EXPECTED.len(),
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );

    // Names and kinds.
    let mut want: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(n, k)| (n.to_string(), k.to_string()))
        .collect();
    let mut got: Vec<(String, String)> = ours
        .iter()
        .map(|s| (s.name.clone(), s.kind_short()))
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);

    // Parent links: one root; every other parent is a span of the trace; the
    // billing agent sits under the handoff, its model call under it.
    let by_id: HashMap<&str, &ReceivedSpan> =
        ours.iter().map(|s| (s.span_id.as_str(), *s)).collect();
    let roots: Vec<&&ReceivedSpan> = ours.iter().filter(|s| s.parent_id.is_empty()).collect();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].name, "invoke_workflow customer_support");
    let parent_name = |s: &ReceivedSpan| by_id.get(s.parent_id.as_str()).map(|p| p.name.clone());
    for s in &ours {
        if !s.parent_id.is_empty() {
            assert!(
                by_id.contains_key(s.parent_id.as_str()),
                "{} has a parent outside the trace",
                s.name
            );
        }
    }
    let named = |n: &str| ours.iter().find(|s| s.name == n).copied().unwrap();
    assert_eq!(
        parent_name(named("invoke_agent billing")).as_deref(),
        Some("execute_tool transfer_to_billing")
    );
    assert_eq!(
        parent_name(named("chat claude-sonnet-4-5")).as_deref(),
        Some("invoke_agent billing")
    );
    assert_eq!(
        parent_name(named("apply_guardrail pii_check")).as_deref(),
        Some("invoke_agent triage")
    );

    // Attributes: every span carries the conversation; model calls carry usage and cost.
    for s in &ours {
        assert_eq!(
            s.str_attr("ai.conversation.id"),
            Some(outcome.conversation_id.as_str()),
            "{}",
            s.name
        );
        assert!(s.str_attr("ai.span.type").is_some(), "{}", s.name);
    }
    let sonnet = named("chat claude-sonnet-4-5");
    assert_eq!(sonnet.str_attr("gen_ai.provider.name"), Some("anthropic"));
    assert_eq!(
        sonnet.str_attr("gen_ai.request.model"),
        Some("claude-sonnet-4-5")
    );
    assert!(sonnet.int_attr("gen_ai.usage.input_tokens").unwrap() > 0);
    assert!(sonnet.f64_attr("ai.cost_usd").unwrap() > 0.0);
    assert!(sonnet.int_attr("ai.cost_microcents").unwrap() > 0);
    assert_eq!(
        named("apply_guardrail pii_check").bool_attr("ai.guardrail.triggered"),
        Some(false)
    );
    let failed = named("execute_tool lookup_order");
    assert_eq!(failed.status_short(), "error");
    assert!(failed.event_names().contains(&"exception"));
    assert!(failed.str_attr("error.type").is_some());
    let content: HashSet<&str> = [
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "ai.input",
        "ai.output",
    ]
    .into();
    for s in &ours {
        assert!(
            s.attributes.keys().all(|k| !content.contains(k.as_str())),
            "content on {} with capture off",
            s.name
        );
    }

    // Resource.
    for s in &ours {
        assert_eq!(s.service_name(), Some("e2e-support-bot"));
        assert_eq!(s.resource_str("service.version"), Some("1.2.3"));
        assert_eq!(s.resource_str("deployment.environment.name"), Some("test"));
        assert_eq!(s.resource_str("telemetry.sdk.language"), Some("rust"));
        assert_eq!(s.resource_str("telemetry.distro.name"), Some("aitrace"));
        assert_eq!(s.scope_name, "aitrace");
    }
}
