//! Jaeger propagation: `uber-trace-id` and `uberctx-{key}` baggage.
//!
//! Follows the Jaeger client library propagation format (the OpenTelemetry specification
//! lists the Jaeger propagator, deprecated, without further rules).

use super::{any_hex, is_debug, percent, read, remote, with_remote};
use aitrace::propagation::{MAX_BAGGAGE_HEADER_LEN, MAX_TRACE_HEADER_LEN};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, TraceContextExt, TraceState};
use opentelemetry::Context;
use std::sync::OnceLock;

const TRACE_HEADER: &str = "uber-trace-id";
const BAGGAGE_PREFIX: &str = "uberctx-";
const FLAG_SAMPLED: u8 = 0x01;
const FLAG_DEBUG: u8 = 0x02;

/// Baggage limits, borrowed from W3C Baggage as the Jaeger format sets none: at most this
/// many `uberctx-` headers are looked at…
const MAX_BAGGAGE_ENTRIES: usize = 180;
/// …an entry (`key=value`, value encoded) longer than this is skipped…
const MAX_BAGGAGE_ENTRY_BYTES: usize = 4096;
/// …and entries stop being added once they would pass this total (with `,` separators).
const MAX_BAGGAGE_TOTAL_BYTES: usize = MAX_BAGGAGE_HEADER_LEN;

/// Jaeger propagation: `uber-trace-id: {trace-id}:{span-id}:{parent-span-id}:{flags}` and
/// one `uberctx-{key}: {url-encoded value}` header per baggage entry.
///
/// # Extraction
/// - Trace id: 1 to 32 hex digits, span id: 1 to 16, left-padded with zeros, neither
///   zero; flags: 1 to 16 hex digits, bit `0x01` sampled. The format says "base16"
///   without a case, so either case is read. The deprecated parent span id is not read.
/// - Debug (`0x02`) marks a sampled trace as a debug trace (see [`super::is_debug`]).
///   Debug alone (flags `02`) reads as not sampled, as both OpenTelemetry reference
///   implementations read it: the format sets debug only with sampled.
/// - A URL-encoded value (`%3A` for `:`) is decoded first, as the HTTP-header codecs of
///   the Jaeger clients do. Over [`MAX_TRACE_HEADER_LEN`] bytes it is ignored.
/// - Anything else is malformed and yields no span context.
/// - Baggage is read from `uberctx-` headers whether or not `uber-trace-id` is valid:
///   baggage is a concern separate from the trace, as in the W3C pair of propagators.
///   The key is the rest of the header name, with its case: `uberctx-userId` gives
///   `userId` when the carrier keeps the case of names (a string map filled by another
///   service does; `http::HeaderMap` and HTTP/2 lower-case every name). The prefix is
///   matched in lowercase, as both reference implementations match it.
/// - Values are trimmed of spaces and tabs, then percent-decoded as W3C Baggage values
///   are (a `+` stays a plus sign, `%20` a space, escapes that are not UTF-8 become
///   U+FFFD). At most 180 headers are
///   looked at, an entry over 4096 bytes is skipped, and entries stop at 8192 bytes in
///   total (the W3C Baggage limits of the time the Jaeger clients were written; the
///   `Baggage` type itself keeps at most 64). An empty key is dropped, as the `Baggage`
///   type refuses it. Entries are added to any baggage already in the context.
///
/// # Injection
/// `{32 hex}:{16 hex}:0:{flags}` with flags `01` when sampled, `03` for a sampled debug
/// trace, `00` otherwise; then every baggage entry, within the same limits, as
/// `uberctx-{key}` with the key's case (the carrier may lower-case it), its value
/// percent-encoded (`%20` for a space, `%2B` for `+`) so that every Jaeger client reads it.
#[derive(Clone, Debug, Default)]
pub struct JaegerPropagator {
    _private: (),
}

