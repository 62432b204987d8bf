//! Propagators: W3C Trace Context and Baggage, B3 (single and multiple headers) and
//! Jaeger, each following its written specification.
//!
//! | `OTEL_PROPAGATORS` | Type | Injects | Extracts |
//! |---|---|---|---|
//! | `tracecontext` | [`TraceContextPropagator`] | `traceparent`, `tracestate` | the same |
//! | `baggage` | [`BaggagePropagator`] | `baggage` | the same |
//! | `b3` | [`B3Propagator::single`] | `b3` | `b3`, else `X-B3-*` |
//! | `b3multi` | [`B3Propagator::multi`] | `X-B3-*` | `b3`, else `X-B3-*` |
//! | `jaeger` | [`JaegerPropagator::new`] | `uber-trace-id`, `uberctx-*` | the same |
//!
//! All extractors here treat malformed, oversized or hostile values as absent and never
//! panic; the HTTP and string-map carriers of `aitrace::propagation` add the same size
//! limits in front of any propagator.
//!
//! # Debug traces
//! B3 (`d`, `X-B3-Flags: 1`) and Jaeger (flags `0x03`) can mark a sampled trace as a
//! debug trace, one the backend should keep whatever its sampling policy. OpenTelemetry
//! trace flags have no debug bit, so the mark is kept in the [`Context`], where child
//! spans inherit it, and written again on injection, as the OpenTelemetry B3
//! requirements ask. [`is_debug`] and [`with_debug`] read and set it.
//!
//! # Deferred sampling
//! A B3 context without a sampling state (`b3: {trace}-{span}`, or `X-B3-TraceId` and
//! `X-B3-SpanId` without `X-B3-Sampled`) leaves the decision to the receiver. Its remote
//! span context is not sampled, as OpenTelemetry has no third state, and carries a mark
//! that [`is_deferred`] reads: aitrace's head samplers
//! ([`crate::sampler::head_sampler`]) then decide as for a new trace (a deferred request
//! is sampled by `parentbased_always_on`, by the ratio of `parentbased_traceidratio`),
//! and B3 injects the context again without a sampling state.

mod b3;
mod baggage;
mod jaeger;
use aitrace::propagation::percent;

pub use b3::B3Propagator;
pub use baggage::{baggage_properties, BaggagePropagator};
pub use jaeger::JaegerPropagator;

use aitrace::propagation::MAX_TRACE_HEADER_LEN;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use std::str::FromStr;

/// The mark of a debug trace, for the trace it was set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DebugTrace(TraceId);

/// Whether the trace of the span in `cx` is a debug trace (received as B3 `d`,
/// `X-B3-Flags: 1` or Jaeger flags `0x03`, or set with [`with_debug`]).
pub fn is_debug(cx: &Context) -> bool {
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid() && cx.get::<DebugTrace>() == Some(&DebugTrace(sc.trace_id()))
}

/// Marks the trace of the span in `cx` as a debug trace; B3 and Jaeger inject it as such
/// while it is sampled. No change when `cx` holds no valid span.
pub fn with_debug(cx: &Context) -> Context {
    let span = cx.span();
    let sc = span.span_context();
    if sc.is_valid() {
        cx.with_value(DebugTrace(sc.trace_id()))
    } else {
        cx.clone()
    }
}

/// The mark of a remote span context whose sampling decision was left to the receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DeferredSampling(TraceId, SpanId);

/// Whether the span in `cx` is a remote parent that left the sampling decision to this
/// service (a B3 context without a sampling state). Its span context reads as not
/// sampled; the decision is the local sampler's, as for a new trace.
///
/// ```
/// use aitrace_sdk::propagation::{is_deferred, B3Propagator};
/// use aitrace::opentelemetry::propagation::TextMapPropagator;
/// use std::collections::HashMap;
///
/// let t = "80f198ee56343ba864fe8b2a57d3eff7";
/// let s = "e457b5a2e4d86bd1";
/// let deferred = HashMap::from([("b3".to_string(), format!("{t}-{s}"))]);
/// assert!(is_deferred(&B3Propagator::single().extract(&deferred)));
/// let denied = HashMap::from([("b3".to_string(), format!("{t}-{s}-0"))]);
/// assert!(!is_deferred(&B3Propagator::single().extract(&denied)));
/// ```
pub fn is_deferred(cx: &Context) -> bool {
    let span = cx.span();
    let sc = span.span_context();
    sc.is_valid()
        && sc.is_remote()
        && !sc.is_sampled()
        && cx.get::<DeferredSampling>() == Some(&DeferredSampling(sc.trace_id(), sc.span_id()))
}

