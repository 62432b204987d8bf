//! Carrying a trace across process boundaries: HTTP headers and string maps.
//!
//! An agent run is rarely alone: a request arrives from a web front end, the agent calls
//! tools over HTTP, another service runs the next agent. These helpers move the trace
//! context (and baggage) in and out of request headers with the process-wide propagator
//! that the application installed (`opentelemetry::global::set_text_map_propagator`,
//! which `aitrace-sdk` sets from `OTEL_PROPAGATORS`). With no propagator installed they
//! inject nothing and extract nothing.
//!
//! - Server side: [`extract_parent`] reads the incoming headers; pass the result to
//!   [`crate::TraceBuilder::child_of`] so the caller's span becomes the parent of the run.
//! - Client side: [`inject_current`] writes the current span into an outgoing request.
//! - Anything else: [`inject_context`] / [`extract_context`] for an explicit
//!   [`Context`], [`inject_map`] / [`extract_map`] for plain string maps (message
//!   headers, job payloads, environment-like maps).
//!
//! Every span type has `trace_id()` and `span_id()` for logs and API responses.
//!
//! The conversation id, user id and tenant of a trace travel with it: injection adds
//! them to the baggage, extraction restores them so that every span on the other side
//! inherits them. See [`Identity`] and [`IdentityBaggage`].
//!
//! ```
//! use aitrace::propagation::{extract_parent, http::HeaderMap, inject_current};
//! # opentelemetry::global::set_text_map_propagator(
//! #     opentelemetry_sdk::propagation::TraceContextPropagator::new(),
//! # );
//! # opentelemetry::global::set_tracer_provider(
//! #     opentelemetry_sdk::trace::SdkTracerProvider::builder().build(),
//! # );
//!
//! // An incoming request, as a web framework hands it over.
//! let mut incoming = HeaderMap::new();
//! incoming.insert(
//!     "traceparent",
//!     "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap(),
//! );
//!
//! // The caller's span becomes the parent of the agent run.
//! let parent = extract_parent(&incoming);
//! let run = aitrace::trace("support").child_of(&parent).start();
//! assert_eq!(run.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//!
//! run.in_scope(|| {
//!     // A tool call over HTTP carries the run on to the next service.
//!     let mut outgoing = HeaderMap::new();
//!     inject_current(&mut outgoing);
//!     let traceparent = outgoing["traceparent"].to_str().unwrap();
//!     assert!(traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
//! });
//! println!("trace id for the API response: {}", run.trace_id());
//! run.end();
//! ```
//!
//! # Hostile input
//! Extraction never panics. A value longer than [`max_value_len`] for its header, or not
//! visible ASCII (for example the raw bytes an [`http::HeaderValue`] may hold), is treated
//! as absent. A `traceparent` sent twice is treated as absent too: HTTP joins repeated
//! headers with commas, which no `traceparent` can contain, and the W3C Trace Context test
//! suite expects a new trace in that case. Other single-valued headers take their first
//! value (as B3 specifies); the list headers `baggage` and `tracestate` are joined with
//! commas by [`extract_context`] and [`extract_parent`].

mod identity;
pub mod percent;

pub use identity::{
    identity_baggage, set_identity_baggage, Identity, IdentityBaggage, BAGGAGE_CONVERSATION_ID,
    BAGGAGE_TENANT_ID, BAGGAGE_USER_ID, ENV_IDENTITY_BAGGAGE,
};

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::Context;
use std::collections::HashMap;
use std::hash::BuildHasher;

#[cfg(feature = "http")]
pub use http;

/// The longest value read from a header that carries a trace identity (`traceparent`,
/// `b3`, `X-B3-*`, `uber-trace-id`): 512 bytes, about nine times a `traceparent`.
pub const MAX_TRACE_HEADER_LEN: usize = 512;

/// The longest value read from any other header (`baggage`, `tracestate`, `uberctx-*`):
/// 8192 bytes, the size W3C Baggage requires a platform to propagate.
pub const MAX_BAGGAGE_HEADER_LEN: usize = 8192;

