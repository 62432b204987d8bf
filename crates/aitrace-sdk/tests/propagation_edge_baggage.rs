//! W3C Baggage (aitrace's `BaggagePropagator` behind aitrace's HTTP carrier), case by
//! case, with the expected result written down from the W3C Baggage specification: values
//! holding `=`, percent-decoding, properties, malformed members, several headers, and
//! the limits (at least 64 members and 8192 bytes propagated, members beyond dropped
//! whole). How the OpenTelemetry reference implementations read the same cases is in
//! `propagation_interop_readings.rs`.

use aitrace::propagation::http::{HeaderMap, HeaderValue};
use aitrace::propagation::{HeaderExtractor, HeaderInjector};
use aitrace_sdk::propagation::{baggage_properties, BaggagePropagator};
use opentelemetry::baggage::{BaggageExt, KeyValueMetadata};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::{Context, KeyValue};
use std::collections::BTreeMap;

fn extract_all(values: &[&str]) -> Context {
    let mut map = HeaderMap::new();
    for v in values {
        map.append("baggage", HeaderValue::from_str(v).unwrap());
    }
    BaggagePropagator::new().extract_with_context(&Context::new(), &HeaderExtractor(&map))
}

fn entries(cx: &Context) -> BTreeMap<String, String> {
    cx.baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect()
}

fn extract(value: &str) -> BTreeMap<String, String> {
    entries(&extract_all(&[value]))
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
        ("white space around", " user = alice ,\ttier=gold ".into(), bag(&[("user", "alice"), ("tier", "gold")])),
        // "value MAY contain any number of the equal sign": the value is kept whole.
        ("= in a value", "token=YWJjZA==".into(), bag(&[("token", "YWJjZA==")])),
        ("= escaped", "token=YWJjZA%3D%3D".into(), bag(&[("token", "YWJjZA==")])),
        ("properties are not the value", "user=alice;ttl=60".into(), bag(&[("user", "alice")])),
        ("percent-encoded", "note=a%20b%2Cc%3Bd".into(), bag(&[("note", "a b,c;d")])),
        ("UTF-8", "name=Am%C3%A9lie".into(), bag(&[("name", "Amélie")])),
        // Percent-encoding gives `+` no meaning.
        ("plus sign", "note=a+b".into(), bag(&[("note", "a+b")])),
        ("encoded percent", "pct=50%25".into(), bag(&[("pct", "50%")])),
        // A `%` that starts no escape is kept, as the WHATWG URL percent-decode keeps it.
        ("lone percent", "pct=50%,x=%zz".into(), bag(&[("pct", "50%"), ("x", "%zz")])),
        // "…MUST be replaced with the replacement code point (U+FFFD)."
        ("escape to non-UTF-8", "bad=%ff,user=alice".into(), bag(&[("bad", "\u{FFFD}"), ("user", "alice")])),
        ("empty value", "empty=,user=alice".into(), bag(&[("empty", ""), ("user", "alice")])),
        ("key case", "userId=alice".into(), bag(&[("userId", "alice")])),
        ("escaped key", "user%49d=alice".into(), bag(&[("userId", "alice")])),
        // Malformed members are dropped, the rest is read.
        ("entry without =", "user=alice,orphan,tier=gold".into(), bag(&[("user", "alice"), ("tier", "gold")])),
        ("key not a token", "us(er=alice,tier=gold".into(), bag(&[("tier", "gold")])),
        ("escaped key not a token", "us%20er=alice,tier=gold".into(), bag(&[("tier", "gold")])),
        ("raw space in a value", "note=a b,tier=gold".into(), bag(&[("tier", "gold")])),
        ("raw quote in a value", "note=\"a\",tier=gold".into(), bag(&[("tier", "gold")])),
        ("raw backslash in a value", "note=a\\b,tier=gold".into(), bag(&[("tier", "gold")])),
        ("empty members", ",user=alice,,tier=gold,".into(), bag(&[("user", "alice"), ("tier", "gold")])),
        ("repeated key: the last wins", "user=alice,user=bob".into(), bag(&[("user", "bob")])),
        ("empty", String::new(), bag(&[])),
    ];
    for (name, value, want) in cases {
        assert_eq!(extract(&value), want, "{name}: {value:?}");
    }
}

#[test]
fn properties_are_kept_as_metadata() {
    #[rustfmt::skip]
    let cases: Vec<(&str, &str)> = vec![
        ("user=alice;ttl=60", "ttl=60"),
        ("user=alice ; ttl = 60 ; sensitive", "ttl=60;sensitive"),
        ("user=alice;note=a%2Cb", "note=a%2Cb"),
        // Malformed properties are dropped; the member is kept.
        ("user=alice;;bad key=1;p=a b;ok", "ok"),
        ("user=alice", ""),
    ];
    for (value, want) in cases {
        let cx = extract_all(&[value]);
        let (v, metadata) = cx.baggage().get_with_metadata("user").expect(value);
        assert_eq!(v.as_str(), "alice", "{value}");
        assert_eq!(metadata.as_str(), want, "{value}");
    }
    let cx = extract_all(&["user=alice;note=a%2Cb;sensitive"]);
    let (_, metadata) = cx.baggage().get_with_metadata("user").unwrap();
    assert_eq!(
        baggage_properties(metadata),
        vec![
            ("note".to_string(), Some("a,b".to_string())),
            ("sensitive".to_string(), None),
        ]
    );
}

