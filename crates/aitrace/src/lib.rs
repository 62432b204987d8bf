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
//! # OpenTelemetry types
//! aitrace is built on the `opentelemetry` API crate and re-exports it as
//! [`aitrace::opentelemetry`](opentelemetry): a crate that uses aitrace needs no
//! `opentelemetry` dependency of its own, and has no version to keep in step with
//! aitrace's. The types that aitrace's own methods take and return are also at the
//! crate root:
//!
//! - [`Context`]: a parent for [`TraceBuilder::child_of`] and the other builders, and
//!   what `span.context()` returns;
//! - [`KeyValue`], [`Key`], [`Value`]: attributes of custom spans and events;
//! - [`SpanKind`]: the kind of a [`custom`] span;
//! - [`TraceId`], [`SpanId`], [`SpanContext`], [`TraceFlags`]: ids, for logs and for
//!   a parent that arrives by other means than headers;
//! - [`Status`]: a finished span's outcome, as exporters and tests read it.
//!
//! Anything else (traits such as `TraceContextExt`, the `global` provider functions,
//! propagation) is under [`opentelemetry`].
//!
//! ```
//! use aitrace::opentelemetry::trace::{TraceContextExt, TraceState};
//! use aitrace::{Context, KeyValue, SpanContext, SpanId, SpanKind, TraceFlags, TraceId};
//!
//! // A parent whose ids came in a job payload rather than in HTTP headers.
//! let parent = Context::new().with_remote_span_context(SpanContext::new(
//!     TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736")?,
//!     SpanId::from_hex("00f067aa0ba902b7")?,
//!     TraceFlags::SAMPLED,
//!     true,
//!     TraceState::NONE,
//! ));
//! let step = aitrace::custom("rerank")
//!     .with_kind(SpanKind::Internal)
//!     .with_attribute(KeyValue::new("rerank.candidates", 50))
//!     .child_of(&parent)
//!     .start();
//! step.set_attribute(KeyValue::new("rerank.kept", 5));
//! step.end();
//! # Ok::<(), Box<dyn std::error::Error>>(())
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
//! built, and a span guard dropped without [`AiSpan::end`] still ends its span once:
//! in error when its code panicked, otherwise marked incomplete (`ai.incomplete`).
//!
//! # The `#[traced]` attribute
//! [`macro@traced`] puts a span around every call of a function or method, like a
//! `@traced` decorator: named after the function, typed with `kind = tool`,
//! `agent` or `workflow`, an `Err` recorded as the span's error, arguments and
//! return value recorded under the content policy.
//!
//! # Feature flags
//! - `macros` (default): the [`macro@traced`] attribute. Without it, aitrace
//!   builds no procedural macro of its own.
//! - `http` (default): `http::HeaderMap` carriers in [`propagation`].
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod attributes;
pub mod content;
mod context;
mod enabled;
pub mod env;
pub mod hooks;
pub mod instrumentation;
pub mod metrics;
pub mod model_calls;
mod panic_hook;
pub mod pipeline;
pub mod pricing;
pub mod propagation;
pub mod settings;
mod span;
#[cfg(feature = "macros")]
mod traced_support;
mod usage;

/// What the code `#[traced]` generates calls; not public API.
#[cfg(feature = "macros")]
#[doc(hidden)]
pub mod __private {
    pub use crate::traced_support::*;
}

pub use context::{
    current_span_id, current_trace_id, in_current_span, inherited_attributes, FutureExt,
};
pub use enabled::{is_enabled, set_enabled, ENV_SDK_DISABLED};
pub use env::ConfigWarning;
pub use panic_hook::install_panic_hook;
pub use pricing::{Cost, ModelPrice, PriceTable, PricingError};
pub use settings::{global_settings, set_global_settings, Dialects, Settings};
pub use span::generation::Operation;
pub use span::guardrail::GuardrailType;
pub use span::mcp::NetworkTransport;
pub use span::{AiSpan, SpanBuilder};

/// The kinds of AI span: each is the `K` of an [`AiSpan<K>`] (the running span)
/// and of a [`SpanBuilder<K>`] (its builder), and adds its own methods to both.
/// [`kind::Kind`] is sealed: these are all the kinds.
pub mod kind {
    pub use crate::span::agent::Agent;
    pub use crate::span::custom::Custom;
    pub use crate::span::embedding::Embedding;
    pub use crate::span::generation::Generation;
    pub use crate::span::guardrail::Guardrail;
    pub use crate::span::handoff::Handoff;
    pub use crate::span::mcp::McpListTools;
    pub use crate::span::retrieval::Retrieval;
    pub use crate::span::tool::Tool;
    pub use crate::span::voice::{Speech, SpeechGroup, Transcription};
    pub use crate::span::workflow::Workflow;
    pub use crate::span::Kind;
}

macro_rules! kind_aliases {
    ($($kind:ident: $span:ident, $builder:ident;)*) => {$(
        #[doc = concat!("A running span of kind [`kind::", stringify!($kind), "`].")]
        pub type $span = AiSpan<kind::$kind>;
        #[doc = concat!("The builder of a [`", stringify!($span), "`].")]
        pub type $builder<'a> = SpanBuilder<'a, kind::$kind>;
    )*};
}

