//! The CLIENT span of an outgoing request, as the HTTP semantic conventions name and
//! describe it, and what the request carries: the span's context, the baggage and the
//! identity of the current trace. Credentials never reach `url.full` or the status
//! description; 4xx, 5xx and transport failures are errors with `error.type`.

mod support;

use aitrace_http::{ClientMiddleware, UrlTemplate};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use reqwest_middleware::ClientWithMiddleware;
use support::*;

/// Answers with the trace headers it received, as `traceparent|baggage`.
async fn echo(headers: HeaderMap) -> String {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    format!("{}|{}", get("traceparent"), get("baggage"))
}

fn client() -> ClientWithMiddleware {
    reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(ClientMiddleware::new())
        .build()
}

async fn spans_under(
    exporter: &aitrace_sdk::exporter::InMemoryExporter,
    run: &aitrace::TraceSpan,
    n: usize,
) -> Vec<SpanData> {
    let trace_id = run.trace_id();
    wait_for(
        exporter,
        |s| s.len() >= n,
        |s| s.span_context.trace_id() == trace_id && s.span_kind == SpanKind::Client,
    )
    .await
}

#[tokio::test]
async fn client_spans_follow_the_http_conventions() {
    let exporter = setup();
    let app = Router::new()
        .route("/ok", get(echo).post(echo))
        .route("/tools/{name}", get(echo).post(echo))
        .route("/missing", get(|| async { StatusCode::NOT_FOUND }))
        .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    let addr = serve(app).await;
    let client = client();

    let run = aitrace::trace("calls")
        .with_conversation_id("conv-9")
        .with_user_id("user-9")
        .start();
    let agent = run.in_scope(|| aitrace::agent("caller").start());
    let (echoed, template_status, missing, boom) = agent
        .wrap(async {
            let url = format!("http://alice:s3cret@{addr}/ok?key=AIzaSECRET&q=1");
            let echoed = client.get(&url).send().await.unwrap().text().await.unwrap();
            let template_status = client
                .post(format!("http://{addr}/tools/search_kb"))
                .with_extension(UrlTemplate::new("/tools/{name}"))
                .send()
                .await
                .unwrap()
                .status();
            let missing = client
                .get(format!("http://{addr}/missing"))
                .send()
                .await
                .unwrap()
                .status();
            let boom = client
                .get(format!("http://{addr}/boom"))
                .send()
                .await
                .unwrap()
                .status();
            (echoed, template_status, missing, boom)
        })
        .await;
    assert_eq!(template_status, 200);
    assert_eq!((missing.as_u16(), boom.as_u16()), (404, 500));

    let spans = spans_under(&exporter, &run, 4).await;
    assert_eq!(spans.len(), 4);
    let by_path = |path: &str| {
        spans
            .iter()
            .find(|s| attr_str(s, "url.full").is_some_and(|u| u.contains(path)))
            .unwrap_or_else(|| panic!("a span for {path}"))
    };

    let ok = by_path("/ok");
    assert_eq!(ok.name, "GET");
    assert_eq!(
        ok.parent_span_id,
        agent.span_id(),
        "a child of the current span"
    );
    assert_eq!(ok.status, Status::Unset);
    // reqwest moves the userinfo into an Authorization header before middleware runs;
    // the query key is redacted.
    assert_eq!(
        attr_str(ok, "url.full"),
        Some(format!("http://{addr}/ok?key=REDACTED&q=1").as_str())
    );
    assert_eq!(attr_str(ok, "http.request.method"), Some("GET"));
    assert_eq!(attr_str(ok, "server.address"), Some("127.0.0.1"));
    assert_eq!(attr_i64(ok, "server.port"), Some(i64::from(addr.port())));
    assert_eq!(attr_i64(ok, "http.response.status_code"), Some(200));
    assert_eq!(attr_str(ok, "network.protocol.version"), Some("1.1"));
    assert_eq!(
        attr_str(ok, "ai.conversation.id"),
        Some("conv-9"),
        "inherited"
    );
    assert_eq!(attr_str(ok, "ai.user.id"), Some("user-9"), "inherited");

    // The server received the CLIENT span as its parent, and the identity as baggage.
    let (traceparent, baggage) = echoed.split_once('|').unwrap();
    assert_eq!(
        traceparent,
        format!("00-{}-{}-01", run.trace_id(), ok.span_context.span_id())
    );
    assert!(
        baggage.contains("gen_ai.conversation.id=conv-9"),
        "{baggage}"
    );
    assert!(baggage.contains("user.id=user-9"), "{baggage}");

    let templated = by_path("/tools/search_kb");
    assert_eq!(templated.name, "POST /tools/{name}");
    assert_eq!(attr_str(templated, "url.template"), Some("/tools/{name}"));

    for (path, code) in [("/missing", "404"), ("/boom", "500")] {
        let span = by_path(path);
        assert_eq!(span.status, Status::error(""), "{path}");
        assert_eq!(attr_str(span, "error.type"), Some(code), "{path}");
    }
    agent.end();
    run.end();
}

#[tokio::test]
async fn a_failed_request_is_an_error_without_credentials() {
    let exporter = setup();
    // A port nobody listens on.
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let run = aitrace::trace("unreachable").start();
    let url = format!("http://alice:s3cret@{addr}/x?key=AIzaSECRET");
    let result = run.wrap(client().get(&url).send()).await;
    assert!(result.is_err());

    let spans = spans_under(&exporter, &run, 1).await;
    let span = spans.first().expect("a CLIENT span");
    assert_eq!(attr_str(span, "error.type"), Some("connect"));
    let Status::Error { description } = &span.status else {
        panic!("{:?}", span.status);
    };
    assert!(!description.is_empty());
    for text in [description.as_ref(), attr_str(span, "url.full").unwrap()] {
        assert!(
            !text.contains("s3cret") && !text.contains("AIzaSECRET"),
            "{text}"
        );
    }
    run.end();
}
