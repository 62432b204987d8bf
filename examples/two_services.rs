//! Two services, one trace: the agent service calls the tool service over real
//! HTTP on loopback; the trace context travels in the request headers.
//!
//! ```sh
//! cargo run --example two_services
//! OTEL_PROPAGATORS=b3multi cargo run --example two_services
//! ```
//!
//! Both services run in this one process here (and print as two trees: the tool
//! service's part continues the caller's trace from a remote parent). The
//! `tool_service` and `agent_service` binaries run them as separate processes.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let tracing = match aitrace_sdk::init() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot set up tracing: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on loopback: {e}");
            return ExitCode::FAILURE;
        }
    };
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(aitrace_examples::two_services::tool_service::serve(
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let outcome =
        aitrace_examples::two_services::agent_service::ask(&url, "refund duplicate charge").await;
    let _ = stop.send(());
    let _ = server.await;
    match outcome {
        Ok(o) => println!(
            "trace {} · tool service answered {}: {}",
            o.trace_id, o.status, o.results
        ),
        Err(e) => eprintln!("{e}"),
    }
    match tracing.shutdown() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
