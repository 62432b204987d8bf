//! The span API against the raw `opentelemetry_sdk` tracer, in the same run.
//!
//! Every aitrace case has a raw counterpart doing the same work by hand: the parent
//! is the current context, the name is built the same way, attributes are built only
//! when the span records (the same keys and values: checked before measuring), and
//! the span goes into a `Context` so that children can use it as their parent, as an
//! aitrace guard does. Both sides share one provider whose only processor is a
//! `SimpleSpanProcessor` in front of an exporter that does nothing, so the cost of
//! the span API dominates.
//!
//! `cargo bench -p aitrace --bench spans` prints a summary of medians and ratios at
//! the end; `docs/performance.md` explains the figures. Under `cargo test` every
//! case runs once.

mod support;
use support::median_ns;

use aitrace::pipeline::{remove_global_pipeline, set_global_pipeline, Pipeline};
use aitrace::{GuardrailType, Usage};
use aitrace_sdk::config::SamplerConfig;
use aitrace_sdk::pipeline::{PipelineIds, SpanPipeline};
use aitrace_sdk::sampler::head_sampler;
use criterion::{criterion_group, BenchmarkId, Criterion};
use opentelemetry::trace::noop::NoopTracerProvider;
use opentelemetry::trace::{
    Span, SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
    TracerProvider as _,
};
use opentelemetry::{global, Array, Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider, SpanData, SpanExporter};
use std::collections::BTreeMap;
use std::hint::black_box;

use std::sync::Arc;
use std::time::Duration;

/// An exporter that drops what it gets.
#[derive(Debug)]
struct NoopExporter;

impl SpanExporter for NoopExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        black_box(batch);
        Ok(())
    }
}

/// A provider as `aitrace_sdk` builds one for the span pipeline (its id
/// generator), with the SDK's own `sampler`.
fn provider(sampler: Sampler) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_id_generator(PipelineIds::default())
        .with_simple_exporter(NoopExporter)
        .build()
}

/// Installs `p` globally (for aitrace) and returns a raw tracer of the same provider.
fn install(p: &SdkTracerProvider) -> SdkTracer {
    global::set_tracer_provider(p.clone());
    p.tracer("raw")
}

/// A valid, local parent that was not sampled.
fn unsampled_parent() -> Context {
    Context::new().with_remote_span_context(SpanContext::new(
        TraceId::from(0x5eed_u128),
        SpanId::from(0x5eed_u64),
        TraceFlags::default(),
        false,
        TraceState::default(),
    ))
}

// ---------------------------------------------------------------------------
// The aitrace side.

fn ai_agent() {
    aitrace::agent(black_box("triage")).start().end();
}

fn ai_agent_full() {
    aitrace::agent(black_box("triage"))
        .with_tools(["search_kb", "lookup_order"])
        .with_handoffs(["billing"])
        .start()
        .end();
}

fn ai_generation() {
    let mut call = aitrace::generation(black_box("openai"), black_box("gpt-4o"))
        .with_server("api.openai.com", 443)
        .with_max_tokens(256)
        .with_temperature(0.2)
        .with_top_p(0.9)
        .start();
    call.record_response_model(black_box("gpt-4o-2024-08-06"));
    call.record_response_id(black_box("chatcmpl-123"));
    call.record_finish_reasons(["stop"]);
    call.record_usage(Usage::new(812, 64).with_cache_read(512));
    call.end();
}

fn ai_tool() {
    aitrace::tool(black_box("search_kb"))
        .with_call_id("call_1")
        .start()
        .end();
}

fn ai_guardrail() {
    let g = aitrace::guardrail(black_box("pii_check"))
        .with_type(GuardrailType::Input)
        .start();
    g.pass();
    g.end();
}

fn ai_handoff() {
    aitrace::handoff(black_box("triage"), black_box("billing"))
        .start()
        .end();
}

/// agent + guardrail + generation + tool + handoff + nested agent + generation.
fn ai_run() {
    let agent = aitrace::agent(black_box("triage"))
        .with_tools(["search_kb", "lookup_order"])
        .with_handoffs(["billing"])
        .start();
    agent.in_scope(|| {
        ai_guardrail();
        ai_generation();
        ai_tool();
        let handoff = aitrace::handoff("triage", "billing").start();
        handoff.in_scope(|| {
            let billing = aitrace::agent("billing").start();
            billing.in_scope(ai_generation);
            billing.end();
        });
        handoff.end();
    });
    agent.end();
}

