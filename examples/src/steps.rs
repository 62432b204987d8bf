//! The instrumented steps of an agent: each wraps one piece of work in one span.
//! This is the code an application writes around its model client and tools.

use crate::chat::{ChatRequest, ChatResponse, ToolCall};
use crate::sim_model::{provider_of, SimModel};
use crate::tools;
use aitrace::{GenerationSpan, GuardrailType};
use serde_json::{json, Value};

/// Calls the model inside a `chat {model}` span with the request parameters,
/// response, usage (hence cost) and, when content capture is on, the messages.
pub async fn call_model(model: &SimModel, req: &ChatRequest) -> ChatResponse {
    let mut span = aitrace::generation(provider_of(req.model), req.model)
        .with_temperature(req.temperature)
        .with_max_tokens(req.max_tokens)
        .with_messages_count(req.messages.len() as i64)
        .start();
    span.record_system_instructions(&req.system_instructions());
    span.record_input_messages(&req.messages);
    let response = span.wrap(model.complete(req)).await;
    record_response(&mut span, &response);
    span.end();
    response
}

fn record_response(span: &mut GenerationSpan, response: &ChatResponse) {
    span.record_response_model(&response.model);
    span.record_response_id(&response.id);
    span.record_finish_reasons([response.finish_reason]);
    span.record_usage(response.usage);
    span.record_output_messages(&response.output_messages());
}

/// Runs a tool call in a task of its own, so that a tool that panics cannot
/// take the agent down. The task runs in the current context
/// ([`aitrace::in_current_span`]), so the tool span is a child of the agent.
///
/// Returns what to send back to the model: the tool's result, or an
/// `{"error": ..}` object that the agent carries on with.
pub async fn run_tool(call: &ToolCall) -> Value {
    let task = tokio::spawn(aitrace::in_current_span(traced_tool(call.clone())));
    task.await
        .unwrap_or_else(|e| json!({ "error": format!("the tool task failed: {e}") }))
}

async fn traced_tool(call: ToolCall) -> Value {
    let description = tools::definitions()
        .into_iter()
        .find(|d| d.name == call.name)
        .map_or("", |d| d.description);
    let tool = aitrace::tool(call.name.clone())
        .with_call_id(call.id.clone())
        .with_type("function")
        .with_description(description)
        .start();
    tool.record_arguments(&call.arguments);
    match tool.wrap(tools::call(&call.name, &call.arguments)).await {
        Ok(result) => {
            tool.record_result(&result);
            tool.end();
            result
        }
        Err(error) => {
            tool.end_with_error(&error);
            json!({ "error": error.to_string() })
        }
    }
}

/// Checks the user's message for a card number inside an `apply_guardrail pii_check`
/// span; returns true when the message may go on.
pub fn check_input(message: &str) -> bool {
    let check = aitrace::guardrail("pii_check")
        .with_type(GuardrailType::Input)
        .start();
    let found = has_card_number(message);
    check.record_result(
        found,
        found.then_some("a payment card number in the message"),
    );
    check.end();
    !found
}

/// Thirteen or more digits in a row, ignoring spaces and dashes.
fn has_card_number(text: &str) -> bool {
    let mut run = 0;
    for c in text.chars() {
        match c {
            '0'..='9' => run += 1,
            ' ' | '-' if run > 0 => {}
            _ => run = 0,
        }
        if run >= 13 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::has_card_number;

    #[test]
    fn card_numbers_are_found_and_order_numbers_are_not() {
        assert!(has_card_number("my card is 4111 1111 1111 1111"));
        assert!(!has_card_number(
            "order #A1042, charged twice on 2025-06-03"
        ));
    }
}
