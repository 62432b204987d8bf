//! Through a real tracer provider, the console exporter prints each trace as
//! soon as its root span ends.

mod support;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use support::console::{run_support_trace, shape, SharedBuf};

#[test]
fn a_trace_is_printed_when_its_root_ends() {
    let buf = SharedBuf::default();
    // A clone kept aside can flush: the simple processor does not pass
    // `force_flush` on.
    let console = ConsoleExporter::with_writer(buf.clone());
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(console.clone())
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());

    let trace_id = run_support_trace();
    console.force_flush().unwrap();
    let out = buf.text();
    assert_eq!(shape(&out, trace_id).len(), 9, "{out}");
    assert!(out.contains(&format!("{trace_id} summary of trace {trace_id}")));

    // A trace whose root has not ended is printed, partial, at shutdown.
    let run = aitrace::trace("unfinished").new_root().start();
    let open_id = run.trace_id();
    run.in_scope(|| aitrace::tool("search_kb").start().end());
    assert_eq!(console.pending_spans(), 1, "held while its root runs");
    provider.shutdown().unwrap();
    let out = buf.text();
    assert!(out.contains(&format!(
        "{open_id} trace: 1 span (partial: root span not ended)"
    )));
    assert!(out.contains(&format!("{open_id} execute_tool search_kb  ")));
    drop(run);
}
