//! The support workflow produces one trace of the expected shape, with the failed
//! tool marked, costs on every model call, and no content by default.

use aitrace::opentelemetry::Array;
use aitrace::PriceTable;
use aitrace::{SpanId, SpanKind, Status, Value};
use aitrace_examples::{run_support_workflow, WorkflowOutcome};
use aitrace_sdk::opentelemetry_sdk::trace::SpanData;
use aitrace_sdk::testing::{
    attr, attr_bool, attr_f64, attr_i64, attr_str, by_name, install_in_memory, tree_shape,
};

const QUESTION: &str =
    "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?";

const EXPECTED_TREE: &str = "\
invoke_workflow customer_support
  invoke_agent triage
    apply_guardrail pii_check
    chat gpt-4o-mini
    execute_tool search_kb
    execute_tool lookup_order
    chat gpt-4o-mini
    execute_tool transfer_to_billing
      invoke_agent billing
        chat claude-sonnet-4-5
";

/// Runs the workflow with the default settings and returns its spans.
async fn run() -> (WorkflowOutcome, Vec<SpanData>) {
    let exporter = install_in_memory();
    aitrace::set_global_settings(aitrace::Settings::default());
    let outcome = run_support_workflow(QUESTION).await;
    let spans = exporter.spans_of_trace(outcome.trace_id);
    (outcome, spans)
}

/// The spans named `name`, in start order.
fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    let mut found: Vec<&SpanData> = spans.iter().filter(|s| s.name == name).collect();
    found.sort_by_key(|s| s.start_time);
    found
}

