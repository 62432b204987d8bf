//! Span exporters for local use. Each is a real OpenTelemetry `SpanExporter`.

mod console;
mod console_writer;
mod in_memory;
mod json_lines;
mod tee;

pub use console::{ConsoleExporter, DEFAULT_MAX_PENDING_SPANS, DEFAULT_MAX_PENDING_TRACES};
pub use console_writer::DEFAULT_MAX_BUFFERED_OUTPUT;
pub use in_memory::{InMemoryExporter, DEFAULT_CAPACITY};
pub use json_lines::JsonLinesExporter;
pub use tee::TeeExporter;
