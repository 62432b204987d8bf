//! Exact attributes, names and kinds of tool and handoff spans, in each dialect
//! configuration; the target agent of a handoff nests under it.

mod support;

use aitrace::Dialects;
use aitrace_sdk::testing::{by_name, tree_shape};
use opentelemetry::trace::{SpanKind, Status};
use serde_json::json;
use support::{assert_attrs, configs, run, s, Expect};

fn tool_expect(d: Dialects) -> Expect {
    Expect::span(d, "tool")
        .gen("gen_ai.operation.name", s("execute_tool"))
        .gen("gen_ai.tool.name", s("get_weather"))
        .ai("ai.tool.name", s("get_weather"))
        .oi("tool.name", s("get_weather"))
        .kind("TOOL")
        .ai("ai.tool.call_id", s("call_1"))
        .gen("gen_ai.tool.call.id", s("call_1"))
        .oi("tool.id", s("call_1"))
        .ai("ai.tool.type", s("function"))
        .gen("gen_ai.tool.type", s("function"))
        .ai("ai.tool.description", s("Current weather"))
        .gen("gen_ai.tool.description", s("Current weather"))
        .oi("tool.description", s("Current weather"))
}

fn tool_call() {
    let tool = aitrace::tool("get_weather")
        .with_call_id("call_1")
        .with_type("function")
        .with_description("Current weather")
        .start();
    tool.record_arguments(&json!({"city": "Paris"}));
    tool.record_result(&json!({"celsius": 21}));
    tool.end();
}

#[test]
fn tool_span_without_content_capture() {
    for (label, d) in configs() {
        let spans = run(d, false, tool_call);
        let tool = by_name(&spans, "execute_tool get_weather");
        assert_eq!(tool.span_kind, SpanKind::Internal, "{label}");
        assert_attrs(tool, &tool_expect(d));
    }
}

#[test]
fn tool_span_with_content_capture() {
    for (_, d) in configs() {
        let spans = run(d, true, tool_call);
        let (args, result) = (json!({"city": "Paris"}), json!({"celsius": 21}));
        let expect = tool_expect(d)
            .json_when(true, "ai.tool.input", args.clone())
            .json_when(true, "ai.tool.output", result.clone())
            .json_when(d.gen_ai, "gen_ai.tool.call.arguments", args.clone())
            .json_when(d.gen_ai, "gen_ai.tool.call.result", result.clone())
            .json_when(d.openinference, "input.value", args)
            .json_when(d.openinference, "output.value", result);
        assert_attrs(by_name(&spans, "execute_tool get_weather"), &expect);
    }
}

fn handoff_expect(d: Dialects) -> Expect {
    Expect::span(d, "handoff")
        .gen("gen_ai.operation.name", s("execute_tool"))
        .gen("gen_ai.tool.name", s("transfer_to_billing"))
        .ai("ai.handoff.from_agent", s("triage"))
        .ai("ai.handoff.to_agent", s("billing"))
        .gen("gen_ai.agent.handoff.source.name", s("triage"))
        .gen("gen_ai.agent.handoff.target.name", s("billing"))
        .kind("TOOL")
        .oi("input.value", s("triage"))
        .oi("output.value", s("billing"))
}

#[test]
fn handoff_span_attributes_and_the_target_agent_nested_under_it() {
    for capture in [false, true] {
        for (label, d) in configs() {
            let spans = run(d, capture, || {
                let triage = aitrace::agent("triage").start();
                let handoff = triage.in_scope(|| aitrace::handoff("triage", "billing").start());
                let billing = handoff.in_scope(|| aitrace::agent("billing").start());
                billing.end();
                handoff.end();
                triage.end();
            });
            assert_eq!(
                tree_shape(&spans),
                "invoke_workflow attribute_checks\n  invoke_agent triage\n    execute_tool transfer_to_billing\n      invoke_agent billing\n",
                "{label}"
            );
            let handoff = by_name(&spans, "execute_tool transfer_to_billing");
            assert_eq!(handoff.span_kind, SpanKind::Internal, "{label}");
            assert_eq!(handoff.status, Status::Unset, "{label}");
            // Agent names are not content: the same with capture on or off.
            assert_attrs(handoff, &handoff_expect(d));
            let billing = by_name(&spans, "invoke_agent billing");
            assert_eq!(
                billing.parent_span_id,
                handoff.span_context.span_id(),
                "{label}"
            );
            let triage = by_name(&spans, "invoke_agent triage");
            assert_eq!(
                handoff.parent_span_id,
                triage.span_context.span_id(),
                "{label}"
            );
        }
    }
}

#[test]
fn handoff_context_as_explicit_parent() {
    let spans = run(Dialects::default(), false, || {
        let handoff = aitrace::handoff("triage", "refunds").start();
        let cx = handoff.context().clone();
        aitrace::agent("refunds").child_of(&cx).start().end();
        handoff.end();
    });
    let handoff = by_name(&spans, "execute_tool transfer_to_refunds");
    let refunds = by_name(&spans, "invoke_agent refunds");
    assert_eq!(refunds.parent_span_id, handoff.span_context.span_id());
}

#[test]
fn handoff_with_the_models_call_id() {
    for (_, d) in configs() {
        let spans = run(d, false, || {
            aitrace::handoff("triage", "billing")
                .with_call_id("call_9")
                .start()
                .end();
        });
        let expect = handoff_expect(d)
            .ai("ai.tool.call_id", s("call_9"))
            .gen("gen_ai.tool.call.id", s("call_9"))
            .oi("tool.id", s("call_9"));
        assert_attrs(by_name(&spans, "execute_tool transfer_to_billing"), &expect);
    }
}
