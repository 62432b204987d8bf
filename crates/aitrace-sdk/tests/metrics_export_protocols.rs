//! GenAI metrics reach the collector the traces go to, over gRPC, HTTP/protobuf
//! and HTTP/JSON: the conventions' names and units, the attributes they list,
//! and token and cost sums equal to what the spans carried. Shutdown exports
//! the last interval (the interval here is the default minute: nothing is
//! exported before shutdown) and the report counts the data points delivered.

mod support;
use aitrace::{GuardrailType, Usage};
use aitrace_sdk::config::{ExporterKind, Protocol};
use aitrace_sdk::Builder;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use std::time::Duration;
use support::otlp_metrics::{count, points, sum};
use support::receiver::Receiver;

/// An agent run: a tripped guardrail, two priced generations (one fails), a
/// tool call.
fn run() {
    let agent = aitrace::agent("triage").start();
    agent.in_scope(|| {
        let check = aitrace::guardrail("pii_check")
            .with_type(GuardrailType::Input)
            .start();
        check.trip("an email address");
        check.end();
        let mut call = aitrace::generation("openai", "gpt-4o")
            .with_server("api.openai.com", 443)
            .start();
        call.record_response_model("gpt-4o-2024-08-06");
        call.record_usage(Usage::new(1200, 300).with_cache_read(200));
        call.end();
        let mut call = aitrace::generation("openai", "gpt-4o").start();
        call.record_usage(Usage::new(50, 0));
        call.end_with_error(&std::io::Error::other("rate limited"));
        aitrace::tool("search_kb").start().end();
    });
    agent.end();
}

#[test]
fn metrics_arrive_over_every_protocol_with_the_spans_sums() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        let rx = Receiver::grpc_or_http(protocol, false);
        let guard = Builder::new()
            .with_exporters(vec![ExporterKind::Otlp])
            .with_protocol(protocol)
            .with_endpoint(rx.endpoint.clone())
            .with_timeout(Duration::from_secs(5))
            .install()
            .expect("pipeline installs");
        run();
        let report = guard
            .shutdown_with_timeout(Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        let m = report.metrics.as_ref().expect("metrics go over OTLP");
        assert!(m.stats.exported > 0 && m.is_clean(), "{protocol:?}: {m:?}");

        let p = points(&rx.metrics());
        assert_eq!(
            m.stats.exported as usize,
            p.len(),
            "{protocol:?}: the report counts the data points that arrived"
        );
        for point in &p {
            assert_eq!(point.scope, "aitrace", "{protocol:?}: {point:?}");
        }
        let usage = |ty| {
            p.iter()
                .find(|q| {
                    q.name == "gen_ai.client.token.usage" && q.matches(&[("gen_ai.token.type", ty)])
                })
                .unwrap_or_else(|| panic!("{protocol:?}: no {ty} tokens in {p:#?}"))
        };
        assert_eq!(usage("input").unit, "{token}");
        assert_eq!(usage("input").bounds.first(), Some(&1.0));
        assert_eq!(usage("input").bounds.last(), Some(&67108864.0));
        // The spans' token and cost attributes add up to the metrics' sums.
        let spans = rx.spans();
        let span_total = |key: &str| -> f64 {
            spans
                .iter()
                .flat_map(|s| &s.attributes)
                .filter(|kv| kv.key == key)
                .map(
                    |kv| match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(Value::IntValue(i)) => *i as f64,
                        Some(Value::DoubleValue(d)) => *d,
                        other => panic!("{key}: {other:?}"),
                    },
                )
                .sum()
        };
        let tokens = "gen_ai.client.token.usage";
        assert_eq!(sum(&p, tokens, &[("gen_ai.token.type", "input")]), 1250.0);
        assert_eq!(
            sum(&p, tokens, &[("gen_ai.token.type", "input")]),
            span_total("gen_ai.usage.input_tokens")
        );
        assert_eq!(
            sum(&p, tokens, &[("gen_ai.token.type", "output")]),
            span_total("gen_ai.usage.output_tokens")
        );
        let cost = sum(&p, "ai.client.cost", &[]);
        assert!(cost > 0.0, "{protocol:?}: {p:#?}");
        assert!(
            (cost - span_total("ai.cost_usd")).abs() < 1e-12,
            "{protocol:?}: {cost} != {}",
            span_total("ai.cost_usd")
        );
        assert_eq!(sum(&p, "ai.client.token.cache_read", &[]), 200.0);
        // The attributes the conventions list, on the duration.
        let ok = [
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.response.model", "gpt-4o-2024-08-06"),
            ("server.address", "api.openai.com"),
            ("server.port", "443"),
        ];
        let duration = "gen_ai.client.operation.duration";
        assert_eq!(count(&p, duration, &ok), 1, "{protocol:?}: {p:#?}");
        let failed = [
            ("gen_ai.request.model", "gpt-4o"),
            ("error.type", "std::io::error::Error"),
        ];
        assert_eq!(count(&p, duration, &failed), 1, "{protocol:?}: {p:#?}");
        assert_eq!(count(&p, duration, &[]), 2);
        assert_eq!(
            count(&p, "ai.tool.duration", &[("gen_ai.tool.name", "search_kb")]),
            1
        );
        assert_eq!(
            count(&p, "ai.agent.duration", &[("gen_ai.agent.name", "triage")]),
            1
        );
        let tripped = [
            ("ai.guardrail.name", "pii_check"),
            ("ai.guardrail.triggered", "true"),
        ];
        assert_eq!(sum(&p, "ai.guardrail.checks", &tripped), 1.0);
    }
}
