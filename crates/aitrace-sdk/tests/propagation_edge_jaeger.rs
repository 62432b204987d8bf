//! Jaeger extraction, case by case, with the expected result written down.
//!
//! The rules are the Jaeger client libraries' propagation format, but where both
//! OpenTelemetry reference implementations read a case the same way, aitrace reads it so
//! too; the rows say so. How the references read each case is in
//! `propagation_interop_readings.rs`.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{is_debug, JaegerPropagator};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};
use std::collections::BTreeMap;

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";

#[derive(Debug, PartialEq)]
struct Got {
    trace: String,
    span: String,
    sampled: bool,
    debug: bool,
}

fn ok(trace: &str, span: &str, sampled: bool, debug: bool) -> Option<Got> {
    Some(Got {
        trace: trace.to_string(),
        span: span.to_string(),
        sampled,
        debug,
    })
}

fn headers(pairs: &[(&str, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

fn extract_from(base: &Context, map: &HeaderMap) -> Context {
    JaegerPropagator::new().extract_with_context(base, &HeaderExtractor(map))
}

fn span_of(cx: &Context) -> Option<Got> {
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| Got {
        trace: sc.trace_id().to_string(),
        span: sc.span_id().to_string(),
        sampled: sc.is_sampled(),
        debug: is_debug(cx),
    })
}

fn baggage_of(cx: &Context) -> BTreeMap<String, String> {
    cx.baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn trace_header_cases() {
    let pad = |s: &str, n: usize| format!("{s:0>n$}");
    #[rustfmt::skip]
    let cases: Vec<(&str, String, Option<Got>)> = vec![
        ("sampled", format!("{T}:{S}:0:1"), ok(T, S, true, false)),
        ("not sampled", format!("{T}:{S}:0:0"), ok(T, S, false, false)),
        ("two-digit flags", format!("{T}:{S}:0:01"), ok(T, S, true, false)),
        ("sampled and debug", format!("{T}:{S}:0:3"), ok(T, S, true, true)),
        // The format sets debug only with sampled ("should only be set when the sampled
        // flag is set"); both references read bit 0x01 alone: debug alone is not sampled,
        // and not a debug trace.
        ("debug alone", format!("{T}:{S}:0:2"), ok(T, S, false, false)),
        // Bit 0x08, "firehose", has no OpenTelemetry meaning and is dropped.
        ("firehose", format!("{T}:{S}:0:9"), ok(T, S, true, false)),
        ("parent id set", format!("{T}:{S}:53ce929d0e0e4736:1"), ok(T, S, true, false)),
        // "Receivers MUST accept hex-strings shorter than 32 [16] characters and 0-pad them."
        ("64-bit trace id", format!("a3ce929d0e0e4736:{S}:0:1"), ok(&pad("a3ce929d0e0e4736", 32), S, true, false)),
        ("short ids", "abc:def:0:1".into(), ok(&pad("abc", 32), &pad("def", 16), true, false)),
        // "base16" without a case: uppercase is read (as the Python reference does).
        ("uppercase ids", format!("{}:{}:0:1", T.to_uppercase(), S.to_uppercase()), ok(T, S, true, false)),
        // Jaeger clients using the HTTP-headers format URL-encode the value. The Python
        // reference does not decode it and finds no context.
        ("URL-encoded", format!("{T}%3A{S}%3A0%3A1"), ok(T, S, true, false)),
        ("URL-encoded, lowercase escapes", format!("{T}%3a{S}%3a0%3a1"), ok(T, S, true, false)),
        ("broken escape", format!("{T}%3A{S}%3A0%3"), None),
        ("escape to non-UTF-8", format!("{T}:{S}:0:1%ff"), None),
        ("zero trace id", format!("0:{S}:0:1"), None),
        ("all-zero trace id", format!("{}:{S}:0:1", "0".repeat(32)), None),
        ("zero span id", format!("{T}:0:0:1"), None),
        ("trace id of 33 digits", format!("{T}0:{S}:0:1"), None),
        ("span id of 17 digits", format!("{T}:{S}0:0:1"), None),
        ("empty trace id", format!(":{S}:0:1"), None),
        ("non-hex trace id", format!("{}x:{S}:0:1", &T[..31]), None),
        ("signed span id", format!("{T}:+{}:0:1", &S[..15]), None),
        // The deprecated parent span id is not used, so it is not checked (as both
        // references).
        ("non-hex parent id", format!("{T}:{S}:x:1"), ok(T, S, true, false)),
        ("empty parent id", format!("{T}:{S}::1"), ok(T, S, true, false)),
        ("three fields", format!("{T}:{S}:1"), None),
        ("five fields", format!("{T}:{S}:0:1:1"), None),
        ("empty flags", format!("{T}:{S}:0:"), None),
        // Flags are a hex number; both references read more digits.
        ("three-digit flags", format!("{T}:{S}:0:001"), ok(T, S, true, false)),
        ("flags of 17 digits", format!("{T}:{S}:0:{}", "0".repeat(17)), None),
        ("non-hex flags", format!("{T}:{S}:0:g"), None),
        ("dashes instead of colons", format!("{T}-{S}-0-1"), None),
        ("surrounding whitespace", format!(" {T}:{S}:0:1 "), ok(T, S, true, false)),
        ("oversized", format!("{T}:{S}:0:1{}", " ".repeat(600)), None),
    ];
    for (name, value, want) in cases {
        let map = headers(&[("uber-trace-id", value.clone())]);
        assert_eq!(
            span_of(&extract_from(&Context::new(), &map)),
            want,
            "{name}: {value:?}"
        );
    }
}

#[test]
fn duplicated_trace_header_takes_the_first() {
    let map = headers(&[
        ("uber-trace-id", format!("{T}:{S}:0:1")),
        ("uber-trace-id", format!("abc:{S}:0:0")),
    ]);
    assert_eq!(
        span_of(&extract_from(&Context::new(), &map)),
        ok(T, S, true, false)
    );
}

/// Header pairs of one case.
type Headers = Vec<(&'static str, String)>;

#[test]
fn baggage_cases() {
    let bag = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let trace = ("uber-trace-id", format!("{T}:{S}:0:1"));
    #[rustfmt::skip]
    let cases: Vec<(&str, Headers, BTreeMap<String, String>)> = vec![
        ("plain", vec![trace.clone(), ("uberctx-user", "alice".into())], bag(&[("user", "alice")])),
        ("URL-encoded", vec![trace.clone(), ("uberctx-note", "value%201%20%2F%20blah".into())], bag(&[("note", "value 1 / blah")])),
        // A `+` is a plus sign, as both references read it (the Go and Java Jaeger clients
        // form-encode a space as `+`; aitrace writes `%20`).
        ("plus", vec![trace.clone(), ("uberctx-note", "value+1+%2F+blah".into())], bag(&[("note", "value+1+/+blah")])),
        ("encoded plus", vec![trace.clone(), ("uberctx-sum", "1%2B1".into())], bag(&[("sum", "1+1")])),
        // Spaces around the field value are not part of it; encoded ones are.
        ("trimmed", vec![trace.clone(), ("uberctx-user", " alice ".into())], bag(&[("user", "alice")])),
        ("encoded spaces kept", vec![trace.clone(), ("uberctx-user", "%20alice%20".into())], bag(&[("user", " alice ")])),
        // The W3C Baggage decoding: a `%` that starts no escape is kept, escapes that are
        // not UTF-8 become U+FFFD.
        ("broken escape kept", vec![trace.clone(), ("uberctx-a", "x%2".into()), ("uberctx-b", "y".into())], bag(&[("a", "x%2"), ("b", "y")])),
        ("escape to non-UTF-8", vec![trace.clone(), ("uberctx-a", "x%ff".into())], bag(&[("a", "x\u{FFFD}")])),
        ("empty key skipped", vec![trace.clone(), ("uberctx-", "x".into())], bag(&[])),
        // Baggage is a concern separate from the trace: it is kept when `uber-trace-id` is
        // malformed and when it is absent. Implementations differ here: the Python reference
        // keeps it in the first case only, jaeger-client-go in the second only.
        ("malformed trace header", vec![("uber-trace-id", "nonsense".into()), ("uberctx-user", "alice".into())], bag(&[("user", "alice")])),
        ("no trace header", vec![("uberctx-user", "alice".into())], bag(&[("user", "alice")])),
        ("entry over 4096 bytes skipped", vec![("uberctx-big", "x".repeat(4096)), ("uberctx-small", "y".into())], bag(&[("small", "y")])),
    ];
    for (name, pairs, want) in cases {
        let cx = extract_from(&Context::new(), &headers(&pairs));
        assert_eq!(baggage_of(&cx), want, "{name}");
    }
}

#[test]
fn baggage_stops_at_8192_bytes_in_total() {
    // Entries are taken in key order; each `k=v` here is 3 + 1 + 3000 bytes.
    let value = "v".repeat(3000);
    let map = headers(&[
        ("uberctx-k01", value.clone()),
        ("uberctx-k02", value.clone()),
        ("uberctx-k03", value.clone()),
        ("uberctx-k04", "small".into()),
    ]);
    let got = baggage_of(&extract_from(&Context::new(), &map));
    let keys: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(keys, ["k01", "k02", "k04"]);
}

#[test]
fn baggage_over_180_headers_is_cut() {
    // 200 entries: at most 180 headers are looked at, and the Baggage type keeps 64.
    let pairs: Vec<(String, String)> = (0..200)
        .map(|i| (format!("uberctx-k{i:03}"), format!("{i}")))
        .collect();
    let pairs: Vec<(&str, String)> = pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let got = baggage_of(&extract_from(&Context::new(), &headers(&pairs)));
    assert_eq!(got.len(), 64);
    assert!(got.keys().all(|k| k.as_str() < "k180"));
}

#[test]
fn baggage_adds_to_what_the_context_holds() {
    let base = Context::new().with_baggage([
        KeyValue::new("tenant", "acme"),
        KeyValue::new("user", "bob"),
    ]);
    let map = headers(&[("uberctx-user", "alice".into())]);
    let got = baggage_of(&extract_from(&base, &map));
    let want: BTreeMap<String, String> = [("tenant", "acme"), ("user", "alice")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    assert_eq!(got, want);
}

#[test]
fn non_ascii_values_are_absent() {
    let mut map = HeaderMap::new();
    map.insert(
        "uber-trace-id",
        HeaderValue::from_bytes(format!("{T}:{S}:0:1\u{e9}").as_bytes()).unwrap(),
    );
    map.insert(
        "uberctx-user",
        HeaderValue::from_bytes("al\u{ee}ce".as_bytes()).unwrap(),
    );
    let cx = extract_from(&Context::new(), &map);
    assert_eq!(span_of(&cx), None);
    assert!(baggage_of(&cx).is_empty());
}

/// `uberctx-userId` gives `userId` when the carrier keeps the case of names, as a string
/// map filled by another service does; `http::HeaderMap` lower-cases every name.
#[test]
fn baggage_keys_keep_the_case_the_carrier_gives() {
    let mut map = std::collections::HashMap::new();
    map.insert("uber-trace-id".to_string(), format!("{T}:{S}:0:1"));
    map.insert("uberctx-userId".to_string(), "alice".to_string());
    // A carrier that keeps names and looks them up exactly.
    struct Exact<'a>(&'a std::collections::HashMap<String, String>);
    impl opentelemetry::propagation::Extractor for Exact<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            self.0.get(key).map(String::as_str)
        }
        fn keys(&self) -> Vec<&str> {
            self.0.keys().map(String::as_str).collect()
        }
    }
    let cx = JaegerPropagator::new().extract_with_context(&Context::new(), &Exact(&map));
    let want: BTreeMap<String, String> = [("userId".to_string(), "alice".to_string())].into();
    assert_eq!(baggage_of(&cx), want);
    // `extract_map`, with the propagator installed, keeps it too. (The only test of this
    // binary that installs a global propagator.)
    opentelemetry::global::set_text_map_propagator(JaegerPropagator::new());
    assert_eq!(baggage_of(&aitrace::propagation::extract_map(&map)), want);

    let lowered = headers(&[("uberctx-userId", "alice".into())]);
    let cx = extract_from(&Context::new(), &lowered);
    let want: BTreeMap<String, String> = [("userid".to_string(), "alice".to_string())].into();
    assert_eq!(baggage_of(&cx), want, "HeaderMap lower-cases names");

    // Injection writes the key's case; the carrier decides what it keeps.
    let mut out = Vec::new();
    struct Record<'a>(&'a mut Vec<(String, String)>);
    impl opentelemetry::propagation::Injector for Record<'_> {
        fn set(&mut self, key: &str, value: String) {
            self.0.push((key.to_string(), value));
        }
    }
    let cx = Context::new().with_baggage([KeyValue::new("userId", "alice")]);
    JaegerPropagator::new().inject_context(&cx, &mut Record(&mut out));
    assert_eq!(out, [("uberctx-userId".to_string(), "alice".to_string())]);
}
