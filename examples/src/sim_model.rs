//! A simulated chat model: no network, and the same request always gets the same
//! answer, ids and token counts.
//!
//! Token counts follow the usual rule of thumb (about four characters per token),
//! plus a fixed overhead for the system prompt, so they are realistic for the
//! model names used and the bundled price table gives real costs. The model keeps
//! a prompt cache for its lifetime, as the providers do: OpenAI models read a
//! repeated prompt prefix of 1024 tokens or more from the cache (in steps of 128);
//! Anthropic models write the prefix (tools and system prompt, 1024 tokens or
//! more) to the cache on first use and read it afterwards, as when the request
//! marks it with `cache_control`.
//!
//! What it answers is scripted in [`crate::script`].

use crate::chat::{ChatRequest, ChatResponse, Message, Part, Role};
use crate::script::{self, Reply};
use aitrace::Usage;
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

/// Tokens of the policy and style text that a real support prompt carries on
/// top of the instructions shown in this example.
pub const SYSTEM_OVERHEAD_TOKENS: u64 = 1_000;

/// A deterministic chat model. One instance is one prompt-cache lifetime.
#[derive(Debug, Default)]
pub struct SimModel {
    seen_prefixes: Mutex<HashSet<u64>>,
}

/// The `gen_ai.provider.name` of a model name.
pub fn provider_of(model: &str) -> &'static str {
    if model.starts_with("claude") {
        "anthropic"
    } else {
        "openai"
    }
}

/// The dated snapshot that answers for a model alias, as providers report it.
pub fn snapshot_of(model: &str) -> String {
    match model {
        "gpt-4o-mini" => "gpt-4o-mini-2024-07-18".into(),
        "gpt-4o" => "gpt-4o-2024-08-06".into(),
        "claude-sonnet-4-5" => "claude-sonnet-4-5-20250929".into(),
        other => other.into(),
    }
}

impl SimModel {
    /// A model with an empty prompt cache.
    pub fn new() -> SimModel {
        SimModel::default()
    }

    /// Answers `req` after a short, size-dependent delay.
    pub async fn complete(&self, req: &ChatRequest) -> ChatResponse {
        let seed = fnv1a(&request_text(req));
        let anthropic = provider_of(req.model) == "anthropic";
        let message = assistant_message(script::reply(req), seed, anthropic);
        let finish_reason = finish_reason(&message, anthropic);
        let usage = self.usage(req, &message);
        tokio::time::sleep(Duration::from_millis(20 + usage.output_tokens / 4)).await;
        ChatResponse {
            id: response_id(seed, anthropic),
            model: snapshot_of(req.model),
            message,
            finish_reason,
            usage,
        }
    }

    fn usage(&self, req: &ChatRequest, reply: &Message) -> Usage {
        let prefix = prefix_tokens(req);
        let input = prefix + req.messages.iter().map(message_tokens).sum::<u64>() + 3;
        let output = message_tokens(reply).saturating_sub(3);
        let seen = !self
            .seen_prefixes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fnv1a(&prefix_text(req)));
        if provider_of(req.model) == "anthropic" {
            let (read, write) = match (prefix >= 1024, seen) {
                (false, _) => (0, 0),
                (true, true) => (prefix, 0),
                (true, false) => (0, prefix),
            };
            return Usage::from_anthropic(input - read - write, output, read, write);
        }
        let cached = if seen && prefix >= 1024 {
            1024 + (prefix - 1024) / 128 * 128
        } else {
            0
        };
        Usage::new(input, output).with_cache_read(cached)
    }
}

/// About four characters per token, at least one.
pub fn text_tokens(text: &str) -> u64 {
    (text.chars().count() as u64).div_ceil(4).max(1)
}

/// The system prompt and tool definitions: the part of a prompt that repeats.
fn prefix_tokens(req: &ChatRequest) -> u64 {
    let tools: u64 = req
        .tools
        .iter()
        .map(|t| text_tokens(&serde_json::to_string(t).unwrap_or_default()) + 8)
        .sum();
    SYSTEM_OVERHEAD_TOKENS + text_tokens(req.instructions) + tools
}

fn message_tokens(m: &Message) -> u64 {
    let parts: u64 = m
        .parts
        .iter()
        .map(|p| match p {
            Part::Text { content } => text_tokens(content),
            Part::ToolCall {
                name, arguments, ..
            } => text_tokens(name) + text_tokens(&arguments.to_string()) + 3,
            Part::ToolCallResponse { response, .. } => text_tokens(&response.to_string()) + 3,
        })
        .sum();
    4 + parts
}

