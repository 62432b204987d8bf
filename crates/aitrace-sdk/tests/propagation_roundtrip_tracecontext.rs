//! W3C Trace Context: what aitrace's `TraceContextPropagator` injects, it extracts
//! unchanged, and it reads what the SDK's propagator writes.

use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::{HeaderExtractor, HeaderInjector};
use aitrace_sdk::propagation::TraceContextPropagator;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use std::str::FromStr;

fn context(sampled: bool, state: &str) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    let sc = SpanContext::new(
        TraceId::from(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736),
        SpanId::from(0x00f0_67aa_0ba9_02b7),
        flags,
        false,
        TraceState::from_str(state).unwrap(),
    );
    Context::new().with_remote_span_context(sc)
}

fn inject(p: &dyn TextMapPropagator, cx: &Context) -> HeaderMap {
    let mut headers = HeaderMap::new();
    p.inject_context(cx, &mut HeaderInjector(&mut headers));
    headers
}

#[test]
fn traceparent_and_tracestate_round_trip() {
    let sdk = opentelemetry_sdk::propagation::TraceContextPropagator::new();
    for (sampled, flags) in [(true, "01"), (false, "00")] {
        let cx = context(sampled, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
        for writer in [
            &TraceContextPropagator::new() as &dyn TextMapPropagator,
            &sdk,
        ] {
            let headers = inject(writer, &cx);
            assert_eq!(
                headers["traceparent"],
                format!("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-{flags}").as_str()
            );
            assert_eq!(
                headers["tracestate"],
                "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
            );

            let back = TraceContextPropagator::new().extract(&HeaderExtractor(&headers));
            let got = back.span().span_context().clone();
            let want = cx.span().span_context().clone();
            assert!(got.is_remote());
            assert_eq!(got.trace_id(), want.trace_id());
            assert_eq!(got.span_id(), want.span_id());
            assert_eq!(got.trace_flags(), want.trace_flags());
            assert_eq!(got.trace_state(), want.trace_state());
        }
    }
}

#[test]
fn nothing_is_injected_without_a_valid_span() {
    assert!(inject(&TraceContextPropagator::new(), &Context::new()).is_empty());
}

#[test]
fn fields_are_the_w3c_headers() {
    let propagator = TraceContextPropagator::new();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(fields, ["traceparent", "tracestate"]);
}
