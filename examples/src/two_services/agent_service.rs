//! The agent service: a research agent that asks the tool service over HTTP, through
//! a reqwest client with aitrace-http's middleware.
//!
//! The middleware does the tracing work of the hop: it opens the CLIENT span
//! `POST /tools/{name}` under the agent span and injects its context, the baggage and
//! the run's conversation id and user id into the request headers.

use super::{SEARCH_PATH, TOOL_ROUTE};
use aitrace::TraceId;
use aitrace_http::{ClientMiddleware, UrlTemplate};
use reqwest_middleware::ClientWithMiddleware;

/// The conversation of the example run: carried to the tool service.
pub const CONVERSATION_ID: &str = "conv-two-services";
/// The user of the example run: carried to the tool service.
pub const USER_ID: &str = "user-two-services";

/// What one run of the agent service did, with the ids a caller or a test needs.
#[derive(Clone, Debug)]
pub struct AgentOutcome {
    /// The trace shared by both services.
    pub trace_id: TraceId,
    /// The HTTP status the tool service answered.
    pub status: u16,
    /// What the tool service found.
    pub results: serde_json::Value,
}

/// Why the call to the tool service failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The request could not be sent or its answer not read.
    #[error("calling the tool service at {url} failed: {message}")]
    Http {
        /// The URL called.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// A reqwest client that traces its requests.
pub fn client() -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build()
}

/// Runs one agent turn, for [`USER_ID`] in conversation [`CONVERSATION_ID`], that calls
/// the tool service at `base_url` (for example `http://127.0.0.1:8080`) with `query`.
///
/// # Errors
/// [`CallError`] when the tool service cannot be reached; the client span ends in error.
pub async fn ask(base_url: &str, query: &str) -> Result<AgentOutcome, CallError> {
    let run = aitrace::trace("research")
        .with_conversation_id(CONVERSATION_ID)
        .with_user_id(USER_ID)
        .start();
    let agent = run.in_scope(|| {
        aitrace::agent("researcher")
            .with_tools(["search_kb"])
            .start()
    });
    let outcome = agent.wrap(call_tool(&client(), base_url, query)).await;
    let trace_id = run.trace_id();
    agent.end();
    run.end();
    outcome.map(|(status, results)| AgentOutcome {
        trace_id,
        status,
        results,
    })
}

/// The outgoing request; the middleware makes its CLIENT span.
async fn call_tool(
    client: &ClientWithMiddleware,
    base_url: &str,
    query: &str,
) -> Result<(u16, serde_json::Value), CallError> {
    let url = format!("{base_url}{SEARCH_PATH}");
    let fail = |message: String| CallError::Http {
        url: url.clone(),
        message,
    };
    let response = client
        .post(&url)
        .with_extension(UrlTemplate::new(TOOL_ROUTE))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "query": query }).to_string())
        .send()
        .await
        .map_err(|e| fail(e.to_string()))?;
    let status = response.status().as_u16();
    let body = response.bytes().await.map_err(|e| fail(e.to_string()))?;
    let results = serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))?;
    Ok((status, results))
}
