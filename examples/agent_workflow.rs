//! A two-agent customer-support run, traced with one call to `aitrace_sdk::init()`.
//!
//! ```sh
//! cargo run --example agent_workflow
//! ```
//!
//! Needs no collector and no API key: the model is simulated. With no endpoint
//! set, each finished trace prints as a tree with a cost summary. To send it to a
//! collector instead (for example the bundled `docker compose up`):
//!
//! ```sh
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 cargo run --example agent_workflow
//! ```
//!
//! Every `OTEL_*` and `AITRACE_*` variable of `docs/configuration.md` applies; for
//! example `AITRACE_CAPTURE_CONTENT=true` records prompts, completions and tool I/O.

use aitrace_examples::run_support_workflow;
use std::process::ExitCode;

const QUESTION: &str =
    "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?";

#[tokio::main]
async fn main() -> ExitCode {
    let tracing = match aitrace_sdk::init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("cannot set up tracing: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = run_support_workflow(QUESTION).await;
    println!("Question: {QUESTION}");
    println!("Answer ({}): {}", outcome.answered_by, outcome.answer);
    println!("Trace id: {}", outcome.trace_id);
    match tracing.shutdown() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