fn id(span: &SpanData) -> SpanId {
    span.span_context.span_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_is_one_tree_of_the_expected_shape() {
    let (_, spans) = run().await;
    assert_eq!(tree_shape(&spans), EXPECTED_TREE);

    let root = by_name(&spans, "invoke_workflow customer_support");
    let triage = by_name(&spans, "invoke_agent triage");
    let handoff = by_name(&spans, "execute_tool transfer_to_billing");
    let billing = by_name(&spans, "invoke_agent billing");
    assert_eq!(root.parent_span_id, SpanId::INVALID);
    assert_eq!(triage.parent_span_id, id(root));
    for name in [
        "apply_guardrail pii_check",
        "execute_tool search_kb",
        "execute_tool lookup_order",
        "execute_tool transfer_to_billing",
    ] {
        assert_eq!(by_name(&spans, name).parent_span_id, id(triage), "{name}");
    }
    for call in named(&spans, "chat gpt-4o-mini") {
        assert_eq!(call.parent_span_id, id(triage));
    }
    assert_eq!(billing.parent_span_id, id(handoff));
    assert_eq!(
        by_name(&spans, "chat claude-sonnet-4-5").parent_span_id,
        id(billing)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_carry_their_types_and_kinds() {
    let (_, spans) = run().await;
    let span_type = |name: &str| attr_str(by_name(&spans, name), "ai.span.type");
    assert_eq!(
        span_type("invoke_workflow customer_support"),
        Some("workflow")
    );
    assert_eq!(span_type("invoke_agent triage"), Some("agent"));
    assert_eq!(span_type("apply_guardrail pii_check"), Some("guardrail"));
    assert_eq!(span_type("execute_tool search_kb"), Some("tool"));
    assert_eq!(
        span_type("execute_tool transfer_to_billing"),
        Some("handoff")
    );
    for s in &spans {
        let expected = match attr_str(s, "ai.span.type") {
            Some("generation") => SpanKind::Client,
            _ => SpanKind::Internal,
        };
        assert_eq!(s.span_kind, expected, "{}", s.name);
    }

    let triage = by_name(&spans, "invoke_agent triage");
    assert_eq!(attr_str(triage, "gen_ai.agent.name"), Some("triage"));
    assert_eq!(
        attr_str(triage, "gen_ai.operation.name"),
        Some("invoke_agent")
    );
    assert!(attr(triage, "ai.agent.handoffs").is_some());

    let handoff = by_name(&spans, "execute_tool transfer_to_billing");
    assert_eq!(attr_str(handoff, "ai.handoff.from_agent"), Some("triage"));
    assert_eq!(attr_str(handoff, "ai.handoff.to_agent"), Some("billing"));

    let guard = by_name(&spans, "apply_guardrail pii_check");
    assert_eq!(attr_bool(guard, "ai.guardrail.triggered"), Some(false));
    assert_eq!(attr_str(guard, "ai.guardrail.type"), Some("input"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_timed_out_tool_is_an_error_and_the_run_still_answers() {
    let (outcome, spans) = run().await;
    let failed = by_name(&spans, "execute_tool lookup_order");
    assert!(
        matches!(&failed.status, Status::Error { description } if description.contains("timed out")),
        "{:?}",
        failed.status
    );
    let exception = failed
        .events
        .iter()
        .find(|e| e.name == "exception")
        .expect("an exception event");
    assert!(exception.attributes.iter().any(|kv| {
        kv.key.as_str() == "exception.message"
            && kv.value.as_str() == "lookup_order timed out after 50 ms"
    }));
    let error_type = attr_str(failed, "error.type").expect("error.type");
    assert!(error_type.ends_with("ToolError"), "{error_type}");

    let errors: Vec<&str> = spans
        .iter()
        .filter(|s| matches!(s.status, Status::Error { .. }))
        .map(|s| s.name.as_ref())
        .collect();
    assert_eq!(errors, ["execute_tool lookup_order"]);

    assert_eq!(outcome.answered_by, "billing");
    assert!(
        outcome.answer.contains("order #A1042"),
        "{}",
        outcome.answer
    );
    assert!(outcome.answer.contains("refunded automatically"));
    assert!(outcome.answer.contains("order system did not answer"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_span_carries_the_conversation_and_user() {
    let (outcome, spans) = run().await;
    assert_eq!(spans.len(), 10);
    for s in &spans {
        let conversation = Some(outcome.conversation_id.as_str());
        assert_eq!(
            attr_str(s, "ai.conversation.id"),
            conversation,
            "{}",
            s.name
        );
        assert_eq!(
            attr_str(s, "gen_ai.conversation.id"),
            conversation,
            "{}",
            s.name
        );
        assert_eq!(attr_str(s, "ai.user.id"), Some("user_1042"), "{}", s.name);
        assert_eq!(
            attr_str(s, "ai.workflow.name"),
            Some("customer_support"),
            "{}",
            s.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_model_call_has_usage_and_the_cost_of_the_bundled_prices() {
    let (_, spans) = run().await;
    let calls: Vec<&SpanData> = spans
        .iter()
        .filter(|s| attr_str(s, "ai.span.type") == Some("generation"))
        .collect();
    assert_eq!(calls.len(), 3);
    for s in &calls {
        let model = attr_str(s, "gen_ai.response.model").expect("response model");
        let input = attr_i64(s, "gen_ai.usage.input_tokens").expect("input tokens");
        let output = attr_i64(s, "gen_ai.usage.output_tokens").expect("output tokens");
        assert!(input > 1000 && output > 0, "{}: {input}/{output}", s.name);
        assert!(attr_str(s, "gen_ai.response.id").is_some());
        assert!(attr(s, "gen_ai.response.finish_reasons").is_some());
        assert!(attr_f64(s, "gen_ai.request.temperature").is_some());
        assert!(attr_i64(s, "gen_ai.request.max_tokens").is_some());
        let usage = aitrace::Usage::new(input as u64, output as u64)
            .with_cache_read(attr_i64(s, "ai.cache_read_tokens").unwrap_or(0) as u64)
            .with_cache_creation(attr_i64(s, "ai.cache_creation_tokens").unwrap_or(0) as u64);
        let expected = PriceTable::bundled().cost(model, &usage).expect("priced");
        let cost = attr_f64(s, "ai.cost_usd").expect("ai.cost_usd");
        assert!(cost > 0.0);
        assert!((cost - expected.total_usd()).abs() < 1e-12, "{}", s.name);
        assert_eq!(attr_f64(s, "gen_ai.usage.cost"), Some(cost));
        let microcents = attr_i64(s, "ai.cost_microcents").expect("ai.cost_microcents");
        assert_eq!(microcents, (cost * 100_000_000.0).round() as i64);
    }
    let triage = named(&spans, "chat gpt-4o-mini");
    assert_eq!(attr_i64(triage[0], "ai.cache_read_tokens"), None);
    assert!(attr_i64(triage[1], "ai.cache_read_tokens").is_some_and(|n| n >= 1024));
    let billing = by_name(&spans, "chat claude-sonnet-4-5");
    assert_eq!(attr_str(billing, "gen_ai.provider.name"), Some("anthropic"));
    assert!(attr_i64(billing, "ai.cache_creation_tokens").is_some_and(|n| n >= 1024));
    assert_eq!(
        attr(triage[1], "gen_ai.response.finish_reasons"),
        Some(&Value::Array(Array::String(vec!["tool_calls".into()])))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_content_is_recorded_by_default() {
    let (_, spans) = run().await;
    const CONTENT: &[&str] = &[
        "ai.input",
        "ai.output",
        "ai.tool.input",
        "ai.tool.output",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "input.value",
        "output.value",
    ];
    for s in &spans {
        for key in CONTENT {
            assert!(attr(s, key).is_none(), "{} carries {key}", s.name);
        }
    }
}
