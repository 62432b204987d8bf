//! Exact attributes, names and kinds of generation (model call) spans, in each
//! dialect configuration.

mod support;

use aitrace::{Dialects, ModelPrice, Operation, PriceTable, Settings, Usage};
use aitrace_sdk::testing::{attr_f64, by_name};
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use serde_json::json;
use support::{assert_attrs, configs, run, run_with, s, strings, Expect};

/// A model whose prices make every cost below a whole number of dollars, so that
/// costs compare exactly.
fn prices() -> PriceTable {
    let mut t = PriceTable::empty();
    t.insert(
        "test-model",
        ModelPrice::new(1_000_000.0, 2_000_000.0)
            .with_cache_read(500_000.0)
            .with_cache_write(1_500_000.0)
            .with_reasoning(4_000_000.0),
    );
    t
}

/// 1000 input tokens (200 read from the cache, 100 written to it), 500 output
/// tokens (50 of them reasoning).
fn usage() -> Usage {
    Usage::new(1000, 500)
        .with_cache_read(200)
        .with_cache_creation(100)
        .with_reasoning(50)
}

// At the prices above: input 700 * 1 + 200 * 0.5 + 100 * 1.5 = 950 USD,
// output 450 * 2 + 50 * 4 = 1100 USD.
const COST_INPUT: f64 = 950.0;
const COST_OUTPUT: f64 = 1100.0;
const COST_TOTAL: f64 = 2050.0;

fn full_call() {
    let mut g = aitrace::generation("anthropic", "test-model")
        .with_server("api.example.com", 8443)
        .with_max_tokens(256)
        .with_temperature(0.5)
        .with_top_p(0.9)
        .with_top_k(40)
        .with_seed(7)
        .with_frequency_penalty(0.25)
        .with_presence_penalty(0.75)
        .with_stop_sequences(["END", "STOP"])
        .with_messages_count(3)
        .start();
    g.record_response_model("test-model-2025-01-01");
    g.record_response_id("resp_123");
    g.record_finish_reasons(["stop", "length"]);
    g.record_usage(usage());
    g.record_input_messages(&json!([{"role": "user", "content": "hi"}]));
    g.record_system_instructions(&json!([{"type": "text", "content": "be brief"}]));
    g.record_output_messages(&json!([{"role": "assistant", "content": "hello"}]));
    g.end();
}

