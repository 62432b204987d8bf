//! W3C Baggage: what aitrace's `BaggagePropagator` injects into an `http::HeaderMap`
//! through aitrace's carriers, it extracts unchanged, properties included.

use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::{HeaderExtractor, HeaderInjector};
use aitrace_sdk::propagation::BaggagePropagator;
use opentelemetry::baggage::{BaggageExt, BaggageMetadata, KeyValueMetadata};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::Context;
use std::collections::HashMap;

fn entries(cx: &Context) -> HashMap<String, (String, String)> {
    cx.baggage()
        .iter()
        .map(|(k, (v, m))| (k.to_string(), (v.to_string(), m.as_str().to_string())))
        .collect()
}

#[test]
fn entries_values_and_metadata_round_trip() {
    let cx = Context::new().with_baggage([
        KeyValueMetadata::new("user", "alice", ""),
        KeyValueMetadata::new("note", "a b,c;d=e/ü", ""),
        KeyValueMetadata::new("tier", "gold", "ttl=60"),
    ]);
    let mut headers = HeaderMap::new();
    BaggagePropagator::new().inject_context(&cx, &mut HeaderInjector(&mut headers));
    assert_eq!(headers.len(), 1);
    assert_eq!(
        headers["baggage"],
        "note=a%20b%2Cc%3Bd%3De%2F%C3%BC,tier=gold;ttl=60,user=alice"
    );

    let back = BaggagePropagator::new().extract(&HeaderExtractor(&headers));
    assert_eq!(entries(&back), entries(&cx));
    assert_eq!(
        back.baggage()
            .get_with_metadata("tier")
            .map(|(_, m)| m.clone()),
        Some(BaggageMetadata::from("ttl=60"))
    );
}

#[test]
fn empty_baggage_injects_nothing() {
    let mut headers = HeaderMap::new();
    BaggagePropagator::new().inject_context(&Context::new(), &mut HeaderInjector(&mut headers));
    assert!(headers.is_empty());
}