fn assistant_message(reply: Reply, seed: u64, anthropic: bool) -> Message {
    let parts = match reply {
        Reply::Text(content) => vec![Part::Text { content }],
        Reply::ToolCalls(calls) => calls
            .into_iter()
            .enumerate()
            .map(|(i, (name, arguments))| Part::ToolCall {
                id: call_id(seed.wrapping_add(i as u64 + 1), anthropic),
                name: name.to_string(),
                arguments,
            })
            .collect(),
    };
    Message {
        role: Role::Assistant,
        parts,
    }
}

fn finish_reason(m: &Message, anthropic: bool) -> &'static str {
    let calls = m.parts.iter().any(|p| matches!(p, Part::ToolCall { .. }));
    match (anthropic, calls) {
        (false, false) => "stop",
        (false, true) => "tool_calls",
        (true, false) => "end_turn",
        (true, true) => "tool_use",
    }
}

fn prefix_text(req: &ChatRequest) -> String {
    let tools = serde_json::to_string(&req.tools).unwrap_or_default();
    format!("{}\n{}\n{tools}", req.model, req.instructions)
}

fn request_text(req: &ChatRequest) -> String {
    let messages = serde_json::to_string(&req.messages).unwrap_or_default();
    format!("{}\n{messages}", prefix_text(req))
}

fn response_id(seed: u64, anthropic: bool) -> String {
    match anthropic {
        true => format!("msg_01{}", base62(seed, 22)),
        false => format!("chatcmpl-{}", base62(seed, 29)),
    }
}

fn call_id(seed: u64, anthropic: bool) -> String {
    match anthropic {
        true => format!("toolu_01{}", base62(seed, 22)),
        false => format!("call_{}", base62(seed, 24)),
    }
}

/// FNV-1a: a stable hash, the same on every platform and release.
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn base62(seed: u64, len: usize) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            DIGITS[((state >> 33) % 62) as usize] as char
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::ToolDef;
    use aitrace::PriceTable;

    fn request(model: &'static str) -> ChatRequest {
        ChatRequest {
            model,
            instructions:
                "You are the billing specialist of an online shop. Answer questions about \
                charges, refunds, invoices and payments from the help-centre articles and the \
                order records in the conversation. Be brief, say what happens next and when, and \
                never promise a refund that the policy does not give.",
            messages: vec![Message::user("Why was I charged twice?")],
            tools: vec![ToolDef {
                name: "search_kb",
                description: "Search the help centre.",
                parameters: serde_json::json!({"type": "object"}),
            }],
            temperature: 0.2,
            max_tokens: 512,
        }
    }

    #[tokio::test]
    async fn same_request_same_answer_and_the_second_call_reads_the_cache() {
        let model = SimModel::new();
        let first = model.complete(&request("gpt-4o-mini")).await;
        let again = SimModel::new().complete(&request("gpt-4o-mini")).await;
        assert_eq!(first.id, again.id);
        assert_eq!(first.usage, again.usage);
        assert!(first.id.starts_with("chatcmpl-"));
        assert_eq!(first.model, "gpt-4o-mini-2024-07-18");
        assert_eq!(first.usage.cache_read_tokens, 0);
        let second = model.complete(&request("gpt-4o-mini")).await;
        let prefix = second.usage.cache_read_tokens;
        assert!(prefix >= 1024 && (prefix - 1024) % 128 == 0, "{prefix}");
        assert!(second.usage.input_tokens > prefix);
    }

    #[tokio::test]
    async fn anthropic_writes_then_reads_the_system_prompt() {
        let model = SimModel::new();
        let first = model.complete(&request("claude-sonnet-4-5")).await;
        assert!(first.id.starts_with("msg_01"));
        assert!(first.usage.cache_creation_tokens >= 1024);
        let second = model.complete(&request("claude-sonnet-4-5")).await;
        assert_eq!(
            second.usage.cache_read_tokens,
            first.usage.cache_creation_tokens
        );
    }

    #[tokio::test]
    async fn every_simulated_model_is_priced() {
        for name in ["gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5"] {
            let r = SimModel::new().complete(&request(name)).await;
            let cost = PriceTable::bundled().cost(&r.model, &r.usage);
            assert!(cost.is_some_and(|c| c.total_usd() > 0.0), "{name}");
        }
    }
}
