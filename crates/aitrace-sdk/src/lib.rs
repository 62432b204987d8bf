//! SDK wiring for aitrace: exporters, trace summaries, pipeline set-up.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod config;
pub mod exporter;
pub mod fanout;
pub mod gen_ai_spans;
#[cfg(feature = "otlp")]
mod guard;
#[cfg(feature = "otlp")]
mod init;
pub mod keep_rules;
#[cfg(feature = "otlp")]
pub mod otlp;
pub mod pipeline;
pub mod propagation;
#[cfg(feature = "otlp")]
mod queue;
mod redact;
pub mod resource;
#[cfg(feature = "otlp")]
mod runtime;
pub mod sampler;
mod span_size;
pub mod stats;
pub mod summary;
pub mod testing;
mod trace_buffer;
#[cfg(feature = "tracing")]
pub mod tracing_bridge;
pub mod tree;

/// The span API, re-exported.
pub use aitrace;
pub use config::DEFAULT_SHUTDOWN_TIMEOUT;
pub use config::{Config, ConfigError};
#[cfg(feature = "otlp")]
pub use guard::{FlushError, FlushReport, ShutdownError, ShutdownReport, TracingGuard};
#[cfg(feature = "otlp")]
pub use init::{init, propagator, Builder, InitError};
/// The OpenTelemetry SDK this crate is built on, re-exported for applications that
/// assemble their own tracer provider or name its types (`SpanData` in tests): they
/// need no `opentelemetry_sdk` dependency of their own.
pub use opentelemetry_sdk;
pub use stats::{ExportFailure, ExportStats, FailureKind, StatsSnapshot};

// The crate README's example compiles as a doc test, so that what crates.io shows builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
