//! A span dropped before it ended, without a panic — a cancelled future, an early
//! return — is marked incomplete (`ai.incomplete`, and for a model call the
//! finish reason `incomplete`), keeps what it recorded, is not an error, and shows
//! as incomplete in the console and the summary, never as ✓.

mod support;
use aitrace::Usage;
use aitrace_sdk::exporter::{ConsoleExporter, InMemoryExporter};
use aitrace_sdk::opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData};
use aitrace_sdk::summary::TraceSummary;
use aitrace_sdk::testing::{attr, attr_bool, attr_i64, by_name};
use opentelemetry::trace::Status;
use opentelemetry::{Array, Value};
use std::time::Duration;
use support::console::SharedBuf;

/// Looks something up and gives up early when the query is empty.
fn lookup(query: &str) -> Option<usize> {
    let tool = aitrace::tool("lookup").start();
    if query.is_empty() {
        return None; // the guard drops here, without end()
    }
    tool.end();
    Some(query.len())
}

fn assert_incomplete(span: &SpanData) {
    assert_eq!(
        attr_bool(span, "ai.incomplete"),
        Some(true),
        "{}",
        span.name
    );
    assert_eq!(span.status, Status::Unset, "{}: not an error", span.name);
    assert!(span.events.is_empty(), "{}: no exception", span.name);
}

#[tokio::test]
async fn dropped_spans_are_incomplete_never_successful() {
    let memory = InMemoryExporter::default();
    let console = SharedBuf::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .with_span_processor(SimpleSpanProcessor::new(ConsoleExporter::with_writer(
            console.clone(),
        )))
        .install()
        .expect("pipeline installs");

    let run = aitrace::trace("impatient").start();
    let trace_id = run.trace_id();
    // A model call whose future is cancelled by a timeout, after some usage.
    let mut call = run.in_scope(|| aitrace::generation("openai", "gpt-4o").streaming().start());
    call.add_usage(&Usage::new(120, 7));
    let answer = tokio::time::timeout(
        Duration::from_millis(20),
        call.wrap(tokio::time::sleep(Duration::from_secs(30))),
    )
    .await;
    assert!(answer.is_err(), "the call timed out");
    drop(call); // what the caller's `?` on the timeout would do
                // An early return.
    assert_eq!(run.in_scope(|| lookup("")), None);
    assert_eq!(run.in_scope(|| lookup("refund")), Some(6));
    run.end();

    let spans = memory.spans_of_trace(trace_id);
    let call = by_name(&spans, "chat gpt-4o");
    assert_incomplete(call);
    assert_eq!(attr_i64(call, "gen_ai.usage.input_tokens"), Some(120));
    assert_eq!(
        attr(call, "gen_ai.response.finish_reasons"),
        Some(&Value::Array(Array::String(vec!["incomplete".into()])))
    );
    let lookups: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.name == "execute_tool lookup")
        .collect();
    assert_eq!(lookups.len(), 2);
    assert_eq!(
        lookups
            .iter()
            .filter(|s| attr_bool(s, "ai.incomplete") == Some(true))
            .count(),
        1,
        "only the early return is incomplete"
    );
    assert_eq!(
        attr_bool(
            by_name(&spans, "invoke_workflow impatient"),
            "ai.incomplete"
        ),
        None
    );

    let summary = TraceSummary::from_spans(&spans);
    assert_eq!((summary.incomplete, summary.errors), (2, 0));
    // The console writes from a thread of its own: shut down to read it all.
    guard.shutdown().expect("clean shutdown");
    let out = console.text();
    assert!(
        out.contains("chat gpt-4o  ") && out.contains("◌ incomplete"),
        "{out}"
    );
    assert_eq!(out.matches("◌ incomplete").count(), 2, "{out}");
    assert!(
        out.contains("errors: 0, guardrails tripped: 0, incomplete: 2"),
        "{out}"
    );
}
