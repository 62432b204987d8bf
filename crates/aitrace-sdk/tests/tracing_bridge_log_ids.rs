//! Log lines written through `tracing` carry the trace and span ids of the
//! innermost current span, aitrace's or `tracing`'s, for correlation.

use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::tracing_bridge::tracing_opentelemetry::OpenTelemetrySpanExt;
use aitrace_sdk::tracing_bridge::WithTraceIds;
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::trace::SimpleSpanProcessor;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn line_with(&self, needle: &str) -> String {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
            .to_string()
    }
}

#[test]
fn log_lines_carry_the_ids_of_the_current_span() {
    let memory = InMemoryExporter::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .install()
        .expect("pipeline installs");
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::registry()
        .with(guard.tracing_layer())
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(move || writer.clone())
                .event_format(WithTraceIds::new()),
        );
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("before any span");
        let request = tracing::info_span!("GET /chat");
        let _g = request.enter();
        tracing::info!("in the request");
        let request_ids = request.context().span().span_context().clone();
        let agent = aitrace::agent("triage").start();
        agent.in_scope(|| tracing::info!("in the agent"));
        let inner = agent.in_scope(|| tracing::info_span!("lookup"));
        inner.in_scope(|| tracing::info!("in the lookup"));
        let inner_ids = inner.context().span().span_context().clone();

        assert!(!lines.line_with("before any span").contains("trace_id="));
        let expect = |trace, span| format!("trace_id={trace} span_id={span} ");
        assert!(lines
            .line_with("in the request")
            .starts_with(&expect(request_ids.trace_id(), request_ids.span_id())));
        assert!(lines
            .line_with("in the agent")
            .starts_with(&expect(agent.trace_id(), agent.span_id())));
        assert!(lines
            .line_with("in the lookup")
            .starts_with(&expect(inner_ids.trace_id(), inner_ids.span_id())));
        assert_eq!(agent.trace_id(), request_ids.trace_id());
        agent.end();
    });
    guard.shutdown().expect("clean shutdown");
}
