//! What the aitrace-sdk integration tests share, in one place: include it with
//! `mod support;`.
//!
//! - [`console`]: a writer the test reads back, the sample support trace, and the
//!   shape of console output;
//! - [`pipeline`]: a pipeline to one endpoint and a bounded wait on its counters;
//! - [`propagation`]: contexts and carriers for propagation round trips;
//! - [`receiver`]: an in-process OTLP receiver for what a real collector does not
//!   let a test control (TLS, headers, slow, failing or missing answers, bytes on
//!   the wire);
//! - [`runtime`]: a pipeline to that receiver, installed, and a small agent run;
//! - real third-party peers (`rotel`, `reference`, `mlflow`, and [`repo_root`]),
//!   from `peers.rs`, which the examples' tests include alone.
#![allow(dead_code, unused_imports)]

pub mod console;
mod peers;
pub mod pipeline;
pub mod propagation;
pub mod receiver;
pub mod runtime;

pub use peers::*;
