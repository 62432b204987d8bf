//! What aitrace injects, both OpenTelemetry reference implementations (Python and
//! JavaScript) read as it was meant: trace ids, sampling, `tracestate` and baggage, for
//! tracecontext, W3C baggage, B3 single, B3 multi and Jaeger, over ordinary and edge
//! cases (values with `=`, `%`, `+`, `,`, `;`, spaces, UTF-8, empty values, key case,
//! properties, 64 entries).
//!
//! The headers go to the references with their names as aitrace wrote them (a carrier
//! that keeps case, so that `uberctx-userId` arrives as written). Where a reference reads
//! something else, the exception is listed with the reason; each is in the table of
//! `docs/propagation.md`.

mod support;

use aitrace_sdk::propagation::{with_debug, B3Propagator};
use opentelemetry::baggage::{BaggageExt, KeyValueMetadata};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use serde_json::json;
use std::collections::HashMap;
use std::str::FromStr;
use support::propagation::{found_by_them, ours, strings, Found, Pairs, NAMES};
use support::reference::{run, Reference};

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const T64: &str = "0000000000000000a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";
const STATE: &str = "rojo=00f067aa0ba902b7";

/// A context holding span `trace`/`S`, sampled or not, with `tracestate` [`STATE`] and
/// `baggage` (key, value, properties).
fn context(trace: &str, sampled: bool, baggage: &[(&str, &str, &str)]) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    let sc = SpanContext::new(
        TraceId::from_hex(trace).unwrap(),
        SpanId::from_hex(S).unwrap(),
        flags,
        true,
        TraceState::from_str(STATE).unwrap(),
    );
    let baggage: Vec<KeyValueMetadata> = baggage
        .iter()
        .map(|(k, v, p)| KeyValueMetadata::new(k.to_string(), v.to_string(), *p))
        .collect();
    Context::new()
        .with_remote_span_context(sc)
        .with_baggage(baggage)
}

/// One context to inject, what it means, and where a reference reads otherwise.
struct Case {
    name: &'static str,
    cx: Context,
    trace: &'static str,
    sampled: bool,
    baggage: Vec<(String, String)>,
    /// (propagator, reference, what it reads instead).
    exceptions: Vec<(&'static str, Reference, Found)>,
}

fn case(name: &'static str, cx: Context, trace: &'static str, sampled: bool) -> Case {
    let baggage = cx
        .baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect();
    Case {
        name,
        cx,
        trace,
        sampled,
        baggage,
        exceptions: Vec::new(),
    }
}

impl Case {
    fn except(mut self, propagator: &'static str, reference: Reference, reads: Found) -> Case {
        self.exceptions.push((propagator, reference, reads));
        self
    }

