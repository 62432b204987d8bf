//! B3 extraction, case by case, with the expected result written down. Both
//! `B3Propagator::single()` and `multi()` must read every case the same way.
//!
//! The specification (openzipkin/b3-propagation, and the OpenTelemetry B3 requirements)
//! decides, but where both OpenTelemetry reference implementations read a malformed
//! value the same way, aitrace reads it so too; the rows say so. How the references read
//! each case is in `propagation_interop_readings.rs`.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{is_debug, is_deferred, B3Propagator};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;

const T: &str = "80f198ee56343ba864fe8b2a57d3eff7";
const T64: &str = "a3ce929d0e0e4736";
const S: &str = "e457b5a2e4d86bd1";
const P: &str = "05e3ac9a4f6e3b90";
const ZERO32: &str = "00000000000000000000000000000000";
const ZERO16: &str = "0000000000000000";

/// What extraction should give: trace id, span id, sampled, debug, deferred.
#[derive(Debug, PartialEq)]
struct Got {
    trace: String,
    span: String,
    sampled: bool,
    debug: bool,
    deferred: bool,
}

fn ok(trace: &str, sampled: bool, debug: bool) -> Option<Got> {
    Some(Got {
        trace: trace.to_string(),
        span: S.to_string(),
        sampled,
        debug,
        deferred: false,
    })
}

/// A context that leaves the sampling decision to this service: not sampled, deferred.
fn deferred(trace: &str) -> Option<Got> {
    Some(Got {
        deferred: true,
        ..ok(trace, false, false)?
    })
}

fn extract(p: &B3Propagator, headers: &HeaderMap) -> Option<Got> {
    let cx = p.extract_with_context(&Context::new(), &HeaderExtractor(headers));
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| Got {
        trace: sc.trace_id().to_string(),
        span: sc.span_id().to_string(),
        sampled: sc.is_sampled(),
        debug: is_debug(&cx),
        deferred: is_deferred(&cx),
    })
}

fn check(name: &str, headers: &[(&str, String)], want: Option<Got>) {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    for p in [B3Propagator::single(), B3Propagator::multi()] {
        assert_eq!(extract(&p, &map), want, "{name}: {headers:?} with {p:?}");
    }
}

