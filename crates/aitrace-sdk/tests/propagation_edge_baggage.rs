//! W3C Baggage extraction (the SDK's `BaggagePropagator` behind aitrace's carriers), case
//! by case, with the expected result written down.
//!
//! Limits: W3C Baggage asks to propagate at least 64 entries and 8192 bytes (an earlier
//! draft capped a header at 180 entries); OpenTelemetry's `Baggage` holds at most 64
//! entries and 8192 bytes, and the SDK ignores a header over 8192 bytes, as aitrace's
//! carriers do.

use aitrace::propagation::http::{HeaderMap, HeaderValue};
use aitrace::propagation::HeaderExtractor;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::Context;
use opentelemetry_sdk::propagation::BaggagePropagator;
use std::collections::BTreeMap;

fn extract(value: &str) -> BTreeMap<String, String> {
    let mut map = HeaderMap::new();
    map.insert("baggage", HeaderValue::from_str(value).unwrap());
    let cx = BaggagePropagator::new().extract_with_context(&Context::new(), &HeaderExtractor(&map));
    cx.baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect()
}

fn bag(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn header_cases() {
    #[rustfmt::skip]
    let cases: Vec<(&str, String, BTreeMap<String, String>)> = vec![
        ("two entries", "user=alice,tier=gold".into(), bag(&[("user", "alice"), ("tier", "gold")])),
        ("whitespace around entries", " user = alice , tier=gold ".into(), bag(&[("user", "alice"), ("tier", "gold")])),
        ("metadata", "user=alice;ttl=60".into(), bag(&[("user", "alice")])),
        ("percent-encoded", "note=a%20b%2Cc".into(), bag(&[("note", "a b,c")])),
        // W3C Baggage percent-encodes; `+` is a plain character. (The Python reference
        // decodes form-style and reads a space.)
        ("plus sign", "note=a+b".into(), bag(&[("note", "a+b")])),
        ("entry without =", "user=alice,orphan,tier=gold".into(), bag(&[("user", "alice"), ("tier", "gold")])),
        ("escape to non-UTF-8", "bad=%ff,user=alice".into(), bag(&[("user", "alice")])),
        ("key not a token", "us(er=alice,tier=gold".into(), bag(&[("tier", "gold")])),
        ("empty", String::new(), bag(&[])),
    ];
    for (name, value, want) in cases {
        assert_eq!(extract(&value), want, "{name}: {value:?}");
    }
}

#[test]
fn more_than_180_entries_keep_64() {
    let value: Vec<String> = (0..200).map(|i| format!("k{i}={i}")).collect();
    let got = extract(&value.join(","));
    assert_eq!(got.len(), 64);
    // The first entries are the ones kept.
    assert!((0..64).all(|i| got.get(&format!("k{i}")) == Some(&i.to_string())));
}

#[test]
fn a_header_over_8192_bytes_is_ignored() {
    let value = format!("big={}", "v".repeat(8192));
    assert!(extract(&value).is_empty());
}

#[test]
fn a_header_of_8192_bytes_is_read_whole() {
    // 2 + 4090 + 3 + 4089 + 8 = 8192 bytes: at the limit, every entry is kept.
    let value = format!("a={},b={},c=small", "x".repeat(4090), "y".repeat(4089));
    assert_eq!(value.len(), 8192);
    let got = extract(&value);
    assert_eq!(
        got.keys().map(String::as_str).collect::<Vec<_>>(),
        ["a", "b", "c"]
    );
}