/// Headers that carry a trace identity, lowercase.
const TRACE_HEADERS: [&str; 8] = [
    "traceparent",
    "b3",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-flags",
    "uber-trace-id",
];

/// List-valued headers whose repeated values are joined with commas (RFC 9110 §5.3).
#[cfg(feature = "http")]
const LIST_HEADERS: [&str; 2] = ["baggage", "tracestate"];

/// The longest value accepted for header `name` (any case): [`MAX_TRACE_HEADER_LEN`] for
/// trace identity headers, [`MAX_BAGGAGE_HEADER_LEN`] for the rest.
pub fn max_value_len(name: &str) -> usize {
    if TRACE_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        MAX_TRACE_HEADER_LEN
    } else {
        MAX_BAGGAGE_HEADER_LEN
    }
}

/// Whether `value` may be handed to a propagator as the value of header `name`.
fn acceptable(name: &str, value: &str) -> bool {
    value.len() <= max_value_len(name)
}

/// A header that must appear at most once; a repeated one is treated as absent.
#[cfg(feature = "http")]
fn single_only(name: &str) -> bool {
    name.eq_ignore_ascii_case("traceparent")
}

/// Injects `cx` into an HTTP header map with the global propagator, with the
/// [`Identity`] of its trace in the baggage (see [`IdentityBaggage`]).
#[cfg(feature = "http")]
pub fn inject_context(cx: &Context, headers: &mut http::HeaderMap) {
    let had_baggage = headers.contains_key("baggage");
    inject_into(cx, &mut HeaderInjector(headers), had_baggage)
}

/// Injects `cx` through `injector` with the global propagator. When the trace has an
/// identity and [`identity_baggage`] is not `Off`, the identity joins the baggage; with
/// `Always`, when propagators are installed but none wrote baggage and the carrier had
/// no `baggage` entry (`carrier_has_baggage`), a W3C `baggage` entry carries the
/// identity alone.
fn inject_into(cx: &Context, injector: &mut dyn Injector, carrier_has_baggage: bool) {
    let mode = identity_baggage();
    let identity = match mode {
        IdentityBaggage::Off => Identity::default(),
        _ => Identity::of(cx),
    };
    if identity.is_empty() {
        return opentelemetry::global::get_text_map_propagator(|p| p.inject_context(cx, injector));
    }
    /// Notes whether a propagator wrote baggage.
    struct Watch<'a> {
        inner: &'a mut dyn Injector,
        wrote_baggage: bool,
    }
    impl Injector for Watch<'_> {
        fn set(&mut self, key: &str, value: String) {
            self.wrote_baggage |= identity::carries_baggage(key);
            self.inner.set(key, value)
        }
    }
    let with_identity = identity.add_to_baggage(cx);
    let mut watch = Watch {
        inner: injector,
        wrote_baggage: false,
    };
    opentelemetry::global::get_text_map_propagator(|p| {
        p.inject_context(&with_identity, &mut watch)
    });
    if mode == IdentityBaggage::Always
        && !watch.wrote_baggage
        && !carrier_has_baggage
        && identity::propagation_on()
    {
        if let Some(header) = identity.to_w3c_baggage() {
            injector.set("baggage", header);
        }
    }
}

/// Injects the current context into an outgoing request's headers: the client side of a
/// call made inside a span.
#[cfg(feature = "http")]
pub fn inject_current(headers: &mut http::HeaderMap) {
    Context::map_current(|cx| inject_context(cx, headers))
}

/// Extracts a context from HTTP headers with the global propagator, on top of the current
/// context (OpenTelemetry's `extract`): when the headers carry nothing, the result is the
/// current context.
#[cfg(feature = "http")]
pub fn extract_context(headers: &http::HeaderMap) -> Context {
    Context::map_current(|cx| extract_onto(cx, headers))
}

/// Extracts the parent of a server-side run from an incoming request's headers, on top of
/// an empty context: a request without trace headers starts a new trace rather than
/// joining whatever span happens to be current on the worker thread. Pass the result to
/// `child_of` of [`crate::trace`] (or any other builder).
#[cfg(feature = "http")]
pub fn extract_parent(headers: &http::HeaderMap) -> Context {
    extract_onto(&Context::new(), headers)
}