/// Everything `full_call` records, content aside.
fn full_expect(d: Dialects) -> Expect {
    Expect::span(d, "generation")
        .gen("gen_ai.operation.name", s("chat"))
        .gen("gen_ai.provider.name", s("anthropic"))
        .gen("gen_ai.request.model", s("test-model"))
        .gen("server.address", s("api.example.com"))
        .gen("server.port", Value::I64(8443))
        .ai("ai.provider", s("anthropic"))
        .ai("ai.model", s("test-model"))
        .ai("ai.operation", s("chat"))
        .kind("LLM")
        .oi("llm.provider", s("anthropic"))
        .oi("llm.model_name", s("test-model"))
        // request parameters
        .ai("ai.max_tokens", Value::I64(256))
        .gen("gen_ai.request.max_tokens", Value::I64(256))
        .ai("ai.temperature", Value::F64(0.5))
        .gen("gen_ai.request.temperature", Value::F64(0.5))
        .ai("ai.top_p", Value::F64(0.9))
        .gen("gen_ai.request.top_p", Value::F64(0.9))
        .gen("gen_ai.request.top_k", Value::F64(40.0))
        .gen("gen_ai.request.seed", Value::I64(7))
        .gen("gen_ai.request.frequency_penalty", Value::F64(0.25))
        .gen("gen_ai.request.presence_penalty", Value::F64(0.75))
        .gen("gen_ai.request.stop_sequences", strings(&["END", "STOP"]))
        .ai("ai.messages_count", Value::I64(3))
        .ai("ai.stream", Value::Bool(false))
        .gen("gen_ai.request.stream", Value::Bool(false))
        .json_when(
            d.openinference,
            "llm.invocation_parameters",
            json!({
                "max_tokens": 256, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
                "seed": 7, "frequency_penalty": 0.25, "presence_penalty": 0.75
            }),
        )
        // response
        .ai("ai.response.model", s("test-model-2025-01-01"))
        .gen("gen_ai.response.model", s("test-model-2025-01-01"))
        .ai("ai.response.id", s("resp_123"))
        .gen("gen_ai.response.id", s("resp_123"))
        .ai("ai.finish_reason", s("stop"))
        .gen(
            "gen_ai.response.finish_reasons",
            strings(&["stop", "length"]),
        )
        .oi("llm.finish_reason", s("stop"))
        // usage
        .ai("ai.prompt_tokens", Value::I64(1000))
        .ai("ai.completion_tokens", Value::I64(500))
        .ai("ai.total_tokens", Value::I64(1500))
        .gen("gen_ai.usage.input_tokens", Value::I64(1000))
        .gen("gen_ai.usage.output_tokens", Value::I64(500))
        .oi("llm.token_count.prompt", Value::I64(1000))
        .oi("llm.token_count.completion", Value::I64(500))
        .oi("llm.token_count.total", Value::I64(1500))
        .ai("ai.cache_read_tokens", Value::I64(200))
        .gen("gen_ai.usage.cache_read.input_tokens", Value::I64(200))
        .oi("llm.token_count.prompt_details.cache_read", Value::I64(200))
        .ai("ai.cache_creation_tokens", Value::I64(100))
        .gen("gen_ai.usage.cache_creation.input_tokens", Value::I64(100))
        .oi(
            "llm.token_count.prompt_details.cache_write",
            Value::I64(100),
        )
        .ai("ai.reasoning_tokens", Value::I64(50))
        .gen("gen_ai.usage.reasoning.output_tokens", Value::I64(50))
        .oi(
            "llm.token_count.completion_details.reasoning",
            Value::I64(50),
        )
        // cost (priced by the dated response model's base name)
        .ai("ai.cost_usd", Value::F64(COST_TOTAL))
        .ai("ai.cost_microcents", Value::I64(205_000_000_000))
        .gen("gen_ai.usage.cost", Value::F64(COST_TOTAL))
        .oi("llm.cost.total", Value::F64(COST_TOTAL))
        .oi("llm.cost.prompt", Value::F64(COST_INPUT))
        .oi("llm.cost.completion", Value::F64(COST_OUTPUT))
}

fn settings(d: Dialects, capture: bool) -> Settings {
    Settings::default()
        .with_dialects(d)
        .with_capture_content(capture)
        .with_prices(prices())
}

#[test]
fn generation_with_every_option_and_content_off() {
    for (label, d) in configs() {
        let spans = run_with(settings(d, false), full_call);
        let g = by_name(&spans, "chat test-model");
        assert_eq!(g.span_kind, SpanKind::Client, "{label}");
        assert_attrs(g, &full_expect(d));
    }
}

#[test]
fn generation_content_when_capture_is_on() {
    for (_, d) in configs() {
        let spans = run_with(settings(d, true), full_call);
        let (gen, oi) = (d.gen_ai, d.openinference);
        let input = json!([{"role": "user", "content": "hi"}]);
        let output = json!([{"role": "assistant", "content": "hello"}]);
        let expect = full_expect(d)
            .json_when(true, "ai.input", input.clone())
            .json_when(true, "ai.output", output.clone())
            .json_when(gen, "gen_ai.input.messages", input.clone())
            .json_when(gen, "gen_ai.output.messages", output.clone())
            .json_when(
                gen,
                "gen_ai.system_instructions",
                json!([{"type": "text", "content": "be brief"}]),
            )
            .json_when(oi, "input.value", input)
            .json_when(oi, "output.value", output)
            .when(oi, "input.mime_type", s("application/json"))
            .when(oi, "output.mime_type", s("application/json"));
        assert_attrs(by_name(&spans, "chat test-model"), &expect);
    }
}

#[test]
fn gen_ai_system_only_with_the_compatibility_switch() {
    let with = |gen_ai, openinference| Dialects {
        gen_ai,
        openinference,
        gen_ai_system_compat: true,
    };
    for d in [with(true, false), with(true, true), with(false, false)] {
        let spans = run_with(settings(d, false), full_call);
        let expect = full_expect(d).gen("gen_ai.system", s("anthropic"));
        assert_attrs(by_name(&spans, "chat test-model"), &expect);
    }
}

