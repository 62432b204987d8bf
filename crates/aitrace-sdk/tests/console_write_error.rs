//! A writer that fails: ending spans never waits on it, the error is returned by
//! the next export, by flushes and by shutdown, and output after it is dropped
//! and counted; nothing panics.

mod support;
use aitrace_sdk::exporter::ConsoleExporter;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::trace::SpanExporter;
use std::io::{self, Write};
use support::console::support_trace_spans;

struct Broken;

impl Write for Broken {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe closed"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn is_pipe_closed(result: Result<(), OTelSdkError>) -> bool {
    matches!(result, Err(OTelSdkError::InternalFailure(msg)) if msg.contains("pipe closed"))
}

#[tokio::test]
async fn write_errors_are_returned_and_later_output_counted() {
    let (_, spans) = support_trace_spans();
    let console = ConsoleExporter::with_writer(Broken);
    // The write happens on the writer's thread: the export itself succeeds.
    console.export(spans.clone()).await.unwrap();
    assert!(is_pipe_closed(console.force_flush()));
    // Once the writer failed, exports say so and their output is dropped.
    assert!(is_pipe_closed(console.export(spans.clone()).await));
    assert_eq!(console.dropped_output(), 1);

    // Pending spans flushed at shutdown hit the same error.
    let console = ConsoleExporter::with_writer(Broken);
    console.export(spans[..3].to_vec()).await.unwrap();
    assert!(is_pipe_closed(console.shutdown()));
}
