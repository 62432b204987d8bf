//! An OpenAI-compatible chat completions server on loopback, for driving real
//! LLM client crates in tests without the network.
//!
//! `POST /v1/chat/completions` answers, streamed (server-sent events, with a
//! final usage chunk when `stream_options.include_usage` is set) or not. The
//! token usage it reports comes from the last user message, which must read
//! `usage <input> <output>`; the response model is the requested model with
//! `-2024-08-06` appended, as OpenAI reports dated snapshots.

use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

/// A running stub; stops when dropped.
pub struct OpenAiStub {
    /// `http://127.0.0.1:<port>/v1/`, the base URL a client is pointed at.
    pub base_url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl OpenAiStub {
    /// Starts the stub on an ephemeral loopback port, on the current runtime.
    pub async fn start() -> OpenAiStub {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("loopback port");
        let base_url = format!("http://{}/v1/", listener.local_addr().expect("bound"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = Router::new().route("/v1/chat/completions", post(complete));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        OpenAiStub {
            base_url,
            stop: Some(stop),
        }
    }
}

impl Drop for OpenAiStub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The `usage <input> <output>` asked for by the last user message.
fn asked_usage(request: &Value) -> Option<(u64, u64)> {
    let messages = request["messages"].as_array()?;
    let last = messages.iter().rev().find(|m| m["role"] == "user")?;
    let text = last["content"].as_str()?;
    let mut words = text.split_whitespace();
    (words.next()? == "usage").then_some(())?;
    Some((words.next()?.parse().ok()?, words.next()?.parse().ok()?))
}

async fn complete(Json(request): Json<Value>) -> Response {
    let Some((input, output)) = asked_usage(&request) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"message": "say `usage <in> <out>`", "type": "invalid_request_error"}})),
        )
            .into_response();
    };
    let model = format!(
        "{}-2024-08-06",
        request["model"].as_str().unwrap_or("unknown")
    );
    let usage = json!({
        "prompt_tokens": input,
        "completion_tokens": output,
        "total_tokens": input + output,
    });
    if request["stream"] != Value::Bool(true) {
        return Json(json!({
            "id": "chatcmpl-stub-1",
            "object": "chat.completion",
            "created": 1_764_000_000,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": "Here is your refund."},
                "finish_reason": "stop",
            }],
            "usage": usage,
        }))
        .into_response();
    }
    let chunk = |delta: Value, finish: Value| {
        json!({
            "id": "chatcmpl-stub-2",
            "object": "chat.completion.chunk",
            "created": 1_764_000_000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        })
    };
    let mut events = vec![
        chunk(
            json!({"role": "assistant", "content": "Here is "}),
            Value::Null,
        ),
        chunk(json!({"content": "your refund."}), Value::Null),
        chunk(json!({}), json!("stop")),
    ];
    if request["stream_options"]["include_usage"] == Value::Bool(true) {
        events.push(json!({
            "id": "chatcmpl-stub-2",
            "object": "chat.completion.chunk",
            "created": 1_764_000_000,
            "model": model,
            "choices": [],
            "usage": usage,
        }));
    }
    let mut body = String::new();
    for e in events {
        body.push_str(&format!("data: {e}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from(body))
        .expect("a valid response")
}
