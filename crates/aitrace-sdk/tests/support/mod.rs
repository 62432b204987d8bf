//! What the aitrace-sdk integration tests share, in one place: include it with
//! `mod support;`.
//!
//! - [`child`]: a test binary run again as a child process, waited for within a bound;
//! - [`console`]: a writer the test reads back, the sample support trace, and the
//!   shape of console output;
//! - [`otlp_metrics`]: metric exports a receiver got, as the last point of each series;
//! - [`pipeline`]: a pipeline to one endpoint and a bounded wait on its counters;
//! - [`propagation`]: contexts and carriers for propagation round trips;
//! - [`receiver`]: an in-process OTLP receiver for what a real collector does not
//!   let a test control (TLS, headers, slow, failing or missing answers, bytes on
//!   the wire);
//! - [`runtime`]: a pipeline to that receiver, installed, and a small agent run;
//! - real third-party peers (`rotel`, `reference`, `mlflow`, and [`repo_root`]),
//!   from `peers.rs`, which the examples' tests include alone.
#![allow(dead_code, unused_imports)]

pub mod child;
pub mod console;
pub mod otlp_metrics;
mod peers;
pub mod pipeline;
pub mod propagation;
pub mod receiver;
pub mod runtime;

pub use peers::*;
