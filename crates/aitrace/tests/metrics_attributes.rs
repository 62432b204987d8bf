//! The exact attributes of every series, as `docs/metrics.md` lists them:
//! model calls by operation, provider, request and response model and server;
//! `gen_ai.token.type` on token usage only; `error.type` on the duration of a
//! failed call only; tools, agents and guardrails by their own names. Whatever
//! the dialects the spans are recorded in, and with instruments that bind their
//! series or not.

use aitrace::instrumentation::with_instrumentation;
use aitrace::metrics::Instruments;
use aitrace::{Dialects, GuardrailType, Settings, Usage};
use aitrace_sdk::metrics::{InMemoryMetrics, MetricsSnapshot};
use aitrace_sdk::testing::install_in_memory;

fn run() {
    let agent = aitrace::agent("triage")
        .with_provider("openai")
        .with_model("gpt-4o")
        .start();
    agent.in_scope(|| {
        let mut call = aitrace::generation("openai", "gpt-4o")
            .with_server("api.openai.com", 443)
            .start();
        call.record_response_model("gpt-4o-2024-08-06");
        call.record_usage(Usage::new(100, 10).with_cache_creation(20));
        call.record_error_type("rate_limited", "429 Too Many Requests");
        call.end();
        let tool = aitrace::tool("search_kb").start();
        tool.end();
        let check = aitrace::guardrail("toxicity")
            .with_type(GuardrailType::Output)
            .start();
        check.pass();
        check.end();
        // A guardrail ended without a result: counted, with no verdict.
        aitrace::guardrail("unfinished").start().end();
    });
    agent.end();
}

/// `instrument: key=value,…` for every series, sorted (attributes too: the
/// SDK does not keep the order of a set).
fn lines(m: &MetricsSnapshot) -> Vec<String> {
    let mut out: Vec<String> = m
        .series
        .iter()
        .map(|s| {
            let mut attrs: Vec<String> = s
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            attrs.sort();
            format!("{}: {}", s.name, attrs.join(","))
        })
        .collect();
    out.sort();
    out
}

const MODEL: &str = "gen_ai.operation.name=chat,gen_ai.provider.name=openai,\
gen_ai.request.model=gpt-4o,gen_ai.response.model=gpt-4o-2024-08-06";
const SERVER: &str = "server.address=api.openai.com,server.port=443";

fn expected() -> Vec<String> {
    let mut want = vec![
        format!("ai.client.cost: {MODEL},{SERVER}"),
        format!("ai.client.token.cache_creation: {MODEL},{SERVER}"),
        format!("gen_ai.client.operation.duration: error.type=rate_limited,{MODEL},{SERVER}"),
        format!("gen_ai.client.token.usage: {MODEL},gen_ai.token.type=input,{SERVER}"),
        format!("gen_ai.client.token.usage: {MODEL},gen_ai.token.type=output,{SERVER}"),
        "ai.agent.duration: gen_ai.agent.name=triage,gen_ai.provider.name=openai,\
         gen_ai.request.model=gpt-4o"
            .to_string(),
        "ai.tool.duration: gen_ai.tool.name=search_kb".to_string(),
        "ai.guardrail.checks: ai.guardrail.name=toxicity,ai.guardrail.triggered=false,\
         ai.guardrail.type=output"
            .to_string(),
        "ai.guardrail.checks: ai.guardrail.name=unfinished".to_string(),
    ];
    want.sort();
    want
}

#[test]
fn each_series_has_the_documented_attributes_whatever_the_dialects() {
    let _ = install_in_memory();
    for dialects in [Dialects::default(), Dialects::ALL, Dialects::AI_ONLY] {
        let metrics = InMemoryMetrics::new();
        let settings = Settings::default().with_dialects(dialects);
        with_instrumentation(metrics.instrumentation().with_settings(settings), run);
        assert_eq!(lines(&metrics.collect()), expected(), "{dialects:?}");
    }
}

#[test]
fn instruments_that_do_not_bind_record_the_same_series() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    let unbound = Instruments::from_provider(metrics.provider());
    let instrumentation = metrics.instrumentation().with_metrics(unbound);
    with_instrumentation(instrumentation, run);
    assert_eq!(lines(&metrics.collect()), expected());
}
