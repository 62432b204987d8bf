//! The tool service: `POST /tools/search_kb` searches the help centre.

use super::SEARCH_PATH;
use aitrace::propagation::extract_parent;
use aitrace::{KeyValue, SpanKind};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use std::convert::Infallible;

/// Serves requests on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                tokio::spawn(async move {
                    let io = hyper_util::rt::TokioIo::new(tcp);
                    let service = hyper::service::service_fn(handle);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
        }
    }
}

/// One request: the trace context comes from the headers, never from whatever
/// happens to be current on the worker thread.
async fn handle(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let parent = extract_parent(req.headers());
    let path = req.uri().path().to_string();
    let server = aitrace::custom(format!("POST {path}"))
        .with_kind(SpanKind::Server)
        .with_attribute(KeyValue::new("http.request.method", "POST"))
        .with_attribute(KeyValue::new("url.path", path.clone()))
        .child_of(&parent)
        .start();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (status, answer) = if path == SEARCH_PATH {
        let query = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["query"].as_str().map(str::to_string))
            .unwrap_or_default();
        (StatusCode::OK, server.in_scope(|| search(&query)))
    } else {
        (
            StatusCode::NOT_FOUND,
            serde_json::json!({ "error": "no such tool" }),
        )
    };
    server.set_attribute(KeyValue::new(
        "http.response.status_code",
        i64::from(status.as_u16()),
    ));
    server.end();
    let resp = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(answer.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(resp)
}

/// The tool itself, traced as a tool span.
fn search(query: &str) -> serde_json::Value {
    let tool = aitrace::tool("search_kb").with_type("datastore").start();
    tool.record_arguments(&serde_json::json!({ "query": query }));
    let results = crate::tools::search_kb(query);
    tool.record_result(&results);
    tool.end();
    results
}
