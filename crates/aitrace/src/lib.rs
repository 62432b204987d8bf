//! Typed OpenTelemetry spans for AI agent applications.
//!
//! aitrace turns every agent run, model call (generation), tool call, handoff and
//! guardrail check into an OpenTelemetry span with well-known attributes: its own
//! `ai.*` names always, the OpenTelemetry GenAI `gen_ai.*` conventions by default,
//! and OpenInference on request. Token usage and cost are first-class.
//!
//! # In libraries
//! Depend on `aitrace` alone. It uses the OpenTelemetry API only (no SDK, no async
//! runtime, no gRPC), so it costs almost nothing when the application installs no
//! tracer provider, and works under whichever provider it does install.
//!
//! # In executables
//! Install a pipeline with the `aitrace-sdk` crate (console tree, JSON lines,
//! in-memory, OTLP), then use the span API anywhere.
//!
//! ```
//! use aitrace::Usage;
//!
//! let run = aitrace::trace("support").with_conversation_id("conv-42").start();
//! run.in_scope(|| {
//!     let agent = aitrace::agent("triage").with_tools(["search_kb"]).start();
//!     agent.in_scope(|| {
//!         let mut call = aitrace::generation("openai", "gpt-4o").start();
//!         call.record_usage(Usage::new(812, 64));
//!         call.end();
//!
//!         let tool = aitrace::tool("search_kb").with_call_id("call_1").start();
//!         tool.end();
//!     });
//!     agent.end();
//! });
//! run.end();
//! ```
//!
//! # What a span records
//! - Content (prompts, completions, tool arguments and results) only when
//!   [`Settings::capture_content`] is on; see [`content`].
//! - Cost from the bundled [`PriceTable`] when the model is priced, never a guess.
//! - Nothing at all when tracing is off ([`set_enabled`], `OTEL_SDK_DISABLED`), while
//!   trace ids stay available.
//!
//! Recording never panics: attributes on a span that is not recording are not even
//! built, and a span guard dropped without [`AgentSpan::end`] still ends its span once.
#![warn(missing_docs)]

pub mod attributes;
pub mod content;
mod context;
mod enabled;
pub mod hooks;
pub mod pricing;
pub mod propagation;
pub mod settings;
mod span;
mod usage;

pub use context::{
    current_span_id, current_trace_id, in_current_span, inherited_attributes, FutureExt,
};
pub use enabled::{is_enabled, set_enabled, ENV_SDK_DISABLED};
pub use pricing::{Cost, ModelPrice, PriceTable, PricingError};
pub use settings::{global_settings, set_global_settings, Dialects, Settings, SettingsError};
pub use span::agent::{AgentBuilder, AgentSpan};
pub use span::custom::{CustomBuilder, CustomSpan};
pub use span::embedding::{EmbeddingBuilder, EmbeddingSpan};
pub use span::generation::{GenerationBuilder, GenerationSpan, Operation};
pub use span::guardrail::{GuardrailBuilder, GuardrailSpan, GuardrailType};
pub use span::handoff::{HandoffBuilder, HandoffSpan};
pub use span::mcp::{McpListToolsBuilder, McpListToolsSpan};
pub use span::retrieval::{RetrievalBuilder, RetrievalSpan};
pub use span::tool::{ToolBuilder, ToolSpan};
pub use span::voice::{
    SpeechBuilder, SpeechGroupBuilder, SpeechGroupSpan, SpeechSpan, TranscriptionBuilder,
    TranscriptionSpan,
};
pub use span::workflow::{TraceBuilder, TraceSpan};
pub use usage::Usage;

use std::borrow::Cow;

/// Starts building a trace (workflow): the local root of one agent run.
pub fn trace<'a>(workflow_name: impl Into<Cow<'static, str>>) -> TraceBuilder<'a> {
    TraceBuilder::new(workflow_name)
}

/// Starts building an agent span, `invoke_agent {name}`.
pub fn agent<'a>(name: impl Into<Cow<'static, str>>) -> AgentBuilder<'a> {
    AgentBuilder::new(name)
}

/// Starts building a model call span, `chat {model}`. `provider` is a
/// `gen_ai.provider.name` value such as `openai`, `anthropic`, `gcp.gemini`, `mistral_ai`.
pub fn generation<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> GenerationBuilder<'a> {
    GenerationBuilder::new(provider, model)
}

/// Starts building a tool call span, `execute_tool {name}`.
pub fn tool<'a>(name: impl Into<Cow<'static, str>>) -> ToolBuilder<'a> {
    ToolBuilder::new(name)
}

/// Starts building a handoff span, `execute_tool transfer_to_{to}`: agent `from`
/// passes the conversation to agent `to`, whose span then nests under it.
pub fn handoff<'a>(
    from: impl Into<Cow<'static, str>>,
    to: impl Into<Cow<'static, str>>,
) -> HandoffBuilder<'a> {
    HandoffBuilder::new(from, to)
}

/// Starts building a guardrail span, `apply_guardrail {name}`.
pub fn guardrail<'a>(name: impl Into<Cow<'static, str>>) -> GuardrailBuilder<'a> {
    GuardrailBuilder::new(name)
}

/// Starts building a span for listing the tools of an MCP server, `tools/list {server}`.
pub fn mcp_list_tools<'a>(server: impl Into<Cow<'static, str>>) -> McpListToolsBuilder<'a> {
    McpListToolsBuilder::new(server)
}

/// Starts building an embeddings call span, `embeddings {model}`.
pub fn embeddings<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> EmbeddingBuilder<'a> {
    EmbeddingBuilder::new(provider, model)
}

/// Starts building a retrieval span, `retrieval {source}`, for a query to a vector
/// store, search index or other data source.
pub fn retrieval<'a>(source: impl Into<Cow<'static, str>>) -> RetrievalBuilder<'a> {
    RetrievalBuilder::new(source)
}

/// Starts building a speech-to-text span, `transcription {model}`.
pub fn transcription<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> TranscriptionBuilder<'a> {
    TranscriptionBuilder::new(provider, model)
}

/// Starts building a text-to-speech span, `speech {model}`.
pub fn speech<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> SpeechBuilder<'a> {
    SpeechBuilder::new(provider, model)
}

/// Starts building a `speech_group` span: one turn of a voice pipeline, parent of
/// its transcription and speech spans.
pub fn speech_group<'a>() -> SpeechGroupBuilder<'a> {
    SpeechGroupBuilder::new()
}

/// Starts building a span of your own, with the name you choose.
pub fn custom<'a>(name: impl Into<Cow<'static, str>>) -> CustomBuilder<'a> {
    CustomBuilder::new(name)
}
