//! What both OpenTelemetry reference implementations (Python and JavaScript) inject,
//! aitrace reads as it was meant: trace ids, sampling, `tracestate` and baggage, for
//! tracecontext, W3C baggage, B3 single, B3 multi and Jaeger, over ordinary and edge
//! cases (values with `=`, `%`, `+`, `,`, `;`, spaces, UTF-8, empty values, key case,
//! properties, 64 entries).
//!
//! aitrace reads the headers with their names as the references wrote them (a carrier
//! that keeps case, so that `uberctx-userId` arrives as written). Where aitrace reads
//! something else, the exception is listed with the reason; each is in the table of
//! `docs/propagation.md`.

mod support;

use aitrace_sdk::propagation::{is_debug, is_deferred};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;
use serde_json::{json, Value};
use support::propagation::{found_by_us, ours, Found, Pairs, NAMES};
use support::reference::{run, Reference};

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const T64: &str = "0000000000000000a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";
const STATE: &str = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";

/// What `case` (a request of the reference scripts) means for `propagator`.
fn meant(case: &Value, propagator: &str) -> Found {
    let trace = case["trace_id"].as_str().unwrap();
    let sampled = case["sampled"].as_bool().unwrap();
    let span = match propagator {
        "baggage" => Found::nothing(),
        "tracecontext" => Found::span(trace, S, sampled)
            .with_tracestate(case["tracestate"].as_str().unwrap_or_default()),
        _ => Found::span(trace, S, sampled),
    };
    let baggage: Vec<(&str, &str)> = case["baggage"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect()
        })
        .unwrap_or_default();
    match propagator {
        "baggage" | "jaeger" => span.with_baggage(&baggage),
        _ => span,
    }
}

#[test]
fn what_both_references_inject_aitrace_reads() {
    let values = json!({
        "token": "YWJjZA==", "sum": "1+1", "pct": "50%", "list": "a,b;c=d",
        "space": " lead and trail ", "utf8": "Amélie ü €", "emoji": "🦀",
        "quote": "\"q\" back\\slash", "empty": "", "userId": "alice",
    });
    let sixty_four: serde_json::Map<String, Value> = (0..64)
        .map(|i| (format!("k{i:02}"), json!(format!("v{i}"))))
        .collect();
    let cases = vec![
        json!({"trace_id": T, "span_id": S, "sampled": true, "tracestate": STATE,
               "baggage": {"user": "alice"}}),
        json!({"trace_id": T, "span_id": S, "sampled": false, "baggage": {"user": "alice"}}),
        json!({"trace_id": T64, "span_id": S, "sampled": true}),
        json!({"trace_id": T, "span_id": S, "sampled": true, "baggage": values}),
        // Properties: only the JavaScript API has metadata; Python ignores it.
        json!({"trace_id": T, "span_id": S, "sampled": true, "baggage": {"k": "v"},
               "baggage_metadata": {"k": "ttl=60;flag"}}),
        json!({"trace_id": T, "span_id": S, "sampled": true, "baggage": sixty_four}),
    ];
    // Python writes W3C baggage form-encoded (`quote_plus`): a space becomes `+`, which
    // W3C Baggage (percent-encoding, RFC 3986) reads as a plus sign, as the JavaScript
    // reference does too.
    let python_plus = |v: &str| v.replace(' ', "+");

    let mut failures = Vec::new();
    for reference in Reference::BOTH {
        let answer = run(reference, &json!({ "inject": cases }));
        for (case, written) in cases.iter().zip(answer["inject"].as_array().unwrap()) {
            for name in NAMES {
                let pairs = Pairs::of_json(&written[name]);
                let cx = ours(name).extract_with_context(&Context::new(), &pairs);
                let mut want = meant(case, name);
                if reference == Reference::Python && name == "baggage" {
                    want.baggage.values_mut().for_each(|v| *v = python_plus(v));
                }
                let got = found_by_us(&cx);
                if got != want {
                    failures.push(format!(
                        "{reference:?} {name}: aitrace read {got:?} from {pairs:?}, meant {want:?}"
                    ));
                }
                // Python's Jaeger propagator sets the debug bit on every sampled trace
                // (flags `03`): the wire says debug, so it is read as debug.
                let debug = reference == Reference::Python
                    && name == "jaeger"
                    && cx.span().span_context().is_sampled();
                if is_debug(&cx) != debug {
                    failures.push(format!(
                        "{reference:?} {name}: debug {} from {pairs:?}",
                        !debug
                    ));
                }
                if is_deferred(&cx) {
                    failures.push(format!("{reference:?} {name}: deferred from {pairs:?}"));
                }
                if case.get("baggage_metadata").is_some() && name == "baggage" {
                    let properties = cx
                        .baggage()
                        .get_with_metadata("k")
                        .map(|(_, m)| m.as_str().to_string());
                    let want = match reference {
                        Reference::Js => "ttl=60;flag",
                        Reference::Python => "",
                    };
                    if properties.as_deref() != Some(want) {
                        failures.push(format!("{reference:?}: properties {properties:?}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