// ---------------------------------------------------------------------------
// The raw side: the same spans written by hand on the SDK tracer.

fn kv(key: &'static str, value: impl Into<Value>) -> KeyValue {
    KeyValue::new(key, value)
}

fn shared(s: &str) -> StringValue {
    StringValue::from(Arc::<str>::from(s))
}

fn strings(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}

/// Starts a span under the current context, sets `attrs` only if it records, and
/// returns the context holding it.
fn raw_start<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(
    tracer: &T,
    name: String,
    kind: SpanKind,
    attrs: impl FnOnce() -> Vec<KeyValue>,
) -> Context {
    let parent = Context::current();
    let mut span = tracer
        .span_builder(name)
        .with_kind(kind)
        .start_with_context(tracer, &parent);
    if span.is_recording() {
        span.set_attributes(attrs());
    }
    parent.with_span(span)
}

/// Sets attributes on the span of `cx` only if it records.
fn raw_record(cx: &Context, attrs: impl FnOnce() -> Vec<KeyValue>) {
    let span = cx.span();
    if span.is_recording() {
        span.set_attributes(attrs());
    }
}

fn raw_agent_cx<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(
    tracer: &T,
    name: &'static str,
    full: bool,
) -> Context {
    raw_start(
        tracer,
        format!("invoke_agent {name}"),
        SpanKind::Internal,
        || {
            let mut v = vec![
                kv("ai.span.type", "agent"),
                kv("gen_ai.operation.name", "invoke_agent"),
                kv("gen_ai.agent.name", name),
                kv("openinference.span.kind", "AGENT"),
                kv("ai.agent.name", name),
            ];
            if full {
                v.push(kv(
                    "ai.agent.tools",
                    strings(&["search_kb", "lookup_order"]),
                ));
                v.push(kv("ai.agent.handoffs", strings(&["billing"])));
            }
            v
        },
    )
}

fn raw_agent<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    raw_agent_cx(tracer, black_box("triage"), false)
        .span()
        .end();
}

/// Like [`raw_agent`], but with the sampling attributes given at creation, as
/// aitrace does so that samplers can read them.
fn raw_agent_eager<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    let name = black_box("triage");
    let parent = Context::current();
    let mut span = tracer
        .span_builder(format!("invoke_agent {name}"))
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![
            kv("ai.span.type", "agent"),
            kv("gen_ai.operation.name", "invoke_agent"),
            kv("gen_ai.agent.name", name),
        ])
        .start_with_context(tracer, &parent);
    if span.is_recording() {
        span.set_attributes(vec![kv("ai.agent.name", name)]);
    }
    parent.with_span(span).span().end();
}

fn raw_agent_full<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    raw_agent_cx(tracer, black_box("triage"), true).span().end();
}

fn raw_generation<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    let (provider, model) = (black_box("openai"), black_box("gpt-4o"));
    let cx = raw_start(tracer, format!("chat {model}"), SpanKind::Client, || {
        vec![
            kv("ai.span.type", "generation"),
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.provider.name", provider),
            kv("gen_ai.request.model", model),
            kv("server.address", "api.openai.com"),
            kv("server.port", 443_i64),
            kv("openinference.span.kind", "LLM"),
            kv("ai.provider", provider),
            kv("ai.model", model),
            kv("ai.operation", "chat"),
            kv("ai.max_tokens", 256_i64),
            kv("gen_ai.request.max_tokens", 256_i64),
            kv("ai.temperature", 0.2),
            kv("gen_ai.request.temperature", 0.2),
            kv("ai.top_p", 0.9),
            kv("gen_ai.request.top_p", 0.9),
            kv("ai.stream", false),
            kv("gen_ai.request.stream", false),
        ]
    });
    let response_model = black_box("gpt-4o-2024-08-06");
    raw_record(&cx, || {
        let m = shared(response_model);
        vec![
            kv("ai.response.model", m.clone()),
            kv("gen_ai.response.model", m),
        ]
    });
    let id = black_box("chatcmpl-123");
    raw_record(&cx, || {
        let id = shared(id);
        vec![
            kv("ai.response.id", id.clone()),
            kv("gen_ai.response.id", id),
        ]
    });
    raw_record(&cx, || {
        let stop = shared("stop");
        vec![
            kv("ai.finish_reason", stop.clone()),
            kv(
                "gen_ai.response.finish_reasons",
                Value::Array(Array::String(vec![stop])),
            ),
        ]
    });
    raw_record(&cx, || {
        vec![
            kv("ai.prompt_tokens", 812_i64),
            kv("ai.completion_tokens", 64_i64),
            kv("ai.total_tokens", 876_i64),
            kv("gen_ai.usage.input_tokens", 812_i64),
            kv("gen_ai.usage.output_tokens", 64_i64),
            kv("ai.cache_read_tokens", 512_i64),
            kv("gen_ai.usage.cache_read.input_tokens", 512_i64),
            kv("ai.cost_usd", 0.00139),
            kv("ai.cost_microcents", 139_000_i64),
            kv("gen_ai.usage.cost", 0.00139),
        ]
    });
    cx.span().end();
}