/// `cx` with the remote span `sc` marked as leaving the sampling decision to this service.
fn with_deferred(cx: &Context, sc: SpanContext) -> Context {
    let mark = DeferredSampling(sc.trace_id(), sc.span_id());
    cx.with_remote_span_context(sc).with_value(mark)
}

/// `cx` with the remote span `sc`, which carries a decision: a deferral mark an earlier
/// propagator of a composite left for the same ids (`b3: {t}-{s}` next to
/// `traceparent: 00-{t}-{s}-00`) is cleared, as the later reading wins.
fn with_decided(cx: &Context, sc: SpanContext) -> Context {
    let cx = cx.with_remote_span_context(sc);
    if cx.get::<DeferredSampling>().is_some() {
        cx.with_value(DeferredSampling(TraceId::INVALID, SpanId::INVALID))
    } else {
        cx
    }
}

/// A value read through `extractor`, trimmed of optional whitespace, or `None` when it is
/// absent, empty or longer than `limit`.
fn read<'a>(extractor: &'a dyn Extractor, key: &str, limit: usize) -> Option<&'a str> {
    let value = extractor.get(key)?;
    if value.len() > limit {
        return None;
    }
    let value = value.trim_matches([' ', '\t']);
    (!value.is_empty()).then_some(value)
}

