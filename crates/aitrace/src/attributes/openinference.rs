//! OpenInference attribute names (the `openinference` dialect, opt-in), as read by
//! Arize Phoenix. Source: the OpenInference semantic conventions specification.
//!
//! Two of them are emitted whatever the dialects, because they are what AI
//! backends read first to tell what a span is and what a step was given: the
//! span kind ([`SPAN_KIND`], on every span, see [`kind_of`]) and a step's input
//! and output ([`INPUT_VALUE`], [`OUTPUT_VALUE`] and their mime types, on
//! workflow, agent and custom spans, under the content policy).
#![allow(missing_docs)]

/// The kind of a span (`LLM`, `AGENT`, `TOOL`, …): emitted on every span whatever
/// the dialects, with the value [`kind_of`] gives.
pub const SPAN_KIND: &str = "openinference.span.kind";
/// The same name as the general OpenTelemetry convention `session.id`.
pub use super::gen_ai::SESSION_ID;
/// The same name as the general OpenTelemetry convention `user.id`.
pub use super::gen_ai::USER_ID;
pub const METADATA: &str = "metadata";
pub const AGENT_NAME: &str = "agent.name";
pub const GRAPH_NODE_ID: &str = "graph.node.id";
pub const LLM_PROVIDER: &str = "llm.provider";
pub const LLM_MODEL_NAME: &str = "llm.model_name";
pub const LLM_TOKEN_COUNT_PROMPT: &str = "llm.token_count.prompt";
pub const LLM_TOKEN_COUNT_COMPLETION: &str = "llm.token_count.completion";
pub const LLM_TOKEN_COUNT_TOTAL: &str = "llm.token_count.total";
pub const LLM_TOKEN_COUNT_CACHE_READ: &str = "llm.token_count.prompt_details.cache_read";
pub const LLM_TOKEN_COUNT_CACHE_WRITE: &str = "llm.token_count.prompt_details.cache_write";
pub const LLM_TOKEN_COUNT_REASONING: &str = "llm.token_count.completion_details.reasoning";
pub const LLM_COST_TOTAL: &str = "llm.cost.total";
pub const LLM_COST_PROMPT: &str = "llm.cost.prompt";
pub const LLM_COST_COMPLETION: &str = "llm.cost.completion";
pub const LLM_INVOCATION_PARAMETERS: &str = "llm.invocation_parameters";
pub const LLM_FINISH_REASON: &str = "llm.finish_reason";
pub const INPUT_VALUE: &str = "input.value";
pub const INPUT_MIME_TYPE: &str = "input.mime_type";
pub const OUTPUT_VALUE: &str = "output.value";
pub const OUTPUT_MIME_TYPE: &str = "output.mime_type";
pub const TOOL_NAME: &str = "tool.name";
pub const TOOL_ID: &str = "tool.id";
pub const TOOL_DESCRIPTION: &str = "tool.description";
pub const EMBEDDING_MODEL_NAME: &str = "embedding.model_name";

/// Values of [`SPAN_KIND`].
pub mod kind {
    pub const CHAIN: &str = "CHAIN";
    pub const AGENT: &str = "AGENT";
    pub const LLM: &str = "LLM";
    pub const TOOL: &str = "TOOL";
    pub const GUARDRAIL: &str = "GUARDRAIL";
    pub const EMBEDDING: &str = "EMBEDDING";
    pub const RETRIEVER: &str = "RETRIEVER";
    // Read on spans from other instrumentation; aitrace never writes these.
    pub const RERANKER: &str = "RERANKER";
    pub const EVALUATOR: &str = "EVALUATOR";
    pub const PROMPT: &str = "PROMPT";
    pub const DECISION: &str = "DECISION";
}

/// The [`SPAN_KIND`] of a span of type `span_type` (a value of
/// [`ai::span_type`](super::ai::span_type)): the one place where each type gets
/// its kind.
///
/// Model calls are `LLM` (transcription and speech included: OpenInference has no
/// audio kind), tool-like steps `TOOL` (a handoff is the tool call that transfers
/// control, an MCP `tools/list` a call to a tool server), and steps that only
/// orchestrate others `CHAIN` (workflow, speech group, custom spans).
///
/// ```
/// use aitrace::attributes::{ai::span_type, openinference::{kind, kind_of}};
///
/// assert_eq!(kind_of(span_type::GENERATION), kind::LLM);
/// assert_eq!(kind_of(span_type::MCP_LIST_TOOLS), kind::TOOL);
/// assert_eq!(kind_of(span_type::WORKFLOW), kind::CHAIN);
/// ```
pub fn kind_of(span_type: &str) -> &'static str {
    use super::ai::span_type as t;
    match span_type {
        t::AGENT => kind::AGENT,
        t::GENERATION | t::TRANSCRIPTION | t::SPEECH => kind::LLM,
        t::TOOL | t::HANDOFF | t::MCP_LIST_TOOLS => kind::TOOL,
        t::GUARDRAIL => kind::GUARDRAIL,
        t::EMBEDDING => kind::EMBEDDING,
        t::RETRIEVAL => kind::RETRIEVER,
        // workflow, speech_group, custom, and any type added later
        _ => kind::CHAIN,
    }
}

/// Value of the mime-type attributes for JSON content.
pub const MIME_JSON: &str = "application/json";
