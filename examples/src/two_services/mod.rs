//! Two services, one trace: an agent service that calls a tool service over HTTP.
//!
//! The agent service wraps its run in a workflow and an agent span and calls the tool
//! service through a reqwest client with `aitrace_http::ClientMiddleware`: a CLIENT
//! span for the request, whose context, baggage, conversation id and user id go into
//! the request headers with the configured propagators (`OTEL_PROPAGATORS`). The tool
//! service serves through `aitrace_http::ServerLayer`, which extracts them: its SERVER
//! span (and the tool span under it) is a child of the caller's CLIENT span, and
//! carries the caller's conversation id and user id. One trace across both.
//!
//! Run both in one go with `cargo run --example two_services`, or as two processes
//! with the `tool_service` and `agent_service` binaries of this package.

pub mod agent_service;
pub mod tool_service;

/// The route of the tool service's tools.
pub const TOOL_ROUTE: &str = "/tools/{name}";

/// The path of the search tool.
pub const SEARCH_PATH: &str = "/tools/search_kb";
