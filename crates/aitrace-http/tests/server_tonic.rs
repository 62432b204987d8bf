//! The layer in a tonic server: a gRPC call over HTTP/2 gets its SERVER span, child of
//! the caller's span, and the handler's spans inherit the caller's identity.

mod support;

use aitrace_http::ServerLayer;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry::trace::SpanKind;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use support::*;

const TRACE: &str = "5bf92f3577b34da6a3ce929d0e0e4736";
const CALLER: &str = "10f067aa0ba902b7";

/// A gRPC service without generated code: answers every call with status OK and no
/// message, and runs a tool span.
#[derive(Clone)]
struct Echo;

impl tonic::server::NamedService for Echo {
    const NAME: &'static str = "test.Echo";
}

impl tower_service::Service<http::Request<tonic::body::Body>> for Echo {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: http::Request<tonic::body::Body>) -> Self::Future {
        Box::pin(async {
            aitrace::tool("grpc_tool").start().end();
            Ok(http::Response::builder()
                .header("content-type", "application/grpc")
                .header("grpc-status", "0")
                .body(tonic::body::Body::empty())
                .unwrap())
        })
    }
}

#[tokio::test]
async fn a_tonic_server_traces_its_calls() {
    let exporter = setup();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let incoming = tonic::transport::server::TcpIncoming::from(listener);
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(ServerLayer::new())
            .add_service(Echo)
            .serve_with_incoming(incoming),
    );

    let client: Client<_, Empty<axum::body::Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let request = http::Request::post(format!("http://{addr}/test.Echo/Call"))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("traceparent", format!("00-{TRACE}-{CALLER}-01"))
        .header("baggage", "gen_ai.conversation.id=conv-grpc")
        .body(Empty::new())
        .unwrap();
    let response =
        tokio::time::timeout(std::time::Duration::from_secs(10), client.request(request))
            .await
            .expect("an answer within 10 s")
            .unwrap();
    assert_eq!(response.status(), 200);

    let spans = wait_for(
        &exporter,
        |s| s.len() >= 2,
        |s| s.span_context.trace_id().to_string() == TRACE,
    )
    .await;
    let server = named(&spans, "POST");
    assert_eq!(server.span_kind, SpanKind::Server);
    assert_eq!(server.parent_span_id.to_string(), CALLER);
    assert_eq!(attr_str(server, "url.path"), Some("/test.Echo/Call"));
    assert_eq!(attr_str(server, "network.protocol.version"), Some("2"));
    let tool = named(&spans, "execute_tool grpc_tool");
    assert_eq!(tool.parent_span_id, server.span_context.span_id());
    assert_eq!(attr_str(tool, "ai.conversation.id"), Some("conv-grpc"));
}