fn raw_tool<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    let name = black_box("search_kb");
    raw_start(
        tracer,
        format!("execute_tool {name}"),
        SpanKind::Internal,
        || {
            let id = StringValue::from("call_1");
            vec![
                kv("ai.span.type", "tool"),
                kv("gen_ai.operation.name", "execute_tool"),
                kv("gen_ai.tool.name", name),
                kv("openinference.span.kind", "TOOL"),
                kv("ai.tool.name", name),
                kv("ai.tool.call_id", id.clone()),
                kv("gen_ai.tool.call.id", id),
            ]
        },
    )
    .span()
    .end();
}

fn raw_guardrail<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    let name = black_box("pii_check");
    let cx = raw_start(
        tracer,
        format!("apply_guardrail {name}"),
        SpanKind::Internal,
        || {
            vec![
                kv("ai.span.type", "guardrail"),
                kv("openinference.span.kind", "GUARDRAIL"),
                kv("ai.guardrail.name", name),
                kv("gen_ai.guardrail.component.name", name),
                kv("ai.guardrail.type", "input"),
                kv("gen_ai.guardrail.source", "input"),
            ]
        },
    );
    raw_record(&cx, || {
        vec![
            kv("ai.guardrail.triggered", false),
            kv("gen_ai.guardrail.result.type", "passed"),
            kv("gen_ai.guardrail.result.value", false),
        ]
    });
    cx.span().end();
}

fn raw_handoff_cx<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(
    tracer: &T,
    from: &'static str,
    to: &'static str,
) -> Context {
    let tool_name = format!("transfer_to_{to}");
    let name = format!("execute_tool {tool_name}");
    raw_start(tracer, name, SpanKind::Internal, || {
        vec![
            kv("ai.span.type", "handoff"),
            kv("gen_ai.operation.name", "execute_tool"),
            kv("gen_ai.tool.name", tool_name),
            kv("openinference.span.kind", "TOOL"),
            kv("ai.handoff.from_agent", from),
            kv("ai.handoff.to_agent", to),
            kv("gen_ai.agent.handoff.source.name", from),
            kv("gen_ai.agent.handoff.target.name", to),
        ]
    })
}

fn raw_handoff<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    raw_handoff_cx(tracer, black_box("triage"), black_box("billing"))
        .span()
        .end();
}

fn raw_run<T: Tracer<Span = S>, S: Span + Send + Sync + 'static>(tracer: &T) {
    let agent = raw_agent_cx(tracer, black_box("triage"), true);
    {
        let _in_agent = agent.clone().attach();
        raw_guardrail(tracer);
        raw_generation(tracer);
        raw_tool(tracer);
        let handoff = raw_handoff_cx(tracer, "triage", "billing");
        {
            let _in_handoff = handoff.clone().attach();
            let billing = raw_agent_cx(tracer, "billing", false);
            {
                let _in_billing = billing.clone().attach();
                raw_generation(tracer);
            }
            billing.span().end();
        }
        handoff.span().end();
    }
    agent.span().end();
}

// ---------------------------------------------------------------------------
// Before measuring: both sides must produce the same spans.