/// Header pairs of one case.
type Headers = Vec<(&'static str, String)>;

fn b3(value: String) -> Headers {
    vec![("b3", value)]
}

#[test]
fn single_header_cases() {
    let sampled_t64 = format!("{ZERO16}{T64}");
    #[rustfmt::skip]
    let cases: Vec<(&str, Headers, Option<Got>)> = vec![
        ("accept", b3(format!("{T}-{S}-1")), ok(T, true, false)),
        ("deny", b3(format!("{T}-{S}-0")), ok(T, false, false)),
        // Debug implies accept; OpenTelemetry MUST set sampled and keep the debug mark.
        ("debug", b3(format!("{T}-{S}-d")), ok(T, true, true)),
        // No sampling state means "defer the decision to the receiver". OpenTelemetry has
        // no deferred state: the trace is continued, not sampled, marked deferred, and
        // aitrace's head sampler decides as for a new trace.
        ("defer", b3(format!("{T}-{S}")), deferred(T)),
        ("accept with parent", b3(format!("{T}-{S}-1-{P}")), ok(T, true, false)),
        // The sampling state comes before the parent span id; a parent id in its place
        // is an unknown state, read as deny as both references read it.
        ("parent in place of the state", b3(format!("{T}-{S}-{P}")), ok(T, false, false)),
        // A 64-bit trace id is left-padded with zeros to 128 bits.
        ("64-bit trace id", b3(format!("{T64}-{S}-1")), ok(&sampled_t64, true, false)),
        // A decision alone has no trace to continue: `b3: 0` denies, but yields no context.
        ("deny alone", b3("0".into()), None),
        ("accept alone", b3("1".into()), None),
        ("debug alone", b3("d".into()), None),
        // The specification says "lower-hex". The Python reference also accepts uppercase.
        ("uppercase trace id", b3(format!("{}-{S}-1", T.to_uppercase())), None),
        ("uppercase span id", b3(format!("{T}-{}-1", S.to_uppercase())), None),
        ("all-zero trace id", b3(format!("{ZERO32}-{S}-1")), None),
        ("all-zero 64-bit trace id", b3(format!("{ZERO16}-{S}-1")), None),
        ("all-zero span id", b3(format!("{T}-{ZERO16}-1")), None),
        ("trace id of 20 digits", b3(format!("{}-{S}-1", &T[..20])), None),
        ("trace id of 33 digits", b3(format!("{T}0-{S}-1")), None),
        ("span id of 15 digits", b3(format!("{T}-{}-1", &S[..15])), None),
        ("non-hex trace id", b3(format!("{}g-{S}-1", &T[..31])), None),
        ("signed trace id", b3(format!("+{}-{S}-1", &T[..31])), None),
        // An unknown sampling state: the ids are good, the trace continues not sampled, as
        // both references read it.
        ("unknown sampling state", b3(format!("{T}-{S}-2")), ok(T, false, false)),
        ("word as sampling state", b3(format!("{T}-{S}-true")), ok(T, false, false)),
        ("empty sampling state", b3(format!("{T}-{S}-")), ok(T, false, false)),
        // The parent span id is not used, so it is not checked (as both references).
        ("malformed parent", b3(format!("{T}-{S}-1-xyz")), ok(T, true, false)),
        ("empty parent", b3(format!("{T}-{S}-1-")), ok(T, true, false)),
        ("five fields", b3(format!("{T}-{S}-1-{P}-1")), None),
        ("trace id alone", b3(T.into()), None),
        ("surrounding whitespace", b3(format!(" {T}-{S}-1 ")), ok(T, true, false)),
        // Over 512 bytes the header is ignored as if absent.
        ("oversized", b3(format!("{T}-{S}-1-{P}{}", " ".repeat(600))), None),
    ];
    for (name, headers, want) in cases {
        check(name, &headers, want);
    }
}

fn multi(trace: &str, span: &str, rest: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut h = vec![
        ("x-b3-traceid", trace.to_string()),
        ("x-b3-spanid", span.to_string()),
    ];
    h.extend(rest.iter().map(|(k, v)| (*k, v.to_string())));
    h
}

#[test]
fn multiple_header_cases() {
    let t64 = format!("{ZERO16}{T64}");
    let sampled = |v| ("x-b3-sampled", v);
    let flags = |v| ("x-b3-flags", v);
    #[rustfmt::skip]
    let cases: Vec<(&str, Headers, Option<Got>)> = vec![
        ("accept", multi(T, S, &[sampled("1")]), ok(T, true, false)),
        ("deny", multi(T, S, &[sampled("0")]), ok(T, false, false)),
        // "A lenient implementation may accept" true/false, written by older tracers; both
        // references also accept True/False.
        ("accept as true", multi(T, S, &[sampled("true")]), ok(T, true, false)),
        ("deny as false", multi(T, S, &[sampled("false")]), ok(T, false, false)),
        ("accept as True", multi(T, S, &[sampled("True")]), ok(T, true, false)),
        ("deny as False", multi(T, S, &[sampled("False")]), ok(T, false, false)),
        ("defer", multi(T, S, &[]), deferred(T)),
        ("debug", multi(T, S, &[flags("1")]), ok(T, true, true)),
        // Debug implies accept, even next to a deny.
        ("debug over deny", multi(T, S, &[flags("1"), sampled("0")]), ok(T, true, true)),
        // "Absent or any other value can be ignored."
        ("flags 0 ignored", multi(T, S, &[flags("0"), sampled("1")]), ok(T, true, false)),
        ("flags 2 ignored", multi(T, S, &[flags("2")]), deferred(T)),
        ("with parent", multi(T, S, &[("x-b3-parentspanid", P), sampled("1")]), ok(T, true, false)),
        ("64-bit trace id", multi(T64, S, &[sampled("1")]), ok(&t64, true, false)),
        // "An empty header or an arbitrary nonsense value are examples of malformed data."
        ("empty sampled", multi(T, S, &[sampled("")]), None),
        ("nonsense sampled", multi(T, S, &[sampled("yes")]), None),
        // `d` belongs to the single header only (the Python reference accepts it here).
        ("d in X-B3-Sampled", multi(T, S, &[sampled("d")]), None),
        // The parent span id is not used, so it is not checked (as both references).
        ("nonsense parent", multi(T, S, &[("x-b3-parentspanid", "-"), sampled("1")]), ok(T, true, false)),
        // "lower-hex", but both references read uppercase in these headers.
        ("uppercase trace id", multi(&T.to_uppercase(), S, &[sampled("1")]), ok(T, true, false)),
        ("uppercase span id", multi(T, &S.to_uppercase(), &[sampled("1")]), ok(T, true, false)),
        ("non-hex trace id", multi(&format!("{}g", &T[..31]), S, &[sampled("1")]), None),
        ("all-zero trace id", multi(ZERO32, S, &[sampled("1")]), None),
        ("all-zero span id", multi(T, ZERO16, &[sampled("1")]), None),
        ("trace id of 31 digits", multi(&T[..31], S, &[sampled("1")]), None),
        ("span id of 17 digits", multi(T, &format!("{S}0"), &[sampled("1")]), None),
        ("missing span id", vec![("x-b3-traceid", T.into()), ("x-b3-sampled", "1".into())], None),
        ("missing trace id", vec![("x-b3-spanid", S.into()), ("x-b3-sampled", "1".into())], None),
        ("sampling state alone", vec![("x-b3-sampled", "0".into())], None),
        // "When extracting state headers, the first value wins."
        ("duplicated trace id", {
            let mut h = multi(T, S, &[sampled("1")]);
            h.push(("x-b3-traceid", T64.into()));
            h
        }, ok(T, true, false)),
        ("duplicated sampled", multi(T, S, &[sampled("0"), sampled("1")]), ok(T, false, false)),
        ("oversized trace id", multi(&format!("{T}{}", " ".repeat(600)), S, &[]), None),
    ];
    for (name, headers, want) in cases {
        check(name, &headers, want);
    }
}

#[test]
fn both_encodings_present() {
    let mut both = b3(format!("{T}-{S}-1"));
    both.extend(multi(T64, S, &[("x-b3-sampled", "0")]));
    // The single header takes precedence over the multiple headers.
    check("single wins", &both, ok(T, true, false));

    let mut broken = b3(format!("{T}-xyz-1"));
    broken.extend(multi(T, S, &[("x-b3-sampled", "1")]));
    // A present `b3` decides alone, even when malformed (as the Python and JavaScript
    // references do): a sender that writes a broken `b3` is not second-guessed.
    check("malformed single wins", &broken, None);

    let mut empty = b3(String::new());
    empty.extend(multi(T, S, &[("x-b3-sampled", "1")]));
    check("empty single is absent", &empty, ok(T, true, false));

    let mut oversized = b3(format!("{T}-{S}-1{}", " ".repeat(600)));
    oversized.extend(multi(T, S, &[("x-b3-sampled", "0")]));
    check(
        "oversized single is absent",
        &oversized,
        ok(T, false, false),
    );
}

#[test]
fn non_ascii_header_values_are_absent() {
    let mut map = HeaderMap::new();
    map.insert(
        "b3",
        HeaderValue::from_bytes(format!("{T}-{S}-1\u{e9}").as_bytes()).unwrap(),
    );
    map.insert("x-b3-traceid", HeaderValue::from_str(T).unwrap());
    map.insert(
        "x-b3-spanid",
        HeaderValue::from_bytes(b"\xe4\x57\xb5\xa2").unwrap(),
    );
    for p in [B3Propagator::single(), B3Propagator::multi()] {
        assert_eq!(extract(&p, &map), None);
    }
}

#[test]
fn extraction_keeps_the_given_context_when_nothing_is_found() {
    let base = Context::new().with_value(7u8);
    let headers = HeaderMap::new();
    let cx = B3Propagator::single().extract_with_context(&base, &HeaderExtractor(&headers));
    assert_eq!(cx.get::<u8>(), Some(&7));
    assert!(!cx.has_active_span());
}
