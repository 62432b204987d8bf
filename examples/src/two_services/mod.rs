//! Two services, one trace: an agent service that calls a tool service over HTTP.
//!
//! The agent service wraps its run in a workflow and an agent span, makes a CLIENT
//! span for the outgoing request, and injects the trace context into the request
//! headers with the configured propagators (`OTEL_PROPAGATORS`). The tool service
//! extracts it from the incoming headers, so its SERVER span (and the tool span
//! under it) is a child of the caller's client span: one trace across both.
//!
//! Run both in one go with `cargo run --example two_services`, or as two processes
//! with the `tool_service` and `agent_service` binaries of this package.

pub mod agent_service;
pub mod tool_service;

/// The path the tool service answers on.
pub const SEARCH_PATH: &str = "/tools/search_kb";
