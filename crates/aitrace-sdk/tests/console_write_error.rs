//! A writer that fails makes the export return an error; nothing panics.

mod common;

use aitrace_sdk::exporter::ConsoleExporter;
use common::support_trace_spans;
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::trace::SpanExporter;
use std::io::{self, Write};

struct Broken;

impl Write for Broken {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe closed"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn write_errors_are_returned() {
    let (_, spans) = support_trace_spans();
    let console = ConsoleExporter::with_writer(Broken);
    let result = console.export(spans.clone()).await;
    match result {
        Err(OTelSdkError::InternalFailure(msg)) => assert!(msg.contains("pipe closed"), "{msg}"),
        other => panic!("expected a write error, got {other:?}"),
    }
    // Pending spans flushed at shutdown hit the same error.
    let console = ConsoleExporter::with_writer(Broken);
    console.export(spans[..3].to_vec()).await.unwrap();
    assert!(console.shutdown().is_err());
}
