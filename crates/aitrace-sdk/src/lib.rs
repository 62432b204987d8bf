//! SDK wiring for aitrace: exporters, trace summaries, pipeline set-up.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod config;
pub mod exporter;
pub mod gen_ai_spans;
#[cfg(feature = "otlp")]
mod init;
pub mod keep_rules;
#[cfg(feature = "otlp")]
pub mod otlp;
pub mod propagation;
pub mod resource;
#[cfg(feature = "otlp")]
mod runtime;
pub mod sampler;
pub mod stats;
pub mod summary;
pub mod testing;
#[cfg(feature = "tracing")]
pub mod tracing_bridge;
pub mod tree;

/// The span API, re-exported.
pub use aitrace;
pub use config::{Config, ConfigError};
#[cfg(feature = "otlp")]
pub use init::{
    init, propagator, Builder, InitError, ShutdownError, ShutdownReport, TracingGuard,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
/// The OpenTelemetry SDK this crate is built on, re-exported for applications that
/// assemble their own tracer provider or name its types (`SpanData` in tests): they
/// need no `opentelemetry_sdk` dependency of their own.
pub use opentelemetry_sdk;
pub use stats::{ExportStats, StatsSnapshot};

// The crate README's example compiles as a doc test, so that what crates.io shows builds.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
