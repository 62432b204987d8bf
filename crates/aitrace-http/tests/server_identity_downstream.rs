//! Behind the layer, every aitrace span of the handler continues the caller's trace
//! and carries the conversation id, user id and tenant the caller sent in baggage: in
//! the handler's async code, in a task spawned with `aitrace::in_current_span`, in a
//! trace the handler starts, and while a streamed response body is produced.

mod support;

use aitrace_http::ServerLayer;
use axum::body::{Body, Bytes};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use http_body::Frame;
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::SpanData;
use std::pin::Pin;
use std::task::{Context, Poll};
use support::*;

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER: &str = "b7ad6b7169203331";

/// A body that starts a span when it is first polled, like a streamed model answer.
struct Streamed(bool);

impl http_body::Body for Streamed {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(None);
        }
        aitrace::tool("stream_chunk").start().end();
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"chunk")))))
    }
}

async fn handler() -> Response {
    // After an await point, on whatever worker thread resumes the handler.
    tokio::task::yield_now().await;
    aitrace::tool("after_await").start().end();
    let spawned = tokio::spawn(aitrace::in_current_span(async {
        tokio::task::yield_now().await;
        aitrace::tool("in_spawned_task").start().end();
    }));
    spawned.await.unwrap();
    let run = aitrace::trace("downstream").start();
    run.in_scope(|| aitrace::agent("worker").start().end());
    run.end();
    Response::new(Body::new(Streamed(false)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handler_spans_inherit_the_callers_identity() {
    let exporter = setup();
    let app = Router::new()
        .route("/tools/{name}", post(handler))
        .layer(ServerLayer::new());
    let addr = serve(app).await;
    let request = format!(
        "POST /tools/search HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\
         traceparent: 00-{TRACE}-{CALLER}-01\r\n\
         baggage: gen_ai.conversation.id=conv-42,user.id=user-7,ai.tenant.id=acme,other=1\r\n\r\n"
    );
    let answer = raw_request(addr, request.as_bytes()).await;
    assert!(answer.contains("\r\nchunk\r\n"), "{answer}");

    let in_trace = |s: &SpanData| s.span_context.trace_id().to_string() == TRACE;
    let spans = wait_for(&exporter, |s| s.len() >= 6, in_trace).await;
    let names: Vec<&str> = spans.iter().map(|s| s.name.as_ref()).collect();
    assert_eq!(spans.len(), 6, "{names:?}");

    let server = named(&spans, "POST /tools/{name}");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(
        server.parent_span_id.to_string(),
        CALLER,
        "the caller's span is the parent"
    );
    let server_id = server.span_context.span_id();
    for name in [
        "execute_tool after_await",
        "execute_tool in_spawned_task",
        "invoke_workflow downstream",
        "execute_tool stream_chunk",
    ] {
        assert_eq!(named(&spans, name).parent_span_id, server_id, "{name}");
    }
    let workflow = named(&spans, "invoke_workflow downstream");
    assert_eq!(
        named(&spans, "invoke_agent worker").parent_span_id,
        workflow.span_context.span_id()
    );

    for span in &spans {
        for (key, value) in [
            ("ai.conversation.id", "conv-42"),
            ("gen_ai.conversation.id", "conv-42"),
            ("ai.user.id", "user-7"),
            ("ai.tenant.id", "acme"),
        ] {
            assert_eq!(attr_str(span, key), Some(value), "{} {key}", span.name);
        }
        assert_eq!(
            attr_str(span, "other"),
            None,
            "other baggage is not an attribute"
        );
    }
}
