//! Exact attributes, names and kinds of embeddings and retrieval spans, in each
//! dialect configuration.

mod support;

use aitrace::{Dialects, ModelPrice, PriceTable, Settings};
use aitrace_sdk::testing::by_name;
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use serde_json::json;
use support::{assert_attrs, configs, run, run_with, s, Expect};

fn embedding_base(d: Dialects, provider: &str, model: &str) -> Expect {
    Expect::span(d, "embedding")
        .gen("gen_ai.operation.name", s("embeddings"))
        .gen("gen_ai.provider.name", s(provider))
        .gen("gen_ai.request.model", s(model))
        .ai("ai.provider", s(provider))
        .ai("ai.model", s(model))
        .kind("EMBEDDING")
        .oi("embedding.model_name", s(model))
}

#[test]
fn priced_embeddings_with_usage_dimensions_and_server() {
    // One dollar per input token, so that the cost compares exactly; output
    // prices must not count.
    let mut prices = PriceTable::empty();
    prices.insert("emb-model", ModelPrice::new(1_000_000.0, 9_000_000.0));
    for (label, d) in configs() {
        let settings = Settings::default()
            .with_dialects(d)
            .with_prices(prices.clone());
        let spans = run_with(settings, || {
            let mut e = aitrace::embeddings("openai", "emb-model")
                .with_server("api.example.com", 443)
                .start();
            e.record_dimensions(1536);
            e.record_usage(10);
            e.record_usage(42); // replaces
            e.end();
        });
        let e = by_name(&spans, "embeddings emb-model");
        assert_eq!(e.span_kind, SpanKind::Client, "{label}");
        let expect = embedding_base(d, "openai", "emb-model")
            .gen("server.address", s("api.example.com"))
            .gen("server.port", Value::I64(443))
            .ai("ai.embedding.dimensions", Value::I64(1536))
            .gen("gen_ai.embeddings.dimension.count", Value::I64(1536))
            .ai("ai.prompt_tokens", Value::I64(42))
            .gen("gen_ai.usage.input_tokens", Value::I64(42))
            .oi("llm.token_count.prompt", Value::I64(42))
            .ai("ai.cost_usd", Value::F64(42.0))
            .ai("ai.cost_microcents", Value::I64(4_200_000_000))
            .gen("gen_ai.usage.cost", Value::F64(42.0))
            .oi("llm.cost.total", Value::F64(42.0))
            .oi("llm.cost.prompt", Value::F64(42.0));
        assert_attrs(e, &expect);
    }
}

#[test]
fn bundled_openai_embeddings_cost_their_documented_rates() {
    // docs/pricing.md: text-embedding-3-small 0.02 and text-embedding-3-large
    // 0.13 USD per million input tokens.
    for (model, tokens, usd, microcents) in [
        ("text-embedding-3-small", 1_000_000, 0.02, 2_000_000),
        ("text-embedding-3-large", 500_000, 0.065, 6_500_000),
    ] {
        let settings = Settings::default().with_prices(PriceTable::bundled().clone());
        let spans = run_with(settings, || {
            let mut e = aitrace::embeddings("openai", model).start();
            e.record_usage(tokens);
            e.end();
        });
        let e = by_name(&spans, &format!("embeddings {model}"));
        let attr = |k: &str| e.attributes.iter().find(|kv| kv.key.as_str() == k);
        match attr("ai.cost_usd").map(|kv| &kv.value) {
            Some(Value::F64(c)) => assert!((c - usd).abs() < 1e-12, "{model}: {c}"),
            other => panic!("{model}: ai.cost_usd is {other:?}"),
        }
        assert_eq!(
            attr("ai.cost_microcents").map(|kv| kv.value.clone()),
            Some(Value::I64(microcents)),
            "{model}"
        );
    }
}

#[test]
fn unpriced_embeddings_get_usage_but_no_cost() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            let mut e = aitrace::embeddings("cohere", "unpriced-embed").start();
            e.record_usage(7);
            e.end();
        });
        let expect = embedding_base(d, "cohere", "unpriced-embed")
            .ai("ai.prompt_tokens", Value::I64(7))
            .gen("gen_ai.usage.input_tokens", Value::I64(7))
            .oi("llm.token_count.prompt", Value::I64(7));
        assert_attrs(by_name(&spans, "embeddings unpriced-embed"), &expect);
    }
}

#[test]
fn embeddings_without_usage() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            aitrace::embeddings("cohere", "bare-embed").start().end();
        });
        let expect = embedding_base(d, "cohere", "bare-embed");
        assert_attrs(by_name(&spans, "embeddings bare-embed"), &expect);
    }
}

#[test]
fn embeddings_emit_gen_ai_system_only_with_the_switch() {
    let d = Dialects {
        gen_ai_system_compat: true,
        ..Dialects::default()
    };
    let spans = run(d, false, || {
        aitrace::embeddings("cohere", "compat-embed").start().end();
    });
    let expect = embedding_base(d, "cohere", "compat-embed").gen("gen_ai.system", s("cohere"));
    assert_attrs(by_name(&spans, "embeddings compat-embed"), &expect);
}

fn retrieval_base(d: Dialects, source: &str) -> Expect {
    Expect::span(d, "retrieval")
        .gen("gen_ai.operation.name", s("retrieval"))
        .gen("gen_ai.data_source.id", s(source))
        .ai("ai.retrieval.source", s(source))
        .kind("RETRIEVER")
}

fn search() {
    let r = aitrace::retrieval("kb_articles").with_top_k(5).start();
    r.record_query("reset my password");
    r.record_documents(&json!([{"id": "doc_1", "score": 0.5}]));
    r.record_documents_count(1);
    r.end();
}

#[test]
fn retrieval_without_content_capture() {
    for (label, d) in configs() {
        let spans = run(d, false, search);
        let r = by_name(&spans, "retrieval kb_articles");
        assert_eq!(r.span_kind, SpanKind::Client, "{label}");
        let expect = retrieval_base(d, "kb_articles")
            .ai("ai.retrieval.top_k", Value::I64(5))
            // a double, as the registry types it (and as on generation spans)
            .gen("gen_ai.request.top_k", Value::F64(5.0))
            .ai("ai.retrieval.documents_count", Value::I64(1));
        assert_attrs(r, &expect);
    }
}

#[test]
fn retrieval_with_content_capture() {
    for (_, d) in configs() {
        let spans = run(d, true, search);
        let docs = json!([{"id": "doc_1", "score": 0.5}]);
        let expect = retrieval_base(d, "kb_articles")
            .ai("ai.retrieval.top_k", Value::I64(5))
            // a double, as the registry types it (and as on generation spans)
            .gen("gen_ai.request.top_k", Value::F64(5.0))
            .ai("ai.retrieval.documents_count", Value::I64(1))
            // ai.input is JSON like every content attribute; the query text
            // attributes hold the plain text.
            .ai("ai.input", s("\"reset my password\""))
            .gen("gen_ai.retrieval.query.text", s("reset my password"))
            .oi("input.value", s("reset my password"))
            .json_when(true, "ai.output", docs.clone())
            .json_when(d.gen_ai, "gen_ai.retrieval.documents", docs.clone())
            .json_when(d.openinference, "output.value", docs)
            .oi("output.mime_type", s("application/json"));
        assert_attrs(by_name(&spans, "retrieval kb_articles"), &expect);
    }
}

#[test]
fn retrieval_with_a_source_only() {
    for (_, d) in configs() {
        let spans = run(d, true, || aitrace::retrieval("web").start().end());
        assert_attrs(by_name(&spans, "retrieval web"), &retrieval_base(d, "web"));
    }
}
