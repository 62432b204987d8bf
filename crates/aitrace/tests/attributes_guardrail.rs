//! Exact attributes, names and kinds of guardrail spans, tripped and passed, in
//! each dialect configuration. A tripped guardrail is not an error.

mod support;

use aitrace::{Dialects, GuardrailType};
use aitrace_sdk::testing::by_name;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use support::{assert_attrs, configs, run, s, Expect};

fn base(d: Dialects, name: &str) -> Expect {
    Expect::span(d, "guardrail")
        .ai("ai.guardrail.name", s(name))
        .gen("gen_ai.guardrail.component.name", s(name))
        .kind("GUARDRAIL")
}

#[test]
fn tripped_guardrail_records_the_reason_and_is_not_an_error() {
    for (label, d) in configs() {
        let spans = run(d, false, || {
            let g = aitrace::guardrail("pii_check")
                .with_type(GuardrailType::Input)
                .start();
            g.trip("email address in prompt");
            g.end();
        });
        let g = by_name(&spans, "apply_guardrail pii_check");
        assert_eq!(g.span_kind, SpanKind::Internal, "{label}");
        assert_eq!(g.status, Status::Unset, "{label}");
        assert!(g.events.is_empty(), "{label}: no exception event");
        let expect = base(d, "pii_check")
            .ai("ai.guardrail.type", s("input"))
            .gen("gen_ai.guardrail.source", s("input"))
            .ai("ai.guardrail.triggered", Value::Bool(true))
            .gen("gen_ai.guardrail.result.type", s("tripwire_triggered"))
            .gen("gen_ai.guardrail.result.value", Value::Bool(true))
            .ai("ai.guardrail.reason", s("email address in prompt"))
            .gen(
                "gen_ai.guardrail.result.reason",
                s("email address in prompt"),
            );
        assert_attrs(g, &expect);
    }
}

#[test]
fn passed_guardrail_records_no_reason() {
    for (label, d) in configs() {
        let spans = run(d, false, || {
            let g = aitrace::guardrail("toxicity")
                .with_type(GuardrailType::Output)
                .start();
            g.pass();
            g.end();
        });
        let g = by_name(&spans, "apply_guardrail toxicity");
        assert_eq!(g.status, Status::Unset, "{label}");
        let expect = base(d, "toxicity")
            .ai("ai.guardrail.type", s("output"))
            .gen("gen_ai.guardrail.source", s("output"))
            .ai("ai.guardrail.triggered", Value::Bool(false))
            .gen("gen_ai.guardrail.result.type", s("passed"))
            .gen("gen_ai.guardrail.result.value", Value::Bool(false));
        assert_attrs(g, &expect);
    }
}

#[test]
fn record_result_with_a_reason_for_passing() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            let g = aitrace::guardrail("args_schema")
                .with_type(GuardrailType::ToolInput)
                .start();
            g.record_result(false, Some("arguments match the schema"));
            g.end();
        });
        let expect = base(d, "args_schema")
            .ai("ai.guardrail.type", s("tool_input"))
            .gen("gen_ai.guardrail.source", s("tool_input"))
            .ai("ai.guardrail.triggered", Value::Bool(false))
            .gen("gen_ai.guardrail.result.type", s("passed"))
            .gen("gen_ai.guardrail.result.value", Value::Bool(false))
            .ai("ai.guardrail.reason", s("arguments match the schema"))
            .gen(
                "gen_ai.guardrail.result.reason",
                s("arguments match the schema"),
            );
        assert_attrs(by_name(&spans, "apply_guardrail args_schema"), &expect);
    }
}

#[test]
fn guardrail_without_type_or_result() {
    for (_, d) in configs() {
        let spans = run(d, false, || aitrace::guardrail("bare").start().end());
        assert_attrs(by_name(&spans, "apply_guardrail bare"), &base(d, "bare"));
    }
}

#[test]
fn guardrail_type_names() {
    assert_eq!(GuardrailType::Input.as_str(), "input");
    assert_eq!(GuardrailType::Output.as_str(), "output");
    assert_eq!(GuardrailType::ToolInput.as_str(), "tool_input");
    assert_eq!(GuardrailType::ToolOutput.as_str(), "tool_output");
    let spans = run(Dialects::default(), false, || {
        aitrace::guardrail("result_check")
            .with_type(GuardrailType::ToolOutput)
            .start()
            .end();
    });
    let expect = base(Dialects::default(), "result_check")
        .ai("ai.guardrail.type", s("tool_output"))
        .gen("gen_ai.guardrail.source", s("tool_output"));
    assert_attrs(by_name(&spans, "apply_guardrail result_check"), &expect);
}