type Shape = Vec<(String, SpanKind, BTreeMap<String, String>)>;

/// Name, kind and attributes (key, and value except for cost figures, which aitrace
/// computes from its price table) of every span `f` records, in end order.
fn shape(f: impl FnOnce(&SdkTracer)) -> Shape {
    let exporter = aitrace_sdk::exporter::InMemoryExporter::new();
    let p = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    f(&install(&p));
    exporter
        .spans()
        .into_iter()
        .map(|s| {
            let attrs = s
                .attributes
                .iter()
                .map(|kv| {
                    let v = match &kv.value {
                        Value::F64(_) | Value::I64(_) if kv.key.as_str().contains("cost") => {
                            "cost".to_string()
                        }
                        Value::Bool(b) => format!("bool {b}"),
                        Value::I64(n) => format!("i64 {n}"),
                        Value::F64(x) => format!("f64 {x}"),
                        Value::String(s) => format!("string {}", s.as_str()),
                        v => format!("other {v}"),
                    };
                    (kv.key.as_str().to_string(), v)
                })
                .collect();
            (s.name.to_string(), s.span_kind, attrs)
        })
        .collect()
}

fn check_same_spans() {
    type Case = (&'static str, fn(), fn(&SdkTracer));
    let cases: [Case; 7] = [
        ("agent", ai_agent, raw_agent),
        ("agent_full", ai_agent_full, raw_agent_full),
        ("generation", ai_generation, raw_generation),
        ("tool", ai_tool, raw_tool),
        ("guardrail", ai_guardrail, raw_guardrail),
        ("handoff", ai_handoff, raw_handoff),
        ("run", ai_run, raw_run),
    ];
    for (what, ai, raw) in cases {
        let a = shape(|_| ai());
        let r = shape(raw);
        assert!(!a.is_empty(), "{what}: nothing recorded");
        assert_eq!(a, r, "{what}: the raw baseline must record the same spans");
    }
}

// ---------------------------------------------------------------------------
// The cases, by id (`group/span/side`), and what each group installs.

/// What a group of cases runs under: the provider installed globally (and its
/// raw tracers), a parent made current, tracing switched off. Undone on drop.
struct Env {
    raw: SdkTracer,
    global: global::BoxedTracer,
    _parent: Option<opentelemetry::ContextGuard>,
    disabled: bool,
    pipeline: Option<Arc<dyn Pipeline>>,
    /// The meter provider whose instruments are installed (`metrics/…/on`).
    meters: Option<SdkMeterProvider>,
}

impl Env {
    fn for_case(case: &str) -> Option<Env> {
        let (group, rest) = case.split_once('/')?;
        let child = rest.contains("_child/");
        let (sampler, config) = match group {
            "unsampled" if child => (
                Sampler::ParentBased(Box::new(Sampler::AlwaysOn)),
                SamplerConfig::ParentBasedAlwaysOn,
            ),
            "unsampled" => (Sampler::AlwaysOff, SamplerConfig::AlwaysOff),
            "recorded" => (Sampler::AlwaysOn, SamplerConfig::AlwaysOn),
            "off" => (Sampler::AlwaysOff, SamplerConfig::AlwaysOff),
            "metrics" if rest.starts_with("unsampled_") => {
                (Sampler::AlwaysOff, SamplerConfig::AlwaysOff)
            }
            "metrics" => (Sampler::AlwaysOn, SamplerConfig::AlwaysOn),
            _ => return None,
        };
        let p = provider(sampler);
        let raw = install(&p);
        // As `aitrace_sdk::Builder::install` does; `*_global` cases measure the
        // span API without it (the global provider looked up for every span).
        let pipeline = (group != "off" && !rest.ends_with("_global")).then(|| {
            let pipeline: Arc<dyn Pipeline> =
                Arc::new(SpanPipeline::for_head_sampler(&p, head_sampler(config)));
            set_global_pipeline(pipeline.clone());
            pipeline
        });
        if group == "off" {
            global::set_tracer_provider(NoopTracerProvider::new());
        }
        let disabled = rest.starts_with("disabled/");
        aitrace::set_enabled(!disabled);
        // `metrics/<span>/on`: the GenAI instruments of a meter provider that
        // aggregates in memory (exported once a day: never, in a benchmark).
        let meters = (group == "metrics" && rest.ends_with("/on")).then(|| {
            let reader = PeriodicReader::builder(NoopMetricExporter)
                .with_interval(Duration::from_secs(24 * 3600))
                .build();
            SdkMeterProvider::builder().with_reader(reader).build()
        });
        aitrace::metrics::set_global_instruments(
            meters
                .as_ref()
                .map(|p| aitrace::metrics::Instruments::from_provider(p).with_bound_series()),
        );
        Some(Env {
            raw,
            global: global::tracer("raw"),
            _parent: child.then(|| unsampled_parent().attach()),
            disabled,
            pipeline,
            meters,
        })
    }

    /// The function measured for `case`.
    fn case(&self, case: &str) -> Option<Box<dyn Fn() + '_>> {
        let (group, rest) = case.split_once('/')?;
        let raw = &self.raw;
        let f: Box<dyn Fn() + '_> = match (group, rest.replace("_child/", "/").as_str()) {
            ("unsampled", "agent/raw") => Box::new(|| raw_agent(raw)),
            ("unsampled", "agent/raw_global") => Box::new(|| raw_agent(&self.global)),
            ("unsampled", "agent/raw_eager") => Box::new(|| raw_agent_eager(raw)),
            ("unsampled", "agent/aitrace" | "agent/aitrace_global") => Box::new(ai_agent),
            (_, "generation/raw") => Box::new(|| raw_generation(raw)),
            (_, "generation/aitrace" | "generation/aitrace_global") => Box::new(ai_generation),
            ("recorded", "agent/raw") => Box::new(|| raw_agent_full(raw)),
            ("recorded", "agent/aitrace") => Box::new(ai_agent_full),
            (_, "tool/raw") => Box::new(|| raw_tool(raw)),
            (_, "tool/aitrace") => Box::new(ai_tool),
            (_, "guardrail/raw") => Box::new(|| raw_guardrail(raw)),
            (_, "guardrail/aitrace") => Box::new(ai_guardrail),
            (_, "handoff/raw") => Box::new(|| raw_handoff(raw)),
            (_, "handoff/aitrace") => Box::new(ai_handoff),
            (_, "run/raw") => Box::new(|| raw_run(raw)),
            (_, "run/aitrace" | "run/aitrace_global") => Box::new(ai_run),
            ("off", "no_provider/raw_global") => Box::new(|| raw_agent(&self.global)),
            ("off", "no_provider/aitrace_agent" | "disabled/aitrace_agent") => Box::new(ai_agent),
            ("off", "no_provider/aitrace_generation" | "disabled/aitrace_generation") => {
                Box::new(ai_generation)
            }
            ("metrics", "generation/on" | "generation/off") => Box::new(ai_generation),
            ("metrics", "unsampled_generation/on" | "unsampled_generation/off") => {
                Box::new(ai_generation)
            }
            ("metrics", "run/on" | "run/off") => Box::new(ai_run),
            _ => return None,
        };
        Some(f)
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if self.disabled {
            aitrace::set_enabled(true);
        }
        if let Some(p) = &self.pipeline {
            remove_global_pipeline(p);
        }
        if self.meters.take().is_some() {
            aitrace::metrics::set_global_instruments(None);
        }
    }
}