/// `s` as a number when it is exactly `len` lowercase hex digits.
fn lower_hex(s: &str, len: usize) -> Option<u128> {
    let ok = s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if ok {
        u128::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// `s` as a number when it is 1 to `max_len` hex digits of either case.
fn any_hex(s: &str, max_len: usize) -> Option<u128> {
    let ok = !s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        u128::from_str_radix(s, 16).ok()
    } else {
        None
    }
}

/// A remote span context, or `None` when either id is zero.
fn remote(trace_id: u128, span_id: u64, sampled: bool, state: TraceState) -> Option<SpanContext> {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    let sc = SpanContext::new(
        TraceId::from(trace_id),
        SpanId::from(span_id),
        flags,
        true,
        state,
    );
    sc.is_valid().then_some(sc)
}

/// `cx` with the remote span `sc`, marked as a debug trace when `debug`.
fn with_remote(cx: &Context, sc: SpanContext, debug: bool) -> Context {
    let cx = with_decided(cx, sc);
    if debug {
        with_debug(&cx)
    } else {
        cx
    }
}

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";

/// W3C Trace Context (`traceparent`, `tracestate`), with the `traceparent` checked exactly
/// as the W3C recommendation writes it.
///
/// Injection and `tracestate` parsing are the SDK's
/// (`opentelemetry_sdk::propagation::TraceContextPropagator`). Extraction differs: the SDK
/// parses each `traceparent` field as a number, so it also accepts short or signed fields
/// (`00-1-2-01`); this one requires two lowercase hex digits of version (not `ff`), 32 of
/// trace id and 16 of parent id (neither all zeros), two of flags, `-` between them, nothing
/// after version `00` and only `-…` after a later version, and at most
/// [`MAX_TRACE_HEADER_LEN`] bytes. A rejected `traceparent` yields no span context and its
/// `tracestate` is not read. Repeated `tracestate` headers are read as one list.
#[derive(Debug, Default)]
pub struct TraceContextPropagator {
    sdk: opentelemetry_sdk::propagation::TraceContextPropagator,
}

impl TraceContextPropagator {
    /// A W3C Trace Context propagator.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Trace id, parent id and sampled flag of a `traceparent`, if it is well formed.
fn parse_traceparent(value: &str) -> Option<(u128, u64, bool)> {
    let b = value.as_bytes();
    if b.len() < 55 {
        return None;
    }
    let version = lower_hex(value.get(0..2)?, 2)?;
    let rest_ok = match version {
        0xff => false,
        0 => b.len() == 55,
        _ => b.len() == 55 || b[55] == b'-',
    };
    if !rest_ok || b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return None;
    }
    let trace_id = lower_hex(value.get(3..35)?, 32)?;
    let span_id = lower_hex(value.get(36..52)?, 16)? as u64;
    let flags = lower_hex(value.get(53..55)?, 2)? as u8;
    Some((trace_id, span_id, flags & 1 == 1))
}

impl TextMapPropagator for TraceContextPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        // The SDK writes `tracestate` even when it has no entries; an empty header
        // carries nothing, so it is left out.
        struct SkipEmptyState<'a>(&'a mut dyn Injector);
        impl Injector for SkipEmptyState<'_> {
            fn set(&mut self, key: &str, value: String) {
                if !(key == TRACESTATE && value.is_empty()) {
                    self.0.set(key, value);
                }
            }
        }
        self.sdk.inject_context(cx, &mut SkipEmptyState(injector))
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some((trace_id, span_id, sampled)) =
            read(extractor, TRACEPARENT, MAX_TRACE_HEADER_LEN).and_then(parse_traceparent)
        else {
            return cx.clone();
        };
        // Repeated `tracestate` headers are one list (RFC 9110 §5.3, as W3C Trace
        // Context says); over the size of a baggage header it is not read.
        let state = extractor
            .get_all(TRACESTATE)
            .map(|values| values.join(","))
            .filter(|s| s.len() <= aitrace::propagation::MAX_BAGGAGE_HEADER_LEN)
            .and_then(|s| TraceState::from_str(&s).ok())
            .unwrap_or_default();
        match remote(trace_id, span_id, sampled, state) {
            Some(sc) => with_decided(cx, sc),
            None => cx.clone(),
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        self.sdk.fields()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn propagators_can_be_shared_across_threads() {
        fn shareable<P: TextMapPropagator + Send + Sync + std::fmt::Debug + 'static>(_: P) {}
        shareable(TraceContextPropagator::new());
        shareable(BaggagePropagator::new());
        shareable(B3Propagator::single());
        shareable(B3Propagator::multi());
        shareable(JaegerPropagator::new());
    }

    #[test]
    fn hex_helpers() {
        assert_eq!(lower_hex("00ff", 4), Some(255));
        assert_eq!(lower_hex("00FF", 4), None);
        assert_eq!(lower_hex("+0ff", 4), None);
        assert_eq!(lower_hex("0ff", 4), None);
        assert_eq!(any_hex("FF", 2), Some(255));
        assert_eq!(any_hex("", 2), None);
        assert_eq!(any_hex("fff", 2), None);
        assert_eq!(any_hex("+f", 2), None);
    }

    #[test]
    fn a_later_decision_clears_a_deferral() {
        let t = "4bf92f3577b34da6a3ce929d0e0e4736";
        let s = "00f067aa0ba902b7";
        let headers = std::collections::HashMap::from([
            ("b3".to_string(), format!("{t}-{s}")),
            ("traceparent".to_string(), format!("00-{t}-{s}-00")),
            ("uber-trace-id".to_string(), format!("{t}:{s}:0:0")),
        ]);
        let deferred = B3Propagator::single().extract(&headers);
        assert!(is_deferred(&deferred));
        let cx = TraceContextPropagator::new().extract_with_context(&deferred, &headers);
        assert!(!is_deferred(&cx));
        let cx = JaegerPropagator::new().extract_with_context(&deferred, &headers);
        assert!(!is_deferred(&cx));
        // In the other order, the B3 reading wins.
        let cx = TraceContextPropagator::new().extract(&headers);
        assert!(is_deferred(
            &B3Propagator::single().extract_with_context(&cx, &headers)
        ));
    }

    #[test]
    fn traceparent_shapes() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        assert_eq!(
            parse_traceparent(ok),
            Some((0x4bf92f3577b34da6a3ce929d0e0e4736, 0x00f067aa0ba902b7, true))
        );
        assert!(parse_traceparent("00-1-2-01").is_none());
        assert!(parse_traceparent(&format!("{ok}-")).is_none());
        assert!(parse_traceparent(&ok.replacen("00", "ff", 1)).is_none());
        assert!(parse_traceparent(&format!("{}-extra", ok.replacen("00", "01", 1))).is_some());
        assert!(parse_traceparent(&format!("{}x", ok.replacen("00", "01", 1))).is_none());
        // A multi-byte character where a separator belongs must not split a char boundary.
        assert!(
            parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736é0f067aa0ba902b7-01").is_none()
        );
    }
}
