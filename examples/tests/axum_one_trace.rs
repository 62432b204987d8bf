//! The axum example: a request over real HTTP to a server with tower-http's
//! `TraceLayer` becomes one trace — the caller's, continued from its
//! `traceparent` — in which the `tracing` server span, the aitrace workflow and
//! agent, the `#[tracing::instrument]` function and the aitrace generation nest
//! in that order.

use aitrace::SpanKind;
use aitrace_examples::axum_app::{router, Answer};
use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::opentelemetry_sdk::trace::SimpleSpanProcessor;
use aitrace_sdk::testing::{attr_str, by_name, tree_shape};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use tracing_subscriber::layer::SubscriberExt;

const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_one_trace_across_tracing_and_aitrace() {
    let memory = InMemoryExporter::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .install()
        .expect("pipeline installs");
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(guard.tracing_layer()),
    )
    .expect("first subscriber");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/chat", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, router()).await });
    let body = serde_json::json!({"question": "Where is my refund?", "conversation_id": "conv-7"});
    let req = hyper::Request::post(url)
        .header("content-type", "application/json")
        .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let resp = client.request(req).await.expect("the server answers");
    assert_eq!(resp.status(), 200);
    let answer: Answer =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(
        answer.trace_id, CALLER_TRACE,
        "the caller's trace continues"
    );
    server.abort();

    let trace_id = aitrace::TraceId::from_hex(CALLER_TRACE).unwrap();
    let spans = memory.spans_of_trace(trace_id);
    assert_eq!(
        tree_shape(&spans),
        "POST /chat\n  invoke_workflow chat_api\n    invoke_agent assistant\n      draft_answer\n        chat gpt-4o-mini\n"
    );
    let server_span = by_name(&spans, "POST /chat");
    assert_eq!(server_span.span_kind, SpanKind::Server);
    assert_eq!(server_span.parent_span_id.to_string(), CALLER_SPAN);
    assert!(server_span.parent_span_is_remote);
    assert_eq!(attr_str(server_span, "http.route"), Some("/chat"));
    let call = by_name(&spans, "chat gpt-4o-mini");
    assert_eq!(attr_str(call, "ai.conversation.id"), Some("conv-7"));
    assert!(aitrace_sdk::testing::attr_f64(call, "ai.cost_usd").unwrap() > 0.0);
    guard.shutdown().expect("clean shutdown");
}
