//! aitrace's own attribute names (the `ai` dialect, always on).
#![allow(missing_docs)]

pub const SPAN_TYPE: &str = "ai.span.type";
pub const WORKFLOW_NAME: &str = "ai.workflow.name";
pub const CONVERSATION_ID: &str = "ai.conversation.id";
pub const USER_ID: &str = "ai.user.id";
pub const TENANT_ID: &str = "ai.tenant.id";
pub const GROUP_ID: &str = "ai.group.id";
/// How many of the user's attributes a span did not keep (over its budget).
pub const DROPPED_ATTRIBUTES: &str = "ai.dropped_attributes";
/// Prefix of user metadata: `ai.metadata.<key>`.
pub const METADATA_PREFIX: &str = "ai.metadata.";

pub const AGENT_NAME: &str = "ai.agent.name";
pub const AGENT_ID: &str = "ai.agent.id";
pub const AGENT_TOOLS: &str = "ai.agent.tools";
pub const AGENT_HANDOFFS: &str = "ai.agent.handoffs";
pub const AGENT_OUTPUT_TYPE: &str = "ai.agent.output_type";

pub const PROVIDER: &str = "ai.provider";
pub const MODEL: &str = "ai.model";
pub const OPERATION: &str = "ai.operation";
pub const RESPONSE_MODEL: &str = "ai.response.model";
pub const RESPONSE_ID: &str = "ai.response.id";
pub const PROMPT_TOKENS: &str = "ai.prompt_tokens";
pub const COMPLETION_TOKENS: &str = "ai.completion_tokens";
pub const TOTAL_TOKENS: &str = "ai.total_tokens";
pub const CACHE_READ_TOKENS: &str = "ai.cache_read_tokens";
pub const CACHE_CREATION_TOKENS: &str = "ai.cache_creation_tokens";
pub const REASONING_TOKENS: &str = "ai.reasoning_tokens";
pub const COST_USD: &str = "ai.cost_usd";
pub const COST_MICROCENTS: &str = "ai.cost_microcents";
pub const MAX_TOKENS: &str = "ai.max_tokens";
pub const TEMPERATURE: &str = "ai.temperature";
pub const TOP_P: &str = "ai.top_p";
pub const MESSAGES_COUNT: &str = "ai.messages_count";
pub const FINISH_REASON: &str = "ai.finish_reason";
pub const STREAM: &str = "ai.stream";
pub const TIME_TO_FIRST_TOKEN_MS: &str = "ai.time_to_first_token_ms";
/// Set to `true` on a streaming generation dropped before its stream finished.
pub const INCOMPLETE: &str = "ai.incomplete";
pub const INPUT: &str = "ai.input";
pub const OUTPUT: &str = "ai.output";

pub const TOOL_NAME: &str = "ai.tool.name";
pub const TOOL_CALL_ID: &str = "ai.tool.call_id";
pub const TOOL_TYPE: &str = "ai.tool.type";
pub const TOOL_DESCRIPTION: &str = "ai.tool.description";
pub const TOOL_INPUT: &str = "ai.tool.input";
pub const TOOL_OUTPUT: &str = "ai.tool.output";

pub const HANDOFF_FROM: &str = "ai.handoff.from_agent";
pub const HANDOFF_TO: &str = "ai.handoff.to_agent";

pub const GUARDRAIL_NAME: &str = "ai.guardrail.name";
pub const GUARDRAIL_TYPE: &str = "ai.guardrail.type";
pub const GUARDRAIL_TRIGGERED: &str = "ai.guardrail.triggered";
pub const GUARDRAIL_REASON: &str = "ai.guardrail.reason";

pub const MCP_SERVER: &str = "ai.mcp.server";
pub const MCP_TOOLS: &str = "ai.mcp.tools";

pub const EMBEDDING_DIMENSIONS: &str = "ai.embedding.dimensions";
pub const RETRIEVAL_SOURCE: &str = "ai.retrieval.source";
pub const RETRIEVAL_TOP_K: &str = "ai.retrieval.top_k";
pub const RETRIEVAL_DOCUMENTS_COUNT: &str = "ai.retrieval.documents_count";

pub const AUDIO_FORMAT: &str = "ai.audio.format";
pub const AUDIO_DURATION_MS: &str = "ai.audio.duration_ms";
pub const AUDIO_SAMPLE_RATE: &str = "ai.audio.sample_rate";

/// Values of [`SPAN_TYPE`].
pub mod span_type {
    pub const WORKFLOW: &str = "workflow";
    pub const AGENT: &str = "agent";
    pub const GENERATION: &str = "generation";
    pub const TOOL: &str = "tool";
    pub const HANDOFF: &str = "handoff";
    pub const GUARDRAIL: &str = "guardrail";
    pub const MCP_LIST_TOOLS: &str = "mcp_list_tools";
    pub const EMBEDDING: &str = "embedding";
    pub const RETRIEVAL: &str = "retrieval";
    pub const TRANSCRIPTION: &str = "transcription";
    pub const SPEECH: &str = "speech";
    pub const SPEECH_GROUP: &str = "speech_group";
    pub const CUSTOM: &str = "custom";
}
