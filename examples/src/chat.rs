//! Chat requests and responses, in the message shape of the OpenTelemetry GenAI
//! conventions (`role` plus typed `parts`), so that they can be recorded on spans
//! as they are.

use aitrace::Usage;
use serde::Serialize;
use serde_json::{json, Value};

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The end user.
    User,
    /// The model.
    Assistant,
    /// The result of a tool call.
    Tool,
}

/// One part of a message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Plain text.
    Text {
        /// The text.
        content: String,
    },
    /// A tool call requested by the model.
    ToolCall {
        /// The model's id for the call.
        id: String,
        /// The tool.
        name: String,
        /// The arguments, as JSON.
        arguments: Value,
    },
    /// What a tool returned, sent back to the model.
    ToolCallResponse {
        /// The id of the call answered.
        id: String,
        /// The result (or an `{"error": ..}` object).
        response: Value,
    },
}

/// A message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// What it holds.
    pub parts: Vec<Part>,
}

impl Message {
    /// A user message with one text part.
    pub fn user(text: &str) -> Message {
        Message {
            role: Role::User,
            parts: vec![Part::Text {
                content: text.to_string(),
            }],
        }
    }

    /// A tool message answering the call `id`.
    pub fn tool_response(id: &str, response: Value) -> Message {
        Message {
            role: Role::Tool,
            parts: vec![Part::ToolCallResponse {
                id: id.to_string(),
                response,
            }],
        }
    }

    /// The text parts, joined.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Text { content } => Some(content.as_str()),
                _ => None,
            })
            .collect();
        texts.join("\n")
    }
}

/// A tool the model may call, with its JSON schema.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToolDef {
    /// The tool's name.
    pub name: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// The JSON schema of its arguments.
    pub parameters: Value,
}

/// A tool call requested by the model.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    /// The model's id for the call.
    pub id: String,
    /// The tool.
    pub name: String,
    /// The arguments.
    pub arguments: Value,
}

/// A chat completion request.
#[derive(Clone, Debug)]
pub struct ChatRequest {
    /// The model asked, such as `gpt-4o-mini`.
    pub model: &'static str,
    /// The system instructions.
    pub instructions: &'static str,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// The tools offered.
    pub tools: Vec<ToolDef>,
    /// Sampling temperature.
    pub temperature: f64,
    /// Upper bound of the completion.
    pub max_tokens: i64,
}

impl ChatRequest {
    /// The text of the last user message.
    pub fn last_user_text(&self) -> String {
        self.messages
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .map(Message::text)
            .unwrap_or_default()
    }

    /// The system instructions in the GenAI part shape.
    pub fn system_instructions(&self) -> Value {
        json!([{ "type": "text", "content": self.instructions }])
    }
}

/// A chat completion response.
#[derive(Clone, Debug)]
pub struct ChatResponse {
    /// The provider's response id.
    pub id: String,
    /// The model that answered (often a dated snapshot of the model asked).
    pub model: String,
    /// The assistant message.
    pub message: Message,
    /// Why generation stopped, as the provider says it.
    pub finish_reason: &'static str,
    /// Tokens used.
    pub usage: Usage,
}

impl ChatResponse {
    /// The tool calls the model asked for, in order.
    pub fn tool_calls(&self) -> Vec<ToolCall> {
        self.message
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::ToolCall {
                    id,
                    name,
                    arguments,
                } => Some(ToolCall {
                    id: id.clone(),
                    name: name.clone(),
                    arguments: arguments.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// The output messages in the GenAI shape (the message plus its finish reason).
    pub fn output_messages(&self) -> Value {
        json!([{
            "role": self.message.role,
            "parts": self.message.parts,
            "finish_reason": self.finish_reason,
        }])
    }
}
