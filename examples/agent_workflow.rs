//! A two-agent customer-support run, printed as a span tree with a cost summary.
//!
//! ```sh
//! cargo run --example agent_workflow
//! ```
//!
//! Needs no collector and no API key: the model is simulated. Set
//! `AITRACE_CAPTURE_CONTENT=true` to record prompts, completions and tool I/O too.

use aitrace_examples::run_support_workflow;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry_sdk::trace::SdkTracerProvider;

const QUESTION: &str =
    "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?";

/// Sets up the pipeline: every span goes, as it ends, to the console exporter,
/// which prints each finished trace as a tree followed by its summary.
fn init_tracing() -> SdkTracerProvider {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(ConsoleExporter::stdout())
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    provider
}

#[tokio::main]
async fn main() {
    let provider = init_tracing();
    let outcome = run_support_workflow(QUESTION).await;
    println!("Question: {QUESTION}");
    println!("Answer ({}): {}", outcome.answered_by, outcome.answer);
    println!("Trace id: {}", outcome.trace_id);
    if let Err(e) = provider.shutdown() {
        eprintln!("tracing did not shut down cleanly: {e}");
    }
}
