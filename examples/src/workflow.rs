//! A customer-support run with two agents: `triage` checks the message, looks
//! things up and hands billing questions to `billing`, which answers.
//!
//! ```text
//! invoke_workflow customer_support
//! └── invoke_agent triage
//!     ├── apply_guardrail pii_check
//!     ├── chat gpt-4o-mini                  (asks for search_kb and lookup_order)
//!     ├── execute_tool search_kb
//!     ├── execute_tool lookup_order         (times out; the agent carries on)
//!     ├── chat gpt-4o-mini                  (prompt read from the cache; hands off)
//!     └── execute_tool transfer_to_billing
//!         └── invoke_agent billing
//!             └── chat claude-sonnet-4-5
//! ```

use crate::chat::{ChatRequest, Message, ToolCall, ToolDef};
use crate::sim_model::{provider_of, SimModel};
use crate::steps::{call_model, check_input, run_tool};
use crate::tools;
use aitrace::TraceId;
use serde_json::json;

/// The model of the triage agent.
pub const TRIAGE_MODEL: &str = "gpt-4o-mini";
/// The model of the billing agent.
pub const BILLING_MODEL: &str = "claude-sonnet-4-5";
/// The user every run of this example is for.
pub const USER_ID: &str = "user_1042";

const TRIAGE_INSTRUCTIONS: &str = "You are the first-line support agent of an online shop. \
    Look up what you need with the tools, then answer, or hand the conversation to the \
    specialist who owns the topic: billing for charges, refunds, invoices and payments.";
const BILLING_INSTRUCTIONS: &str = "You are the billing specialist of an online shop. \
    Answer from the help-centre articles and order records in the conversation. Be brief, \
    say what happens next and when, and never promise a refund the policy does not give.";
const MAX_TURNS: usize = 4;

/// What a run produced.
#[derive(Clone, Debug)]
pub struct WorkflowOutcome {
    /// The trace of the run, to find it in a backend (or in a test exporter).
    pub trace_id: TraceId,
    /// The conversation id every span of the run carries.
    pub conversation_id: String,
    /// The answer for the user.
    pub answer: String,
    /// The agent that gave it.
    pub answered_by: &'static str,
}

struct Answer {
    text: String,
    by: &'static str,
}

/// Runs the support workflow for one user message, as one trace.
pub async fn run_support_workflow(question: &str) -> WorkflowOutcome {
    let conversation_id = format!("conv_{:016x}", crate::sim_model::fnv1a(question));
    let run = aitrace::trace("customer_support")
        .with_conversation_id(conversation_id.clone())
        .with_user_id(USER_ID)
        .start();
    let model = SimModel::new();
    let answer = run.wrap(triage(&model, question)).await;
    let trace_id = run.trace_id();
    run.end();
    WorkflowOutcome {
        trace_id,
        conversation_id,
        answer: answer.text,
        answered_by: answer.by,
    }
}

async fn triage(model: &SimModel, question: &str) -> Answer {
    let agent = aitrace::agent("triage")
        .with_provider(provider_of(TRIAGE_MODEL))
        .with_model(TRIAGE_MODEL)
        .with_tools(["search_kb", "lookup_order"])
        .with_handoffs(["billing"])
        .with_output_type("text")
        .start();
    let answer = agent.wrap(triage_turns(model, question)).await;
    agent.end();
    answer
}

/// The agent loop: ask the model, run the tools it asks for, repeat; stop on an
/// answer or a handoff.
async fn triage_turns(model: &SimModel, question: &str) -> Answer {
    if !check_input(question) {
        return answer(
            "For your safety, please do not send card numbers here.",
            "triage",
        );
    }
    let mut req = triage_request(question);
    for _ in 0..MAX_TURNS {
        let response = call_model(model, &req).await;
        let calls = response.tool_calls();
        if calls.is_empty() {
            return answer(&response.message.text(), "triage");
        }
        req.messages.push(response.message);
        if let Some(transfer) = calls.iter().find(|c| c.name == "transfer_to_billing") {
            return hand_off_to_billing(model, transfer, req.messages).await;
        }
        for call in &calls {
            let result = run_tool(call).await;
            req.messages.push(Message::tool_response(&call.id, result));
        }
    }
    answer("Sorry, I could not finish this request.", "triage")
}

fn triage_request(question: &str) -> ChatRequest {
    let mut tools = tools::definitions();
    tools.push(ToolDef {
        name: "transfer_to_billing",
        description: "Hand the conversation to the billing specialist.",
        parameters: json!({ "type": "object", "properties": {} }),
    });
    ChatRequest {
        model: TRIAGE_MODEL,
        instructions: TRIAGE_INSTRUCTIONS,
        messages: vec![Message::user(question)],
        tools,
        temperature: 0.2,
        max_tokens: 512,
    }
}

/// The handoff span wraps the billing agent, whose span nests under it.
async fn hand_off_to_billing(
    model: &SimModel,
    transfer: &ToolCall,
    mut history: Vec<Message>,
) -> Answer {
    let handoff = aitrace::handoff("triage", "billing")
        .with_call_id(transfer.id.clone())
        .start();
    history.push(Message::tool_response(
        &transfer.id,
        json!({ "assistant": "billing" }),
    ));
    let answer = handoff.wrap(billing(model, history)).await;
    handoff.end();
    answer
}

async fn billing(model: &SimModel, history: Vec<Message>) -> Answer {
    let agent = aitrace::agent("billing")
        .with_provider(provider_of(BILLING_MODEL))
        .with_model(BILLING_MODEL)
        .with_output_type("text")
        .start();
    let req = ChatRequest {
        model: BILLING_MODEL,
        instructions: BILLING_INSTRUCTIONS,
        messages: history,
        tools: Vec::new(),
        temperature: 0.3,
        max_tokens: 1024,
    };
    let response = agent.wrap(call_model(model, &req)).await;
    agent.end();
    answer(&response.message.text(), "billing")
}

fn answer(text: &str, by: &'static str) -> Answer {
    Answer {
        text: text.to_string(),
        by,
    }
}
