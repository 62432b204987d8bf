//! SDK wiring for aitrace: exporters, trace summaries, pipeline set-up.
#![warn(missing_docs)]

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

pub use aitrace;
pub use config::{Config, ConfigError};
#[cfg(feature = "otlp")]
pub use init::{
    init, propagator, Builder, InitError, ShutdownError, ShutdownReport, TracingGuard,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
pub use stats::{ExportStats, StatsSnapshot};
