//! Interoperability with the OpenTelemetry Python propagators (tracecontext, W3C baggage,
//! B3 single, B3 multi, Jaeger): what aitrace injects, the reference reads; what the
//! reference injects, aitrace reads; and where both read the same headers differently, the
//! written specification decides and the row says why.
//!
//! Runs `tests/fixtures/propagators_ref.py` with the virtual environment of
//! `scripts/install_propagator_ref.sh` (installed on first use).

mod pyref;

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::{HeaderExtractor, HeaderInjector};
use aitrace_sdk::propagation::{
    is_debug, with_debug, B3Propagator, JaegerPropagator, TraceContextPropagator,
};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::BaggagePropagator;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::str::FromStr;

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const T64: &str = "0000000000000000a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";

/// aitrace's propagator for each name the reference script uses.
fn ours(name: &str) -> Box<dyn TextMapPropagator> {
    match name {
        "tracecontext" => Box::new(TraceContextPropagator::new()),
        "baggage" => Box::new(BaggagePropagator::new()),
        "b3single" => Box::new(B3Propagator::single()),
        "b3multi" => Box::new(B3Propagator::multi()),
        "jaeger" => Box::new(JaegerPropagator::new()),
        other => panic!("no propagator {other}"),
    }
}

const NAMES: [&str; 5] = ["tracecontext", "baggage", "b3single", "b3multi", "jaeger"];

/// What a propagator found: the span (trace id, span id, sampled) and the baggage.
#[derive(Debug, PartialEq)]
struct Found {
    span: Option<(String, String, bool)>,
    baggage: BTreeMap<String, String>,
}