kind_aliases! {
    Workflow: TraceSpan, TraceBuilder;
    Agent: AgentSpan, AgentBuilder;
    Generation: GenerationSpan, GenerationBuilder;
    Tool: ToolSpan, ToolBuilder;
    Handoff: HandoffSpan, HandoffBuilder;
    Guardrail: GuardrailSpan, GuardrailBuilder;
    McpListTools: McpListToolsSpan, McpListToolsBuilder;
    Embedding: EmbeddingSpan, EmbeddingBuilder;
    Retrieval: RetrievalSpan, RetrievalBuilder;
    Transcription: TranscriptionSpan, TranscriptionBuilder;
    Speech: SpeechSpan, SpeechBuilder;
    SpeechGroup: SpeechGroupSpan, SpeechGroupBuilder;
    Custom: CustomSpan, CustomBuilder;
}
pub use usage::Usage;

/// The OpenTelemetry API this crate is built on (see [OpenTelemetry types](crate#opentelemetry-types)).
pub use opentelemetry;
pub use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId};
pub use opentelemetry::{Context, Key, KeyValue, Value};

// The crate README's example runs as a doc test, so that what crates.io shows compiles.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// Starts a span for every call of the function or method it is put on.
///
/// ```
/// #[aitrace::traced(kind = tool)]
/// fn get_weather(city: &str) -> Result<String, std::io::Error> {
///     Ok(format!("sunny in {city}"))
/// }
///
/// #[aitrace::traced(kind = agent, name = "triage")]
/// async fn triage(question: String) -> String {
///     // A child of `invoke_agent triage`, across any `.await`.
///     get_weather("Paris").unwrap_or_default()
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let answer = triage("Weather in Paris?".into()).await;
/// assert_eq!(answer, "sunny in Paris");
/// # });
/// ```
///
/// The span starts when the body starts (for an `async fn`, at its first poll),
/// as a child of the span current then, and ends when the function returns, by
/// any path: the end of the body, `return`, `?`, or a panic. While the body
/// runs, its span is the current span, across `.await` too, so spans started
/// inside it, and in tasks spawned with [`in_current_span`], are its children.
/// Attributes, visibility, doc comments and the signature of the function stay
/// as written; `self`, `&self`, `&mut self`, generics, `impl Trait` arguments,
/// `where` clauses, `unsafe fn` and trait methods with a body all work.
///
/// # Arguments of the attribute
/// | argument | effect |
/// |---|---|
/// | `name = "…"` | the name of the span (or of the tool, agent, workflow); default: the function's name |
/// | `kind = custom` (default) | a [`custom`] span named `name` |
/// | `kind = tool` | a [`tool`] span, `execute_tool {name}` |
/// | `kind = agent` | an [`agent`] span, `invoke_agent {name}` |
/// | `kind = workflow` | a workflow span ([`trace`]), `invoke_workflow {name}`: the root of a run, whose attributes spans below inherit |
/// | `skip(a, b)` | do not record these arguments |
/// | `skip_all` | record no argument |
/// | `skip_output` | do not record the return value |
/// | `no_err` | do not record an `Err` return as an error (for functions whose `Err` is an expected answer, not a failure) |
///
/// The other span types need data that a signature does not give (a
/// generation needs a provider and a model, a handoff the agents on both
/// sides, a guardrail its verdict): `kind = generation` and the like are
/// compile errors that name the builder to call in the body instead. Any
/// misuse (an unknown argument, a `name` that is not a string literal, a `skip`
/// of an argument the function does not have, the attribute on a struct) is a
/// compile error at the offending token that says what is accepted.
///
/// # Errors
/// When the function returns `Err(e)` of a `Result` (whatever it is called:
/// `io::Result<T>`, `anyhow::Result<T>` and your own aliases are recognised by
/// their type, not their spelling), the span gets status `Error`, an
/// `exception` event and `error.type`, as [`CustomSpan::record_error`] does:
/// the type is `e`'s type name, the message its `Display` (its `Debug` if it
/// has no `Display`, so `anyhow::Error`-like types that implement `Display` but
/// not `std::error::Error` work too). An `Err` returned by `?` is recorded the
/// same way. A panic that unwinds out of the function is recorded with
/// `error.type` `panic` before the span ends.
///
/// # Arguments and return value (content)
/// With content capture on ([`Settings::capture_content`]), and only then, the
/// arguments are recorded as one JSON object keyed by argument name, and the
/// return value (the `Ok` value of a `Result`) as JSON: as the span's input
/// and output (`ai.input` / `ai.output`, see [`CustomSpan::record_input`]), or for
/// a tool as its arguments and result ([`ToolSpan::record_arguments`],
/// [`ToolSpan::record_result`]). The redactor and the byte limit of the
/// settings apply. A value is recorded through its `serde::Serialize` if it
/// has one, else as a string of its `Debug`, else as its type name in brackets:
/// no bound is required, so any function compiles. `self` is never recorded,
/// nor is a `()` return value; destructured arguments are recorded by the names
/// they bind. When capture is off or the span does not record (tracing
/// disabled, or not sampled), nothing is serialised or formatted.
///
/// ```
/// # use aitrace::Settings;
/// # #[derive(Debug)] struct Client;
/// #[derive(serde::Serialize)]
/// struct Query { text: String, top_k: usize }
///
/// // The client is neither recorded nor required to implement anything.
/// #[aitrace::traced(kind = tool, skip(client))]
/// fn search_kb(client: &Client, query: Query) -> Vec<String> {
///     vec![format!("{} result(s) for {}", query.top_k, query.text)]
/// }
/// # let run = aitrace::trace("doc").with_settings(Settings::default().with_capture_content(true)).start();
/// # run.in_scope(|| search_kb(&Client, Query { text: "refunds".into(), top_k: 3 }));
/// ```
///
/// # Limits
/// - `const fn` cannot be traced (a span starts at run time), nor a function
///   that returns `impl Future` (it would time only the creation of the future:
///   write an `async fn`).
/// - A return type that mentions `impl Trait`, or is `!`, cannot be named
///   inside the function: its value is not recorded, nor an `Err` in it; the
///   span still covers the call.
/// - The body of a synchronous function that returns a value runs in a
///   closure (so that the value can be seen before it is returned), which
///   `#[track_caller]` does not reach: inside the body, `Location::caller()`
///   and panics report the body's own location, not the caller's.
/// - The generated code names `::aitrace`, so the crate must be a dependency
///   under that name.
#[cfg(feature = "macros")]
#[doc(inline)]
pub use aitrace_macros::traced;

