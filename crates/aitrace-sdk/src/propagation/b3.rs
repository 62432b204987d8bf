//! Zipkin B3 propagation, single header (`b3`) and multiple headers (`X-B3-*`).
//!
//! Follows the openzipkin/b3-propagation specification and the OpenTelemetry B3
//! requirements: both encodings are extracted, the single header taking precedence;
//! `X-B3-ParentSpanId` is never injected; a debug trace is kept and injected again.

use super::{is_debug, lower_hex, read, remote, with_remote};
use aitrace::propagation::MAX_TRACE_HEADER_LEN;
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceState};
use opentelemetry::Context;
use std::sync::OnceLock;

const B3: &str = "b3";
const TRACE_ID: &str = "x-b3-traceid";
const SPAN_ID: &str = "x-b3-spanid";
const PARENT_SPAN_ID: &str = "x-b3-parentspanid";
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
/// - Trace id: 32 or 16 lowercase hex digits (a 64-bit id is left-padded with zeros to
///   128 bits); span id: 16 lowercase hex digits; neither all zeros. The specification
///   says "lower-hex", so uppercase digits make the header malformed.
/// - Sampling state: `1` accept (sampled), `0` deny (not sampled), `d` or
///   `X-B3-Flags: 1` debug (sampled, see [`super::is_debug`]); `true`/`false` are
///   accepted in `X-B3-Sampled` as the specification allows. Absent means *defer*: the
///   context is kept, not sampled, since OpenTelemetry has no deferred state.
/// - A parent span id, when present, must be 16 lowercase hex digits; it is not kept.
/// - A sampling state alone (`b3: 0`, `X-B3-Sampled: 0` without ids) carries no trace to
///   continue and yields no span context.
/// - A present `b3` header decides alone, even when malformed; an empty one or one over
///   [`MAX_TRACE_HEADER_LEN`] bytes counts as absent. Malformed values yield no span
///   context and the given context is returned unchanged.
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
    /// instead of `X-B3-Sampled` for a debug trace.
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

/// Outcome of reading B3 fields: a span context to continue, or nothing.
type Extracted = Option<(SpanContext, bool)>;

fn trace_id(s: &str) -> Option<u128> {
    lower_hex(s, 32).or_else(|| lower_hex(s, 16))
}

fn span_id(s: &str) -> Option<u64> {
    lower_hex(s, 16).map(|v| v as u64)
}

fn context(trace: &str, span: &str, sampling: Sampling) -> Extracted {
    let sc = remote(
        trace_id(trace)?,
        span_id(span)?,
        sampling.sampled(),
        TraceState::NONE,
    )?;
    Some((sc, sampling == Sampling::Debug))
}

/// `{TraceId}-{SpanId}[-{SamplingState}][-{ParentSpanId}]`, or a sampling state alone.
fn parse_single(value: &str) -> Extracted {
    let fields: Vec<&str> = value.splitn(5, '-').collect();
    let state = |s: &str| match s {
        "0" => Some(Sampling::Deny),
        "1" => Some(Sampling::Accept),
        "d" => Some(Sampling::Debug),
        _ => None,
    };
    match fields[..] {
        // A decision without identifiers: nothing to continue.
        [_] => None,
        [trace, span] => context(trace, span, Sampling::Defer),
        [trace, span, third] if third.len() == 1 => context(trace, span, state(third)?),
        [trace, span, parent] => {
            span_id(parent)?;
            context(trace, span, Sampling::Defer)
        }
        [trace, span, sampling, parent] => {
            span_id(parent)?;
            context(trace, span, state(sampling)?)
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
            "1" | "true" => Sampling::Accept,
            "0" | "false" => Sampling::Deny,
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
    if let Some(parent) = extractor.get(PARENT_SPAN_ID) {
        span_id(parent.trim_matches([' ', '\t']))?;
    }
    context(get(TRACE_ID)?, get(SPAN_ID)?, sampling)
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
        let debug = sc.is_sampled() && is_debug(cx);
        let trace_id = format!("{:032x}", sc.trace_id());
        let span_id = format!("{:016x}", sc.span_id());
        match self.encoding {
            Encoding::Single => {
                let state = match (debug, sc.is_sampled()) {
                    (true, _) => "d",
                    (false, true) => "1",
                    (false, false) => "0",
                };
                injector.set(B3, format!("{trace_id}-{span_id}-{state}"));
            }
            Encoding::Multi => {
                injector.set(TRACE_ID, trace_id);
                injector.set(SPAN_ID, span_id);
                if debug {
                    // Debug implies accept: the specification asks not to send both.
                    injector.set(FLAGS, "1".to_string());
                } else {
                    let sampled = if sc.is_sampled() { "1" } else { "0" };
                    injector.set(SAMPLED, sampled.to_string());
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
            Some((sc, debug)) => with_remote(cx, sc, debug),
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
        let sampled = |v: &str| parse_single(v).map(|(sc, d)| (sc.is_sampled(), d));
        assert_eq!(sampled(&format!("{t}-{s}")), Some((false, false)));
        assert_eq!(sampled(&format!("{t}-{s}-1")), Some((true, false)));
        assert_eq!(sampled(&format!("{t}-{s}-0")), Some((false, false)));
        assert_eq!(sampled(&format!("{t}-{s}-d")), Some((true, true)));
        assert_eq!(sampled(&format!("{t}-{s}-1-{p}")), Some((true, false)));
        assert_eq!(sampled(&format!("{t}-{s}-{p}")), Some((false, false)));
        assert_eq!(sampled(&format!("{t}-{s}-x")), None);
        assert_eq!(sampled(&format!("{t}-{s}-1-{p}-1")), None);
        assert_eq!(sampled(&format!("{t}-{s}-1-")), None);
        assert_eq!(sampled("0"), None);
        assert_eq!(sampled(""), None);
    }
}