#[cfg(feature = "http")]
fn extract_onto(cx: &Context, headers: &http::HeaderMap) -> Context {
    extract_from(cx, &JoinedHeaders::new(headers))
}

/// Extracts through `carrier` with the global propagator on top of `cx`, then restores
/// the [`Identity`] the request carries (see [`IdentityBaggage`]).
fn extract_from(cx: &Context, carrier: &dyn Extractor) -> Context {
    let cx =
        opentelemetry::global::get_text_map_propagator(|p| p.extract_with_context(cx, carrier));
    identity::restore(cx, carrier.get("baggage"))
}

/// Injects `cx` into a string map with the global propagator, with the [`Identity`] of
/// its trace in the baggage as [`inject_context`] does; keys are lowercase.
pub fn inject_map<S: BuildHasher>(cx: &Context, map: &mut HashMap<String, String, S>) {
    let had_baggage = map.keys().any(|k| k.eq_ignore_ascii_case("baggage"));
    inject_into(cx, map, had_baggage)
}

/// Extracts a context from a string map with the global propagator, on top of the current
/// context, and restores the [`Identity`] it carries. Keys are matched without regard to
/// ASCII case; values over [`max_value_len`] are ignored.
pub fn extract_map<S: BuildHasher>(map: &HashMap<String, String, S>) -> Context {
    Context::map_current(|cx| extract_from(cx, &MapExtractor(map)))
}

/// Writes propagation fields into an [`http::HeaderMap`], replacing earlier values of the
/// same name. A name or value that is not valid in HTTP is skipped silently.
#[cfg(feature = "http")]
#[derive(Debug)]
pub struct HeaderInjector<'a>(pub &'a mut http::HeaderMap);

#[cfg(feature = "http")]
impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        let Ok(name) = http::HeaderName::from_bytes(key.as_bytes()) else {
            return;
        };
        let Ok(value) = http::HeaderValue::try_from(value) else {
            return;
        };
        self.0.insert(name, value);
    }

    fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional)
    }
}

/// Reads propagation fields from an [`http::HeaderMap`]. Names are case-insensitive.
/// `get` returns the first value of a header, or nothing when that value is not visible
/// ASCII or is longer than [`max_value_len`], or when `traceparent` is repeated;
/// `get_all` returns every acceptable value.
#[cfg(feature = "http")]
#[derive(Clone, Copy, Debug)]
pub struct HeaderExtractor<'a>(pub &'a http::HeaderMap);

#[cfg(feature = "http")]
impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        let mut values = self.0.get_all(key).iter();
        let first = values.next()?;
        if single_only(key) && values.next().is_some() {
            return None;
        }
        first.to_str().ok().filter(|v| acceptable(key, v))
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let values: Vec<&str> = self
            .0
            .get_all(key)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter(|v| acceptable(key, v))
            .collect();
        (!values.is_empty()).then_some(values)
    }
}

/// A [`HeaderExtractor`] that also joins repeated list headers (`baggage`, `tracestate`).
#[cfg(feature = "http")]
#[derive(Debug)]
struct JoinedHeaders<'a> {
    inner: HeaderExtractor<'a>,
    joined: Vec<(&'static str, Option<String>)>,
}

#[cfg(feature = "http")]
impl<'a> JoinedHeaders<'a> {
    fn new(headers: &'a http::HeaderMap) -> Self {
        let inner = HeaderExtractor(headers);
        let joined = LIST_HEADERS
            .iter()
            .filter(|name| headers.get_all(**name).iter().nth(1).is_some())
            .map(|name| {
                // Every value must be readable: one that is not makes the list unreadable.
                let parts: Option<Vec<&str>> = headers
                    .get_all(*name)
                    .iter()
                    .map(|v| v.to_str().ok())
                    .collect();
                let value = parts.map(|p| p.join(",")).filter(|v| acceptable(name, v));
                (*name, value)
            })
            .collect();
        JoinedHeaders { inner, joined }
    }
}

