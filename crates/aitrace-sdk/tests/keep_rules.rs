//! Each AI-aware keep rule keeps exactly the traces it should when the head
//! sampler drops everything, and a trace matching no rule is discarded.

use aitrace::{ModelPrice, PriceTable, Settings, Usage};
use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::keep_rules::{KeepRuleSampler, KeepRules, KeepRulesProcessor};
use opentelemetry::trace::{TraceFlags, TraceId};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider, SimpleSpanProcessor};
use std::sync::OnceLock;
use std::time::Duration;

fn exporter() -> &'static InMemoryExporter {
    static E: OnceLock<(InMemoryExporter, SdkTracerProvider)> = OnceLock::new();
    &E.get_or_init(|| {
        let exporter = InMemoryExporter::new();
        let rules = KeepRules {
            errors: true,
            guardrails: true,
            slower_than: Some(Duration::from_millis(150)),
            costlier_than_usd: Some(1.0),
            ..KeepRules::default()
        };
        let provider = SdkTracerProvider::builder()
            .with_sampler(KeepRuleSampler::new(Sampler::TraceIdRatioBased(0.0)))
            .with_span_processor(KeepRulesProcessor::new(
                SimpleSpanProcessor::new(exporter.clone()),
                rules,
            ))
            .build();
        opentelemetry::global::set_tracer_provider(provider.clone());
        (exporter, provider)
    })
    .0
}

fn settings() -> Settings {
    let mut prices = PriceTable::empty();
    prices.insert("m", ModelPrice::new(1.0, 1.0)); // $1 per million tokens each way
    Settings::default().with_prices(prices)
}

/// Runs a workflow with one agent; `body` adds what makes it interesting.
fn run(name: &'static str, body: impl FnOnce()) -> TraceId {
    exporter();
    let run = aitrace::trace(name).with_settings(settings()).start();
    let id = run.trace_id();
    assert!(run.is_recording(), "record-only spans still record");
    assert!(
        !run.span_context().trace_flags().is_sampled(),
        "the head decision stays 'not sampled'"
    );
    run.in_scope(|| {
        let agent = aitrace::agent("a").start();
        agent.in_scope(body);
        agent.end();
    });
    run.end();
    id
}

#[derive(Debug)]
struct Failed;
impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("tool failed")
    }
}
impl std::error::Error for Failed {}

fn kept(id: TraceId) -> usize {
    let spans = exporter().spans_of_trace(id);
    for s in &spans {
        assert_eq!(
            s.span_context.trace_flags() & TraceFlags::SAMPLED,
            TraceFlags::SAMPLED,
            "exported as sampled"
        );
    }
    spans.len()
}

#[test]
fn a_plain_trace_is_discarded() {
    let id = run("plain", || aitrace::tool("ok").start().end());
    assert_eq!(kept(id), 0);
}

#[test]
fn an_error_keeps_the_whole_trace() {
    let id = run("error", || {
        aitrace::tool("bad").start().end_with_error(&Failed)
    });
    assert_eq!(kept(id), 3, "workflow, agent and tool");
}

#[test]
fn a_tripped_guardrail_keeps_the_trace_and_a_passed_one_does_not() {
    let tripped = run("tripped", || {
        aitrace::guardrail("pii").start().trip("email address")
    });
    assert_eq!(kept(tripped), 3);
    let passed = run("passed", || aitrace::guardrail("pii").start().pass());
    assert_eq!(kept(passed), 0);
}

#[test]
fn a_slow_trace_is_kept_and_a_fast_one_is_not() {
    let slow = run("slow", || std::thread::sleep(Duration::from_millis(200)));
    assert_eq!(kept(slow), 2);
    let fast = run("fast", || std::thread::sleep(Duration::from_millis(1)));
    assert_eq!(kept(fast), 0);
}

#[test]
fn an_expensive_trace_is_kept_and_a_cheap_one_is_not() {
    let call = |tokens: u64| {
        move || {
            let mut g = aitrace::generation("openai", "m").start();
            g.record_usage(Usage::new(tokens, tokens));
            g.end();
        }
    };
    // 600k in + 600k out at $1/M each = $1.20 > $1.00.
    assert_eq!(kept(run("expensive", call(600_000))), 3);
    // 400k + 400k = $0.80.
    assert_eq!(kept(run("cheap", call(400_000))), 0);
}
