//! Custom spans: the name, kind and attributes chosen by the caller, plus
//! `ai.span.type` and the kind marker (`CHAIN` unless the caller gave an
//! `openinference.span.kind` of theirs), in each dialect configuration.

mod support;

use aitrace_sdk::testing::by_name;
use opentelemetry::trace::SpanKind;
use opentelemetry::{KeyValue, Value};
use support::{assert_attrs, configs, run, s, Expect};

#[test]
fn custom_span_defaults_to_internal() {
    for (label, d) in configs() {
        let spans = run(d, true, || aitrace::custom("rerank").start().end());
        let c = by_name(&spans, "rerank");
        assert_eq!(c.span_kind, SpanKind::Internal, "{label}");
        assert_attrs(c, &Expect::span(d, "custom").kind("CHAIN"));
    }
}

#[test]
fn a_kind_given_by_the_caller_is_kept() {
    for (label, d) in configs() {
        let spans = run(d, false, || {
            aitrace::custom("rerank")
                .with_attribute(KeyValue::new("openinference.span.kind", "RERANKER"))
                .start()
                .end()
        });
        let c = by_name(&spans, "rerank");
        assert_eq!(c.span_kind, SpanKind::Internal, "{label}");
        // Once, with the caller's value.
        assert_attrs(c, &Expect::span(d, "custom").kind("RERANKER"));
    }
}

#[test]
fn custom_span_with_kind_and_attributes() {
    let kinds = [
        ("custom internal", SpanKind::Internal),
        ("custom server", SpanKind::Server),
        ("custom client", SpanKind::Client),
        ("custom producer", SpanKind::Producer),
        ("custom consumer", SpanKind::Consumer),
    ];
    for (label, d) in configs() {
        let spans = run(d, false, || {
            for (name, kind) in kinds.clone() {
                let span = aitrace::custom(name)
                    .with_kind(kind)
                    .with_attribute(KeyValue::new("app.step", "rank"))
                    .with_attributes([
                        KeyValue::new("app.candidates", 50_i64),
                        KeyValue::new("app.exact", true),
                    ])
                    .start();
                span.set_attribute(KeyValue::new("app.kept", 5_i64));
                span.end();
            }
        });
        for (name, kind) in kinds.clone() {
            let c = by_name(&spans, name);
            assert_eq!(c.span_kind, kind, "{label} {name}");
            let expect = Expect::span(d, "custom")
                .kind("CHAIN")
                .ai("app.step", s("rank"))
                .ai("app.candidates", Value::I64(50))
                .ai("app.exact", Value::Bool(true))
                .ai("app.kept", Value::I64(5));
            assert_attrs(c, &expect);
        }
    }
}