use std::borrow::Cow;

/// Starts building a trace (workflow): the local root of one agent run.
pub fn trace<'a>(workflow_name: impl Into<Cow<'static, str>>) -> TraceBuilder<'a> {
    SpanBuilder::of(kind::Workflow::new(workflow_name))
}

/// Starts building an agent span, `invoke_agent {name}`.
pub fn agent<'a>(name: impl Into<Cow<'static, str>>) -> AgentBuilder<'a> {
    SpanBuilder::of(kind::Agent::new(name))
}

/// Starts building a model call span, `chat {model}`. `provider` is a
/// `gen_ai.provider.name` value such as `openai`, `anthropic`, `gcp.gemini`, `mistral_ai`.
pub fn generation<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> GenerationBuilder<'a> {
    SpanBuilder::of(kind::Generation::new(provider, model))
}

/// Starts building a tool call span, `execute_tool {name}`.
pub fn tool<'a>(name: impl Into<Cow<'static, str>>) -> ToolBuilder<'a> {
    SpanBuilder::of(kind::Tool::new(name))
}

/// Starts building a handoff span, `execute_tool transfer_to_{to}`: agent `from`
/// passes the conversation to agent `to`, whose span then nests under it.
pub fn handoff<'a>(
    from: impl Into<Cow<'static, str>>,
    to: impl Into<Cow<'static, str>>,
) -> HandoffBuilder<'a> {
    SpanBuilder::of(kind::Handoff::new(from, to))
}

/// Starts building a guardrail span, `apply_guardrail {name}`.
pub fn guardrail<'a>(name: impl Into<Cow<'static, str>>) -> GuardrailBuilder<'a> {
    SpanBuilder::of(kind::Guardrail::new(name))
}

/// Starts building a span for listing the tools of an MCP server, `tools/list`
/// (the server's name is `ai.mcp.server`).
pub fn mcp_list_tools<'a>(server: impl Into<Cow<'static, str>>) -> McpListToolsBuilder<'a> {
    SpanBuilder::of(kind::McpListTools::new(server))
}

/// Starts building an embeddings call span, `embeddings {model}`.
pub fn embeddings<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> EmbeddingBuilder<'a> {
    SpanBuilder::of(kind::Embedding::new(provider, model))
}

/// Starts building a retrieval span, `retrieval {source}`, for a query to a vector
/// store, search index or other data source.
pub fn retrieval<'a>(source: impl Into<Cow<'static, str>>) -> RetrievalBuilder<'a> {
    SpanBuilder::of(kind::Retrieval::new(source))
}

/// Starts building a speech-to-text span, `transcription {model}`.
pub fn transcription<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> TranscriptionBuilder<'a> {
    SpanBuilder::of(kind::Transcription::new(provider, model))
}

/// Starts building a text-to-speech span, `speech {model}`.
pub fn speech<'a>(
    provider: impl Into<Cow<'static, str>>,
    model: impl Into<Cow<'static, str>>,
) -> SpeechBuilder<'a> {
    SpanBuilder::of(kind::Speech::new(provider, model))
}

/// Starts building a `speech_group` span: one turn of a voice pipeline, parent of
/// its transcription and speech spans.
pub fn speech_group<'a>() -> SpeechGroupBuilder<'a> {
    SpanBuilder::of(kind::SpeechGroup)
}

/// Starts building a span of your own, with the name you choose.
pub fn custom<'a>(name: impl Into<Cow<'static, str>>) -> CustomBuilder<'a> {
    SpanBuilder::of(kind::Custom::new(name))
}
