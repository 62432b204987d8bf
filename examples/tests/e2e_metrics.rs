//! The example workflow's GenAI metrics arrive at a real collector (rotel, which
//! logs the metrics it receives) over gRPC and over HTTP, next to its spans: the
//! conventions' names and units, their attributes, and token and cost sums equal
//! to what the spans carried.

mod support;

use aitrace_sdk::config::{ExporterKind, Protocol};
use aitrace_sdk::Builder;
use std::collections::BTreeSet;
use std::time::Duration;
use support::peers::rotel_metrics::ReceivedPoint;
use support::Rotel;

const QUESTION: &str =
    "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?";

fn total(points: &[ReceivedPoint], name: &str, filter: &[(&str, &str)]) -> f64 {
    points
        .iter()
        .filter(|p| p.name == name && p.matches(filter))
        .map(|p| p.sum)
        .sum()
}

fn count(points: &[ReceivedPoint], name: &str, filter: &[(&str, &str)]) -> u64 {
    points
        .iter()
        .filter(|p| p.name == name && p.matches(filter))
        .map(|p| p.count)
        .sum()
}

#[test]
fn workflow_metrics_arrive_with_the_spans_sums() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rotel = Rotel::start();
        let endpoint = match protocol {
            Protocol::Grpc => rotel.grpc_endpoint(),
            _ => rotel.http_endpoint(),
        };
        let guard = Builder::new()
            .with_exporters(vec![ExporterKind::Otlp])
            .with_protocol(protocol)
            .with_endpoint(endpoint)
            .with_service_name("e2e-metrics-bot")
            .install()
            .expect("pipeline installs");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let outcome = rt.block_on(aitrace_examples::workflow::run_support_workflow(QUESTION));
        let report = guard.shutdown().expect("everything delivered");
        let delivered = report.metrics.as_ref().expect("metrics over OTLP");
        assert!(delivered.stats.exported > 0, "{protocol:?}: {report:?}");

        let spans = rotel.wait_for_spans(10, Duration::from_secs(10));
        let trace_id = outcome.trace_id.to_string();
        let spans: Vec<_> = spans.iter().filter(|s| s.trace_id == trace_id).collect();
        let p = rotel.wait_for_metric("ai.agent.duration", Duration::from_secs(10));
        assert_eq!(
            p.len() as u64,
            delivered.stats.exported,
            "{protocol:?}: every data point the report counts was logged"
        );

        let names: BTreeSet<&str> = p.iter().map(|q| q.name.as_str()).collect();
        let want: BTreeSet<&str> = [
            "gen_ai.client.token.usage",
            "gen_ai.client.operation.duration",
            "ai.client.cost",
            "ai.client.token.cache_read",
            "ai.client.token.cache_creation",
            "ai.tool.duration",
            "ai.agent.duration",
            "ai.guardrail.checks",
        ]
        .into();
        assert_eq!(names, want, "{protocol:?}");
        for q in &p {
            assert_eq!(q.scope, "aitrace", "{q:?}");
            let unit = match q.name.as_str() {
                "gen_ai.client.token.usage" | "ai.client.token.cache_read" => "{token}",
                "ai.client.token.cache_creation" => "{token}",
                "ai.client.cost" => "USD",
                "ai.guardrail.checks" => "{check}",
                _ => "s",
            };
            assert_eq!(q.unit, unit, "{q:?}");
        }

        // Token and cost sums equal the spans'.
        let span_sum = |key: &str| -> f64 {
            spans
                .iter()
                .filter_map(|s| {
                    s.f64_attr(key)
                        .or_else(|| s.int_attr(key).map(|i| i as f64))
                })
                .sum()
        };
        let tokens = "gen_ai.client.token.usage";
        let input = total(&p, tokens, &[("gen_ai.token.type", "input")]);
        let output = total(&p, tokens, &[("gen_ai.token.type", "output")]);
        assert!(input > 0.0 && output > 0.0);
        assert_eq!(input, span_sum("gen_ai.usage.input_tokens"), "{protocol:?}");
        assert_eq!(
            output,
            span_sum("gen_ai.usage.output_tokens"),
            "{protocol:?}"
        );
        let cost = total(&p, "ai.client.cost", &[]);
        let span_cost = span_sum("ai.cost_usd");
        assert!(cost > 0.0);
        assert!(
            (cost - span_cost).abs() < 1e-9,
            "{protocol:?}: metrics {cost} != spans {span_cost}"
        );
        assert_eq!(
            total(&p, "ai.client.token.cache_read", &[]),
            span_sum("gen_ai.usage.cache_read.input_tokens"),
            "{protocol:?}"
        );

        // Per model, with the attributes the conventions list.
        let mini = [
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", "gpt-4o-mini"),
        ];
        let duration = "gen_ai.client.operation.duration";
        assert_eq!(count(&p, duration, &mini), 2, "{protocol:?}");
        let claude = [
            ("gen_ai.provider.name", "anthropic"),
            ("gen_ai.request.model", "claude-sonnet-4-5"),
        ];
        assert_eq!(count(&p, duration, &claude), 1, "{protocol:?}");
        // Two tools (one failed; the handoff to billing is not a tool call),
        // two agents, one guardrail check.
        assert_eq!(count(&p, "ai.tool.duration", &[]), 2);
        let failed_tool = [("gen_ai.tool.name", "lookup_order")];
        let failed = p
            .iter()
            .find(|q| q.name == "ai.tool.duration" && q.matches(&failed_tool))
            .expect("the failed tool");
        assert!(failed.attributes.contains_key("error.type"), "{failed:?}");
        assert_eq!(
            count(&p, "ai.agent.duration", &[("gen_ai.agent.name", "triage")]),
            1
        );
        assert_eq!(
            count(&p, "ai.agent.duration", &[("gen_ai.agent.name", "billing")]),
            1
        );
        assert_eq!(
            total(
                &p,
                "ai.guardrail.checks",
                &[("ai.guardrail.name", "pii_check")]
            ),
            1.0
        );
    }
}
