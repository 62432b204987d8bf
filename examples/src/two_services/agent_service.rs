//! The agent service: a research agent that asks the tool service over HTTP.

use super::SEARCH_PATH;
use aitrace::propagation::inject_context;
use aitrace::{KeyValue, SpanId, SpanKind, TraceId};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// What one run of the agent service did, with the ids a caller or a test needs.
#[derive(Clone, Debug)]
pub struct AgentOutcome {
    /// The trace shared by both services.
    pub trace_id: TraceId,
    /// The CLIENT span of the call to the tool service: the parent of its SERVER span.
    pub client_span_id: SpanId,
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

/// Runs one agent turn that calls the tool service at `base_url` (for example
/// `http://127.0.0.1:8080`) with `query`.
///
/// # Errors
/// [`CallError`] when the tool service cannot be reached; the client span ends in error.
pub async fn ask(base_url: &str, query: &str) -> Result<AgentOutcome, CallError> {
    let run = aitrace::trace("research")
        .with_conversation_id("conv-two-services")
        .start();
    let agent = run.in_scope(|| {
        aitrace::agent("researcher")
            .with_tools(["search_kb"])
            .start()
    });
    let outcome = agent.wrap(call_tool(base_url, query)).await;
    let trace_id = run.trace_id();
    agent.end();
    run.end();
    outcome.map(|(client_span_id, status, results)| AgentOutcome {
        trace_id,
        client_span_id,
        status,
        results,
    })
}

/// The outgoing request, in a CLIENT span whose context goes into the headers.
async fn call_tool(
    base_url: &str,
    query: &str,
) -> Result<(SpanId, u16, serde_json::Value), CallError> {
    let url = format!("{base_url}{SEARCH_PATH}");
    let mut client_span = aitrace::custom(format!("POST {SEARCH_PATH}"))
        .with_kind(SpanKind::Client)
        .with_attribute(KeyValue::new("http.request.method", "POST"))
        .with_attribute(KeyValue::new("url.full", url.clone()))
        .start();
    let span_id = client_span.span_id();
    let fail = |message: String| CallError::Http {
        url: url.clone(),
        message,
    };
    let mut req = hyper::Request::post(url.as_str())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            serde_json::json!({ "query": query }).to_string(),
        )))
        .map_err(|e| fail(e.to_string()))?;
    inject_context(client_span.context(), req.headers_mut());
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let answer = async {
        let resp = client.request(req).await.map_err(|e| fail(e.to_string()))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| fail(e.to_string()))?
            .to_bytes();
        let results = serde_json::from_slice(&body).map_err(|e| fail(e.to_string()))?;
        Ok((status, results))
    }
    .await;
    match answer {
        Ok((status, results)) => {
            client_span.set_attribute(KeyValue::new(
                "http.response.status_code",
                i64::from(status),
            ));
            client_span.end();
            Ok((span_id, status, results))
        }
        Err(e) => {
            client_span.record_error(&e);
            client_span.end();
            Err(e)
        }
    }
}
