//! The console exporter prints a trace as a tree, with the trace id on every
//! line, when its root span arrives.

mod support;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry_sdk::trace::SpanExporter;
use support::console::{name_part, shape, support_trace_spans, SharedBuf};

#[tokio::test]
async fn prints_the_tree_when_the_root_arrives() {
    let (trace_id, spans) = support_trace_spans();
    let buf = SharedBuf::default();
    let console = ConsoleExporter::with_writer(buf.clone());

    // One span per batch, in the order they ended, as a simple processor does.
    let (root, children) = spans.split_last().unwrap();
    for span in children {
        console.export(vec![span.clone()]).await.unwrap();
    }
    assert_eq!(console.pending_spans(), 8, "held until the root ends");
    console.export(vec![root.clone()]).await.unwrap();
    assert_eq!(console.pending_spans(), 0);
    console.force_flush().unwrap();

    let out = buf.text();
    println!("{out}");

    // The trace id is on every line.
    let id = trace_id.to_string();
    assert_eq!(id.len(), 32);
    for line in out.lines().filter(|l| !l.is_empty()) {
        assert!(line.starts_with(&format!("{id} ")), "no trace id: {line:?}");
    }

    // Names in tree order, with their branches.
    assert_eq!(
        shape(&out, trace_id),
        [
            "invoke_workflow support",
            "└── invoke_agent triage",
            "    ├── apply_guardrail pii_check",
            "    ├── chat gpt-4o",
            "    ├── execute_tool search_kb",
            "    ├── apply_guardrail toxicity",
            "    └── execute_tool transfer_to_billing",
            "        └── invoke_agent billing",
            "            └── chat my-local-llm",
        ]
    );
    assert!(out.lines().next().unwrap().ends_with(" trace: 9 spans"));

    // Details by span type.
    let line = |name: &str| {
        out.lines()
            .find(|l| name_part(l).ends_with(name))
            .unwrap_or_else(|| panic!("no line for {name}"))
    };
    assert!(line("chat gpt-4o").ends_with("✓  gpt-4o · 812 in / 64 out tokens · $0.0027"));
    assert!(
        line("chat my-local-llm").ends_with("✓  my-local-llm · 100 in / 20 out tokens · unpriced")
    );
    assert!(line("execute_tool search_kb").ends_with("✗ connection reset"));
    assert!(line("apply_guardrail pii_check").ends_with("✓  passed"));
    assert!(line("apply_guardrail toxicity").ends_with("TRIPPED: insult in the answer"));
    assert!(line("execute_tool transfer_to_billing").ends_with("✓  triage -> billing"));
    assert!(line("invoke_agent triage").contains(" ms  ✓"));
}
