//! `record_input` / `record_output` on custom, agent and workflow spans: exactly
//! `ai.input` / `ai.output`, plus `input.value` / `output.value` and their mime
//! types whatever the dialects (the names AI backends read a step's input and
//! output from), in each dialect configuration; nothing without content capture.

mod support;

use aitrace::Settings;
use aitrace_sdk::testing::{by_name, install_in_memory};
use serde_json::json;
use support::{assert_attrs, configs, run, s, Expect};

fn with_io(expect: Expect, capture: bool) -> Expect {
    let input = json!({"question": "refund?"});
    let output = json!(["doc-7", "doc-2"]);
    expect
        .json_when(capture, "ai.input", input.clone())
        .json_when(capture, "ai.output", output.clone())
        .json_when(capture, "input.value", input)
        .json_when(capture, "output.value", output)
        .when(capture, "input.mime_type", s("application/json"))
        .when(capture, "output.mime_type", s("application/json"))
}

#[test]
fn custom_and_agent_spans_record_input_and_output() {
    for capture in [true, false] {
        for (_, d) in configs() {
            let spans = run(d, capture, || {
                let step = aitrace::custom("rerank").start();
                step.record_input(&json!({"question": "refund?"}));
                step.record_output(&["doc-7", "doc-2"]);
                step.end();
                let agent = aitrace::agent("triage").start();
                agent.record_input(&json!({"question": "refund?"}));
                agent.record_output(&vec!["doc-7", "doc-2"]);
                agent.end();
            });
            let custom = with_io(Expect::span(d, "custom").kind("CHAIN"), capture);
            assert_attrs(by_name(&spans, "rerank"), &custom);
            let agent = Expect::span(d, "agent")
                .gen("gen_ai.operation.name", s("invoke_agent"))
                .gen("gen_ai.agent.name", s("triage"))
                .ai("ai.agent.name", s("triage"))
                .kind("AGENT")
                .oi("agent.name", s("triage"));
            assert_attrs(
                by_name(&spans, "invoke_agent triage"),
                &with_io(agent, capture),
            );
        }
    }
}

#[test]
fn workflow_spans_record_input_and_output() {
    let exporter = install_in_memory();
    for capture in [true, false] {
        for (_, d) in configs() {
            let run = aitrace::trace("support")
                .with_settings(
                    Settings::default()
                        .with_dialects(d)
                        .with_capture_content(capture),
                )
                .new_root()
                .start();
            run.record_input(&json!({"question": "refund?"}));
            run.record_output(&["doc-7", "doc-2"]);
            let trace_id = run.trace_id();
            run.end();
            let spans = exporter.spans_of_trace(trace_id);
            let expect = Expect::bare(d)
                .ai("ai.span.type", s("workflow"))
                .ai("ai.workflow.name", s("support"))
                .gen("gen_ai.workflow.name", s("support"))
                .gen("gen_ai.operation.name", s("invoke_workflow"))
                .kind("CHAIN");
            assert_attrs(
                by_name(&spans, "invoke_workflow support"),
                &with_io(expect, capture),
            );
        }
    }
}
