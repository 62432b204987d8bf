//! The typed AI spans: one guard ([`AiSpan`]) and one builder ([`SpanBuilder`])
//! for every kind, the start and end path they share ([`core`]), attribute
//! building blocks ([`attrs`]) and the budget of the user's attributes
//! ([`budget`]). Each kind's file holds what only that kind has.

pub(crate) mod attrs;
pub(crate) mod budget;
pub(crate) mod core;
pub(crate) mod guard;

pub(crate) mod agent;
pub(crate) mod custom;
pub(crate) mod embedding;
pub(crate) mod generation;
pub(crate) mod guardrail;
pub(crate) mod handoff;
pub(crate) mod mcp;
pub(crate) mod retrieval;
pub(crate) mod tool;
pub(crate) mod voice;
pub(crate) mod workflow;

pub(crate) use self::attrs::{shared, shared_cow, span_name, string_array, Attrs, SharedStr};
pub(crate) use self::core::{SpanCore, Start};
pub use self::guard::{AiSpan, Kind, SpanBuilder};
pub(crate) use self::guard::{Base, Ending};
