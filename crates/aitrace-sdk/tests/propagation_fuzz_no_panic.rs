//! No extractor panics, whatever the header values: arbitrary Unicode strings, arbitrary
//! bytes (as an `http::HeaderValue` may hold them), strings built from the pieces of real
//! headers (so that parsing gets past the first checks), and very long values.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{B3Propagator, JaegerPropagator, TraceContextPropagator};
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;
use proptest::prelude::*;
use std::collections::HashMap;

const NAMES: [&str; 11] = [
    "traceparent",
    "tracestate",
    "baggage",
    "b3",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-flags",
    "uber-trace-id",
    "uberctx-key",
];

fn propagators() -> Vec<Box<dyn TextMapPropagator>> {
    vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
        Box::new(aitrace_sdk::propagation::BaggagePropagator::new()),
        Box::new(B3Propagator::single()),
        Box::new(B3Propagator::multi()),
        Box::new(JaegerPropagator::new()),
    ]
}

/// Extracts with every propagator, then injects what came out: neither may panic, and a
/// span context found is remote and valid.
fn exercise(extractor: &dyn Extractor) {
    for p in propagators() {
        let cx = p.extract_with_context(&Context::new(), extractor);
        let span = cx.span();
        let sc = span.span_context();
        if sc != &opentelemetry::trace::SpanContext::empty_context() {
            assert!(sc.is_valid() && sc.is_remote(), "{p:?} gave {sc:?}");
        }
        let mut out = HashMap::new();
        p.inject_context(&cx, &mut out);
    }
}

/// Each header alone, then all headers at once, as a string map.
fn exercise_strings(value: &str) {
    for name in NAMES {
        exercise(&HashMap::from([(name.to_string(), value.to_string())]));
    }
    let all: HashMap<String, String> = NAMES
        .iter()
        .map(|n| (n.to_string(), value.to_string()))
        .collect();
    exercise(&all);
}

/// Each header alone, then all at once, as an `http::HeaderMap`, when `bytes` is a value
/// HTTP allows (no CR, LF or NUL).
fn exercise_bytes(bytes: &[u8]) {
    let Ok(value) = HeaderValue::from_bytes(bytes) else {
        return;
    };
    let mut all = HeaderMap::new();
    for name in NAMES {
        let name = HeaderName::from_static(name);
        let mut one = HeaderMap::new();
        one.insert(name.clone(), value.clone());
        one.append(name.clone(), value.clone());
        exercise(&HeaderExtractor(&one));
        all.insert(name, value.clone());
    }
    exercise(&HeaderExtractor(&all));
    exercise_strings(&String::from_utf8_lossy(bytes));
}

/// Pieces of real headers, glued in any order.
fn header_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[0-9a-f]{1,33}",
        "[0-9A-Fa-f]{16}",
        Just("-".to_string()),
        Just(":".to_string()),
        Just("%3A".to_string()),
        Just("%".to_string()),
        Just("=".to_string()),
        Just(",".to_string()),
        Just(";".to_string()),
        "[01d]",
        "00|01|ff|fe",
        "\\PC",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_strings(value in any::<String>()) {
        exercise_strings(&value);
    }

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..120)) {
        exercise_bytes(&bytes);
    }

    #[test]
    fn header_like_strings(value in header_like()) {
        exercise_strings(&value);
        exercise_bytes(value.as_bytes());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn long_values(piece in header_like(), times in 1usize..2000) {
        exercise_strings(&piece.repeat(times));
    }

    #[test]
    fn many_baggage_headers(count in 0usize..400, value in "[ -~]{0,40}") {
        let map: HashMap<String, String> =
            (0..count).map(|i| (format!("uberctx-k{i}"), value.clone())).collect();
        exercise(&map);
    }
}
