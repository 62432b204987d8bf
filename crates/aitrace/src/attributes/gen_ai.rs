//! OpenTelemetry GenAI semantic convention names (the `gen_ai` dialect, on by default).
//!
//! Pinned to [`SEMCONV_VERSION`]. Names marked *extension* are not in the
//! GenAI attribute registry of that version; they are listed in
//! `crates/aitrace/data/gen_ai_extensions.txt` and checked by a test.
#![allow(missing_docs)]

/// The GenAI conventions these names follow: the gen-ai registry of the
/// `open-telemetry/semantic-conventions` repository as it stood before the GenAI
/// conventions moved to `semantic-conventions-genai` (parent of commit c9e48b1d1).
pub const SEMCONV_VERSION: &str = "semantic-conventions gen-ai registry @ c9e48b1d1^";

pub const OPERATION_NAME: &str = "gen_ai.operation.name";
pub const PROVIDER_NAME: &str = "gen_ai.provider.name";
/// Deprecated name of [`PROVIDER_NAME`]; emitted only with the compatibility switch.
pub const SYSTEM: &str = "gen_ai.system";
pub const WORKFLOW_NAME: &str = "gen_ai.workflow.name";
pub const CONVERSATION_ID: &str = "gen_ai.conversation.id";

pub const AGENT_NAME: &str = "gen_ai.agent.name";
pub const AGENT_ID: &str = "gen_ai.agent.id";
pub const OUTPUT_TYPE: &str = "gen_ai.output.type";

pub const REQUEST_MODEL: &str = "gen_ai.request.model";
pub const REQUEST_MAX_TOKENS: &str = "gen_ai.request.max_tokens";
pub const REQUEST_TEMPERATURE: &str = "gen_ai.request.temperature";
pub const REQUEST_TOP_P: &str = "gen_ai.request.top_p";
pub const REQUEST_TOP_K: &str = "gen_ai.request.top_k";
pub const REQUEST_SEED: &str = "gen_ai.request.seed";
pub const REQUEST_FREQUENCY_PENALTY: &str = "gen_ai.request.frequency_penalty";
pub const REQUEST_PRESENCE_PENALTY: &str = "gen_ai.request.presence_penalty";
pub const REQUEST_STOP_SEQUENCES: &str = "gen_ai.request.stop_sequences";
pub const REQUEST_STREAM: &str = "gen_ai.request.stream";
pub const RESPONSE_ID: &str = "gen_ai.response.id";
pub const RESPONSE_MODEL: &str = "gen_ai.response.model";
pub const RESPONSE_FINISH_REASONS: &str = "gen_ai.response.finish_reasons";
/// Seconds from request to the first chunk of a streamed response.
pub const RESPONSE_TIME_TO_FIRST_CHUNK: &str = "gen_ai.response.time_to_first_chunk";
pub const USAGE_INPUT_TOKENS: &str = "gen_ai.usage.input_tokens";
pub const USAGE_OUTPUT_TOKENS: &str = "gen_ai.usage.output_tokens";
pub const USAGE_CACHE_READ_INPUT_TOKENS: &str = "gen_ai.usage.cache_read.input_tokens";
pub const USAGE_CACHE_CREATION_INPUT_TOKENS: &str = "gen_ai.usage.cache_creation.input_tokens";
pub const USAGE_REASONING_OUTPUT_TOKENS: &str = "gen_ai.usage.reasoning.output_tokens";
/// *Extension*: total cost in USD, read by Langfuse.
pub const USAGE_COST: &str = "gen_ai.usage.cost";
pub const INPUT_MESSAGES: &str = "gen_ai.input.messages";
pub const OUTPUT_MESSAGES: &str = "gen_ai.output.messages";
pub const SYSTEM_INSTRUCTIONS: &str = "gen_ai.system_instructions";