impl JaegerPropagator {
    /// A Jaeger propagator.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The span context of an `uber-trace-id` value, and whether it is a debug trace.
fn parse_trace_header(value: &str) -> Option<(SpanContext, bool)> {
    let value = percent::decode(value);
    let fields: Vec<&str> = value.splitn(5, ':').collect();
    // The deprecated parent span id is not used, so it is not checked.
    let [trace, span, _parent, flags] = fields[..] else {
        return None;
    };
    let trace_id = any_hex(trace, 32)?;
    let span_id = any_hex(span, 16)? as u64;
    let flags = any_hex(flags, 16)?;
    let sampled = flags & u128::from(FLAG_SAMPLED) != 0;
    let debug = sampled && flags & u128::from(FLAG_DEBUG) != 0;
    let sc = remote(trace_id, span_id, sampled, TraceState::NONE)?;
    Some((sc, debug))
}

/// Adds `key=value` to a running total if it stays within the limits.
fn within_limits(total: &mut usize, accepted: &mut usize, key: &str, value: &str) -> bool {
    let entry = key.len() + 1 + value.len();
    let separator = usize::from(*accepted > 0);
    if entry > MAX_BAGGAGE_ENTRY_BYTES || *total + separator + entry > MAX_BAGGAGE_TOTAL_BYTES {
        return false;
    }
    *total += separator + entry;
    *accepted += 1;
    true
}

/// `cx` with the `uberctx-` entries of `extractor` added to its baggage.
fn extract_baggage(cx: &Context, extractor: &dyn Extractor) -> Context {
    let mut keys: Vec<&str> = extractor
        .keys()
        .into_iter()
        .filter(|k| k.len() > BAGGAGE_PREFIX.len() && k.starts_with(BAGGAGE_PREFIX))
        .collect();
    if keys.is_empty() {
        return cx.clone();
    }
    // A stable order, so that the limits keep the same entries whatever the carrier.
    keys.sort_unstable();
    keys.dedup();
    let (mut total, mut accepted) = (0, 0);
    let mut found = Vec::new();
    for key in keys.into_iter().take(MAX_BAGGAGE_ENTRIES) {
        let Some(raw) = extractor.get(key) else {
            continue;
        };
        if raw.len() > MAX_BAGGAGE_HEADER_LEN {
            continue;
        }
        let name = &key[BAGGAGE_PREFIX.len()..];
        if !within_limits(&mut total, &mut accepted, name, raw) {
            continue;
        }
        // White space around the field value is not part of it; encoded spaces are.
        let value = percent::decode(raw.trim_matches([' ', '\t']));
        found.push((name, value.into_owned()));
    }
    if found.is_empty() {
        return cx.clone();
    }
    let mut baggage = Baggage::new();
    for (key, (value, metadata)) in cx.baggage() {
        baggage.insert_with_metadata(key.clone(), value.clone(), metadata.clone());
    }
    for (key, value) in found {
        baggage.insert(key.to_string(), value);
    }
    cx.with_baggage(baggage)
}

static FIELDS: OnceLock<[String; 1]> = OnceLock::new();

impl TextMapPropagator for JaegerPropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if sc.is_valid() {
            let mut flags = 0;
            if sc.is_sampled() {
                flags |= FLAG_SAMPLED;
                if is_debug(cx) {
                    flags |= FLAG_DEBUG;
                }
            }
            injector.set(
                TRACE_HEADER,
                format!("{:032x}:{:016x}:0:{flags:02x}", sc.trace_id(), sc.span_id()),
            );
        }
        let (mut total, mut accepted) = (0, 0);
        let mut entries: Vec<_> = cx.baggage().iter().collect();
        entries.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        for (key, (value, _metadata)) in entries.into_iter().take(MAX_BAGGAGE_ENTRIES) {
            let encoded = percent::encode(value.as_str());
            if within_limits(&mut total, &mut accepted, key.as_str(), &encoded) {
                injector.set(
                    &format!("{BAGGAGE_PREFIX}{}", key.as_str()),
                    encoded.into_owned(),
                );
            }
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let cx = extract_baggage(cx, extractor);
        match read(extractor, TRACE_HEADER, MAX_TRACE_HEADER_LEN).and_then(parse_trace_header) {
            Some((sc, debug)) => with_remote(&cx, sc, debug),
            None => cx,
        }
    }

    /// `uber-trace-id` only: baggage header names depend on the baggage.
    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(FIELDS.get_or_init(|| [TRACE_HEADER.to_string()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_header_forms() {
        let parse = |v: &str| parse_trace_header(v).map(|(sc, d)| (sc.is_sampled(), d));
        assert_eq!(parse("abc:def:0:1"), Some((true, false)));
        assert_eq!(parse("abc:def:0:0"), Some((false, false)));
        assert_eq!(parse("abc:def:0:2"), Some((false, false)));
        assert_eq!(parse("abc:def:0:03"), Some((true, true)));
        assert_eq!(parse("ABC:DEF:0:1"), Some((true, false)));
        assert_eq!(parse("abc%3Adef%3A0%3A1"), Some((true, false)));
        assert_eq!(parse("abc:def:0:001"), Some((true, false)));
        assert_eq!(parse("abc:def:x:1"), Some((true, false)));
        assert_eq!(parse("0:def:0:1"), None);
        assert_eq!(parse("abc:0:0:1"), None);
        assert_eq!(parse("abc:def:0"), None);
        assert_eq!(parse("abc:def:0:1:1"), None);
        assert_eq!(parse("abc:def:0:x"), None);
        assert_eq!(parse("abc%3Adef%3A0%3"), None);
    }
}