#[test]
fn several_headers_are_one_list() {
    let cx = extract_all(&["user=alice", "tier=gold,user=bob"]);
    assert_eq!(entries(&cx), bag(&[("user", "bob"), ("tier", "gold")]));
}

#[test]
fn more_than_64_members_keep_the_first_64() {
    let value: Vec<String> = (0..200).map(|i| format!("k{i}={i}")).collect();
    let got = extract(&value.join(","));
    assert_eq!(got.len(), 64);
    assert!((0..64).all(|i| got.get(&format!("k{i}")) == Some(&i.to_string())));
}

#[test]
fn members_over_8192_bytes_are_dropped_whole() {
    // Two headers, one list: a (4002 bytes) + b (4003) fit; c would pass 8192 bytes and
    // is dropped whole; d still fits.
    let a = format!("a={}", "x".repeat(4000));
    let b = format!("b={},c={},d=small", "y".repeat(4000), "z".repeat(300));
    let got = extract_all(&[&a, &b]);
    let keys: Vec<String> = entries(&got).into_keys().collect();
    assert_eq!(keys, ["a", "b", "d"]);
    assert_eq!(got.baggage().get("a").unwrap().as_str().len(), 4000);
}

#[test]
fn a_member_of_5000_bytes_is_kept() {
    // W3C Baggage sets no limit per member (an earlier draft had 4096 bytes).
    let value = format!("big={},small=y", "v".repeat(5000));
    let got = extract(&value);
    assert_eq!(got["big"].len(), 5000);
    assert_eq!(got["small"], "y");
}

#[test]
fn a_header_over_8192_bytes_is_ignored_by_the_http_carrier() {
    // aitrace's carriers bound every header before a propagator reads it.
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

#[test]
fn entries_are_added_to_the_context_baggage() {
    let base = Context::new().with_baggage([
        KeyValue::new("tenant", "acme"),
        KeyValue::new("user", "bob"),
    ]);
    let mut map = HeaderMap::new();
    map.insert("baggage", HeaderValue::from_static("user=alice"));
    let cx = BaggagePropagator::new().extract_with_context(&base, &HeaderExtractor(&map));
    assert_eq!(entries(&cx), bag(&[("tenant", "acme"), ("user", "alice")]));
}

fn inject(cx: &Context) -> Option<String> {
    let mut map = HeaderMap::new();
    BaggagePropagator::new().inject_context(cx, &mut HeaderInjector(&mut map));
    map.get("baggage").map(|v| v.to_str().unwrap().to_string())
}

#[test]
fn injection_percent_encodes_all_but_unreserved_characters() {
    let cx = Context::new().with_baggage([
        KeyValueMetadata::new("token", "YWJjZA==", ""),
        KeyValueMetadata::new("sum", "1+1", ""),
        KeyValueMetadata::new("pct", "50%", ""),
        KeyValueMetadata::new("list", "a,b;c d", ""),
        KeyValueMetadata::new("name", "Amélie", ""),
        KeyValueMetadata::new("a+b%c", "plain-text_1.0~", ""),
        KeyValueMetadata::new("user", "alice", "ttl=60;note=a b"),
    ]);
    assert_eq!(
        inject(&cx).unwrap(),
        "a%2Bb%25c=plain-text_1.0~,list=a%2Cb%3Bc%20d,name=Am%C3%A9lie,pct=50%25,\
         sum=1%2B1,token=YWJjZA%3D%3D,user=alice;ttl=60;note=a%20b"
    );
}

#[test]
fn injection_keeps_64_members_and_8192_bytes() {
    let many: Vec<KeyValue> = (0..64)
        .map(|i| KeyValue::new(format!("k{i:02}"), "v"))
        .collect();
    let header = inject(&Context::new().with_baggage(many)).unwrap();
    assert_eq!(header.split(',').count(), 64);

    // Each `é` is 2 bytes held and 6 written: a and b hold 2000 bytes each but write 6002;
    // b would pass 8192 bytes and is left out whole, c still fits.
    let cx = Context::new().with_baggage([
        KeyValue::new("a", "é".repeat(1000)),
        KeyValue::new("b", "é".repeat(1000)),
        KeyValue::new("c", "small"),
    ]);
    let header = inject(&cx).unwrap();
    assert!(header.len() <= 8192, "{}", header.len());
    let keys: Vec<&str> = header
        .split(',')
        .map(|m| m.split_once('=').unwrap().0)
        .collect();
    assert_eq!(keys, ["a", "c"]);
}
