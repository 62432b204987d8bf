//! `aitrace::propagation` helpers with the global propagator: an incoming request becomes
//! the parent of an agent run, outgoing calls carry the run on, and hostile or repeated
//! headers are read as W3C and B3 ask.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::{
    extract_context, extract_map, extract_parent, inject_current, inject_map,
};
use aitrace_sdk::propagation::BaggagePropagator;
use aitrace_sdk::propagation::{B3Propagator, JaegerPropagator, TraceContextPropagator};
use aitrace_sdk::testing::install_in_memory;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use opentelemetry::Context;
use std::collections::{BTreeMap, HashMap};
use std::sync::Once;

const T: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const S: &str = "00f067aa0ba902b7";

fn setup() -> aitrace_sdk::exporter::InMemoryExporter {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let list: Vec<Box<dyn TextMapPropagator + Send + Sync>> = vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
            Box::new(B3Propagator::single()),
            Box::new(JaegerPropagator::new()),
        ];
        opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(list));
    });
    install_in_memory()
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

fn baggage_of(cx: &Context) -> BTreeMap<String, String> {
    cx.baggage()
        .iter()
        .map(|(k, (v, _))| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn an_incoming_request_is_the_parent_of_the_run() {
    let exporter = setup();
    let incoming = headers(&[
        ("traceparent", &format!("00-{T}-{S}-01")),
        ("baggage", "tenant=acme"),
    ]);
    let parent = extract_parent(&incoming);
    let run = aitrace::trace("support").child_of(&parent).start();
    assert_eq!(run.trace_id().to_string(), T);
    assert_ne!(run.span_id().to_string(), S);
    let run_span = run.span_id();

    let outgoing = run.in_scope(|| {
        let mut outgoing = HeaderMap::new();
        inject_current(&mut outgoing);
        outgoing
    });
    assert_eq!(
        outgoing["traceparent"],
        format!("00-{T}-{run_span}-01").as_str()
    );
    assert_eq!(outgoing["baggage"], "tenant=acme");
    assert_eq!(outgoing["b3"], format!("{T}-{run_span}-1").as_str());
    assert_eq!(
        outgoing["uber-trace-id"],
        format!("{T}:{run_span}:0:01").as_str()
    );
    assert_eq!(outgoing["uberctx-tenant"], "acme");
    run.end();

    let spans = exporter.spans_of_trace(TraceId::from_hex(T).unwrap());
    let recorded = spans
        .iter()
        .find(|s| s.span_context.span_id() == run_span)
        .unwrap();
    assert_eq!(recorded.parent_span_id, SpanId::from_hex(S).unwrap());
}

#[test]
fn a_debug_trace_stays_debug_downstream() {
    setup();
    let incoming = headers(&[("b3", &format!("{T}-{S}-d"))]);
    let parent = extract_parent(&incoming);
    let run = aitrace::trace("support").child_of(&parent).start();
    let outgoing = run.in_scope(|| {
        let mut outgoing = HeaderMap::new();
        inject_current(&mut outgoing);
        outgoing
    });
    let run_span = run.span_id();
    assert_eq!(outgoing["b3"], format!("{T}-{run_span}-d").as_str());
    assert_eq!(
        outgoing["uber-trace-id"],
        format!("{T}:{run_span}:0:03").as_str()
    );
    run.end();
}

#[test]
fn without_trace_headers_the_parent_is_empty_not_current() {
    setup();
    let outer = aitrace::trace("outer").new_root().start();
    outer.in_scope(|| {
        let none = HeaderMap::new();
        // extract_parent starts from an empty context: a new trace, whatever is current.
        assert!(!extract_parent(&none).span().span_context().is_valid());
        // extract_context starts from the current context.
        assert_eq!(
            extract_context(&none).span().span_context().trace_id(),
            outer.trace_id()
        );
    });
    outer.end();
}

#[test]
fn repeated_list_headers_are_joined() {
    setup();
    let incoming = headers(&[
        ("traceparent", &format!("00-{T}-{S}-01")),
        ("tracestate", "rojo=00f067aa0ba902b7"),
        ("tracestate", "congo=t61rcWkgMzE"),
        ("baggage", "a=1"),
        ("baggage", "b=2,c=3"),
    ]);
    let cx = extract_parent(&incoming);
    assert_eq!(
        cx.span().span_context().trace_state().header(),
        "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    );
    let want: BTreeMap<String, String> = [("a", "1"), ("b", "2"), ("c", "3")]
        .map(|(k, v)| (k.into(), v.into()))
        .into();
    assert_eq!(baggage_of(&cx), want);
}

#[test]
fn a_repeated_traceparent_starts_a_new_trace() {
    setup();
    let incoming = headers(&[
        ("traceparent", &format!("00-{T}-{S}-01")),
        ("traceparent", &format!("00-{T}-{S}-01")),
    ]);
    assert!(!extract_parent(&incoming).span().span_context().is_valid());
}

#[test]
fn hostile_values_are_ignored_one_by_one() {
    setup();
    let mut incoming = HeaderMap::new();
    incoming.insert(
        "traceparent",
        HeaderValue::from_bytes(format!("00-{T}-{S}-01\u{e9}").as_bytes()).unwrap(),
    );
    incoming.insert("baggage", HeaderValue::from_static("user=alice"));
    incoming.insert(
        "uber-trace-id",
        HeaderValue::from_str(&format!("{T}:{S}:0:1{}", " ".repeat(600))).unwrap(),
    );
    let cx = extract_parent(&incoming);
    assert!(!cx.span().span_context().is_valid());
    assert_eq!(
        baggage_of(&cx).get("user").map(String::as_str),
        Some("alice")
    );

    let mut huge = HeaderMap::new();
    huge.insert(
        "baggage",
        HeaderValue::from_str(&format!("big={}", "v".repeat(9000))).unwrap(),
    );
    assert!(baggage_of(&extract_parent(&huge)).is_empty());

    // Repeated baggage headers are one list: an unreadable value among them (not visible
    // ASCII) is skipped like a malformed member, and the others are read.
    let mut mixed = headers(&[("baggage", "a=1")]);
    mixed.append("baggage", HeaderValue::from_bytes(b"b=\xff").unwrap());
    let read = baggage_of(&extract_parent(&mixed));
    assert_eq!(read.get("a").map(String::as_str), Some("1"));
    assert_eq!(read.get("b"), None);
}

#[test]
fn string_maps_ignore_key_case() {
    setup();
    let mut map = HashMap::new();
    map.insert("TraceParent".to_string(), format!("00-{T}-{S}-00"));
    map.insert("BAGGAGE".to_string(), "k=v".to_string());
    let cx = extract_map(&map);
    assert_eq!(cx.span().span_context().trace_id().to_string(), T);
    assert!(!cx.span().span_context().is_sampled());
    assert_eq!(baggage_of(&cx).get("k").map(String::as_str), Some("v"));

    let mut out = HashMap::new();
    inject_map(&cx, &mut out);
    assert_eq!(out["traceparent"], format!("00-{T}-{S}-00"));
    assert_eq!(out["baggage"], "k=v");
    assert_eq!(out["b3"], format!("{T}-{S}-0"));
    assert_eq!(out["uber-trace-id"], format!("{T}:{S}:0:00"));
}
