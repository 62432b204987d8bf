//! Helpers shared by the exporter tests.

use opentelemetry::trace::TraceId;
use opentelemetry_sdk::trace::SpanData;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A writer whose bytes stay readable after it was moved into an exporter.
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("output is UTF-8")
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Siblings get distinct start times, so their order is known.
fn tick() {
    std::thread::sleep(Duration::from_millis(2));
}

/// Emits, through the global tracer provider, one support run:
///
/// ```text
/// invoke_workflow support
/// └── invoke_agent triage
///     ├── apply_guardrail pii_check            passed
///     ├── chat gpt-4o                          812 in / 64 out, priced
///     ├── execute_tool search_kb               fails: connection reset
///     ├── apply_guardrail toxicity             tripped
///     └── execute_tool transfer_to_billing     handoff triage -> billing
///         └── invoke_agent billing
///             └── chat my-local-llm            100 in / 20 out, unpriced
/// ```
pub fn run_support_trace() -> TraceId {
    let run = aitrace::trace("support").new_root().start();
    run.in_scope(|| {
        let triage = aitrace::agent("triage").start();
        triage.in_scope(|| {
            let check = aitrace::guardrail("pii_check").start();
            check.pass();
            check.end();
            tick();

            let mut call = aitrace::generation("openai", "gpt-4o").start();
            call.record_usage(aitrace::Usage::new(812, 64));
            call.end();
            tick();

            let tool = aitrace::tool("search_kb").with_call_id("call_1").start();
            tool.end_with_error(&io::Error::other("connection reset"));
            tick();

            let check = aitrace::guardrail("toxicity").start();
            check.trip("insult in the answer");
            check.end();
            tick();

            let handoff = aitrace::handoff("triage", "billing").start();
            handoff.in_scope(|| {
                let billing = aitrace::agent("billing").start();
                billing.in_scope(|| {
                    let mut call = aitrace::generation("local", "my-local-llm").start();
                    call.record_usage(aitrace::Usage::new(100, 20));
                    call.end();
                });
                billing.end();
            });
            handoff.end();
        });
        triage.end();
    });
    let id = run.trace_id();
    run.end();
    id
}

/// The spans of [`run_support_trace`], in the order they ended, recorded by the
/// in-memory pipeline of `aitrace_sdk::testing`.
pub fn support_trace_spans() -> (TraceId, Vec<SpanData>) {
    let memory = aitrace_sdk::testing::install_in_memory();
    let id = run_support_trace();
    let spans = memory.spans_of_trace(id);
    assert_eq!(spans.len(), 9, "the support trace has nine spans");
    (id, spans)
}

/// The tree lines of console output without ids, durations or details:
/// branches and name only.
pub fn shape(output: &str, trace_id: TraceId) -> Vec<String> {
    let prefix = format!("{trace_id} ");
    output
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .take_while(|l| !l.starts_with("summary of trace"))
        .filter(|l| !l.starts_with("trace: "))
        .map(|l| name_part(l).to_string())
        .collect()
}

/// A tree line up to its duration (two spaces, then a digit).
pub fn name_part(line: &str) -> &str {
    let bytes = line.as_bytes();
    let end = (0..bytes.len().saturating_sub(2))
        .find(|&i| &bytes[i..i + 2] == b"  " && bytes[i + 2].is_ascii_digit())
        .unwrap_or(line.len());
    &line[..end]
}
