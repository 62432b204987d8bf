//! SDK wiring for aitrace: exporters, trace summaries, pipeline set-up.
#![warn(missing_docs)]

pub mod exporter;
pub mod testing;

pub use aitrace;
