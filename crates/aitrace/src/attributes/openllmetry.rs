//! OpenLLMetry (Traceloop) attribute names that aitrace reads on spans it did
//! not make; aitrace never writes them. Source: the `opentelemetry-semantic-conventions-ai`
//! Python package (`opentelemetry.semconv_ai`, version 0.5.1), whose constants
//! the OpenLLMetry instrumentations write.
//!
//! Current OpenLLMetry instrumentations write the OpenTelemetry GenAI names
//! ([`gen_ai`](super::gen_ai)); older releases, still deployed, write the
//! names below.
#![allow(missing_docs)]

/// The kind of a span made by the Traceloop SDK's decorators (`@workflow`,
/// `@task`, `@agent`, `@tool`).
pub const SPAN_KIND: &str = "traceloop.span.kind";
/// The kind of request of a model-call span (`chat`, `completion`, …).
pub const LLM_REQUEST_TYPE: &str = "llm.request.type";
/// Input tokens, before the GenAI conventions named them `gen_ai.usage.input_tokens`.
pub const USAGE_PROMPT_TOKENS: &str = "gen_ai.usage.prompt_tokens";
/// Output tokens, before the GenAI conventions named them `gen_ai.usage.output_tokens`.
pub const USAGE_COMPLETION_TOKENS: &str = "gen_ai.usage.completion_tokens";
/// Cache reads, before semconv-ai 0.5.0 moved to `gen_ai.usage.cache_read.input_tokens`.
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read_input_tokens";
/// Cache writes, before semconv-ai 0.5.0 moved to `gen_ai.usage.cache_creation.input_tokens`.
pub const USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation_input_tokens";

/// Values of [`SPAN_KIND`].
pub mod span_kind {
    pub const WORKFLOW: &str = "workflow";
    pub const TASK: &str = "task";
    pub const AGENT: &str = "agent";
    pub const TOOL: &str = "tool";
}

/// Values of [`LLM_REQUEST_TYPE`].
pub mod request_type {
    pub const CHAT: &str = "chat";
    pub const COMPLETION: &str = "completion";
    pub const EMBEDDING: &str = "embedding";
    pub const RERANK: &str = "rerank";
}
