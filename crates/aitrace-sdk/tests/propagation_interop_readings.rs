//! The same headers, read by aitrace and by both OpenTelemetry reference implementations
//! (Python and JavaScript), for tracecontext, W3C baggage, B3 single, B3 multi and
//! Jaeger: ordinary and edge cases, one row each.
//!
//! Where both references read a row the same way, aitrace reads it so too ([`all`]).
//! Where they differ, the row says which one aitrace follows ([`as_python`],
//! [`as_js`]) and why: the written specification decides. The few rows where aitrace
//! reads what both references agree on differently ([`neither`]) say why too; each
//! split row is in the table of `docs/propagation.md`.
//!
//! aitrace reads through its HTTP carrier (`http::HeaderMap`, names lower-cased); the
//! references get the same lower-cased names, as an HTTP server hands them over.
//! [`names_kept_as_written`] uses carriers that keep the case of names.

mod support;

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{is_debug, is_deferred};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::Extractor;
use opentelemetry::Context;
use serde_json::{json, Value};
use support::propagation::{found_by_them, found_by_us, ours, strings, Found, Pairs};
use support::reference::{run, Reference};

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";
const P: &str = "05e3ac9a4f6e3b90";
/// A 64-bit trace id, and the same id as 128 bits.
const T64: &str = "a3ce929d0e0e4736";
const T64_PADDED: &str = "0000000000000000a3ce929d0e0e4736";

/// How a row is read.
#[derive(Debug)]
enum Want {
    /// aitrace and both references read it so.
    All(Found),
    /// The references differ; aitrace reads it as `follows` does.
    Split {
        python: Found,
        js: Found,
        follows: Reference,
    },
    /// aitrace reads it as neither reference does.
    Neither {
        python: Found,
        js: Found,
        ours: Found,
    },
}

fn all(found: Found) -> Want {
    Want::All(found)
}

fn as_python(python: Found, js: Found) -> Want {
    Want::Split {
        python,
        js,
        follows: Reference::Python,
    }
}

fn as_js(python: Found, js: Found) -> Want {
    Want::Split {
        python,
        js,
        follows: Reference::Js,
    }
}

fn neither(python: Found, js: Found, ours: Found) -> Want {
    Want::Neither { python, js, ours }
}

/// One header set, the propagator that reads it, and how it is read.
struct Row {
    name: &'static str,
    propagator: &'static str,
    headers: Vec<(String, String)>,
    want: Want,
    /// aitrace marks the context as deferred (B3 without a sampling state).
    deferred: bool,
    /// aitrace marks the trace as a debug trace.
    debug: bool,
    /// The properties of baggage entry `k` as aitrace keeps them, the same as the
    /// metadata the JavaScript reference reads (the Python one has none).
    properties: Option<&'static str>,
}

fn row(name: &'static str, propagator: &'static str, headers: &[(&str, &str)], want: Want) -> Row {
    Row {
        name,
        propagator,
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        want,
        deferred: false,
        debug: false,
        properties: None,
    }
}

impl Row {
    fn deferred(mut self) -> Row {
        self.deferred = true;
        self
    }

    fn debug(mut self) -> Row {
        self.debug = true;
        self
    }

    fn properties(mut self, properties: &'static str) -> Row {
        self.properties = Some(properties);
        self
    }
}

fn span(trace: &str, sampled: bool) -> Found {
    Found::span(trace, S, sampled)
}

fn none() -> Found {
    Found::nothing()
}

fn bag(entries: &[(&str, &str)]) -> Found {
    Found::baggage(entries)
}

/// How the headers of a row reach the propagators.
#[derive(Clone, Copy, PartialEq)]
enum Carrier {
    /// aitrace reads an `http::HeaderMap`; the references get lower-cased names.
    Http,
    /// aitrace reads [`Pairs`]; the references get the names as written.
    NamesAsWritten,
}

