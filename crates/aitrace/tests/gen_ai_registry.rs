//! Every `gen_ai.*` name aitrace defines or emits is in the pinned GenAI attribute
//! registry (`data/gen_ai_registry_names.txt`) or is a listed extension
//! (`data/gen_ai_extensions.txt`), and every extension is really missing from the
//! registry. The names of the general conventions the gen_ai dialect brings
//! (`server.*`, `mcp.*`, `user.id`, …) are the ones `data/gen_ai_general_names.txt`
//! lists, no more and no fewer.

use aitrace::{Dialects, GuardrailType, Settings, Usage};
use aitrace_sdk::testing::install_in_memory;
use std::collections::BTreeSet;

const GEN_AI_SOURCE: &str = include_str!("../src/attributes/gen_ai.rs");
const REGISTRY: &str = include_str!("../data/gen_ai_registry_names.txt");
const EXTENSIONS: &str = include_str!("../data/gen_ai_extensions.txt");
const GENERAL: &str = include_str!("../data/gen_ai_general_names.txt");

/// Constants of `gen_ai.rs` that name attributes not set on spans (none yet).
const NOT_ON_SPANS: &[&str] = &[];

/// The names of a list file: one per line, `#` comments and blank lines skipped.
fn names(file: &str, what: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in file.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let general = what == "general";
        assert!(
            line.starts_with("gen_ai.") != general
                && line
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'),
            "{what}: not an attribute name: {line:?}"
        );
        assert!(out.insert(line.to_string()), "{what}: {line} listed twice");
    }
    out
}

fn registry() -> BTreeSet<String> {
    let r = names(REGISTRY, "registry");
    assert!(r.len() >= 40, "registry list looks truncated: {}", r.len());
    assert!(r.contains("gen_ai.operation.name"));
    r
}

fn extensions() -> BTreeSet<String> {
    names(EXTENSIONS, "extensions")
}

fn general() -> BTreeSet<String> {
    let g = names(GENERAL, "general");
    assert!(g.contains("server.address") && g.contains("user.id"));
    g
}

/// An attribute-name constant of `gen_ai.rs`: its value, and whether its doc calls
/// it an extension.
struct Constant {
    value: String,
    marked_extension: bool,
}

/// The general (not `gen_ai.*`) attribute names `gen_ai.rs` defines: its
/// `pub const X: &str = "a.b";` outside the `operation` and `mcp_method` value
/// modules, which name values, not attributes.
fn general_constants() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_values = false;
    for line in GEN_AI_SOURCE.lines() {
        if line.starts_with("pub mod ") {
            in_values = true;
        } else if line.starts_with('}') {
            in_values = false;
        }
        let line = line.trim();
        if in_values || !line.starts_with("pub const ") {
            continue;
        }
        if let Some((_, rest)) = line.split_once(": &str = \"") {
            if let Some((value, _)) = rest.split_once('"') {
                if !value.starts_with("gen_ai.") && value.contains('.') {
                    out.insert(value.to_string());
                }
            }
        }
    }
    out
}

/// Every `pub const X: &str = "gen_ai...";` of `gen_ai.rs`.
fn constants() -> Vec<Constant> {
    let mut out = Vec::new();
    let mut doc = String::new();
    for line in GEN_AI_SOURCE.lines().map(str::trim) {
        if let Some(d) = line.strip_prefix("///") {
            doc.push_str(d);
            continue;
        }
        if line.starts_with("pub const ") {
            if let Some((_, rest)) = line.split_once(": &str = \"") {
                if let Some((value, _)) = rest.split_once('"') {
                    if value.starts_with("gen_ai.") {
                        out.push(Constant {
                            value: value.to_string(),
                            marked_extension: doc.contains("*Extension*"),
                        });
                    }
                }
            }
        }
        doc.clear();
    }
    assert!(
        out.len() >= 40,
        "gen_ai.rs parsed to only {} constants",
        out.len()
    );
    assert!(out.iter().any(|c| c.value == "gen_ai.provider.name"));
    out
}

