//! B3 single header: what `B3Propagator::single()` injects, it extracts unchanged; a
//! deferred context goes on deferred.

mod support;
use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{is_debug, is_deferred, with_debug, B3Propagator};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

const TRACE: u128 = 0x80f1_98ee_5634_3ba8_64fe_8b2a_57d3_eff7;
const SPAN: u64 = 0xe457_b5a2_e4d8_6bd1;

fn context(trace: u128, span: u64, sampled: bool) -> Context {
    support::propagation::context_of(trace, span, sampled)
}

fn inject(cx: &Context) -> HeaderMap {
    support::propagation::inject_with(&B3Propagator::single(), cx)
}

#[test]
fn sampled_unsampled_and_debug_round_trip() {
    for (sampled, debug, state) in [(true, false, "1"), (false, false, "0"), (true, true, "d")] {
        let mut cx = context(TRACE, SPAN, sampled);
        if debug {
            cx = with_debug(&cx);
        }
        let headers = inject(&cx);
        assert_eq!(headers.len(), 1, "only the b3 header: {headers:?}");
        assert_eq!(
            headers["b3"],
            format!("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-{state}").as_str()
        );

        let back = B3Propagator::single().extract(&HeaderExtractor(&headers));
        let sc = back.span().span_context().clone();
        assert!(sc.is_remote());
        assert_eq!(sc.trace_id(), TraceId::from(TRACE));
        assert_eq!(sc.span_id(), SpanId::from(SPAN));
        assert_eq!(sc.is_sampled(), sampled);
        assert_eq!(is_debug(&back), debug);
    }
}

#[test]
fn a_64_bit_trace_id_comes_back_padded_to_128_bits() {
    let headers = inject(&context(0xa3ce_929d_0e0e_4736, SPAN, true));
    assert_eq!(
        headers["b3"],
        "0000000000000000a3ce929d0e0e4736-e457b5a2e4d86bd1-1"
    );
    let back = B3Propagator::multi().extract(&HeaderExtractor(&headers));
    assert_eq!(
        back.span().span_context().trace_id(),
        TraceId::from(0xa3ce_929d_0e0e_4736)
    );
}

#[test]
fn nothing_is_injected_without_a_valid_span() {
    assert!(inject(&Context::new()).is_empty());
}

#[test]
fn a_debug_mark_for_another_trace_is_not_injected() {
    let marked = with_debug(&context(TRACE, SPAN, true));
    // A new span of another trace under the same context keeps the value, not the meaning.
    let sc = SpanContext::new(
        TraceId::from(7),
        SpanId::from(8),
        TraceFlags::SAMPLED,
        false,
        TraceState::NONE,
    );
    let other = marked.with_remote_span_context(sc);
    assert_eq!(
        inject(&other)["b3"],
        "00000000000000000000000000000007-0000000000000008-1"
    );
}

#[test]
fn a_deferred_context_is_injected_again_without_a_sampling_state() {
    let mut incoming = HeaderMap::new();
    incoming.insert(
        "b3",
        "463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312"
            .parse()
            .unwrap(),
    );
    let cx = B3Propagator::single().extract(&HeaderExtractor(&incoming));
    assert!(is_deferred(&cx));
    assert_eq!(
        inject(&cx)["b3"],
        "463ac35c9f6413ad48485a3953bb6124-a2fb4a1d1a96d312"
    );
    // A span started under it has its own decision: only the received context defers.
    let child = SpanContext::new(
        cx.span().span_context().trace_id(),
        SpanId::from(9),
        TraceFlags::NOT_SAMPLED,
        false,
        TraceState::NONE,
    );
    let under = cx.with_remote_span_context(child);
    assert!(!is_deferred(&under));
    assert!(inject(&under)["b3"].to_str().unwrap().ends_with("-0"));
}

#[test]
fn fields_name_the_single_header() {
    let propagator = B3Propagator::single();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(fields, ["b3"]);
}