fn found(span: Option<(&str, &str, bool)>, baggage: &[(&str, &str)]) -> Found {
    Found {
        span: span.map(|(t, s, sampled)| (t.to_string(), s.to_string(), sampled)),
        baggage: baggage
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn found_by_us(cx: &Context) -> Found {
    let sc = cx.span().span_context().clone();
    Found {
        span: sc.is_valid().then(|| {
            (
                sc.trace_id().to_string(),
                sc.span_id().to_string(),
                sc.is_sampled(),
            )
        }),
        baggage: cx
            .baggage()
            .iter()
            .map(|(k, (v, _))| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn found_by_them(v: &Value) -> Found {
    let span = v["valid"].as_bool().unwrap().then(|| {
        (
            v["trace_id"].as_str().unwrap().to_string(),
            v["span_id"].as_str().unwrap().to_string(),
            v["sampled"].as_bool().unwrap(),
        )
    });
    let baggage = v["baggage"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default();
    Found { span, baggage }
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

fn pairs_of(map: &HeaderMap) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
        .collect()
}

fn context(trace: &str, sampled: bool, debug: bool, baggage: &[(&str, &str)]) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    let sc = SpanContext::new(
        TraceId::from_hex(trace).unwrap(),
        SpanId::from_hex(S).unwrap(),
        flags,
        false,
        TraceState::from_str("rojo=00f067aa0ba902b7").unwrap(),
    );
    let cx = Context::new().with_remote_span_context(sc).with_baggage(
        baggage
            .iter()
            .map(|(k, v)| KeyValue::new(k.to_string(), v.to_string())),
    );
    if debug {
        with_debug(&cx)
    } else {
        cx
    }
}

#[test]
fn what_we_inject_the_reference_reads() {
    let bag = [("user", "alice"), ("note", "a b/c,ü")];
    // (trace id, sampled, debug): debug is written by B3 and Jaeger and read as sampled.
    let cases = [
        (T, true, false),
        (T, false, false),
        (T64, true, false),
        (T, true, true),
    ];
    let mut carriers = Vec::new();
    let mut expected = Vec::new();
    for (trace, sampled, debug) in cases {
        let cx = context(trace, sampled, debug, &bag);
        for name in NAMES {
            let mut headers = HeaderMap::new();
            ours(name).inject_context(&cx, &mut HeaderInjector(&mut headers));
            carriers.push(pairs_of(&headers));
            expected.push((name, trace, sampled));
        }
    }
    let answer = pyref::run(&json!({ "extract": carriers }));
    assert_eq!(answer["extract"].as_array().unwrap().len(), carriers.len());
    for ((name, trace, sampled), (got, carrier)) in expected
        .into_iter()
        .zip(answer["extract"].as_array().unwrap().iter().zip(&carriers))
    {
        let theirs = found_by_them(&got[name]);
        let want_span = (name != "baggage").then_some((trace, S, sampled));
        // W3C baggage and Jaeger carry baggage; the trace formats carry none.
        let want_bag: &[(&str, &str)] = if matches!(name, "baggage" | "jaeger") {
            &bag
        } else {
            &[]
        };
        assert_eq!(
            theirs,
            found(want_span, want_bag),
            "{name} reading {carrier:?}"
        );
    }
}

#[test]
fn what_the_reference_injects_we_read() {
    let cases = [
        json!({"trace_id": T, "span_id": S, "sampled": true, "tracestate": "rojo=00f067aa0ba902b7",
               "baggage": {"user": "alice", "note": "a b/c"}}),
        json!({"trace_id": T, "span_id": S, "sampled": false}),
        json!({"trace_id": T64, "span_id": S, "sampled": true}),
    ];
    let answer = pyref::run(&json!({ "inject": cases }));
    assert_eq!(answer["inject"].as_array().unwrap().len(), cases.len());
    for (case, written) in cases.iter().zip(answer["inject"].as_array().unwrap()) {
        let trace = case["trace_id"].as_str().unwrap();
        let sampled = case["sampled"].as_bool().unwrap();
        let has_bag = case.get("baggage").is_some();
        for name in NAMES {
            let pairs: Vec<(String, String)> = written[name]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            let headers = header_map(&pairs);
            let cx = ours(name).extract_with_context(&Context::new(), &HeaderExtractor(&headers));
            let bag: &[(&str, &str)] = match (name, has_bag) {
                // The reference writes W3C baggage form-encoded (`a+b%2Fc`); W3C Baggage
                // percent-encodes and gives `+` no meaning, so it reads as a plus sign.
                ("baggage", true) => &[("user", "alice"), ("note", "a+b/c")],
                ("jaeger", true) => &[("user", "alice"), ("note", "a b/c")],
                _ => &[],
            };
            let span = (name != "baggage").then_some((trace, S, sampled));
            assert_eq!(
                found_by_us(&cx),
                found(span, bag),
                "{name} reading {pairs:?}"
            );
            match name {
                "tracecontext" if has_bag => {
                    assert_eq!(
                        cx.span().span_context().trace_state().header(),
                        "rojo=00f067aa0ba902b7"
                    )
                }
                // The reference sets Jaeger's debug bit on every sampled trace (flags `03`);
                // the format keeps debug for forced traces, but the wire says debug, so it
                // is read as debug.
                "jaeger" => assert_eq!(is_debug(&cx), sampled, "{pairs:?}"),
                _ => assert!(!is_debug(&cx), "{name}: {pairs:?}"),
            }
        }
    }
}

/// One header set read by one of our propagators and the reference's of the same name.
struct Row {
    name: &'static str,
    propagator: &'static str,
    headers: Vec<(&'static str, String)>,
    ours: Found,
    theirs: Found,
}

fn row(
    name: &'static str,
    propagator: &'static str,
    headers: &[(&'static str, &str)],
    ours: Found,
    theirs: Found,
) -> Row {
    let headers = headers.iter().map(|(k, v)| (*k, v.to_string())).collect();
    Row {
        name,
        propagator,
        headers,
        ours,
        theirs,
    }
}

#[test]
fn where_both_read_the_same_headers() {
    let none = || found(None, &[]);
    let span = |t, sampled| found(Some((t, S, sampled)), &[]);
    let tp = format!("00-{T}-{S}-01");
    let up = T.to_uppercase();
    #[rustfmt::skip]
    let rows = vec![
        row("traceparent", "tracecontext", &[("traceparent", &tp)], span(T, true), span(T, true)),
        // W3C test suite: a repeated traceparent starts a new trace. The reference takes
        // the first.
        row("repeated traceparent", "tracecontext", &[("traceparent", &tp), ("traceparent", &tp)], none(), span(T, true)),
        row("short fields", "tracecontext", &[("traceparent", "00-1-2-01")], none(), none()),
        row("future version", "tracecontext", &[("traceparent", &format!("01-{T}-{S}-01-later"))], span(T, true), span(T, true)),
        row("version ff", "tracecontext", &[("traceparent", &format!("ff-{T}-{S}-01"))], none(), none()),
        row("uppercase traceparent", "tracecontext", &[("traceparent", &format!("00-{up}-{S}-01"))], none(), none()),
        row("b3 accept", "b3single", &[("b3", &format!("{T}-{S}-1"))], span(T, true), span(T, true)),
        // B3: no sampling state means defer, and OpenTelemetry has no deferred state; the
        // reference calls it sampled, aitrace leaves the decision to the local sampler.
        row("b3 defer", "b3single", &[("b3", &format!("{T}-{S}"))], span(T, false), span(T, true)),
        row("b3 debug", "b3single", &[("b3", &format!("{T}-{S}-d"))], span(T, true), span(T, true)),
        row("b3 64-bit trace id", "b3single", &[("b3", &format!("a3ce929d0e0e4736-{S}-1"))], span(T64, true), span(T64, true)),
        // B3 ids are "lower-hex"; the reference also accepts uppercase.
        row("b3 uppercase", "b3single", &[("b3", &format!("{up}-{S}-1"))], none(), span(T, true)),
        row("b3 deny alone", "b3single", &[("b3", "0")], none(), none()),
        row("b3 multi debug", "b3multi", &[("x-b3-traceid", T), ("x-b3-spanid", S), ("x-b3-flags", "1")], span(T, true), span(T, true)),
        row("b3 multi true", "b3multi", &[("x-b3-traceid", T), ("x-b3-spanid", S), ("x-b3-sampled", "true")], span(T, true), span(T, true)),
        row("b3 multi defer", "b3multi", &[("x-b3-traceid", T), ("x-b3-spanid", S)], span(T, false), span(T, false)),
        // X-B3-Sampled is 1 or 0 (true/false leniently); `d` is malformed there.
        row("b3 multi d", "b3multi", &[("x-b3-traceid", T), ("x-b3-spanid", S), ("x-b3-sampled", "d")], none(), span(T, true)),
        row("jaeger", "jaeger", &[("uber-trace-id", &format!("{T}:{S}:0:1"))], span(T, true), span(T, true)),
        // Jaeger clients URL-encode the value in HTTP headers; the reference does not decode.
        row("jaeger URL-encoded", "jaeger", &[("uber-trace-id", &format!("{T}%3A{S}%3A0%3A1"))], span(T, true), none()),
        // Jaeger: debug implies sampled; the reference reads only bit 0x01.
        row("jaeger debug alone", "jaeger", &[("uber-trace-id", &format!("{T}:{S}:0:2"))], span(T, true), span(T, false)),
        row("jaeger short ids", "jaeger", &[("uber-trace-id", &format!("a3ce929d0e0e4736:{}:0:1", &S[2..]))], span(T64, true), span(T64, true)),
        row("jaeger uppercase", "jaeger", &[("uber-trace-id", &format!("{up}:{S}:0:1"))], span(T, true), span(T, true)),
        // Baggage is its own concern: aitrace keeps it without `uber-trace-id`; the
        // reference drops it then (but keeps it next to a malformed one, where
        // jaeger-client-go drops it).
        row("jaeger baggage alone", "jaeger", &[("uberctx-user", "alice")], found(None, &[("user", "alice")]), none()),
        row("jaeger baggage, bad trace", "jaeger", &[("uber-trace-id", "nonsense"), ("uberctx-user", "alice")],
            found(None, &[("user", "alice")]), found(None, &[("user", "alice")])),
        // Jaeger's Go and Java clients form-encode baggage (`+` for a space); the reference
        // decodes `%` escapes only.
        row("jaeger baggage plus", "jaeger", &[("uber-trace-id", &format!("{T}:{S}:0:1")), ("uberctx-note", "a+b%2Bc")],
            found(Some((T, S, true)), &[("note", "a b+c")]), found(Some((T, S, true)), &[("note", "a+b+c")])),
        row("w3c baggage", "baggage", &[("baggage", "user=alice,note=a%20b")],
            found(None, &[("user", "alice"), ("note", "a b")]), found(None, &[("user", "alice"), ("note", "a b")])),
        // W3C Baggage percent-encodes; the reference decodes `+` as a space.
        row("w3c baggage plus", "baggage", &[("baggage", "note=a+b")], found(None, &[("note", "a+b")]), found(None, &[("note", "a b")])),
    ];
    let carriers: Vec<Vec<(&str, &str)>> = rows
        .iter()
        .map(|r| r.headers.iter().map(|(k, v)| (*k, v.as_str())).collect())
        .collect();
    let answer = pyref::run(&json!({ "extract": carriers }));
    assert_eq!(answer["extract"].as_array().unwrap().len(), rows.len());
    for (r, got) in rows.iter().zip(answer["extract"].as_array().unwrap()) {
        let pairs: Vec<(String, String)> = r
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let headers = header_map(&pairs);
        let cx =
            ours(r.propagator).extract_with_context(&Context::new(), &HeaderExtractor(&headers));
        assert_eq!(found_by_us(&cx), r.ours, "aitrace, {}", r.name);
        assert_eq!(
            found_by_them(&got[r.propagator]),
            r.theirs,
            "reference, {}",
            r.name
        );
    }
}
