//! Hooks see what a span says (its attributes, and typed facts: kind, model,
//! usage, cost, guardrail verdict, conversation, error) and who the trace is for
//! (user, tenant); a span a hook starts is recorded without running hooks again.

use aitrace::hooks::{
    add_trace_processor, spans_started_in_hooks, HookError, SpanInfo, TraceInfo, TraceProcessor,
};
use aitrace::{Usage, Value};
use aitrace_sdk::testing::install_in_memory;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Seen {
    spans: Mutex<Vec<SpanInfo>>,
    traces: Mutex<Vec<TraceInfo>>,
}

impl TraceProcessor for Seen {
    fn on_trace_start(&self, trace: &TraceInfo) -> Result<(), HookError> {
        self.traces.lock().unwrap().push(trace.clone());
        Ok(())
    }
    fn on_span_start(&self, span: &SpanInfo) -> Result<(), HookError> {
        // A hook that starts a span of its own (to time itself, say).
        if span.span_type == "tool" {
            aitrace::custom("hook bookkeeping").start().end();
        }
        Ok(())
    }
    fn on_span_end(&self, span: &SpanInfo) -> Result<(), HookError> {
        self.spans.lock().unwrap().push(span.clone());
        Ok(())
    }
}

#[test]
fn hooks_see_attributes_and_facts() {
    let exporter = install_in_memory();
    let seen = Arc::new(Seen::default());
    add_trace_processor(seen.clone());

    let run = aitrace::trace("support")
        .with_conversation_id("conv-9")
        .with_user_id("user-7")
        .with_tenant_id("acme")
        .start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        let check = aitrace::guardrail("pii").start();
        check.trip("an email address");
        check.end();
        let mut call = aitrace::generation("openai", "gpt-4o").start();
        call.record_usage(Usage::new(1000, 100));
        call.end();
        let mut tool = aitrace::tool("search").start();
        tool.record_error_type("timeout", "took too long");
        tool.end();
    });
    run.end();

    let traces = seen.traces.lock().unwrap().clone();
    let trace = traces
        .iter()
        .find(|t| t.workflow_name == "support")
        .unwrap();
    assert_eq!(trace.user_id.as_deref(), Some("user-7"));
    assert_eq!(trace.tenant_id.as_deref(), Some("acme"));

    let spans = seen.spans.lock().unwrap().clone();
    let named = |n: &str| spans.iter().find(|s| s.name == n).cloned().unwrap();
    let check = named("apply_guardrail pii");
    assert_eq!(check.guardrail_triggered, Some(true));
    assert_eq!(
        check.attribute("ai.guardrail.reason"),
        Some(&Value::from("an email address"))
    );
    assert_eq!(check.conversation_id.as_deref(), Some("conv-9"));
    assert_eq!(check.user_id.as_deref(), Some("user-7"));
    assert_eq!(check.tenant_id.as_deref(), Some("acme"));
    assert_eq!(
        check.attribute("ai.conversation.id"),
        Some(&Value::from("conv-9")),
        "inherited attributes too"
    );
    let call = named("chat gpt-4o");
    assert_eq!(call.span_type, "generation");
    assert_eq!(call.model.as_deref(), Some("gpt-4o"));
    assert_eq!(call.usage, Some(Usage::new(1000, 100)));
    assert!(call.cost_usd.unwrap() > 0.0);
    assert_eq!(
        call.attribute("gen_ai.request.model"),
        Some(&Value::from("gpt-4o"))
    );
    assert!(
        call.attribute("ai.cost_usd").is_some(),
        "written at the end"
    );
    let tool = named("execute_tool search");
    assert_eq!(tool.error.as_deref(), Some("took too long"));
    assert_eq!(tool.attribute("error.type"), Some(&Value::from("timeout")));

    // The hook's own span was recorded, under the tool, without hooks.
    assert_eq!(spans_started_in_hooks(), 1);
    assert!(spans.iter().all(|s| s.name != "hook bookkeeping"));
    let recorded = exporter.spans_of_trace(trace_id);
    assert!(recorded.iter().any(|s| s.name == "hook bookkeeping"));
}
