//! Span exporters for local use. Each is a real OpenTelemetry `SpanExporter`.

mod in_memory;

pub use in_memory::{InMemoryExporter, DEFAULT_CAPACITY};
