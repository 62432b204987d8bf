//! Runnable examples for aitrace.
//!
//! [`workflow::run_support_workflow`] is a two-agent customer-support run
//! (triage, then a billing specialist) instrumented end to end: guardrail, model
//! calls, tool calls (one of which times out and is handled), and a handoff. The
//! model is [`sim_model::SimModel`], a deterministic stand-in that needs no network
//! and reports realistic token usage for real model names, so costs come out of
//! the bundled price table.
//!
//! Run it with `cargo run --example agent_workflow`.
#![warn(missing_docs)]

pub mod axum_app;
pub mod chat;
pub mod script;
pub mod sim_model;
pub mod steps;
pub mod tools;
pub mod two_services;
pub mod workflow;

pub use workflow::{run_support_workflow, WorkflowOutcome};

/// The Rust code blocks of the README, compiled and run as doc tests so that the
/// snippet shown to newcomers keeps working.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