/// A metric exporter that drops what it gets.
#[derive(Debug)]
struct NoopMetricExporter;

impl PushMetricExporter for NoopMetricExporter {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        black_box(metrics);
        Ok(())
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
    fn temporality(&self) -> Temporality {
        Temporality::Cumulative
    }
}

/// The groups and their cases, in the order they run.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "unsampled",
        &[
            "agent/raw",
            "agent/raw_global",
            "agent/raw_eager",
            "agent/aitrace",
            "agent/aitrace_global",
            "generation/raw",
            "generation/aitrace",
            "agent_child/raw",
            "agent_child/aitrace",
            "generation_child/raw",
            "generation_child/aitrace",
            "run/raw",
            "run/aitrace",
        ],
    ),
    (
        "recorded",
        &[
            "generation/raw",
            "generation/aitrace",
            "agent/raw",
            "agent/aitrace",
            "tool/raw",
            "tool/aitrace",
            "guardrail/raw",
            "guardrail/aitrace",
            "handoff/raw",
            "handoff/aitrace",
            "run/raw",
            "run/aitrace",
            "run/aitrace_global",
        ],
    ),
    (
        "metrics",
        &[
            "generation/off",
            "generation/on",
            "unsampled_generation/off",
            "unsampled_generation/on",
            "run/off",
            "run/on",
        ],
    ),
    (
        "off",
        &[
            "no_provider/raw_global",
            "no_provider/aitrace_agent",
            "no_provider/aitrace_generation",
            "disabled/aitrace_agent",
            "disabled/aitrace_generation",
        ],
    ),
];