    /// What `propagator` was meant to carry.
    fn meant(&self, propagator: &str) -> Found {
        let span = match propagator {
            "baggage" => Found::nothing(),
            "tracecontext" => Found::span(self.trace, S, self.sampled).with_tracestate(STATE),
            _ => Found::span(self.trace, S, self.sampled),
        };
        let baggage: Vec<(&str, &str)> = self
            .baggage
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        match propagator {
            "baggage" | "jaeger" => span.with_baggage(&baggage),
            _ => span,
        }
    }
}

/// A deferred B3 context, as extracted from a request without a sampling state.
fn deferred() -> Context {
    let headers = HashMap::from([("b3".to_string(), format!("{T}-{S}"))]);
    let cx = B3Propagator::single().extract(&headers);
    // With the same tracestate as the other cases, for the tracecontext reading.
    let sc = cx.span().span_context().clone();
    let sc = SpanContext::new(
        sc.trace_id(),
        sc.span_id(),
        sc.trace_flags(),
        true,
        TraceState::from_str(STATE).unwrap(),
    );
    cx.with_remote_span_context(sc)
}

#[test]
fn what_aitrace_injects_both_references_read() {
    use Reference::{Js, Python};
    let user = [("user", "alice", "")];
    let values = [
        ("token", "YWJjZA==", ""),
        ("sum", "1+1", ""),
        ("pct", "50%", ""),
        ("list", "a,b;c=d", ""),
        ("space", " lead and trail ", ""),
        ("utf8", "Amélie ü €", ""),
        ("emoji", "🦀", ""),
        ("quote", "\"q\" back\\slash", ""),
        ("empty", "", ""),
        ("userId", "alice", ""),
    ];
    let trimmed: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v, _)| (*k, if *k == "space" { "lead and trail" } else { *v }))
        .collect();
    let without_empty: Vec<(&str, &str)> = values
        .iter()
        .filter(|(k, _, _)| *k != "empty")
        .map(|(k, v, _)| (*k, *v))
        .collect();
    let sixty_four: Vec<(String, String)> = (0..64)
        .map(|i| (format!("k{i:02}"), format!("v{i}")))
        .collect();
    let sixty_four: Vec<(&str, &str, &str)> = sixty_four
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str(), ""))
        .collect();
    let big = "x".repeat(5000);
    let small = [("small", "y")];
    #[rustfmt::skip]
    let cases = vec![
        case("sampled", context(T, true, &user), T, true),
        case("not sampled", context(T, false, &user), T, false),
        case("64-bit trace id", context(T64, true, &user), T64, true),
        // B3 `d` and Jaeger flags `03`: read as sampled.
        case("debug", with_debug(&context(T, true, &user)), T, true),
        // Written again without a sampling state; Python reads a B3 single header without
        // one as sampled, JavaScript (and the multi headers both) as not sampled.
        case("deferred", deferred(), T, false)
            .except("b3single", Python, Found::span(T, S, true)),
        // Values with every character class. Python strips spaces around a value after
        // decoding it, so `%20` at either end is lost; JavaScript drops an empty W3C
        // baggage value.
        case("baggage values", context(T, true, &values), T, true)
            .except("baggage", Python, Found::baggage(&trimmed))
            .except("jaeger", Python, Found::span(T, S, true).with_baggage(&trimmed))
            .except("baggage", Js, Found::baggage(&without_empty)),
        // Properties: JavaScript reads them as metadata; Python keeps them in the value.
        // Jaeger carries none.
        case("properties", context(T, true, &[("k", "v", "ttl=60;flag")]), T, true)
            .except("baggage", Python, Found::baggage(&[("k", "v;ttl=60;flag")])),
        case("64 entries", context(T, true, &sixty_four), T, true),
        // A member of 5000 bytes is sent, as W3C Baggage requires of a baggage-string up
        // to 8192 bytes; both references drop members over 4096 bytes (an earlier draft's
        // limit), and aitrace's Jaeger propagator keeps that limit for `uberctx-` headers.
        case("member of 5000 bytes", context(T, true, &[("big", &big, ""), ("small", "y", "")]), T, true)
            .except("baggage", Python, Found::baggage(&small))
            .except("baggage", Js, Found::baggage(&small))
            .except("jaeger", Python, Found::span(T, S, true).with_baggage(&small))
            .except("jaeger", Js, Found::span(T, S, true).with_baggage(&small)),
    ];

    let mut carriers = Vec::new();
    for c in &cases {
        for name in NAMES {
            let mut pairs = Pairs::default();
            ours(name).inject_context(&c.cx, &mut pairs);
            carriers.push(pairs.0);
        }
    }
    let request = json!({ "extract": carriers, "raw_names": true });
    let mut failures = Vec::new();
    for reference in Reference::BOTH {
        let answer = run(reference, &request);
        let mut i = 0;
        for c in &cases {
            for name in NAMES {
                let got = found_by_them(&answer["extract"][i][name]);
                let want = c
                    .exceptions
                    .iter()
                    .find(|(p, r, _)| *p == name && *r == reference)
                    .map(|(_, _, f)| f.clone())
                    .unwrap_or_else(|| c.meant(name));
                if got != want {
                    failures.push(format!(
                        "{} ({name}): {reference:?} read {got:?} from {:?}, meant {want:?}",
                        c.name, carriers[i]
                    ));
                }
                if reference == Js && name == "baggage" && c.name == "properties" {
                    let metadata = strings(&answer["extract"][i][name]["baggage_metadata"]);
                    assert_eq!(metadata.get("k").map(String::as_str), Some("ttl=60;flag"));
                }
                i += 1;
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