#[test]
fn minimal_generation_has_no_usage_or_cost() {
    for (_, d) in configs() {
        let spans = run(d, true, || {
            aitrace::generation("openai", "unpriced-model")
                .with_operation(Operation::TextCompletion)
                .start()
                .end();
        });
        let g = by_name(&spans, "text_completion unpriced-model");
        assert_eq!(g.span_kind, SpanKind::Client);
        let expect = Expect::span(d, "generation")
            .gen("gen_ai.operation.name", s("text_completion"))
            .gen("gen_ai.provider.name", s("openai"))
            .gen("gen_ai.request.model", s("unpriced-model"))
            .ai("ai.provider", s("openai"))
            .ai("ai.model", s("unpriced-model"))
            .ai("ai.operation", s("text_completion"))
            .kind("LLM")
            .oi("llm.provider", s("openai"))
            .oi("llm.model_name", s("unpriced-model"))
            .ai("ai.stream", Value::Bool(false))
            .gen("gen_ai.request.stream", Value::Bool(false))
            .json_when(d.openinference, "llm.invocation_parameters", json!({}));
        assert_attrs(g, &expect);
    }
}

#[test]
fn unpriced_model_gets_usage_but_no_cost() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            let mut g = aitrace::generation("mistral_ai", "unpriced-model")
                .with_operation(Operation::GenerateContent)
                .start();
            g.record_usage(Usage::new(10, 5));
            g.end();
        });
        let expect = Expect::span(d, "generation")
            .gen("gen_ai.operation.name", s("generate_content"))
            .gen("gen_ai.provider.name", s("mistral_ai"))
            .gen("gen_ai.request.model", s("unpriced-model"))
            .ai("ai.provider", s("mistral_ai"))
            .ai("ai.model", s("unpriced-model"))
            .ai("ai.operation", s("generate_content"))
            .kind("LLM")
            .oi("llm.provider", s("mistral_ai"))
            .oi("llm.model_name", s("unpriced-model"))
            .ai("ai.stream", Value::Bool(false))
            .gen("gen_ai.request.stream", Value::Bool(false))
            .json_when(d.openinference, "llm.invocation_parameters", json!({}))
            .ai("ai.prompt_tokens", Value::I64(10))
            .ai("ai.completion_tokens", Value::I64(5))
            .ai("ai.total_tokens", Value::I64(15))
            .gen("gen_ai.usage.input_tokens", Value::I64(10))
            .gen("gen_ai.usage.output_tokens", Value::I64(5))
            .oi("llm.token_count.prompt", Value::I64(10))
            .oi("llm.token_count.completion", Value::I64(5))
            .oi("llm.token_count.total", Value::I64(15));
        assert_attrs(by_name(&spans, "generate_content unpriced-model"), &expect);
    }
}

#[test]
fn streamed_generation_records_time_to_first_token() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            let mut g = aitrace::generation("openai", "unpriced-model")
                .streaming()
                .start();
            std::thread::sleep(std::time::Duration::from_millis(5));
            g.record_first_token();
            g.record_first_token(); // ignored
            g.end();
        });
        let g = by_name(&spans, "chat unpriced-model");
        let expect = Expect::span(d, "generation")
            .gen("gen_ai.operation.name", s("chat"))
            .gen("gen_ai.provider.name", s("openai"))
            .gen("gen_ai.request.model", s("unpriced-model"))
            .ai("ai.provider", s("openai"))
            .ai("ai.model", s("unpriced-model"))
            .ai("ai.operation", s("chat"))
            .kind("LLM")
            .oi("llm.provider", s("openai"))
            .oi("llm.model_name", s("unpriced-model"))
            .ai("ai.stream", Value::Bool(true))
            .gen("gen_ai.request.stream", Value::Bool(true))
            .json_when(
                d.openinference,
                "llm.invocation_parameters",
                json!({"stream": true}),
            )
            .any_f64_when(true, "ai.time_to_first_token_ms")
            .any_f64_when(d.gen_ai, "gen_ai.response.time_to_first_chunk");
        assert_attrs(g, &expect);
        let ms = attr_f64(g, "ai.time_to_first_token_ms").unwrap_or(-1.0);
        assert!(ms >= 5.0, "time to first token {ms} ms");
        if d.gen_ai {
            let secs = attr_f64(g, "gen_ai.response.time_to_first_chunk").unwrap_or(-1.0);
            assert_eq!(secs, ms / 1000.0);
        }
    }
}
