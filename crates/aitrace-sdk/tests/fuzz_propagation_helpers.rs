//! The paths by which outside headers reach the propagators in an application,
//! on hostile input: the composite propagator that `init()` installs from
//! `OTEL_PROPAGATORS` (any list of kinds, in any order, repeated), and
//! `aitrace::propagation::{extract_context, extract_parent, extract_map}` with it
//! installed globally, with headers repeated (which these helpers join or refuse).
//! A trace then started under the extracted parent records normally. Nothing
//! panics, and a context that comes out is either empty or valid and remote.
//!
//! `propagation_fuzz_no_panic.rs` covers each propagator on its own.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::{
    extract_context, extract_map, extract_parent, inject_map, HeaderExtractor,
};
use aitrace_sdk::config::PropagatorKind;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, TraceContextExt};
use opentelemetry::Context;
use proptest::prelude::*;
use std::collections::HashMap;
use std::sync::Once;

const NAMES: [&str; 12] = [
    "traceparent",
    "tracestate",
    "baggage",
    "b3",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-flags",
    "uber-trace-id",
    "uberctx-user",
    "x-other",
];

const KINDS: [PropagatorKind; 5] = [
    PropagatorKind::TraceContext,
    PropagatorKind::Baggage,
    PropagatorKind::B3,
    PropagatorKind::B3Multi,
    PropagatorKind::Jaeger,
];

fn check(cx: &Context) {
    let span = cx.span();
    let sc = span.span_context();
    if sc != &SpanContext::empty_context() {
        assert!(sc.is_valid() && sc.is_remote(), "{sc:?}");
    }
}

/// Every kind installed globally, once per test process, with an in-memory
/// pipeline so that spans started under extracted parents really record.
fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(&KINDS));
        aitrace_sdk::testing::install_in_memory();
    });
}

/// Pieces of real headers, glued in any order.
fn header_value() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_string()),
        Just("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:1".to_string()),
        Just("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90".to_string()),
        "[0-9a-f]{1,33}",
        Just("-".to_string()),
        Just(":".to_string()),
        Just(",".to_string()),
        Just(";".to_string()),
        Just("=".to_string()),
        Just("%".to_string()),
        Just("%3A".to_string()),
        "[01d]",
        "[ -~]{0,8}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|p| p.concat())
}

fn headers() -> impl Strategy<Value = Vec<(usize, String)>> {
    prop::collection::vec((0..NAMES.len(), header_value()), 0..12)
}

fn header_map(entries: &[(usize, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (i, v) in entries {
        if let Ok(v) = HeaderValue::from_str(v) {
            // `append`: a name given twice is sent twice.
            map.append(HeaderName::from_static(NAMES[*i]), v);
        }
    }
    map
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_list_of_propagators(kinds in prop::collection::vec(prop::sample::select(KINDS.to_vec()), 0..7), entries in headers()) {
        let composite = aitrace_sdk::propagator(&kinds);
        let map = header_map(&entries);
        let cx = composite.extract_with_context(&Context::new(), &HeaderExtractor(&map));
        check(&cx);
        let strings: HashMap<String, String> = entries.iter().map(|(i, v)| (NAMES[*i].to_string(), v.clone())).collect();
        let cx = composite.extract(&strings);
        check(&cx);
        let mut out = HashMap::new();
        composite.inject_context(&cx, &mut out);
    }

    #[test]
    fn global_helpers(entries in headers()) {
        install();
        let map = header_map(&entries);
        check(&extract_context(&map));
        let parent = extract_parent(&map);
        check(&parent);
        let strings: HashMap<String, String> = entries.iter().map(|(i, v)| (NAMES[*i].to_string(), v.clone())).collect();
        check(&extract_map(&strings));
        // A run under the extracted parent: it records, in the parent's trace when
        // there was one.
        let run = aitrace::trace("fuzzed parent").child_of(&parent).start();
        let remote = parent.span().span_context().clone();
        if remote.is_valid() {
            prop_assert_eq!(run.trace_id(), remote.trace_id());
        }
        let mut out = HashMap::new();
        inject_map(run.context(), &mut out);
        run.end();
    }
}