/// (what, aitrace case, baseline case, target ratio): the rows of the summary.
const PAIRS: &[(&str, &str, &str, Option<f64>)] = &[
    (
        "unsampled agent (root dropped)",
        "unsampled/agent/aitrace",
        "unsampled/agent/raw",
        Some(1.2),
    ),
    (
        "  the same vs raw through the global tracer",
        "unsampled/agent/aitrace",
        "unsampled/agent/raw_global",
        None,
    ),
    (
        "  the same vs raw with sampling attributes",
        "unsampled/agent/aitrace",
        "unsampled/agent/raw_eager",
        None,
    ),
    (
        "  the same without the span pipeline (global lookup)",
        "unsampled/agent/aitrace_global",
        "unsampled/agent/raw",
        None,
    ),
    (
        "unsampled generation (root dropped)",
        "unsampled/generation/aitrace",
        "unsampled/generation/raw",
        Some(1.2),
    ),
    (
        "unsampled agent (unsampled parent)",
        "unsampled/agent_child/aitrace",
        "unsampled/agent_child/raw",
        Some(1.2),
    ),
    (
        "unsampled generation (unsampled parent)",
        "unsampled/generation_child/aitrace",
        "unsampled/generation_child/raw",
        Some(1.2),
    ),
    (
        "recorded generation, ai + gen_ai",
        "recorded/generation/aitrace",
        "recorded/generation/raw",
        Some(1.3),
    ),
    (
        "recorded agent",
        "recorded/agent/aitrace",
        "recorded/agent/raw",
        None,
    ),
    (
        "recorded tool",
        "recorded/tool/aitrace",
        "recorded/tool/raw",
        None,
    ),
    (
        "recorded guardrail",
        "recorded/guardrail/aitrace",
        "recorded/guardrail/raw",
        None,
    ),
    (
        "recorded handoff",
        "recorded/handoff/aitrace",
        "recorded/handoff/raw",
        None,
    ),
    (
        "agent run (7 spans)",
        "recorded/run/aitrace",
        "recorded/run/raw",
        None,
    ),
    (
        "  the same without the span pipeline (global lookup)",
        "recorded/run/aitrace_global",
        "recorded/run/raw",
        None,
    ),
    (
        "unsampled agent run (7 spans, root dropped)",
        "unsampled/run/aitrace",
        "unsampled/run/raw",
        Some(1.0),
    ),
    (
        "recorded generation, metrics on vs off",
        "metrics/generation/on",
        "metrics/generation/off",
        Some(1.15),
    ),
    (
        "unsampled generation, metrics on vs off",
        "metrics/unsampled_generation/on",
        "metrics/unsampled_generation/off",
        None,
    ),
    (
        "agent run (7 spans), metrics on vs off",
        "metrics/run/on",
        "metrics/run/off",
        None,
    ),
    (
        "no provider: agent",
        "off/no_provider/aitrace_agent",
        "off/no_provider/raw_global",
        None,
    ),
    (
        "no provider: generation",
        "off/no_provider/aitrace_generation",
        "off/no_provider/raw_global",
        None,
    ),
    (
        "disabled: agent",
        "off/disabled/aitrace_agent",
        "off/no_provider/raw_global",
        None,
    ),
    (
        "disabled: generation",
        "off/disabled/aitrace_generation",
        "off/no_provider/raw_global",
        None,
    ),
];

// ---------------------------------------------------------------------------
// The measurements.

fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// One criterion group per entry of [`GROUPS`]: `unsampled` (the sampler drops the
/// span: at the root with `always_off`, under a local unsampled parent with
/// `parentbased_always_on`), `recorded` (`always_on`, every attribute of the
/// dialects ai and gen_ai), `off` (no provider installed; tracing disabled).
fn all_groups(c: &mut Criterion) {
    for (group, cases) in GROUPS {
        let mut g = c.benchmark_group(*group);
        for case in *cases {
            let id = format!("{group}/{case}");
            let env = Env::for_case(&id).expect("a known group");
            let f = env.case(&id).expect("a known case");
            let (span, side) = case.split_once('/').expect("span/side");
            g.bench_function(BenchmarkId::new(span, side), |b| b.iter(&f));
        }
        g.finish();
    }
}

/// Thread counts of the `threads` group.
const THREADS: [usize; 2] = [1, 4];

/// Seconds for `threads` threads to call `f` `n` times each, all at once (from
/// when all have started to when the last has finished).
fn timed_threads(f: &(dyn Fn() + Sync), threads: usize, n: u64) -> f64 {
    let start = std::sync::Barrier::new(threads + 1);
    let mut t = None;
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                for _ in 0..n {
                    f();
                }
            });
        }
        start.wait();
        t = Some(std::time::Instant::now());
    });
    t.expect("set").elapsed().as_secs_f64()
}

