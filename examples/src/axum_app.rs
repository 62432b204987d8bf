//! A chat API built the way a team already builds a Rust web service (axum,
//! tower-http's `TraceLayer`, `tracing` and `#[tracing::instrument]`), with an
//! aitrace agent run inside the handler. One request is one trace:
//!
//! ```text
//! POST /chat                     tracing span of TraceLayer (SERVER)
//! └── invoke_workflow chat_api   aitrace
//!     └── invoke_agent assistant aitrace
//!         └── draft_answer       #[tracing::instrument]
//!             └── chat gpt-4o-mini   aitrace generation (tokens, cost)
//! ```
//!
//! The application installs aitrace's `tracing` layer on its subscriber (see
//! `examples/axum_server.rs` and `docs/tracing.md`); nothing in this module
//! knows about the pipeline.

use crate::chat::{ChatRequest, Message};
use crate::sim_model::SimModel;
use axum::body::Body;
use axum::extract::{MatchedPath, State};
use axum::http::Request;
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tower_http::trace::TraceLayer;

/// The model the assistant asks.
pub const MODEL: &str = "gpt-4o-mini";

/// The body of `POST /chat`.
#[derive(Debug, Deserialize)]
pub struct Question {
    /// What the user asks.
    pub question: String,
    /// The conversation the question belongs to, if the client keeps one.
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// The answer to `POST /chat`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Answer {
    /// What the assistant answered.
    pub answer: String,
    /// The trace of this request, for the client's logs and bug reports.
    pub trace_id: String,
}

/// The service: `POST /chat`, traced by `TraceLayer`.
pub fn router() -> Router {
    Router::new()
        .route("/chat", post(chat))
        .with_state(Arc::new(SimModel::new()))
        .layer(TraceLayer::new_for_http().make_span_with(server_span))
}

/// The SERVER span of a request, named as the HTTP conventions say
/// (`{method} {route}`), continuing the caller's trace when the request carries
/// one (with the propagators `aitrace_sdk::init()` installed).
fn server_span(req: &Request<Body>) -> tracing::Span {
    use aitrace_sdk::tracing_bridge::tracing_opentelemetry::OpenTelemetrySpanExt;
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(req.uri().path(), |m| m.as_str());
    let span = tracing::info_span!(
        "request",
        otel.name = %format!("{} {route}", req.method()),
        otel.kind = "server",
        http.request.method = %req.method(),
        http.route = %route,
        url.path = %req.uri().path(),
    );
    let parent = aitrace::propagation::extract_context(req.headers());
    // Fails only when no `tracing` subscriber with the layer is installed.
    let _ = span.set_parent(parent);
    span
}

async fn chat(State(model): State<Arc<SimModel>>, Json(q): Json<Question>) -> Json<Answer> {
    tracing::info!("question received");
    let mut run = aitrace::trace("chat_api");
    if let Some(id) = q.conversation_id {
        run = run.with_conversation_id(id);
    }
    let run = run.start();
    let agent = run.in_scope(|| aitrace::agent("assistant").start());
    let answer = agent.wrap(draft_answer(&model, &q.question)).await;
    agent.end();
    let trace_id = run.trace_id().to_string();
    run.end();
    Json(Answer { answer, trace_id })
}

/// One model call, in a span of its own made by `tracing`; the generation span
/// inside it is aitrace's.
#[tracing::instrument(skip(model, question), fields(question.len = question.len()))]
async fn draft_answer(model: &SimModel, question: &str) -> String {
    let req = ChatRequest {
        model: MODEL,
        instructions: "Answer the customer in two sentences.",
        messages: vec![Message::user(question)],
        tools: Vec::new(),
        temperature: 0.2,
        max_tokens: 256,
    };
    let response = crate::steps::call_model(model, &req).await;
    tracing::info!(
        output_tokens = response.usage.output_tokens,
        "model answered"
    );
    response.message.text()
}