/// Every span type with every option, in all dialects with content capture and
/// the `gen_ai.system` switch on; returns the `gen_ai.*` keys of all its spans.
fn emitted_gen_ai_keys() -> BTreeSet<String> {
    let dialects = Dialects {
        gen_ai_system_compat: true,
        ..Dialects::ALL
    };
    emitted_keys(dialects)
        .into_iter()
        .filter(|k| k.starts_with("gen_ai."))
        .collect()
}

/// Every span type with every option and a failed tool, with `dialects` and content
/// capture on; returns the keys of all its spans.
fn emitted_keys(dialects: Dialects) -> BTreeSet<String> {
    let exporter = install_in_memory();
    let run = aitrace::trace("registry_check")
        .with_settings(
            Settings::default()
                .with_dialects(dialects)
                .with_capture_content(true),
        )
        .with_conversation_id("conv-1")
        .with_user_id("user-1")
        .with_tenant_id("tenant-1")
        .with_group_id("group-1")
        .with_metadata("k", "v")
        .new_root()
        .start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        let agent = aitrace::agent("triage")
            .with_provider("openai")
            .with_model("gpt-4o")
            .with_id("a-1")
            .with_tools(["search"])
            .with_handoffs(["billing"])
            .with_output_type("text")
            .start();
        agent.in_scope(|| {
            let mut g = aitrace::generation("openai", "gpt-4o")
                .with_server("api.openai.com", 443)
                .with_max_tokens(100)
                .with_temperature(0.1)
                .with_top_p(0.5)
                .with_top_k(3)
                .with_seed(1)
                .with_frequency_penalty(0.1)
                .with_presence_penalty(0.1)
                .with_stop_sequences(["END"])
                .with_messages_count(2)
                .streaming()
                .start();
            g.record_first_token();
            g.record_response_model("gpt-4o-2024-08-06");
            g.record_response_id("r-1");
            g.record_finish_reasons(["stop"]);
            g.record_usage(
                Usage::new(100, 50)
                    .with_cache_read(10)
                    .with_cache_creation(5)
                    .with_reasoning(7),
            );
            g.record_input_messages(&serde_json::json!([{"role": "user"}]));
            g.record_system_instructions(&"be brief");
            g.record_output_messages(&serde_json::json!([{"role": "assistant"}]));
            g.end();

            let t = aitrace::tool("search")
                .with_call_id("c-1")
                .with_type("function")
                .with_description("searches")
                .start();
            t.record_arguments(&serde_json::json!({"q": "x"}));
            t.record_result(&serde_json::json!(["y"]));
            t.end();

            let failed = aitrace::tool("lookup").start();
            failed.end_with_error(&std::io::Error::other("down"));

            let mut e = aitrace::embeddings("openai", "text-embedding-3-small")
                .with_server("api.openai.com", 443)
                .start();
            e.record_dimensions(8);
            e.record_usage(4);
            e.end();

            let r = aitrace::retrieval("kb").with_top_k(2).start();
            r.record_query("q");
            r.record_documents(&serde_json::json!([{"id": "d", "score": 1.0}]));
            r.record_documents_count(1);
            r.end();

            let m = aitrace::mcp_list_tools("fs")
                .with_session_id("s")
                .with_protocol_version("2025-06-18")
                .with_transport(aitrace::NetworkTransport::Pipe)
                .with_server("mcp.example.com", 8443)
                .start();
            m.record_tools(["read"]);
            m.end();

            let gr = aitrace::guardrail("pii")
                .with_type(GuardrailType::Input)
                .start();
            gr.trip("email");
            gr.end();

            let group = aitrace::speech_group().start();
            group.in_scope(|| {
                let stt = aitrace::transcription("openai", "stt")
                    .with_audio_format("pcm16")
                    .with_sample_rate(16_000)
                    .start();
                stt.record_audio_duration_ms(10.0);
                stt.record_output_text("hi");
                stt.end();
                let tts = aitrace::speech("openai", "tts")
                    .with_audio_format("mp3")
                    .with_sample_rate(24_000)
                    .start();
                tts.record_input_text("hello");
                tts.record_audio_duration_ms(20.0);
                tts.end();
            });
            group.end();

            aitrace::custom("step")
                .with_attribute(opentelemetry::KeyValue::new("app.x", 1_i64))
                .start()
                .end();

            let h = aitrace::handoff("triage", "billing").start();
            h.in_scope(|| aitrace::agent("billing").start().end());
            h.end();
        });
        agent.end();
    });
    run.end();

    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 15, "one span per call above");
    let types: BTreeSet<String> = spans
        .iter()
        .filter_map(|s| aitrace_sdk::testing::attr_str(s, "ai.span.type"))
        .map(str::to_string)
        .collect();
    let all_types = [
        "workflow",
        "agent",
        "generation",
        "tool",
        "handoff",
        "guardrail",
        "mcp_list_tools",
        "embedding",
        "retrieval",
        "transcription",
        "speech",
        "speech_group",
        "custom",
    ];
    assert_eq!(
        types,
        all_types
            .iter()
            .map(|t| t.to_string())
            .collect::<BTreeSet<_>>()
    );
    spans
        .iter()
        .flat_map(|s| s.attributes.iter())
        .map(|kv| kv.key.as_str().to_string())
        .collect()
}