/// The unsampled root agent, raw and aitrace, on 1 and 4 threads at once: the
/// time per span on each thread (shared counters and locks would show here).
fn threads_group(c: &mut Criterion) {
    let env = Env::for_case("unsampled/agent/aitrace").expect("a known case");
    let raw = &env.raw;
    let raw_f = || raw_agent(raw);
    let sides: [(&str, &(dyn Fn() + Sync)); 2] = [("raw", &raw_f), ("aitrace", &ai_agent)];
    let mut g = c.benchmark_group("threads");
    for threads in THREADS {
        for (side, f) in sides {
            g.bench_function(BenchmarkId::new(format!("agent_{threads}"), side), |b| {
                b.iter_custom(|n| Duration::from_secs_f64(timed_threads(f, threads, n)))
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = all_groups, threads_group
}

/// Runs one case `iterations` times without criterion, for instruction counts:
/// `AITRACE_BENCH_CASE=unsampled/agent/aitrace AITRACE_BENCH_ITERATIONS=100000
/// valgrind --tool=callgrind <bench binary>`. Returns false for an unknown case.
fn run_case(case: &str, iterations: u64) -> bool {
    if let Some(part) = case.strip_prefix("parts/") {
        return run_part(part, iterations);
    }
    let Some(env) = Env::for_case(case) else {
        return false;
    };
    let Some(f) = env.case(case) else {
        return false;
    };
    for _ in 0..iterations {
        f();
    }
    true
}

/// Pieces of the unsampled path, measured alone (instruction counts only).
fn run_part(part: &str, iterations: u64) -> bool {
    let _p = install(&provider(Sampler::AlwaysOff));
    let scope = opentelemetry::InstrumentationScope::builder("aitrace")
        .with_version("0")
        .build();
    match part {
        // What aitrace pays per span to reach the global provider.
        "global_tracer" => {
            for _ in 0..iterations {
                black_box(global::tracer_provider().tracer_with_scope(scope.clone()));
            }
        }
        // The attributes handed to the sampler of an unsampled agent span.
        "sampling_attributes" => {
            for _ in 0..iterations {
                let mut v = Vec::with_capacity(8);
                v.push(kv("ai.span.type", "agent"));
                v.push(kv("gen_ai.operation.name", "invoke_agent"));
                v.push(kv("gen_ai.agent.name", black_box("triage")));
                black_box(v);
            }
        }
        _ => return false,
    }
    true
}

fn main() {
    aitrace::set_enabled(true);
    aitrace::set_global_settings(aitrace::Settings::default());
    if let Ok(prefix) = std::env::var("AITRACE_BENCH_PAIRED") {
        paired_rows(&prefix);
        return;
    }
    if let Ok(case) = std::env::var("AITRACE_BENCH_CASE") {
        let iterations = std::env::var("AITRACE_BENCH_ITERATIONS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(100_000);
        assert!(run_case(&case, iterations), "unknown case {case}");
        return;
    }
    check_same_spans();
    benches();
    Criterion::default().configure_from_args().final_summary();
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
    let filtered = args.iter().skip(1).any(|a| !a.starts_with('-'));
    if benchmarking && !filtered {
        summary();
    }
}

// ---------------------------------------------------------------------------
// The summary: criterion's medians, and ratios measured in pairs.

fn summary() {
    println!();
    println!("| case | aitrace median (ns) | baseline median (ns) | ratio of medians | paired ratio | target |");
    println!("|---|---:|---:|---:|---:|---|");
    for (what, ai, base, target) in PAIRS {
        let (Some(a), Some(b)) = (median_ns(ai), median_ns(base)) else {
            continue;
        };
        let paired = pair_of(ai, base);
        let target = verdict(paired, *target);
        println!(
            "| {what} | {a:.0} | {b:.0} | {:.2}x | {paired:.2}x | {target} |",
            a / b
        );
    }
    threads_summary();
}

/// The paired ratios alone (no criterion run, no medians) of the summary rows
/// whose aitrace case starts with `prefix`: `AITRACE_BENCH_PAIRED=metrics/
/// <bench binary>` prints the `metrics on vs off` rows in seconds.
fn paired_rows(prefix: &str) {
    println!("| case | paired ratio | target |");
    println!("|---|---:|---|");
    for (what, ai, base, target) in PAIRS.iter().filter(|p| p.1.starts_with(prefix)) {
        let paired = pair_of(ai, base);
        println!("| {what} | {paired:.3}x | {} |", verdict(paired, *target));
    }
}

/// Whether `paired` meets `target`, as the summary says it.
fn verdict(paired: f64, target: Option<f64>) -> String {
    match target {
        Some(t) if paired <= t => format!("<= {t}x: met"),
        Some(t) => format!("<= {t}x: missed"),
        None => "-".to_string(),
    }
}

/// The paired ratio of summary row `ai` against `base`.
fn pair_of(ai: &str, base: &str) -> f64 {
    if ai.starts_with("metrics/") {
        return metrics_paired(ai, base);
    }
    let env = Env::for_case(ai).expect("a known group");
    let (fa, fb) = (
        env.case(ai).expect("a case"),
        env.case(base).expect("a case"),
    );
    paired(&fa, &fb)
}

/// The paired ratios of the `threads` group, after the summary rows.
fn threads_summary() {
    let env = Env::for_case("unsampled/agent/aitrace").expect("a known case");
    let raw = &env.raw;
    let raw_f = || raw_agent(raw);
    for threads in THREADS {
        let id = |side| format!("threads/agent_{threads}/{side}");
        let (Some(a), Some(b)) = (median_ns(&id("aitrace")), median_ns(&id("raw"))) else {
            continue;
        };
        let paired = support::paired_ratio(&|n| timed_threads(&ai_agent, threads, n), &|n| {
            timed_threads(&raw_f, threads, n)
        });
        let verdict = if paired <= 1.2 { "met" } else { "missed" };
        println!(
            "| unsampled agent (root dropped), {threads} thread(s) at once | {a:.0} | {b:.0} | {:.2}x | {paired:.2}x | <= 1.2x: {verdict} |",
            a / b
        );
    }
}

/// The paired ratio of a `metrics/…/on` case to its `…/off` case: the same span
/// code, with the instruments put in force before each batch of the `on` side
/// and taken away before each batch of the `off` side (outside the timed loop).
fn metrics_paired(on: &str, off: &str) -> f64 {
    let env = Env::for_case(on).expect("a known group");
    let f = env.case(on).expect("a case");
    assert!(env.case(off).is_some(), "{off}: a case");
    let provider = env.meters.as_ref().expect("metrics on");
    let instruments = aitrace::metrics::Instruments::from_provider(provider).with_bound_series();
    let ratio = support::paired_ratio(
        &|n| {
            aitrace::metrics::set_global_instruments(Some(instruments.clone()));
            support::timed(&f, n)
        },
        &|n| {
            aitrace::metrics::set_global_instruments(None);
            support::timed(&f, n)
        },
    );
    aitrace::metrics::set_global_instruments(None);
    ratio
}

/// The paired ratio of two cases (see `support::paired_ratio`).
fn paired(a: &dyn Fn(), b: &dyn Fn()) -> f64 {
    support::paired_ratio(&|n| support::timed(a, n), &|n| support::timed(b, n))
}
