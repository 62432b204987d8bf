//! OpenInference attribute names (the `openinference` dialect, opt-in), as read by
//! Arize Phoenix. Source: the OpenInference semantic conventions specification.
#![allow(missing_docs)]

pub const SPAN_KIND: &str = "openinference.span.kind";
pub const SESSION_ID: &str = "session.id";
pub const USER_ID: &str = "user.id";
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
}

/// Value of the mime-type attributes for JSON content.
pub const MIME_JSON: &str = "application/json";
