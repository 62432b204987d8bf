//! An axum service with tower-http's `TraceLayer`, `tracing` logs and an aitrace
//! agent run inside the handler: one request, one trace.
//!
//! ```sh
//! cargo run --example axum_server
//! ```
//!
//! serves one request to itself on loopback, prints the answer, and on exit
//! the trace as a tree (the `tracing` server span, the workflow, the agent, the
//! `#[instrument]` function and the model call inside it). Log lines on stderr
//! carry `trace_id=… span_id=…`. To keep serving instead:
//!
//! ```sh
//! cargo run --example axum_server -- --serve 127.0.0.1:3000
//! curl -s localhost:3000/chat -H 'content-type: application/json' \
//!      -d '{"question": "Where is my refund?", "conversation_id": "conv-1"}'
//! ```
//!
//! See `docs/tracing.md`.

use aitrace_examples::axum_app::{router, Answer};
use aitrace_sdk::tracing_bridge::WithTraceIds;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;

#[tokio::main]
async fn main() -> ExitCode {
    let tracing = match aitrace_sdk::init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("cannot set up tracing: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The application's subscriber, as it already has one, plus aitrace's layer.
    let subscriber = tracing_subscriber::registry()
        .with(LevelFilter::INFO)
        .with(tracing.tracing_layer())
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .event_format(WithTraceIds::new()),
        );
    if let Err(e) = tracing::subscriber::set_global_default(subscriber) {
        eprintln!("cannot install the tracing subscriber: {e}");
        return ExitCode::FAILURE;
    }

    let args: Vec<String> = std::env::args().collect();
    let serve = args.iter().position(|a| a == "--serve").map(|i| {
        args.get(i + 1)
            .cloned()
            .unwrap_or_else(|| "127.0.0.1:3000".into())
    });
    let addr = serve.clone().unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if serve.is_some() {
        eprintln!("serving on http://{addr}/chat (Ctrl-C to stop)");
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        if let Err(e) = axum::serve(listener, router())
            .with_graceful_shutdown(stop)
            .await
        {
            eprintln!("server error: {e}");
        }
    } else {
        let url = format!("http://{}/chat", listener.local_addr().expect("bound"));
        let server = tokio::spawn(async move { axum::serve(listener, router()).await });
        match ask(&url).await {
            Ok(a) => println!("Answer: {}\nTrace id: {}", a.answer, a.trace_id),
            Err(e) => eprintln!("request failed: {e}"),
        }
        server.abort();
    }
    match tracing.shutdown() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// One `POST /chat`, as a client of the service would send it.
async fn ask(url: &str) -> Result<Answer, Box<dyn std::error::Error>> {
    let body = serde_json::json!({
        "question": "I was charged twice for order #A1042. Where is my refund?",
        "conversation_id": "conv-axum-1",
    });
    let req = hyper::Request::post(url)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))?;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let resp = client.request(req).await?;
    let bytes = resp.into_body().collect().await?.to_bytes();
    Ok(serde_json::from_slice(&bytes)?)
}
