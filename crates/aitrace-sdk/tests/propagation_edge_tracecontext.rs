//! W3C Trace Context extraction by aitrace's `TraceContextPropagator`, case by case, with
//! the expected result written down (W3C Trace Context, "traceparent Header" and "Versioning
//! of traceparent"; the W3C test suite for repeated headers).
//!
//! The SDK's own propagator parses each field as a number and would also accept some of
//! the malformed rows (`00-1-2-01`, signed fields); this one follows the recommendation.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::TraceContextPropagator;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";

#[derive(Debug, PartialEq)]
struct Got {
    trace: String,
    span: String,
    sampled: bool,
    state: String,
}

fn ok(sampled: bool) -> Option<Got> {
    Some(Got {
        trace: T.to_string(),
        span: S.to_string(),
        sampled,
        state: String::new(),
    })
}

fn extract(pairs: &[(&str, String)]) -> Option<Got> {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let cx =
        TraceContextPropagator::new().extract_with_context(&Context::new(), &HeaderExtractor(&map));
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| Got {
        trace: sc.trace_id().to_string(),
        span: sc.span_id().to_string(),
        sampled: sc.is_sampled(),
        state: sc.trace_state().header(),
    })
}

#[test]
fn traceparent_cases() {
    #[rustfmt::skip]
    let cases: Vec<(&str, String, Option<Got>)> = vec![
        ("sampled", format!("00-{T}-{S}-01"), ok(true)),
        ("not sampled", format!("00-{T}-{S}-00"), ok(false)),
        // Flags are a bit field: only the sampled bit is read.
        ("other flags with sampled", format!("00-{T}-{S}-09"), ok(true)),
        ("other flags without sampled", format!("00-{T}-{S}-08"), ok(false)),
        // Version ff is invalid.
        ("version ff", format!("ff-{T}-{S}-01"), None),
        // A later version is parsed as version 00, and anything after the flags must
        // start with `-`.
        ("future version", format!("01-{T}-{S}-01"), ok(true)),
        ("future version, extra fields", format!("01-{T}-{S}-01-what-the-future-will-be"), ok(true)),
        ("future version, junk after flags", format!("01-{T}-{S}-01x"), None),
        ("version 00 with extra field", format!("00-{T}-{S}-01-extra"), None),
        ("version 00 with trailing dash", format!("00-{T}-{S}-01-"), None),
        ("uppercase version", format!("0A-{T}-{S}-01"), None),
        ("uppercase trace id", format!("00-{}-{S}-01", T.to_uppercase()), None),
        ("uppercase parent id", format!("00-{T}-{}-01", S.to_uppercase()), None),
        ("uppercase flags", format!("00-{T}-{S}-0B"), None),
        ("all-zero trace id", format!("00-{}-{S}-01", "0".repeat(32)), None),
        ("all-zero parent id", format!("00-{T}-{}-01", "0".repeat(16)), None),
        ("trace id of 31 digits", format!("00-{}-{S}-01", &T[..31]), None),
        ("trace id of 33 digits", format!("00-{T}0-{S}-01"), None),
        ("parent id of 15 digits", format!("00-{T}-{}-01", &S[..15]), None),
        ("short numeric fields", "00-1-2-01".into(), None),
        ("signed trace id", format!("00-+{}-{S}-01", &T[..31]), None),
        ("non-hex trace id", format!("00-{}g-{S}-01", &T[..31]), None),
        ("one-digit flags", format!("00-{T}-{S}-1"), None),
        ("missing flags", format!("00-{T}-{S}"), None),
        ("underscores", format!("00_{T}_{S}_01"), None),
        ("empty", String::new(), None),
        ("surrounding whitespace", format!(" 00-{T}-{S}-01\t"), ok(true)),
        // Over 512 bytes the header is ignored.
        ("oversized future version", format!("01-{T}-{S}-01-{}", "a".repeat(600)), None),
    ];
    for (name, value, want) in cases {
        assert_eq!(
            extract(&[("traceparent", value.clone())]),
            want,
            "{name}: {value:?}"
        );
    }
}

#[test]
fn repeated_traceparent_is_ignored() {
    // The W3C test suite (test_traceparent_duplicated) expects a new trace: HTTP joins
    // repeated headers with commas, and no traceparent contains one. (The Python reference
    // takes the first.)
    let pairs = [
        ("traceparent", format!("00-{T}-{S}-01")),
        ("traceparent", format!("00-{T}-{S}-00")),
    ];
    assert_eq!(extract(&pairs), None);
}

#[test]
fn tracestate_follows_a_valid_traceparent_only() {
    let state = (
        "tracestate",
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE".to_string(),
    );
    let got = extract(&[("traceparent", format!("00-{T}-{S}-01")), state.clone()]).unwrap();
    assert_eq!(got.state, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    assert_eq!(
        extract(&[("traceparent", format!("00-{T}-{S}-0x")), state]),
        None
    );

    // A malformed tracestate is dropped; the traceparent still counts.
    let bad = ("tracestate", "no equals sign".to_string());
    assert_eq!(
        extract(&[("traceparent", format!("00-{T}-{S}-01")), bad]),
        ok(true)
    );

    // An oversized tracestate is ignored the same way.
    let huge = ("tracestate", format!("k={}", "v".repeat(9000)));
    assert_eq!(
        extract(&[("traceparent", format!("00-{T}-{S}-01")), huge]),
        ok(true)
    );
}

#[test]
fn non_ascii_traceparent_is_absent() {
    let mut map = HeaderMap::new();
    map.insert(
        "traceparent",
        HeaderValue::from_bytes(format!("00-{T}-{S}-01\u{e9}").as_bytes()).unwrap(),
    );
    let cx = TraceContextPropagator::new().extract(&HeaderExtractor(&map));
    assert!(!cx.span().span_context().is_valid());
}
