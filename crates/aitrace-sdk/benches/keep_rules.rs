//! The AI-aware keep rules (`KeepRuleSampler` + `KeepRulesProcessor`) on a whole
//! agent run (agent, guardrail, generation, tool, handoff, nested agent,
//! generation: 7 spans), against the plain head sampler in the same run.
//!
//! - `head_only/always_off`: the head sampler drops the trace; no keep rules.
//! - `head_only/always_on`: every span is recorded and exported.
//! - `keep_rules/dropped`: the head sampler drops the trace, the keep rules record
//!   it anyway, hold its spans until the root ends, and discard them (no rule
//!   matched).
//! - `keep_rules/kept`: the same, but the guardrail trips: the whole trace is
//!   exported.
//!
//! Every pipeline ends in a `SimpleSpanProcessor` in front of an exporter that does
//! nothing. `cargo bench -p aitrace-sdk --bench keep_rules` prints a summary of
//! medians and ratios at the end; `docs/performance.md` explains the figures.

#[path = "../../aitrace/benches/support/mod.rs"]
mod support;

use aitrace::{GuardrailType, Usage};
use aitrace_sdk::keep_rules::{KeepRuleSampler, KeepRules, KeepRulesProcessor};
use criterion::{criterion_group, BenchmarkId, Criterion};
use opentelemetry::global;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    Sampler, SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanExporter,
};
use std::hint::black_box;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// An exporter that counts what it gets and drops it.
#[derive(Debug, Default)]
struct CountingExporter(Arc<AtomicU64>);

impl SpanExporter for CountingExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        black_box(batch);
        Ok(())
    }
}

fn rules() -> KeepRules {
    KeepRules {
        errors: true,
        guardrails: true,
        slower_than: Some(Duration::from_secs(10)),
        costlier_than_usd: Some(1.0),
        ..KeepRules::default()
    }
}

/// Installs the pipeline for `case` globally; returns the count of exported spans.
fn install(case: &str) -> Arc<AtomicU64> {
    let exported = Arc::new(AtomicU64::new(0));
    let exporter = CountingExporter(exported.clone());
    let builder = SdkTracerProvider::builder();
    let provider = match case {
        "head_only/always_off" => builder
            .with_sampler(Sampler::AlwaysOff)
            .with_simple_exporter(exporter),
        "head_only/always_on" => builder
            .with_sampler(Sampler::AlwaysOn)
            .with_simple_exporter(exporter),
        _ => builder
            .with_sampler(KeepRuleSampler::new(Sampler::AlwaysOff))
            .with_span_processor(KeepRulesProcessor::new(
                SimpleSpanProcessor::new(exporter),
                rules(),
            )),
    }
    .build();
    global::set_tracer_provider(provider);
    exported
}

/// One agent run of 7 spans; the guardrail trips when `trip` is set.
fn run(trip: bool) {
    let agent = aitrace::agent(black_box("triage"))
        .with_tools(["search_kb"])
        .with_handoffs(["billing"])
        .start();
    agent.in_scope(|| {
        let g = aitrace::guardrail("pii_check")
            .with_type(GuardrailType::Input)
            .start();
        if trip {
            g.trip("an email address in the prompt");
        } else {
            g.pass();
        }
        g.end();
        generation();
        aitrace::tool("search_kb")
            .with_call_id("call_1")
            .start()
            .end();
        let handoff = aitrace::handoff("triage", "billing").start();
        handoff.in_scope(|| {
            let billing = aitrace::agent("billing").start();
            billing.in_scope(generation);
            billing.end();
        });
        handoff.end();
    });
    agent.end();
}

fn generation() {
    let mut call = aitrace::generation("openai", "gpt-4o")
        .with_temperature(0.2)
        .start();
    call.record_response_model("gpt-4o-2024-08-06");
    call.record_finish_reasons(["stop"]);
    call.record_usage(Usage::new(812, 64));
    call.end();
}

const CASES: &[&str] = &[
    "head_only/always_off",
    "head_only/always_on",
    "keep_rules/dropped",
    "keep_rules/kept",
];

fn case_fn(case: &str) -> fn() {
    if case == "keep_rules/kept" {
        || run(true)
    } else {
        || run(false)
    }
}

/// Each pipeline exports what it should: nothing, all 7 spans, nothing, all 7.
fn check_pipelines() {
    for (case, expected) in CASES.iter().zip([0, 7, 0, 7]) {
        let exported = install(case);
        case_fn(case)();
        assert_eq!(exported.load(Ordering::Relaxed), expected, "{case}");
    }
}

fn keep_rules(c: &mut Criterion) {
    let mut g = c.benchmark_group("sampling");
    for case in CASES {
        install(case);
        let (pipeline, outcome) = case.split_once('/').expect("pipeline/outcome");
        g.bench_function(BenchmarkId::new(pipeline, outcome), |b| {
            b.iter(case_fn(case))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = keep_rules
}

/// Runs one case without criterion, for instruction counts:
/// `AITRACE_BENCH_CASE=keep_rules/dropped AITRACE_BENCH_ITERATIONS=10000
/// valgrind --tool=callgrind <bench binary>`.
fn run_case(case: &str, iterations: u64) {
    assert!(CASES.contains(&case), "unknown case {case}");
    install(case);
    let f = case_fn(case);
    for _ in 0..iterations {
        f();
    }
}

fn main() {
    aitrace::set_enabled(true);
    aitrace::set_global_settings(aitrace::Settings::default());
    if let Ok(case) = std::env::var("AITRACE_BENCH_CASE") {
        let iterations = std::env::var("AITRACE_BENCH_ITERATIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(10_000);
        run_case(&case, iterations);
        return;
    }
    check_pipelines();
    benches();
    Criterion::default().configure_from_args().final_summary();
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
    let filtered = args.iter().skip(1).any(|a| !a.starts_with('-'));
    if benchmarking && !filtered {
        summary();
    }
}

/// The median of one case of the `sampling` group, in nanoseconds.
fn median_ns(case: &str) -> Option<f64> {
    support::median_ns(&format!("sampling/{case}"))
}

/// The ratio a / b measured in alternating batches; the two cases need different
/// pipelines, so each batch installs its own first (outside the timing).
fn paired_ratio(a: &str, b: &str) -> f64 {
    let time = |case: &str, n: u64| {
        install(case);
        support::timed(&case_fn(case), n)
    };
    support::paired_ratio(&|n| time(a, n), &|n| time(b, n))
}

fn summary() {
    let rows = [
        (
            "dropped trace: keep rules vs head sampler dropping",
            "keep_rules/dropped",
            "head_only/always_off",
        ),
        (
            "dropped trace: keep rules vs recording everything",
            "keep_rules/dropped",
            "head_only/always_on",
        ),
        (
            "kept trace: keep rules vs recording everything",
            "keep_rules/kept",
            "head_only/always_on",
        ),
    ];
    println!();
    println!("| case (agent run, 7 spans) | keep rules median (µs) | baseline median (µs) | ratio of medians | paired ratio |");
    println!("|---|---:|---:|---:|---:|");
    for (what, a, b) in rows {
        let (Some(ta), Some(tb)) = (median_ns(a), median_ns(b)) else {
            continue;
        };
        let paired = paired_ratio(a, b);
        println!(
            "| {what} | {:.2} | {:.2} | {:.2}x | {paired:.2}x |",
            ta / 1000.0,
            tb / 1000.0,
            ta / tb
        );
    }
}
