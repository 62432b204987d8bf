//! HTTP in and out for aitrace: a SERVER span for every request a service receives,
//! a CLIENT span for every request it sends, and the trace — with the conversation id,
//! user id and tenant — carried from one to the other.
//!
//! # In servers
//! Add [`ServerLayer`] (feature `server`) to axum, tonic, or any tower stack in front
//! of hyper. The caller's trace context is extracted with the configured propagators,
//! the conversation id, user id and tenant it sent are restored, and every aitrace
//! span of the handler carries them.
//!
//! ```
//! # #[cfg(feature = "axum")] {
//! use aitrace_http::ServerLayer;
//! use axum::{routing::post, Router};
//!
//! async fn search() -> &'static str {
//!     let tool = aitrace::tool("search_kb").start(); // child of the SERVER span
//!     tool.end();
//!     "[]"
//! }
//!
//! let app: Router = Router::new()
//!     .route("/tools/{name}", post(search))
//!     .layer(ServerLayer::new()); // spans named `POST /tools/{name}`
//! # }
//! ```
//!
//! # In clients
//! Add [`ClientMiddleware`] (feature `client`) to a `reqwest-middleware` client. Each
//! request gets a CLIENT span under the current span, and carries the trace context,
//! the baggage and the current trace's identity in its headers.
//!
//! ```
//! # #[cfg(feature = "client")] {
//! use aitrace_http::ClientMiddleware;
//!
//! let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
//!     .with(ClientMiddleware::new())
//!     .build();
//! # let _ = client;
//! # }
//! ```
//!
//! # Feature flags
//! | feature | what it adds | pulls in |
//! | --- | --- | --- |
//! | `server` | [`ServerLayer`] | `tower-layer`, `tower-service`, `http-body` |
//! | `axum` | spans named after axum's matched route | `axum` without its default features |
//! | `client` | [`ClientMiddleware`], [`UrlTemplate`] | `reqwest` (no TLS chosen), `reqwest-middleware` |
//!
//! None is on by default. Neither side brings an async runtime of its own, nor the
//! aitrace SDK: spans go to whatever tracer provider the application installed.
//!
//! # Identity across the hop
//! The conversation id, user id and tenant travel as baggage entries
//! `gen_ai.conversation.id`, `user.id` and `ai.tenant.id`. When the configured
//! propagators carry no baggage (`OTEL_PROPAGATORS=b3`), a W3C `baggage` header holds
//! them alone; `AITRACE_IDENTITY_BAGGAGE=propagators` or `off` changes that. See
//! [`aitrace::propagation::Identity`] and `docs/http.md`.
#![warn(missing_docs)]

pub mod attributes;
#[cfg(any(feature = "server", feature = "client"))]
mod conventions;
pub mod redact;
#[cfg(any(feature = "server", feature = "client"))]
mod span;

#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "server")]
pub mod server;

#[cfg(feature = "client")]
pub use client::{ClientMiddleware, UrlTemplate};
#[cfg(feature = "server")]
pub use server::ServerLayer;
