//! Inject then extract gives back what was injected, for arbitrary valid ids, sampling and
//! debug flags, and arbitrary baggage: any key the baggage type holds, any value (spaces
//! at either end, `%`, `+`, `=`, `,`, `;`, control characters, any Unicode), and
//! properties.

use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::{HeaderExtractor, HeaderInjector};
use aitrace_sdk::propagation::{
    baggage_properties, is_debug, with_debug, B3Propagator, BaggagePropagator, JaegerPropagator,
    TraceContextPropagator,
};
use opentelemetry::baggage::{BaggageExt, KeyValueMetadata};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn round_trip(p: &dyn TextMapPropagator, cx: &Context) -> Context {
    let mut headers = HeaderMap::new();
    p.inject_context(cx, &mut HeaderInjector(&mut headers));
    p.extract_with_context(&Context::new(), &HeaderExtractor(&headers))
}

fn check_ids(trace: u128, span: u64, sampled: bool, debug: bool) {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    let sc = SpanContext::new(
        TraceId::from(trace),
        SpanId::from(span),
        flags,
        false,
        TraceState::NONE,
    );
    let mut cx = Context::new().with_remote_span_context(sc);
    if debug {
        cx = with_debug(&cx);
    }
    let carries_debug: [(Box<dyn TextMapPropagator>, bool); 5] = [
        (Box::new(TraceContextPropagator::new()), false),
        (
            Box::new(opentelemetry_sdk::propagation::TraceContextPropagator::new()),
            false,
        ),
        (Box::new(B3Propagator::single()), true),
        (Box::new(B3Propagator::multi()), true),
        (Box::new(JaegerPropagator::new()), true),
    ];
    for (p, carries) in carries_debug {
        let back = round_trip(p.as_ref(), &cx);
        let got = back.span().span_context().clone();
        assert!(got.is_remote(), "{p:?}");
        assert_eq!(got.trace_id(), TraceId::from(trace), "{p:?}");
        assert_eq!(got.span_id(), SpanId::from(span), "{p:?}");
        assert_eq!(got.is_sampled(), sampled, "{p:?}");
        // Debug is only written for a sampled trace, by the formats that have it.
        assert_eq!(is_debug(&back), carries && debug && sampled, "{p:?}");
    }
}

fn baggage_of(cx: &Context) -> BTreeMap<String, String> {
    cx.baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect()
}

fn trimmed(s: &str) -> bool {
    s.trim() == s
}

/// Any key the baggage type holds: an HTTP token.
const TOKEN: &str = "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}";

/// Properties as (key, value or none): values hold no `;` (the metadata separator) and
/// no `%` (metadata is kept in wire form, so an escape written there is read as one).
fn properties() -> impl Strategy<Value = Vec<(String, Option<String>)>> {
    prop::collection::vec(
        (
            TOKEN,
            prop::option::of("[^%;]{0,12}".prop_filter("trimmed", |v| trimmed(v))),
        ),
        0..4,
    )
}

/// A carrier that keeps names as written (a string map another service fills).
#[derive(Default)]
struct Pairs(Vec<(String, String)>);

impl Injector for Pairs {
    fn set(&mut self, key: &str, value: String) {
        self.0.push((key.to_string(), value));
    }
}

impl Extractor for Pairs {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn ids_and_flags(trace in 1u128.., span in 1u64.., sampled: bool, debug: bool) {
        check_ids(trace, span, sampled, debug);
    }

    #[test]
    fn ids_of_64_bits(trace in 1u64.., span in 1u64.., sampled: bool) {
        check_ids(u128::from(trace), span, sampled, false);
    }

    #[test]
    fn w3c_baggage(entries in prop::collection::btree_map(TOKEN, "(?s).{0,24}", 0..12)) {
        let cx = Context::new().with_baggage(entries.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())));
        prop_assert_eq!(baggage_of(&round_trip(&BaggagePropagator::new(), &cx)), entries);
    }

    #[test]
    fn w3c_baggage_properties(key in TOKEN, value in "(?s).{0,24}", properties in properties()) {
        let metadata: Vec<String> = properties
            .iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            })
            .collect();
        let cx = Context::new().with_baggage([KeyValueMetadata::new(key.clone(), value.clone(), metadata.join(";"))]);
        let back = round_trip(&BaggagePropagator::new(), &cx);
        let (got_value, got_metadata) = back.baggage().get_with_metadata(&key).cloned().expect("the entry");
        prop_assert_eq!(got_value.as_str(), value.as_str());
        prop_assert_eq!(baggage_properties(&got_metadata), properties);
    }

    #[test]
    fn jaeger_baggage(entries in prop::collection::btree_map(
        // Through `http::HeaderMap`, names are lowercase: so are the keys that come back.
        "[a-z0-9!#$%&'*+.^_`|~-]{1,12}",
        "(?s).{0,24}",
        0..12,
    )) {
        let cx = Context::new().with_baggage(entries.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())));
        prop_assert_eq!(baggage_of(&round_trip(&JaegerPropagator::new(), &cx)), entries);
    }

    #[test]
    fn jaeger_baggage_keeps_key_case(entries in prop::collection::btree_map(TOKEN, "(?s).{0,24}", 0..12)) {
        let cx = Context::new().with_baggage(entries.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())));
        let mut carrier = Pairs::default();
        JaegerPropagator::new().inject_context(&cx, &mut carrier);
        let back = JaegerPropagator::new().extract_with_context(&Context::new(), &carrier);
        prop_assert_eq!(baggage_of(&back), entries);
    }
}

/// A case the property test once found: an empty baggage value is still an entry.
#[test]
fn jaeger_baggage_with_an_empty_value() {
    let entries: BTreeMap<String, String> = [("#".to_string(), String::new())].into();
    let cx = Context::new().with_baggage(
        entries
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
    );
    assert_eq!(
        baggage_of(&round_trip(&JaegerPropagator::new(), &cx)),
        entries
    );
}
