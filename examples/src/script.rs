//! What the simulated model decides: look things up first, hand off to a
//! specialist when the question is theirs, and answer from what the tools found.

use crate::chat::{ChatRequest, Part};
use serde_json::{json, Value};

/// The model's decision for one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// A final answer.
    Text(String),
    /// Tool calls to run, with their arguments.
    ToolCalls(Vec<(&'static str, Value)>),
}

/// Words that send a question to a specialist agent, by agent name.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "billing",
        &["charge", "charged", "refund", "invoice", "payment"],
    ),
    ("shipping", &["delivery", "shipping", "parcel", "tracking"]),
];

const STOP_WORDS: &[&str] = &[
    "i", "a", "an", "the", "for", "my", "me", "can", "get", "was", "is", "it", "this", "of", "on",
    "and", "to", "you", "please", "month",
];

/// Decides what to do with `req`.
pub fn reply(req: &ChatRequest) -> Reply {
    let question = req.last_user_text();
    if offers(req, "search_kb") && !called(req, "search_kb") {
        return Reply::ToolCalls(lookups(req, &question));
    }
    if let Some(transfer) = handoff(req, &question) {
        return Reply::ToolCalls(vec![(transfer, json!({}))]);
    }
    Reply::Text(answer(req, &question))
}

fn lookups(req: &ChatRequest, question: &str) -> Vec<(&'static str, Value)> {
    let mut calls = vec![("search_kb", json!({ "query": search_query(question) }))];
    if let Some(order) = order_id(question).filter(|_| offers(req, "lookup_order")) {
        calls.push(("lookup_order", json!({ "order_id": order })));
    }
    calls
}

fn handoff(req: &ChatRequest, question: &str) -> Option<&'static str> {
    let words = words(question);
    let about = |agent: &str| {
        TOPICS
            .iter()
            .filter(|(a, _)| *a == agent)
            .any(|(_, keys)| keys.iter().any(|k| words.iter().any(|w| w == k)))
    };
    req.tools
        .iter()
        .filter(|t| !called(req, t.name))
        .find(|t| t.name.strip_prefix("transfer_to_").is_some_and(about))
        .map(|t| t.name)
}

fn answer(req: &ChatRequest, question: &str) -> String {
    let mut out = vec![match order_id(question) {
        Some(order) => format!("Sorry about the trouble with order {order}."),
        None => "Thanks for getting in touch.".to_string(),
    }];
    out.push(match kb_snippet(req) {
        Some(snippet) => snippet,
        None => "I could not find a help-centre article that covers this.".to_string(),
    });
    if failed(req, "lookup_order") {
        out.push(
            "The order system did not answer just now, so I could not check the charges \
             myself; if the refund has not arrived by then, reply here and we will issue it by hand."
                .to_string(),
        );
    }
    out.join(" ")
}

/// The order number in a question, written `#A1042`.
pub fn order_id(question: &str) -> Option<String> {
    question
        .split_whitespace()
        .find(|w| w.starts_with('#') && w.len() > 1)
        .map(|w| {
            w.trim_end_matches(|c: char| !c.is_alphanumeric())
                .to_string()
        })
}

fn search_query(question: &str) -> String {
    let words: Vec<String> = words(question)
        .into_iter()
        .filter(|w| w.len() > 2 && !STOP_WORDS.contains(&w.as_str()))
        .take(6)
        .collect();
    words.join(" ")
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn offers(req: &ChatRequest, tool: &str) -> bool {
    req.tools.iter().any(|t| t.name == tool)
}

/// The ids of the calls to `tool` made so far in the conversation.
fn call_ids<'a>(req: &'a ChatRequest, tool: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    req.messages
        .iter()
        .flat_map(|m| &m.parts)
        .filter_map(move |p| match p {
            Part::ToolCall { id, name, .. } if name == tool => Some(id.as_str()),
            _ => None,
        })
}

fn called(req: &ChatRequest, tool: &str) -> bool {
    call_ids(req, tool).next().is_some()
}

/// What the tool returned to the calls to `tool`.
fn responses<'a>(req: &'a ChatRequest, tool: &'a str) -> Vec<&'a Value> {
    let ids: Vec<&str> = call_ids(req, tool).collect();
    req.messages
        .iter()
        .flat_map(|m| &m.parts)
        .filter_map(|p| match p {
            Part::ToolCallResponse { id, response } if ids.contains(&id.as_str()) => Some(response),
            _ => None,
        })
        .collect()
}

fn failed(req: &ChatRequest, tool: &str) -> bool {
    responses(req, tool)
        .iter()
        .any(|r| r.get("error").is_some())
}

fn kb_snippet(req: &ChatRequest) -> Option<String> {
    responses(req, "search_kb")
        .iter()
        .find_map(|r| r["results"][0]["snippet"].as_str())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Role, ToolDef};

    fn request(question: &str, tools: &[&'static str]) -> ChatRequest {
        ChatRequest {
            model: "gpt-4o-mini",
            instructions: "",
            messages: vec![Message::user(question)],
            tools: tools
                .iter()
                .map(|name| ToolDef {
                    name,
                    description: "",
                    parameters: json!({}),
                })
                .collect(),
            temperature: 0.0,
            max_tokens: 100,
        }
    }

    fn called(req: &mut ChatRequest, name: &str, response: Value) {
        let id = format!("call_{}", req.messages.len());
        req.messages.push(Message {
            role: Role::Assistant,
            parts: vec![Part::ToolCall {
                id: id.clone(),
                name: name.to_string(),
                arguments: json!({}),
            }],
        });
        req.messages.push(Message::tool_response(&id, response));
    }

    #[test]
    fn looks_things_up_then_hands_billing_questions_over() {
        let tools = ["search_kb", "lookup_order", "transfer_to_billing"];
        let mut req = request("Refund for order #A1042?", &tools);
        let Reply::ToolCalls(calls) = reply(&req) else {
            panic!("expected tool calls")
        };
        assert_eq!(calls[0].0, "search_kb");
        assert_eq!(calls[1], ("lookup_order", json!({"order_id": "#A1042"})));
        called(&mut req, "search_kb", json!({"results": []}));
        assert_eq!(
            reply(&req),
            Reply::ToolCalls(vec![("transfer_to_billing", json!({}))])
        );
    }

    #[test]
    fn a_question_for_no_specialist_is_answered_directly() {
        let mut req = request(
            "How do I change my password?",
            &["search_kb", "transfer_to_billing"],
        );
        called(&mut req, "search_kb", json!({"results": []}));
        let Reply::Text(text) = reply(&req) else {
            panic!("expected an answer")
        };
        assert!(text.contains("could not find"), "{text}");
    }
}
