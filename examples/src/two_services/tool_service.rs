//! The tool service: `POST /tools/{name}` runs a tool (`search_kb` searches the help
//! centre), behind aitrace-http's tower layer in an axum router.
//!
//! The layer does the tracing work of the hop: it extracts the caller's context with
//! the configured propagators, opens the SERVER span `POST /tools/{name}`, and restores
//! the conversation id and user id the caller sent, so that the tool span the handler
//! starts (in a spawned task here, as real tools often run) carries them.

use aitrace_http::ServerLayer;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// The router of the tool service, traced by [`ServerLayer`].
pub fn app() -> Router {
    Router::new()
        .route("/tools/{name}", post(run_tool))
        .layer(ServerLayer::new())
}

/// Serves [`app`] on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    if let Err(e) = axum::serve(listener, app())
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("tool service: {e}");
    }
}

/// One tool call. The body is read as JSON by hand, so that a malformed body is an
/// answer (400), not a rejection without a span.
async fn run_tool(Path(name): Path<String>, body: axum::body::Bytes) -> (StatusCode, Json<Value>) {
    if name != "search_kb" {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "no such tool" })),
        );
    }
    let Some(query) = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["query"].as_str().map(str::to_string))
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "expected {\"query\": \"…\"}" })),
        );
    };
    // The SERVER span is current here; `in_current_span` carries it into the task.
    let task = tokio::spawn(aitrace::in_current_span(async move { search(&query) }));
    match task.await {
        Ok(results) => (StatusCode::OK, Json(results)),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "error": e.to_string() })),
        ),
    }
}

/// The tool itself, traced as a tool span.
fn search(query: &str) -> Value {
    let tool = aitrace::tool("search_kb").with_type("datastore").start();
    tool.record_arguments(&json!({ "query": query }));
    let results = crate::tools::search_kb(query);
    tool.record_result(&results);
    tool.end();
    results
}
