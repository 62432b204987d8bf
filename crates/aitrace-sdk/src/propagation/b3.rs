//! Zipkin B3 propagation, single header (`b3`) and multiple headers (`X-B3-*`).
//!
//! Follows the openzipkin/b3-propagation specification and the OpenTelemetry B3
//! requirements: both encodings are extracted, the single header taking precedence;
//! `X-B3-ParentSpanId` is never injected; a debug trace is kept and injected again; a
//! deferred decision is left to the local sampler and injected again as deferred.

use super::{any_hex, is_debug, is_deferred, lower_hex, read, remote, with_deferred, with_remote};
use aitrace::propagation::MAX_TRACE_HEADER_LEN;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceState};
use opentelemetry::Context;
use std::sync::OnceLock;

const B3: &str = "b3";
const TRACE_ID: &str = "x-b3-traceid";
const SPAN_ID: &str = "x-b3-spanid";
const SAMPLED: &str = "x-b3-sampled";
const FLAGS: &str = "x-b3-flags";

/// Which headers [`B3Propagator`] injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Encoding {
    Single,
    Multi,
}

/// B3 propagation: injects the single `b3` header ([`B3Propagator::single`], the
/// OpenTelemetry default for B3) or the `X-B3-*` headers ([`B3Propagator::multi`]);
/// extracts either, the `b3` header first.
///
/// # Extraction
/// - Trace id: 32 or 16 hex digits (a 64-bit id is left-padded with zeros to 128 bits);
///   span id: 16 hex digits; neither all zeros. In the `b3` header they must be
///   lowercase, as the specification says ("lower-hex"); in `X-B3-TraceId` and
///   `X-B3-SpanId` uppercase is read too, as both OpenTelemetry reference
///   implementations read it there.
/// - Sampling state: `1` accept (sampled), `0` deny (not sampled), `d` or
///   `X-B3-Flags: 1` debug (sampled, see [`super::is_debug`]). `X-B3-Sampled` also takes
///   `true`/`True` and `false`/`False`; another value there is malformed. In the `b3`
///   header, an unknown sampling state (`-x`, `-true`, a parent span id in its place)
///   reads as deny, as both reference implementations read it.
/// - Absent means *defer*: the receiver decides. The remote span context is not sampled
///   (OpenTelemetry has no third state) and is marked as deferred
///   ([`super::is_deferred`]); aitrace's head samplers then decide as for a new trace.
/// - The parent span id (fourth field of `b3`, `X-B3-ParentSpanId`) is not read.
/// - A sampling state alone (`b3: 0`, `X-B3-Sampled: 0` without ids) carries no trace to
///   continue and yields no span context.
/// - A present `b3` header decides alone, even when malformed; an empty one or one over
///   [`MAX_TRACE_HEADER_LEN`] bytes counts as absent. Malformed values yield no span
///   context and the given context is returned unchanged.
///
/// # Injection
/// `b3: {trace id}-{span id}-{1|0|d}`, or the `X-B3-*` headers; a deferred context that
/// is injected again as it was received (no span started from it) keeps no sampling
/// state, so that the next service decides.
///
/// ```
/// use aitrace_sdk::propagation::B3Propagator;
/// use aitrace::opentelemetry::propagation::TextMapPropagator;
/// use aitrace::opentelemetry::trace::TraceContextExt;
/// use std::collections::HashMap;
///
/// let mut headers = HashMap::new();
/// headers.insert(
///     "b3".to_string(),
///     "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1".to_string(),
/// );
/// let cx = B3Propagator::single().extract(&headers);
/// assert_eq!(
///     cx.span().span_context().trace_id().to_string(),
///     "80f198ee56343ba864fe8b2a57d3eff7"
/// );
/// ```
#[derive(Clone, Debug)]
pub struct B3Propagator {
    encoding: Encoding,
}

impl B3Propagator {
    /// Injects the single `b3` header: `{trace id}-{span id}-{1|0|d}`.
    pub fn single() -> Self {
        B3Propagator {
            encoding: Encoding::Single,
        }
    }

    /// Injects `X-B3-TraceId`, `X-B3-SpanId` and `X-B3-Sampled`, or `X-B3-Flags: 1`
    /// instead of `X-B3-Sampled` for a debug trace, or neither for a deferred one.
    pub fn multi() -> Self {
        B3Propagator {
            encoding: Encoding::Multi,
        }
    }
}

/// A sampling decision as B3 carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sampling {
    Defer,
    Deny,
    Accept,
    Debug,
}

impl Sampling {
    fn sampled(self) -> bool {
        matches!(self, Sampling::Accept | Sampling::Debug)
    }
}

/// Outcome of reading B3 fields: a span context to continue and its sampling state, or
/// nothing.
type Extracted = Option<(SpanContext, Sampling)>;

/// How hex digits of an id may be written.
#[derive(Clone, Copy)]
enum Case {
    Lower,
    Either,
}

fn hex(s: &str, len: usize, case: Case) -> Option<u128> {
    match case {
        Case::Lower => lower_hex(s, len),
        Case::Either => any_hex(s, len).filter(|_| s.len() == len),
    }
}

fn context(trace: &str, span: &str, case: Case, sampling: Sampling) -> Extracted {
    let trace_id = hex(trace, 32, case).or_else(|| hex(trace, 16, case))?;
    let span_id = hex(span, 16, case)? as u64;
    let sc = remote(trace_id, span_id, sampling.sampled(), TraceState::NONE)?;
    Some((sc, sampling))
}

