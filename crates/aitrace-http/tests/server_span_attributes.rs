//! The SERVER span of a request, as the HTTP semantic conventions name and describe
//! it: `{method} {route}` with the route axum matched, `{method}` without one, `HTTP`
//! for unknown methods; the request attributes; status Error for 5xx but not for 4xx.

mod support;

use aitrace_http::ServerLayer;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use opentelemetry::trace::{SpanKind, Status};
use support::*;

fn app() -> Router {
    Router::new()
        .route("/tools/{name}", post(|| async { "[]" }))
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .layer(ServerLayer::new())
}

#[tokio::test]
async fn server_spans_follow_the_http_conventions() {
    let exporter = setup();
    let addr = serve(app()).await;

    let answer = raw_request(
        addr,
        b"POST /tools/search_kb?q=refund&sig=s3cr3t HTTP/1.1\r\nHost: api.example:8443\r\n\
          User-Agent: agent/1.0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&answer), 200);
    let by_path = |path: &'static str| {
        move |s: &opentelemetry_sdk::trace::SpanData| attr_str(s, "url.path") == Some(path)
    };
    let spans = wait_for(&exporter, |s| !s.is_empty(), by_path("/tools/search_kb")).await;
    let span = named(&spans, "POST /tools/{name}");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.instrumentation_scope.name(), "aitrace-http");
    assert_eq!(span.status, Status::Unset);
    for (key, value) in [
        ("http.request.method", "POST"),
        ("http.route", "/tools/{name}"),
        ("url.scheme", "http"),
        ("url.query", "q=refund&sig=REDACTED"),
        ("server.address", "api.example"),
        ("network.protocol.version", "1.1"),
        ("user_agent.original", "agent/1.0"),
    ] {
        assert_eq!(attr_str(span, key), Some(value), "{key}");
    }
    assert_eq!(attr_i64(span, "server.port"), Some(8443));
    assert_eq!(attr_i64(span, "http.response.status_code"), Some(200));
    assert_eq!(
        span.parent_span_id,
        opentelemetry::trace::SpanId::INVALID,
        "no trace headers: a new trace"
    );

    // 5xx is an error on a server, with the status code as error.type and no description.
    let answer = raw_request(
        addr,
        b"GET /fail HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&answer), 500);
    let spans = wait_for(&exporter, |s| !s.is_empty(), by_path("/fail")).await;
    let span = named(&spans, "GET /fail");
    assert_eq!(span.status, Status::error(""));
    assert_eq!(attr_str(span, "error.type"), Some("500"));
    assert_eq!(attr_i64(span, "http.response.status_code"), Some(500));

    // 4xx is the client's doing: no error on the server.
    let answer = raw_request(
        addr,
        b"GET /missing HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&answer), 404);
    let spans = wait_for(&exporter, |s| !s.is_empty(), by_path("/missing")).await;
    let span = named(&spans, "GET /missing");
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr_str(span, "error.type"), None);

    // No route matched: the span is named after the method alone, and has no http.route.
    let answer = raw_request(
        addr,
        b"GET /nowhere HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&answer), 404);
    let spans = wait_for(&exporter, |s| !s.is_empty(), by_path("/nowhere")).await;
    let span = named(&spans, "GET");
    assert_eq!(attr_str(span, "http.route"), None);

    // A method the conventions do not know.
    let answer = raw_request(
        addr,
        b"BREW /tools/pot HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(status_of(&answer), 405);
    let spans = wait_for(&exporter, |s| !s.is_empty(), by_path("/tools/pot")).await;
    let span = named(&spans, "HTTP /tools/{name}");
    assert_eq!(attr_str(span, "http.request.method"), Some("_OTHER"));
    assert_eq!(attr_str(span, "http.request.method_original"), Some("BREW"));
}