/// aitrace's reading of `headers` with `propagator`.
fn read(propagator: &str, headers: &[(String, String)], carrier: Carrier) -> Context {
    let read = |extractor: &dyn Extractor| {
        ours(propagator).extract_with_context(&Context::new(), extractor)
    };
    match carrier {
        Carrier::Http => {
            let mut map = HeaderMap::new();
            for (k, v) in headers {
                map.append(
                    HeaderName::from_bytes(k.as_bytes()).unwrap(),
                    HeaderValue::from_str(v).unwrap(),
                );
            }
            read(&HeaderExtractor(&map))
        }
        Carrier::NamesAsWritten => read(&Pairs(headers.to_vec())),
    }
}

/// Reads every row with aitrace and with both references, and checks each reading.
fn check(rows: &[Row], carrier: Carrier) {
    let request = json!({
        "extract": rows.iter().map(|r| &r.headers).collect::<Vec<_>>(),
        "raw_names": carrier == Carrier::NamesAsWritten,
    });
    let answers: Vec<Value> = Reference::BOTH.iter().map(|r| run(*r, &request)).collect();
    let mut failures = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let cx = read(r.propagator, &r.headers, carrier);
        let got_ours = found_by_us(&cx);
        let theirs = |k: usize| &answers[k]["extract"][i][r.propagator];
        let (got_python, got_js) = (found_by_them(theirs(0)), found_by_them(theirs(1)));
        let (want_python, want_js, want_ours) = match &r.want {
            Want::All(f) => (f, f, f),
            Want::Split {
                python,
                js,
                follows,
            } => {
                assert_ne!(python, js, "{}: the references agree, use all()", r.name);
                let ours = if *follows == Reference::Python {
                    python
                } else {
                    js
                };
                (python, js, ours)
            }
            Want::Neither { python, js, ours } => (python, js, ours),
        };
        for (who, got, want) in [
            ("aitrace", &got_ours, want_ours),
            ("Python", &got_python, want_python),
            ("JavaScript", &got_js, want_js),
        ] {
            if got != want {
                failures.push(format!(
                    "{} ({}): {who} read {got:?}, the row says {want:?}",
                    r.name, r.propagator
                ));
            }
        }
        if is_deferred(&cx) != r.deferred {
            failures.push(format!("{}: deferred should be {}", r.name, r.deferred));
        }
        if is_debug(&cx) != r.debug {
            failures.push(format!("{}: debug should be {}", r.name, r.debug));
        }
        if let Some(want) = r.properties {
            let ours = cx.baggage().get_with_metadata("k").map(|(_, m)| m.as_str());
            let js = strings(&theirs(1)["baggage_metadata"]);
            if ours != Some(want) || js.get("k").map(String::as_str) != Some(want) {
                failures.push(format!(
                    "{}: properties {want:?}: aitrace {ours:?}, JavaScript {:?}",
                    r.name,
                    js.get("k")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tracecontext() {
    let tp = format!("00-{T}-{S}-01");
    let with = |flags: &str| format!("00-{T}-{S}-{flags}");
    let up = T.to_uppercase();
    #[rustfmt::skip]
    let rows = vec![
        row("sampled", "tracecontext", &[("traceparent", &tp)], all(span(T, true))),
        row("not sampled", "tracecontext", &[("traceparent", &with("00"))], all(span(T, false))),
        row("unknown flags", "tracecontext", &[("traceparent", &with("02"))], all(span(T, false))),
        row("every flag", "tracecontext", &[("traceparent", &with("ff"))], all(span(T, true))),
        row("non-hex flags", "tracecontext", &[("traceparent", &with("0g"))], all(none())),
        // The W3C test suite expects a new trace for a repeated traceparent. Python takes
        // the first; Node joins the two values, which then match no traceparent.
        row("repeated traceparent", "tracecontext", &[("traceparent", &tp), ("traceparent", &tp)],
            as_js(span(T, true), none())),
        row("short fields", "tracecontext", &[("traceparent", "00-1-2-01")], all(none())),
        row("future version", "tracecontext", &[("traceparent", &format!("01-{T}-{S}-01-later"))], all(span(T, true))),
        row("future version, no dash", "tracecontext", &[("traceparent", &format!("01-{T}-{S}-01x"))], all(none())),
        row("version 00 with more", "tracecontext", &[("traceparent", &format!("{tp}-later"))], all(none())),
        row("version ff", "tracecontext", &[("traceparent", &format!("ff-{T}-{S}-01"))], all(none())),
        row("uppercase", "tracecontext", &[("traceparent", &format!("00-{up}-{S}-01"))], all(none())),
        row("zero trace id", "tracecontext", &[("traceparent", &format!("00-{}-{S}-01", "0".repeat(32)))], all(none())),
        row("zero span id", "tracecontext", &[("traceparent", &format!("00-{T}-{}-01", "0".repeat(16)))], all(none())),
        row("surrounding spaces", "tracecontext", &[("traceparent", &format!(" {tp} "))], all(span(T, true))),
        row("tracestate", "tracecontext", &[("traceparent", &tp), ("tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")],
            all(span(T, true).with_tracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"))),
        row("tracestate, bad key", "tracecontext", &[("traceparent", &tp), ("tracestate", "UPPER=1")], all(span(T, true))),
        row("tracestate, empty member", "tracecontext", &[("traceparent", &tp), ("tracestate", "k=v,,x=y")],
            all(span(T, true).with_tracestate("k=v,x=y"))),
        row("two tracestate headers", "tracecontext", &[("traceparent", &tp), ("tracestate", "a=1"), ("tracestate", "b=2")],
            all(span(T, true).with_tracestate("a=1,b=2"))),
        // The W3C test suite expects the tracestate kept, a duplicated key kept as it is
        // or dropped. Python drops the whole tracestate; JavaScript keeps the last value;
        // aitrace keeps both as they are.
        row("tracestate, duplicated key", "tracecontext", &[("traceparent", &tp), ("tracestate", "a=1,a=2")],
            neither(span(T, true), span(T, true).with_tracestate("a=2"), span(T, true).with_tracestate("a=1,a=2"))),
    ];
    check(&rows, Carrier::Http);
}

#[test]
fn w3c_baggage() {
    let seventy: Vec<String> = (0..70).map(|i| format!("k{i:02}={i}")).collect();
    let seventy = seventy.join(",");
    let sixty_four: Vec<(String, String)> = (0..64)
        .map(|i| (format!("k{i:02}"), i.to_string()))
        .collect();
    let sixty_four: Vec<(&str, &str)> = sixty_four
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let seventy_read: Vec<(String, String)> = (0..70)
        .map(|i| (format!("k{i:02}"), i.to_string()))
        .collect();
    let seventy_read: Vec<(&str, &str)> = seventy_read
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let big = "x".repeat(5000);
    let big_member = format!("big={big}");
    let too_big = format!(
        "a={},b={},c={}",
        "x".repeat(3000),
        "y".repeat(3000),
        "z".repeat(3000)
    );
    #[rustfmt::skip]
    let rows = vec![
        row("two entries", "baggage", &[("baggage", "user=alice,note=a%20b")], all(bag(&[("user", "alice"), ("note", "a b")]))),
        row("value with =", "baggage", &[("baggage", "token=YWJjZA==")], all(bag(&[("token", "YWJjZA==")]))),
        // RFC 3986 percent-encoding gives `+` no meaning, and W3C Baggage allows it in a
        // value: a plus sign. Python decodes form-style.
        row("plus sign", "baggage", &[("baggage", "a=1+1")], as_js(bag(&[("a", "1 1")]), bag(&[("a", "1+1")]))),
        // `%` is a baggage-octet; decoding keeps a `%` that starts no escape, as the WHATWG
        // URL standard's percent-decode does. JavaScript drops the entry.
        row("lone percent", "baggage", &[("baggage", "pct=50%")], as_python(bag(&[("pct", "50%")]), none())),
        row("encoded percent", "baggage", &[("baggage", "pct=50%25")], all(bag(&[("pct", "50%")]))),
        row("UTF-8", "baggage", &[("baggage", "k=Am%C3%A9lie")], all(bag(&[("k", "Amélie")]))),
        // "Percent-encoded octet sequences that do not match the UTF-8 encoding scheme MUST
        // be replaced with the replacement code point." JavaScript drops the entry.
        row("escape to non-UTF-8", "baggage", &[("baggage", "k=%ff")], as_python(bag(&[("k", "\u{FFFD}")]), none())),
        // A space is not a baggage-octet: the member is malformed and dropped.
        row("raw space in a value", "baggage", &[("baggage", "k=a b")], as_python(none(), bag(&[("k", "a b")]))),
        row("raw quotes", "baggage", &[("baggage", "k=\"q\"")], as_python(none(), bag(&[("k", "\"q\"")]))),
        // `value = *baggage-octet`: an empty value is a value.
        row("empty value", "baggage", &[("baggage", "k=")], as_python(bag(&[("k", "")]), none())),
        row("no =", "baggage", &[("baggage", "k")], all(none())),
        row("no key", "baggage", &[("baggage", "=v")], all(none())),
        row("spaces around", "baggage", &[("baggage", " k = v ")], all(bag(&[("k", "v")]))),
        row("token characters", "baggage", &[("baggage", "k=!#$&'()*")], all(bag(&[("k", "!#$&'()*")]))),
        row("empty members", "baggage", &[("baggage", "k=v,,j=w")], all(bag(&[("k", "v"), ("j", "w")]))),
        row("repeated key", "baggage", &[("baggage", "k=v,k=w")], all(bag(&[("k", "w")]))),
        row("key case", "baggage", &[("baggage", "userId=alice")], all(bag(&[("userId", "alice")]))),
        row("encoded key", "baggage", &[("baggage", "k%41=v")], all(bag(&[("kA", "v")]))),
        // A key is an HTTP token, where `+` is an ordinary character.
        row("plus in a key", "baggage", &[("baggage", "a+b=v")], as_js(bag(&[("a b", "v")]), bag(&[("a+b", "v")]))),
        // Properties are not part of the value: Python keeps them in it.
        row("property", "baggage", &[("baggage", "k=v;p=1")], as_js(bag(&[("k", "v;p=1")]), bag(&[("k", "v")]))).properties("p=1"),
        row("encoded property", "baggage", &[("baggage", "k=v;p=a%2Cb")], as_js(bag(&[("k", "v;p=a,b")]), bag(&[("k", "v")]))).properties("p=a%2Cb"),
        row("key-only property", "baggage", &[("baggage", "k=v;p")], as_js(bag(&[("k", "v;p")]), bag(&[("k", "v")]))).properties("p"),
        row("spaced properties", "baggage", &[("baggage", "k=v; p = 1 ;q")], as_js(bag(&[("k", "v; p = 1 ;q")]), bag(&[("k", "v")]))),
        row("empty properties", "baggage", &[("baggage", "k=v;;")], as_js(none(), bag(&[("k", "v")]))),
        // "If there are multiple baggage headers, all limits apply to the combination":
        // they are one list. Python reads the first.
        row("two headers", "baggage", &[("baggage", "a=1"), ("baggage", "b=2")], as_js(bag(&[("a", "1")]), bag(&[("a", "1"), ("b", "2")]))),
        // 64 members must be propagated, more may be dropped; both references keep up to
        // 180 (the limit of an earlier draft). OpenTelemetry's Baggage type holds 64: the
        // first 64 are kept.
        row("70 members", "baggage", &[("baggage", &seventy)], neither(bag(&seventy_read), bag(&seventy_read), bag(&sixty_four))),
        // The specification has no limit per member (an earlier draft had 4096 bytes, which
        // both references apply): a 5000-byte member in an 8192-byte header is kept.
        row("member of 5000 bytes", "baggage", &[("baggage", &big_member)], neither(none(), none(), bag(&[("big", &big)]))),
        // Over 8192 bytes, aitrace's HTTP carrier ignores the header before any propagator
        // reads it (a bound on the work one request can cause), as Python does; JavaScript
        // keeps the members that fit.
        row("header of 9000 bytes", "baggage", &[("baggage", &too_big)],
            as_python(none(), bag(&[("a", &"x".repeat(3000)), ("b", &"y".repeat(3000))]))),
    ];
    check(&rows, Carrier::Http);
}

#[test]
fn b3_single() {
    let b3_rows = |name, value: String, want| row(name, "b3single", &[("b3", &value)], want);
    let up = T.to_uppercase();
    #[rustfmt::skip]
    let rows = vec![
        b3_rows("accept", format!("{T}-{S}-1"), all(span(T, true))),
        b3_rows("deny", format!("{T}-{S}-0"), all(span(T, false))),
        b3_rows("debug", format!("{T}-{S}-d"), all(span(T, true))).debug(),
        // No sampling state: "defer the decision to the receiver of this header". Python
        // reads it as sampled. aitrace's span context is not sampled, as JavaScript's, and
        // is marked deferred: aitrace's head sampler decides.
        b3_rows("defer", format!("{T}-{S}"), as_js(span(T, true), span(T, false))).deferred(),
        b3_rows("with parent", format!("{T}-{S}-1-{P}"), all(span(T, true))),
        b3_rows("parent in place of the state", format!("{T}-{S}-{P}"), all(span(T, false))),
        b3_rows("unknown state", format!("{T}-{S}-x"), all(span(T, false))),
        // The single header's states are `1`, `0` and `d`.
        b3_rows("state true", format!("{T}-{S}-true"), as_js(span(T, true), span(T, false))),
        b3_rows("trailing dash", format!("{T}-{S}-1-"), all(span(T, true))),
        // Four fields at most; JavaScript matches a prefix of the value.
        b3_rows("five fields", format!("{T}-{S}-1-{P}-1"), as_python(none(), span(T, true))),
        // "lower-hex".
        b3_rows("uppercase", format!("{up}-{S}-1"), as_js(span(T, true), none())),
        b3_rows("state alone", "0".to_string(), all(none())),
        b3_rows("accept alone", "1".to_string(), all(none())),
        b3_rows("64-bit trace id", format!("{T64}-{S}-1"), all(span(T64_PADDED, true))),
        // White space around a field value is not part of it (RFC 9110 §5.5).
        b3_rows("surrounding spaces", format!(" {T}-{S}-1 "), as_js(none(), span(T, true))),
        // 32 or 16 hex digits; JavaScript takes the last 16 of the 20.
        b3_rows("trace id of 20 digits", format!("{}-{S}-1", &T[..20]), as_python(none(), span("00000000000000002f3577b34da6a3ce", true))),
        b3_rows("short span id", format!("{T}-{}-1", &S[..8]), all(none())),
        row("b3 before X-B3-*", "b3single", &[("b3", &format!("{T}-{S}-0")), ("x-b3-traceid", T), ("x-b3-spanid", S), ("x-b3-sampled", "1")],
            all(span(T, false))),
        row("malformed b3 decides", "b3single", &[("b3", "garbage"), ("x-b3-traceid", T), ("x-b3-spanid", S), ("x-b3-sampled", "1")],
            all(none())),
    ];
    check(&rows, Carrier::Http);
}

#[test]
fn b3_multi() {
    let ids = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> {
        let mut h = vec![("x-b3-traceid", T), ("x-b3-spanid", S)];
        h.extend_from_slice(extra);
        h
    };
    let up = T.to_uppercase();
    let up_s = S.to_uppercase();
    #[rustfmt::skip]
    let rows = vec![
        row("accept", "b3multi", &ids(&[("x-b3-sampled", "1")]), all(span(T, true))),
        row("deny", "b3multi", &ids(&[("x-b3-sampled", "0")]), all(span(T, false))),
        // Absent X-B3-Sampled: defer, as in the single header (both references: not sampled).
        row("defer", "b3multi", &ids(&[]), all(span(T, false))).deferred(),
        row("debug", "b3multi", &ids(&[("x-b3-flags", "1")]), all(span(T, true))).debug(),
        row("debug over deny", "b3multi", &ids(&[("x-b3-sampled", "0"), ("x-b3-flags", "1")]), all(span(T, true))).debug(),
        row("flags 0", "b3multi", &ids(&[("x-b3-flags", "0")]), all(span(T, false))).deferred(),
        row("true", "b3multi", &ids(&[("x-b3-sampled", "true")]), all(span(T, true))),
        row("True", "b3multi", &ids(&[("x-b3-sampled", "True")]), all(span(T, true))),
        row("False", "b3multi", &ids(&[("x-b3-sampled", "False")]), all(span(T, false))),
        // X-B3-Sampled is `1` or `0`; anything else is "malformed data".
        row("sampled d", "b3multi", &ids(&[("x-b3-sampled", "d")]), as_js(span(T, true), none())),
        row("nonsense sampled", "b3multi", &ids(&[("x-b3-sampled", "x")]), as_js(span(T, false), none())),
        row("64-bit trace id", "b3multi", &[("x-b3-traceid", T64), ("x-b3-spanid", S), ("x-b3-sampled", "1")], all(span(T64_PADDED, true))),
        row("uppercase ids", "b3multi", &[("x-b3-traceid", &up), ("x-b3-spanid", &up_s), ("x-b3-sampled", "1")], all(span(T, true))),
        row("nonsense parent", "b3multi", &ids(&[("x-b3-parentspanid", "-"), ("x-b3-sampled", "1")]), all(span(T, true))),
        row("sampling alone", "b3multi", &[("x-b3-sampled", "1")], all(none())),
        // 32 or 16 hex digits; JavaScript pads any length.
        row("trace id of 3 digits", "b3multi", &[("x-b3-traceid", "abc"), ("x-b3-spanid", S), ("x-b3-sampled", "1")],
            as_python(none(), span("00000000000000000000000000000abc", true))),
    ];
    check(&rows, Carrier::Http);
}

#[test]
fn jaeger() {
    let tid = |flags: &str| format!("{T}:{S}:0:{flags}");
    let sampled = tid("1");
    let up = T.to_uppercase();
    #[rustfmt::skip]
    let rows = vec![
        row("sampled", "jaeger", &[("uber-trace-id", &sampled)], all(span(T, true))),
        row("not sampled", "jaeger", &[("uber-trace-id", &tid("0"))], all(span(T, false))),
        // The format sets debug only with sampled; both references read bit 0x01 alone.
        row("debug alone", "jaeger", &[("uber-trace-id", &tid("2"))], all(span(T, false))),
        row("sampled and debug", "jaeger", &[("uber-trace-id", &tid("3"))], all(span(T, true))).debug(),
        row("two-digit flags", "jaeger", &[("uber-trace-id", &tid("01"))], all(span(T, true))),
        row("three-digit flags", "jaeger", &[("uber-trace-id", &tid("001"))], all(span(T, true))),
        row("every flag", "jaeger", &[("uber-trace-id", &tid("ff"))], all(span(T, true))).debug(),
        // Flags are hex; JavaScript reads anything else as sampled.
        row("non-hex flags", "jaeger", &[("uber-trace-id", &tid("x"))], as_python(none(), span(T, true))),
        // Jaeger clients URL-encode the value in HTTP headers; Python does not decode it.
        row("URL-encoded", "jaeger", &[("uber-trace-id", &format!("{T}%3A{S}%3A0%3A1"))], as_js(none(), span(T, true))),
        row("uppercase", "jaeger", &[("uber-trace-id", &format!("{up}:{S}:0:1"))], all(span(T, true))),
        row("short ids", "jaeger", &[("uber-trace-id", &format!("{T64}:{}:0:1", &S[2..]))], all(span(T64_PADDED, true))),
        row("nonsense parent", "jaeger", &[("uber-trace-id", &format!("{T}:{S}:zz:1"))], all(span(T, true))),
        row("three fields", "jaeger", &[("uber-trace-id", &format!("{T}:{S}:0"))], all(none())),
        row("trace id of 33 digits", "jaeger", &[("uber-trace-id", &format!("{T}0:{S}:0:1"))], all(none())),
        row("zero trace id", "jaeger", &[("uber-trace-id", &format!("0:{S}:0:1"))], all(none())),
        row("baggage", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-user", "alice")], all(span(T, true).with_baggage(&[("user", "alice")]))),
        row("baggage plus", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", "a+b%2Bc")], all(span(T, true).with_baggage(&[("note", "a+b+c")]))),
        row("baggage escape", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", "a%20b")], all(span(T, true).with_baggage(&[("note", "a b")]))),
        // One codec for W3C and Jaeger baggage: a lone `%` is kept, escapes that are not
        // UTF-8 become U+FFFD. JavaScript drops both entries.
        row("baggage lone percent", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", "50%")],
            as_python(span(T, true).with_baggage(&[("note", "50%")]), span(T, true))),
        row("baggage escape to non-UTF-8", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", "%ff")],
            as_python(span(T, true).with_baggage(&[("note", "\u{FFFD}")]), span(T, true))),
        // White space around a field value is not part of it (RFC 9110 §5.5).
        row("baggage spaces", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", " x ")],
            as_python(span(T, true).with_baggage(&[("note", "x")]), span(T, true).with_baggage(&[("note", " x ")]))),
        row("baggage empty value", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", "")], all(span(T, true).with_baggage(&[("note", "")]))),
        row("baggage separators", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-note", "v=1,w")], all(span(T, true).with_baggage(&[("note", "v=1,w")]))),
        // Baggage is a concern of its own, as in the W3C pair of propagators: kept without
        // a trace. Python keeps it only next to an `uber-trace-id`, even a malformed one.
        row("baggage alone", "jaeger", &[("uberctx-user", "alice")], as_js(none(), bag(&[("user", "alice")]))),
        row("baggage, malformed trace", "jaeger", &[("uber-trace-id", "nonsense"), ("uberctx-user", "alice")], all(bag(&[("user", "alice")]))),
        // OpenTelemetry's Baggage type refuses an empty key.
        row("baggage, empty key", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-", "x")],
            neither(span(T, true).with_baggage(&[("", "x")]), span(T, true).with_baggage(&[("", "x")]), span(T, true))),
    ];
    check(&rows, Carrier::Http);
}

/// A carrier that keeps the case of names, as a string map another service filled does
/// (message headers, a job payload): Jaeger baggage keys keep their case.
#[test]
fn names_kept_as_written() {
    let sampled = format!("{T}:{S}:0:1");
    #[rustfmt::skip]
    let rows = vec![
        row("baggage key case", "jaeger", &[("uber-trace-id", &sampled), ("uberctx-userId", "alice")],
            all(span(T, true).with_baggage(&[("userId", "alice")]))),
        // The prefix is matched in lowercase, as both references match it.
        row("prefix case", "jaeger", &[("uber-trace-id", &sampled), ("Uberctx-userId", "alice")], all(span(T, true))),
        // aitrace's carriers match names without regard to case, as HTTP names are; the
        // references' getters look names up exactly.
        row("trace header case", "jaeger", &[("Uber-Trace-Id", &sampled)], neither(none(), none(), span(T, true))),
        row("W3C baggage key case", "baggage", &[("baggage", "userId=alice")], all(bag(&[("userId", "alice")]))),
    ];
    check(&rows, Carrier::NamesAsWritten);
}