pub const TOOL_NAME: &str = "gen_ai.tool.name";
pub const TOOL_CALL_ID: &str = "gen_ai.tool.call.id";
pub const TOOL_TYPE: &str = "gen_ai.tool.type";
pub const TOOL_DESCRIPTION: &str = "gen_ai.tool.description";
pub const TOOL_CALL_ARGUMENTS: &str = "gen_ai.tool.call.arguments";
pub const TOOL_CALL_RESULT: &str = "gen_ai.tool.call.result";

/// *Extension* (proposed upstream): the agent handing off.
pub const HANDOFF_SOURCE_NAME: &str = "gen_ai.agent.handoff.source.name";
/// *Extension* (proposed upstream): the agent receiving the handoff.
pub const HANDOFF_TARGET_NAME: &str = "gen_ai.agent.handoff.target.name";

/// *Extension*: guardrail component name.
pub const GUARDRAIL_COMPONENT_NAME: &str = "gen_ai.guardrail.component.name";
/// *Extension*: what the guardrail checked (input, output, tool_input, tool_output).
pub const GUARDRAIL_SOURCE: &str = "gen_ai.guardrail.source";
/// *Extension*: the guardrail result type (`tripwire_triggered` or `passed`).
pub const GUARDRAIL_RESULT_TYPE: &str = "gen_ai.guardrail.result.type";
/// *Extension*: whether the tripwire fired.
pub const GUARDRAIL_RESULT_VALUE: &str = "gen_ai.guardrail.result.value";
/// *Extension*: why the guardrail decided as it did.
pub const GUARDRAIL_RESULT_REASON: &str = "gen_ai.guardrail.result.reason";

pub const EMBEDDINGS_DIMENSION_COUNT: &str = "gen_ai.embeddings.dimension.count";
pub const DATA_SOURCE_ID: &str = "gen_ai.data_source.id";
/// The query of a retrieval (content).
pub const RETRIEVAL_QUERY_TEXT: &str = "gen_ai.retrieval.query.text";
/// The documents a retrieval returned, as JSON (content).
pub const RETRIEVAL_DOCUMENTS: &str = "gen_ai.retrieval.documents";

// General (not `gen_ai.*`) conventions used with the gen_ai dialect; listed, with
// where they come from, in `crates/aitrace/data/gen_ai_general_names.txt`.

/// The class of error a span ended with (emitted whatever the dialects).
pub const ERROR_TYPE: &str = "error.type";
pub const SERVER_ADDRESS: &str = "server.address";
pub const SERVER_PORT: &str = "server.port";
/// The end user (the general `user` namespace); read by MLflow and Langfuse.
pub const USER_ID: &str = "user.id";
/// The conversation as a session (the general `session` namespace); read by
/// Langfuse, Phoenix and MLflow to group traces into sessions.
pub const SESSION_ID: &str = "session.id";
pub const MCP_METHOD_NAME: &str = "mcp.method.name";
pub const MCP_SESSION_ID: &str = "mcp.session.id";
/// The version of the Model Context Protocol in use, such as `2025-06-18`.
pub const MCP_PROTOCOL_VERSION: &str = "mcp.protocol.version";
/// The transport of an MCP session: `tcp` or `quic` for HTTP, `pipe` for stdio.
pub const NETWORK_TRANSPORT: &str = "network.transport";

/// Values of [`OPERATION_NAME`].
pub mod operation {
    pub const CHAT: &str = "chat";
    pub const TEXT_COMPLETION: &str = "text_completion";
    pub const GENERATE_CONTENT: &str = "generate_content";
    pub const EMBEDDINGS: &str = "embeddings";
    pub const RETRIEVAL: &str = "retrieval";
    pub const INVOKE_AGENT: &str = "invoke_agent";
    pub const CREATE_AGENT: &str = "create_agent";
    pub const INVOKE_WORKFLOW: &str = "invoke_workflow";
    pub const EXECUTE_TOOL: &str = "execute_tool";
}

/// Values of [`MCP_METHOD_NAME`].
pub mod mcp_method {
    pub const TOOLS_LIST: &str = "tools/list";
}
