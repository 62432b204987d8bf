//! With content capture on, the same run records messages and tool I/O as JSON
//! in the GenAI message shape. (Its own test binary: it changes global settings.)

use aitrace_examples::run_support_workflow;
use aitrace_sdk::opentelemetry_sdk::trace::SpanData;
use aitrace_sdk::testing::{attr, attr_str, by_name, install_in_memory};
use serde_json::Value;

const QUESTION: &str = "I was charged twice for order #A1042. Can I get a refund?";

fn json_attr(span: &SpanData, key: &str) -> Value {
    let text = attr_str(span, key).unwrap_or_else(|| panic!("{} has no {key}", span.name));
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_tool_io_are_recorded_when_capture_is_on() {
    let exporter = install_in_memory();
    aitrace::set_global_settings(aitrace::Settings::default().with_capture_content(true));
    let outcome = run_support_workflow(QUESTION).await;
    let spans = exporter.spans_of_trace(outcome.trace_id);

    let billing = by_name(&spans, "chat claude-sonnet-4-5");
    let input = json_attr(billing, "gen_ai.input.messages");
    assert_eq!(input[0]["role"], "user");
    assert_eq!(input[0]["parts"][0]["type"], "text");
    assert_eq!(input[0]["parts"][0]["content"], QUESTION);
    let output = json_attr(billing, "gen_ai.output.messages");
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["finish_reason"], "end_turn");
    assert_eq!(output[0]["parts"][0]["content"], outcome.answer.as_str());
    assert!(json_attr(billing, "gen_ai.system_instructions")[0]["content"].is_string());
    assert_eq!(json_attr(billing, "ai.input"), input);

    let search = by_name(&spans, "execute_tool search_kb");
    assert!(json_attr(search, "gen_ai.tool.call.arguments")["query"].is_string());
    assert_eq!(
        json_attr(search, "gen_ai.tool.call.result")["results"][0]["id"],
        "kb-112"
    );

    let failed = by_name(&spans, "execute_tool lookup_order");
    assert_eq!(
        json_attr(failed, "gen_ai.tool.call.arguments")["order_id"],
        "#A1042"
    );
    assert!(attr(failed, "gen_ai.tool.call.result").is_none());
}
