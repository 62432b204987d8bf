//! After each trace the console exporter prints the trace's summary; it can be
//! left out.

mod support;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry_sdk::trace::SpanExporter;
use support::console::{support_trace_spans, SharedBuf};

#[tokio::test]
async fn the_summary_follows_the_tree() {
    let (trace_id, spans) = support_trace_spans();
    let buf = SharedBuf::default();
    let console = ConsoleExporter::with_writer(buf.clone());
    console.export(spans.clone()).await.unwrap();
    console.force_flush().unwrap();

    let out = buf.text();
    let id = trace_id.to_string();
    let summary: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.contains("summary of trace"))
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.strip_prefix(&format!("{id} "))
                .expect("trace id on the line")
        })
        .collect();
    assert_eq!(summary[0], format!("summary of trace {id}"));
    assert!(summary[1].starts_with("  root: invoke_workflow support, "));
    assert!(summary[1].ends_with(" ms, 9 spans"));
    assert_eq!(
        summary[2],
        "  model calls: 2, tokens 912 in / 84 out / 996 total, cost $0.0027 (1 unpriced call)"
    );
    assert_eq!(
        summary[3],
        "    gpt-4o: 1 call, 812 in / 64 out tokens, $0.0027"
    );
    assert_eq!(
        summary[4],
        "    my-local-llm: 1 call, 100 in / 20 out tokens, unpriced"
    );
    assert_eq!(
        summary[5],
        "  tool calls: 1, handoffs: 1, errors: 1, guardrails tripped: 1"
    );
    assert!(summary[6].starts_with("  critical path: invoke_workflow support ("));
    assert_eq!(summary.len(), 7);
    assert!(out.ends_with("\n\n"), "a blank line ends the trace");

    let quiet = SharedBuf::default();
    let console = ConsoleExporter::with_writer(quiet.clone()).without_summary();
    console.export(spans).await.unwrap();
    console.force_flush().unwrap();
    assert!(!quiet.text().contains("summary of trace"));
    assert!(quiet.text().contains("chat gpt-4o"));
}