#[test]
fn extensions_are_not_in_the_registry_and_are_defined_in_gen_ai_rs() {
    let registry = registry();
    let defined: BTreeSet<String> = constants().into_iter().map(|c| c.value).collect();
    let extensions = extensions();
    assert!(!extensions.is_empty());
    for name in &extensions {
        assert!(
            !registry.contains(name),
            "{name} is in the registry now: remove it from gen_ai_extensions.txt"
        );
        assert!(
            defined.contains(name),
            "{name} is listed as an extension but gen_ai.rs does not define it"
        );
    }
}

#[test]
fn every_gen_ai_constant_is_registered_or_a_listed_extension() {
    let registry = registry();
    let extensions = extensions();
    for c in constants() {
        assert!(
            registry.contains(&c.value) || extensions.contains(&c.value),
            "{} is neither in the registry nor in gen_ai_extensions.txt",
            c.value
        );
        if c.marked_extension {
            assert!(
                extensions.contains(&c.value),
                "{} is documented as an extension but not listed in gen_ai_extensions.txt",
                c.value
            );
        }
    }
}

#[test]
fn every_emitted_gen_ai_key_is_registered_or_a_listed_extension() {
    let registry = registry();
    let extensions = extensions();
    let emitted = emitted_gen_ai_keys();
    let unknown: Vec<&String> = emitted
        .iter()
        .filter(|k| !registry.contains(*k) && !extensions.contains(*k))
        .collect();
    assert!(unknown.is_empty(), "unregistered gen_ai keys: {unknown:?}");

    // The run is complete: it emits every name gen_ai.rs defines (so the check
    // above covers them all), and nothing gen_ai.rs does not define.
    let defined: BTreeSet<String> = constants().into_iter().map(|c| c.value).collect();
    let not_emitted: Vec<&String> = defined
        .iter()
        .filter(|k| !emitted.contains(*k) && !NOT_ON_SPANS.contains(&k.as_str()))
        .collect();
    assert!(
        not_emitted.is_empty(),
        "defined but never emitted: {not_emitted:?}"
    );
    let undefined: Vec<&String> = emitted.iter().filter(|k| !defined.contains(*k)).collect();
    assert!(
        undefined.is_empty(),
        "emitted without a constant: {undefined:?}"
    );
}

#[test]
fn the_general_names_of_the_gen_ai_dialect_are_the_listed_ones() {
    let general = general();
    assert_eq!(
        general_constants(),
        general,
        "the general names gen_ai.rs defines and gen_ai_general_names.txt lists differ"
    );
    // With the gen_ai dialect only (the default), every key that is not aitrace's
    // own, not gen_ai.*, not the OpenInference names emitted whatever the dialects
    // and not the test's own attribute is a listed general name, and every listed
    // name is emitted.
    let always = [
        "openinference.span.kind",
        "input.value",
        "input.mime_type",
        "output.value",
        "output.mime_type",
    ];
    let emitted: BTreeSet<String> = emitted_keys(Dialects::default())
        .into_iter()
        .filter(|k| {
            !k.starts_with("ai.")
                && !k.starts_with("gen_ai.")
                && !k.starts_with("app.")
                && !always.contains(&k.as_str())
        })
        .collect();
    assert_eq!(emitted, general);
}