#[cfg(feature = "http")]
impl Extractor for JoinedHeaders<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match self
            .joined
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(key))
        {
            Some((_, value)) => value.as_deref(),
            None => self.inner.get(key),
        }
    }

    fn keys(&self) -> Vec<&str> {
        self.inner.keys()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        self.inner.get_all(key)
    }
}

/// Reads a string map with ASCII-case-insensitive keys and the value size limits.
#[derive(Debug)]
struct MapExtractor<'a, S>(&'a HashMap<String, String, S>);

impl<S: BuildHasher> Extractor for MapExtractor<'_, S> {
    fn get(&self, key: &str) -> Option<&str> {
        let value = match self.0.get(key) {
            Some(v) => Some(v),
            None => self.0.get(&key.to_ascii_lowercase()).or_else(|| {
                self.0
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(key))
                    .map(|(_, v)| v)
            }),
        };
        value.map(String::as_str).filter(|v| acceptable(key, v))
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_by_header_kind() {
        assert_eq!(max_value_len("traceparent"), MAX_TRACE_HEADER_LEN);
        assert_eq!(max_value_len("X-B3-TraceId"), MAX_TRACE_HEADER_LEN);
        assert_eq!(max_value_len("Uber-Trace-Id"), MAX_TRACE_HEADER_LEN);
        assert_eq!(max_value_len("baggage"), MAX_BAGGAGE_HEADER_LEN);
        assert_eq!(max_value_len("uberctx-user"), MAX_BAGGAGE_HEADER_LEN);
    }

    #[test]
    fn map_lookup_ignores_case() {
        let mut map = HashMap::new();
        map.insert("TraceParent".to_string(), "x".to_string());
        let carrier = MapExtractor(&map);
        assert_eq!(carrier.get("traceparent"), Some("x"));
        assert_eq!(carrier.get("TRACEPARENT"), Some("x"));
        assert_eq!(carrier.get("baggage"), None);
    }

    #[test]
    fn map_ignores_oversized_values() {
        let mut map = HashMap::new();
        map.insert("b3".to_string(), "a".repeat(MAX_TRACE_HEADER_LEN + 1));
        map.insert("baggage".to_string(), "a".repeat(MAX_TRACE_HEADER_LEN + 1));
        let carrier = MapExtractor(&map);
        assert_eq!(carrier.get("b3"), None);
        assert!(carrier.get("baggage").is_some());
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_extractor_rules() {
        use http::{HeaderMap, HeaderValue};
        let mut h = HeaderMap::new();
        h.append("traceparent", HeaderValue::from_static("a"));
        h.append("traceparent", HeaderValue::from_static("b"));
        h.append("x-b3-sampled", HeaderValue::from_static("1"));
        h.append("x-b3-sampled", HeaderValue::from_static("0"));
        h.append("b3", HeaderValue::from_bytes(b"\xff\xfe").unwrap());
        h.append("baggage", HeaderValue::from_static("a=1"));
        h.append("baggage", HeaderValue::from_static("b=2"));
        let e = HeaderExtractor(&h);
        assert_eq!(e.get("traceparent"), None, "repeated traceparent is absent");
        assert_eq!(e.get("X-B3-Sampled"), Some("1"), "first value wins");
        assert_eq!(e.get("b3"), None, "not visible ASCII");
        assert_eq!(e.get("no such header"), None, "invalid name");
        assert_eq!(e.get_all("baggage"), Some(vec!["a=1", "b=2"]));
        let j = JoinedHeaders::new(&h);
        assert_eq!(j.get("Baggage"), Some("a=1,b=2"));
        assert_eq!(j.get("x-b3-sampled"), Some("1"));
    }

    #[cfg(feature = "http")]
    #[test]
    fn header_injector_skips_invalid() {
        let mut h = http::HeaderMap::new();
        let mut i = HeaderInjector(&mut h);
        i.set("X-B3-TraceId", "abc".to_string());
        i.set("bad name", "x".to_string());
        i.set("uberctx-k", "line\nbreak".to_string());
        assert_eq!(h.len(), 1);
        assert_eq!(h["x-b3-traceid"], "abc");
    }
}
