//! The attributes each span type hands to the sampler when it starts: the
//! sampling-relevant ones (operation, provider, model, server, agent and tool
//! names, a custom span's own attributes), and no others.
//!
//! This binary installs its own tracer provider, whose sampler records what it sees.

use aitrace::{Dialects, GuardrailType, Settings};
use aitrace_sdk::exporter::InMemoryExporter;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::trace::{Link, SpanKind, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::{SamplingDecision, SamplingResult, SdkTracerProvider, ShouldSample};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// What the sampler saw: per trace, the span names and their start attributes.
type Seen = Arc<Mutex<Vec<(TraceId, String, Vec<KeyValue>)>>>;

#[derive(Clone, Debug, Default)]
struct RecordingSampler {
    seen: Seen,
}

impl ShouldSample for RecordingSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        _span_kind: &SpanKind,
        attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).push((
            trace_id,
            name.to_string(),
            attributes.to_vec(),
        ));
        SamplingResult {
            decision: SamplingDecision::RecordAndSample,
            attributes: Vec::new(),
            trace_state: parent_context
                .map(|cx| cx.span().span_context().trace_state().clone())
                .unwrap_or_default(),
        }
    }
}

fn install() -> Seen {
    static SEEN: OnceLock<(Seen, SdkTracerProvider)> = OnceLock::new();
    SEEN.get_or_init(|| {
        let sampler = RecordingSampler::default();
        let seen = sampler.seen.clone();
        let provider = SdkTracerProvider::builder()
            .with_sampler(sampler)
            .with_simple_exporter(InMemoryExporter::with_capacity(10_000))
            .build();
        opentelemetry::global::set_tracer_provider(provider.clone());
        (seen, provider)
    })
    .0
    .clone()
}

/// Starts one span of every type under a new trace; returns, per span name, the
/// attributes the sampler saw.
fn sampled(d: Dialects) -> BTreeMap<String, BTreeMap<String, Value>> {
    let seen = install();
    let run = aitrace::trace("sampling")
        .with_settings(
            Settings::default()
                .with_dialects(d)
                .with_capture_content(true),
        )
        .with_conversation_id("conv-1")
        .new_root()
        .start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        aitrace::agent("triage")
            .with_id("a-1")
            .with_provider("openai")
            .with_model("gpt-4o")
            .start()
            .end();
        aitrace::generation("openai", "gpt-4o")
            .with_server("api.openai.com", 443)
            .with_temperature(0.3)
            .start()
            .end();
        aitrace::tool("search").with_call_id("c-1").start().end();
        aitrace::handoff("triage", "billing").start().end();
        aitrace::guardrail("pii")
            .with_type(GuardrailType::Input)
            .start()
            .end();
        aitrace::mcp_list_tools("fs")
            .with_session_id("s-1")
            .with_protocol_version("2025-06-18")
            .with_server("mcp.example.com", 8443)
            .start()
            .end();
        aitrace::embeddings("openai", "text-embedding-3-small")
            .with_server("api.openai.com", 443)
            .start()
            .end();
        aitrace::retrieval("kb").with_top_k(3).start().end();
        aitrace::speech_group().start().end();
        aitrace::transcription("openai", "stt")
            .with_audio_format("pcm16")
            .start()
            .end();
        aitrace::speech("openai", "tts").start().end();
        aitrace::custom("step")
            .with_kind(SpanKind::Producer)
            .with_attribute(KeyValue::new("app.queue", "jobs"))
            .with_attributes([KeyValue::new("app.priority", 2_i64)])
            .start()
            .end();
    });
    run.end();
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = BTreeMap::new();
    for (t, name, attrs) in seen.iter() {
        if *t == trace_id {
            let attrs = attrs
                .iter()
                .map(|kv| (kv.key.as_str().to_string(), kv.value.clone()))
                .collect();
            assert!(out.insert(name.clone(), attrs).is_none(), "{name} twice");
        }
    }
    out
}

fn s(v: &str) -> Value {
    Value::from(v.to_string())
}

/// The start attributes expected for each span, given the dialects.
fn expected(d: Dialects) -> BTreeMap<String, BTreeMap<String, Value>> {
    let g = d.gen_ai;
    let mut out = BTreeMap::new();
    let mut put =
        |name: &str, span_type: &str, gen: Vec<(&str, Value)>, own: Vec<(&str, Value)>| {
            let mut m = BTreeMap::new();
            m.insert("ai.span.type".to_string(), s(span_type));
            if g {
                m.extend(gen.into_iter().map(|(k, v)| (k.to_string(), v)));
            }
            m.extend(own.into_iter().map(|(k, v)| (k.to_string(), v)));
            out.insert(name.to_string(), m);
        };
    put(
        "invoke_workflow sampling",
        "workflow",
        vec![("gen_ai.operation.name", s("invoke_workflow"))],
        vec![],
    );
    put(
        "invoke_agent triage",
        "agent",
        vec![
            ("gen_ai.operation.name", s("invoke_agent")),
            ("gen_ai.agent.name", s("triage")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
        ],
        vec![],
    );
    put(
        "chat gpt-4o",
        "generation",
        vec![
            ("gen_ai.operation.name", s("chat")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("gpt-4o")),
            ("server.address", s("api.openai.com")),
            ("server.port", Value::I64(443)),
        ],
        vec![],
    );
    put(
        "execute_tool search",
        "tool",
        vec![
            ("gen_ai.operation.name", s("execute_tool")),
            ("gen_ai.tool.name", s("search")),
        ],
        vec![],
    );
    put(
        "execute_tool transfer_to_billing",
        "handoff",
        vec![
            ("gen_ai.operation.name", s("execute_tool")),
            ("gen_ai.tool.name", s("transfer_to_billing")),
        ],
        vec![],
    );
    put("apply_guardrail pii", "guardrail", vec![], vec![]);
    put(
        "tools/list",
        "mcp_list_tools",
        vec![
            ("mcp.method.name", s("tools/list")),
            ("server.address", s("mcp.example.com")),
            ("server.port", Value::I64(8443)),
        ],
        vec![],
    );
    put(
        "embeddings text-embedding-3-small",
        "embedding",
        vec![
            ("gen_ai.operation.name", s("embeddings")),
            ("gen_ai.provider.name", s("openai")),
            ("gen_ai.request.model", s("text-embedding-3-small")),
            ("server.address", s("api.openai.com")),
            ("server.port", Value::I64(443)),
        ],
        vec![],
    );
    put(
        "retrieval kb",
        "retrieval",
        vec![
            ("gen_ai.operation.name", s("retrieval")),
            ("gen_ai.data_source.id", s("kb")),
        ],
        vec![],
    );
    put("speech_group", "speech_group", vec![], vec![]);
    put("transcription stt", "transcription", vec![], vec![]);
    put("speech tts", "speech", vec![], vec![]);
    put(
        "step",
        "custom",
        vec![],
        vec![("app.queue", s("jobs")), ("app.priority", Value::I64(2))],
    );
    out
}

#[test]
fn samplers_see_exactly_the_sampling_attributes() {
    for d in [Dialects::AI_ONLY, Dialects::default(), Dialects::ALL] {
        assert_eq!(sampled(d), expected(d), "{d:?}");
    }
}
