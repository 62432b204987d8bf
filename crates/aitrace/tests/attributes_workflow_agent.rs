//! Exact attributes, names and kinds of workflow (trace) and agent spans, in each
//! dialect configuration.

mod support;

use aitrace::{Dialects, Settings};
use aitrace_sdk::testing::{by_name, install_in_memory};
use opentelemetry::trace::SpanKind;
use opentelemetry::KeyValue;
use serde_json::json;
use support::{assert_attrs, configs, run, s, strings, Expect};

/// What the workflow of `workflow_span_carries_its_own_and_the_inherited_attributes`
/// hands down to every span below it.
/// The conversation is also `session.id` and the user `user.id` (the names MLflow,
/// Langfuse and Phoenix read), once, with the gen_ai or the OpenInference dialect.
fn inherited(d: Dialects, span_type: &str) -> Expect {
    Expect::bare(d)
        .ai("ai.span.type", s(span_type))
        .ai("ai.workflow.name", s("support"))
        .gen("gen_ai.workflow.name", s("support"))
        .ai("ai.conversation.id", s("conv-9"))
        .gen("gen_ai.conversation.id", s("conv-9"))
        .shared("session.id", s("conv-9"))
        .ai("ai.user.id", s("user-3"))
        .shared("user.id", s("user-3"))
        .ai("ai.tenant.id", s("acme"))
        .ai("ai.group.id", s("group-1"))
        .ai("deployment.region", s("eu-west"))
}

#[test]
fn workflow_span_carries_its_own_and_the_inherited_attributes() {
    let exporter = install_in_memory();
    for (label, d) in configs() {
        let run = aitrace::trace("support")
            .with_settings(Settings::default().with_dialects(d))
            .with_conversation_id("conv-9")
            .with_user_id("user-3")
            .with_tenant_id("acme")
            .with_group_id("group-1")
            .with_metadata("channel", "web")
            .with_metadata("plan", "pro")
            .inherit(KeyValue::new("deployment.region", "eu-west"))
            .new_root()
            .start();
        let trace_id = run.trace_id();
        run.in_scope(|| aitrace::agent("triage").start().end());
        run.end();
        let spans = exporter.spans_of_trace(trace_id);
        assert_eq!(spans.len(), 2, "{label}");

        let wf = by_name(&spans, "invoke_workflow support");
        assert_eq!(wf.span_kind, SpanKind::Internal, "{label}");
        let expect = inherited(d, "workflow")
            .gen("gen_ai.operation.name", s("invoke_workflow"))
            .ai("ai.metadata.channel", s("web"))
            .ai("ai.metadata.plan", s("pro"))
            .kind("CHAIN")
            .json_when(
                d.openinference,
                "metadata",
                json!({"channel": "web", "plan": "pro"}),
            );
        assert_attrs(wf, &expect);

        // Everything but the metadata reaches the spans below.
        let agent = by_name(&spans, "invoke_agent triage");
        assert_eq!(agent.parent_span_id, wf.span_context.span_id(), "{label}");
        let expect = inherited(d, "agent")
            .gen("gen_ai.operation.name", s("invoke_agent"))
            .gen("gen_ai.agent.name", s("triage"))
            .ai("ai.agent.name", s("triage"))
            .kind("AGENT")
            .oi("agent.name", s("triage"));
        assert_attrs(agent, &expect);
    }
}

#[test]
fn workflow_span_without_options_has_only_its_name_and_type() {
    for (_, d) in configs() {
        let spans = run(d, false, || {});
        assert_eq!(spans.len(), 1);
        let wf = by_name(&spans, "invoke_workflow attribute_checks");
        let expect = Expect::span(d, "workflow")
            .gen("gen_ai.operation.name", s("invoke_workflow"))
            .kind("CHAIN");
        assert_attrs(wf, &expect);
    }
}

#[test]
fn agent_span_with_every_option() {
    for (label, d) in configs() {
        let spans = run(d, true, || {
            aitrace::agent("triage")
                .with_id("agent-7")
                .with_tools(["search_kb", "get_weather"])
                .with_handoffs(vec!["billing".to_string(), "refunds".to_string()])
                .with_output_type("json")
                .start()
                .end();
        });
        let agent = by_name(&spans, "invoke_agent triage");
        assert_eq!(agent.span_kind, SpanKind::Internal, "{label}");
        let expect = Expect::span(d, "agent")
            .gen("gen_ai.operation.name", s("invoke_agent"))
            .ai("ai.agent.name", s("triage"))
            .gen("gen_ai.agent.name", s("triage"))
            .oi("agent.name", s("triage"))
            .kind("AGENT")
            .ai("ai.agent.id", s("agent-7"))
            .gen("gen_ai.agent.id", s("agent-7"))
            .oi("graph.node.id", s("agent-7"))
            .ai("ai.agent.tools", strings(&["search_kb", "get_weather"]))
            .ai("ai.agent.handoffs", strings(&["billing", "refunds"]))
            .ai("ai.agent.output_type", s("json"))
            .gen("gen_ai.output.type", s("json"));
        assert_attrs(agent, &expect);
    }
}

#[test]
fn agent_span_with_provider_and_model() {
    for (label, d) in configs() {
        let spans = run(d, false, || {
            aitrace::agent("triage")
                .with_provider("anthropic")
                .with_model("claude-sonnet-4-5")
                .start()
                .end();
        });
        let agent = by_name(&spans, "invoke_agent triage");
        assert_eq!(agent.span_kind, SpanKind::Internal, "{label}");
        let expect = Expect::span(d, "agent")
            .gen("gen_ai.operation.name", s("invoke_agent"))
            .ai("ai.agent.name", s("triage"))
            .gen("gen_ai.agent.name", s("triage"))
            .oi("agent.name", s("triage"))
            .kind("AGENT")
            .ai("ai.provider", s("anthropic"))
            .gen("gen_ai.provider.name", s("anthropic"))
            .ai("ai.model", s("claude-sonnet-4-5"))
            .gen("gen_ai.request.model", s("claude-sonnet-4-5"));
        assert_attrs(agent, &expect);
    }
}

#[test]
fn agent_span_with_a_name_only() {
    for (_, d) in configs() {
        let spans = run(d, false, || aitrace::agent("solo").start().end());
        let expect = Expect::span(d, "agent")
            .gen("gen_ai.operation.name", s("invoke_agent"))
            .ai("ai.agent.name", s("solo"))
            .gen("gen_ai.agent.name", s("solo"))
            .oi("agent.name", s("solo"))
            .kind("AGENT");
        assert_attrs(by_name(&spans, "invoke_agent solo"), &expect);
    }
}
