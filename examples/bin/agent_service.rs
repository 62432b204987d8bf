//! The agent service as its own process: asks the tool service at the URL given
//! and prints one JSON line with the trace id, the status and the results.
//!
//! ```sh
//! OTEL_SERVICE_NAME=agent-service cargo run -p aitrace-examples --bin agent_service -- http://127.0.0.1:8081 "refund duplicate charge"
//! ```

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
    let mut args = std::env::args().skip(1);
    let Some(url) = args.next() else {
        eprintln!("usage: agent_service TOOL_SERVICE_URL [QUERY]");
        return ExitCode::FAILURE;
    };
    let query = args
        .next()
        .unwrap_or_else(|| "refund duplicate charge".into());
    let outcome = aitrace_examples::two_services::agent_service::ask(&url, &query).await;
    let code = match &outcome {
        Ok(o) => {
            let line = serde_json::json!({
                "trace_id": o.trace_id.to_string(),
                "status": o.status,
                "results": o.results,
            });
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    };
    if let Err(e) = tracing.shutdown() {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    code
}