/// `{TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]`, or a sampling state alone.
fn parse_single(value: &str) -> Extracted {
    let fields: Vec<&str> = value.splitn(5, '-').collect();
    let state = |s: &str| match s {
        "1" => Sampling::Accept,
        "d" => Sampling::Debug,
        // `0`, and anything else: both reference implementations read an unknown state
        // as not sampled and still continue the trace.
        _ => Sampling::Deny,
    };
    match fields[..] {
        // A decision without identifiers: nothing to continue.
        [_] => None,
        [trace, span] => context(trace, span, Case::Lower, Sampling::Defer),
        // The parent span id is not used, so it is not checked.
        [trace, span, sampling] | [trace, span, sampling, _] => {
            context(trace, span, Case::Lower, state(sampling))
        }
        _ => None,
    }
}

fn parse_multi(extractor: &dyn Extractor) -> Extracted {
    let get = |key| read(extractor, key, MAX_TRACE_HEADER_LEN);
    let flags_debug = extractor.get(FLAGS).map(|f| f.trim_matches([' ', '\t'])) == Some("1");
    let sampling = match extractor.get(SAMPLED) {
        None => Sampling::Defer,
        Some(v) if v.len() > MAX_TRACE_HEADER_LEN => Sampling::Defer,
        Some(v) => match v.trim_matches([' ', '\t']) {
            "1" | "true" | "True" => Sampling::Accept,
            "0" | "false" | "False" => Sampling::Deny,
            // Empty or nonsense values are malformed data, not absence.
            _ => return None,
        },
    };
    // Debug implies accept, whatever X-B3-Sampled says.
    let sampling = if flags_debug {
        Sampling::Debug
    } else {
        sampling
    };
    context(get(TRACE_ID)?, get(SPAN_ID)?, Case::Either, sampling)
}

static SINGLE_FIELDS: OnceLock<[String; 1]> = OnceLock::new();
static MULTI_FIELDS: OnceLock<[String; 4]> = OnceLock::new();

impl TextMapPropagator for B3Propagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let sampling = if sc.is_sampled() && is_debug(cx) {
            Sampling::Debug
        } else if sc.is_sampled() {
            Sampling::Accept
        } else if is_deferred(cx) {
            Sampling::Defer
        } else {
            Sampling::Deny
        };
        let trace_id = format!("{:032x}", sc.trace_id());
        let span_id = format!("{:016x}", sc.span_id());
        match self.encoding {
            Encoding::Single => {
                let value = match sampling {
                    Sampling::Defer => format!("{trace_id}-{span_id}"),
                    Sampling::Deny => format!("{trace_id}-{span_id}-0"),
                    Sampling::Accept => format!("{trace_id}-{span_id}-1"),
                    Sampling::Debug => format!("{trace_id}-{span_id}-d"),
                };
                injector.set(B3, value);
            }
            Encoding::Multi => {
                injector.set(TRACE_ID, trace_id);
                injector.set(SPAN_ID, span_id);
                match sampling {
                    Sampling::Defer => {}
                    Sampling::Deny => injector.set(SAMPLED, "0".to_string()),
                    Sampling::Accept => injector.set(SAMPLED, "1".to_string()),
                    // Debug implies accept: the specification asks not to send both.
                    Sampling::Debug => injector.set(FLAGS, "1".to_string()),
                }
            }
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let extracted = match read(extractor, B3, MAX_TRACE_HEADER_LEN) {
            Some(single) => parse_single(single),
            None => parse_multi(extractor),
        };
        match extracted {
            Some((sc, Sampling::Defer)) => with_deferred(cx, sc),
            Some((sc, sampling)) => with_remote(cx, sc, sampling == Sampling::Debug),
            None => cx.clone(),
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        match self.encoding {
            Encoding::Single => FieldIter::new(SINGLE_FIELDS.get_or_init(|| [B3.to_string()])),
            Encoding::Multi => FieldIter::new(
                MULTI_FIELDS
                    .get_or_init(|| [TRACE_ID, SPAN_ID, SAMPLED, FLAGS].map(str::to_string)),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_header_forms() {
        let t = "80f198ee56343ba864fe8b2a57d3eff7";
        let s = "e457b5a2e4d86bd1";
        let p = "05e3ac9a4f6e3b90";
        let state = |v: &str| parse_single(v).map(|(_, sampling)| sampling);
        assert_eq!(state(&format!("{t}-{s}")), Some(Sampling::Defer));
        assert_eq!(state(&format!("{t}-{s}-1")), Some(Sampling::Accept));
        assert_eq!(state(&format!("{t}-{s}-0")), Some(Sampling::Deny));
        assert_eq!(state(&format!("{t}-{s}-d")), Some(Sampling::Debug));
        assert_eq!(state(&format!("{t}-{s}-1-{p}")), Some(Sampling::Accept));
        assert_eq!(state(&format!("{t}-{s}-1-")), Some(Sampling::Accept));
        assert_eq!(state(&format!("{t}-{s}-{p}")), Some(Sampling::Deny));
        assert_eq!(state(&format!("{t}-{s}-x")), Some(Sampling::Deny));
        assert_eq!(state(&format!("{t}-{s}-1-{p}-1")), None);
        assert_eq!(state(&format!("{}-{s}-1", t.to_uppercase())), None);
        assert_eq!(state("0"), None);
        assert_eq!(state(""), None);
    }
}
