//! Spans whose root has not arrived are printed, marked partial, on shutdown,
//! on force_flush, and when the buffer is full.

mod support;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::trace::SpanExporter;
use support::console::{shape, support_trace_spans, SharedBuf};

#[tokio::test]
async fn shutdown_prints_what_is_pending() {
    let (trace_id, mut spans) = support_trace_spans();
    spans.pop(); // the root never arrives
    let buf = SharedBuf::default();
    let console = ConsoleExporter::with_writer(buf.clone());
    console.export(spans).await.unwrap();
    assert_eq!(console.pending_spans(), 8, "held, not printed");

    console.shutdown().unwrap();
    let out = buf.text();
    let id = trace_id.to_string();
    assert!(out.starts_with(&format!(
        "{id} trace: 8 spans (partial: root span not ended)\n"
    )));
    assert_eq!(
        shape(&out, trace_id),
        [
            "invoke_agent triage",
            "├── apply_guardrail pii_check",
            "├── chat gpt-4o",
            "├── execute_tool search_kb",
            "├── apply_guardrail toxicity",
            "└── execute_tool transfer_to_billing",
            "    └── invoke_agent billing",
            "        └── chat my-local-llm",
        ]
    );
    assert!(out.contains(&format!("{id} summary of trace {id}")));

    // Shutting down twice is harmless; exporting afterwards is refused.
    console.shutdown().unwrap();
    assert!(matches!(
        console.export(vec![]).await,
        Err(OTelSdkError::AlreadyShutdown)
    ));
}

#[tokio::test]
async fn force_flush_prints_what_is_pending() {
    let (trace_id, mut spans) = support_trace_spans();
    let root = spans.pop().unwrap();
    let buf = SharedBuf::default();
    let console = ConsoleExporter::with_writer(buf.clone()).without_summary();
    console.export(spans).await.unwrap();
    console.force_flush().unwrap();
    assert!(buf.text().contains("(partial: root span not ended)"));
    assert_eq!(console.pending_spans(), 0);

    // The root ending later is printed on its own.
    console.export(vec![root]).await.unwrap();
    console.force_flush().unwrap();
    let out = buf.text();
    let last_trace = out.rsplit(&format!("{trace_id} trace: ")).next().unwrap();
    assert!(last_trace.starts_with("1 span\n"), "{last_trace}");
    assert!(last_trace.contains("invoke_workflow support"));
}

#[tokio::test]
async fn a_full_buffer_prints_the_oldest_trace() {
    let (first_id, mut first) = support_trace_spans();
    let (second_id, mut second) = support_trace_spans();
    first.pop();
    second.pop();
    let buf = SharedBuf::default();
    let console = ConsoleExporter::with_writer(buf.clone())
        .without_summary()
        .with_max_pending_traces(1);
    console.export(first).await.unwrap();
    assert_eq!(console.pending_spans(), 8);
    console.export(second).await.unwrap();
    // The first trace was printed to make room: only the second is held.
    assert_eq!(console.pending_spans(), 8);
    console.force_flush().unwrap();
    let out = buf.text();
    assert!(out.starts_with(&format!(
        "{first_id} trace: 8 spans (partial: buffer full)\n"
    )));
    let second_at = out
        .find(&format!(
            "{second_id} trace: 8 spans (partial: root span not ended)\n"
        ))
        .expect("the second trace, printed by the flush");
    assert!(!out[..second_at].contains(&second_id.to_string()));

    // The span bound works the same way, within one trace too.
    let (_, mut third) = support_trace_spans();
    third.pop();
    let buf = SharedBuf::default();
    let console = ConsoleExporter::with_writer(buf.clone())
        .without_summary()
        .with_max_pending_spans(5);
    console.export(third).await.unwrap();
    assert_eq!(console.pending_spans(), 2);
    console.force_flush().unwrap();
    let out = buf.text();
    let full = out
        .find("trace: 6 spans (partial: buffer full)")
        .expect("printed to make room");
    let rest = out
        .find("trace: 2 spans (partial: root span not ended)")
        .expect("printed by the flush");
    assert!(full < rest, "{out}");
}
