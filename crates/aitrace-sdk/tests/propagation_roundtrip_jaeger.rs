//! Jaeger: what `JaegerPropagator` injects (`uber-trace-id`, `uberctx-*`), it extracts
//! unchanged.

mod support;
use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{is_debug, with_debug, JaegerPropagator};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue};

const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;
const SPAN: u64 = 0x00f0_67aa_0ba9_02b7;

fn context(sampled: bool) -> Context {
    support::propagation::context_of(TRACE, SPAN, sampled)
}

fn inject(cx: &Context) -> HeaderMap {
    support::propagation::inject_with(&JaegerPropagator::new(), cx)
}

#[test]
fn trace_header_round_trips_with_its_flags() {
    for (sampled, debug, flags) in [
        (true, false, "01"),
        (false, false, "00"),
        (true, true, "03"),
    ] {
        let mut cx = context(sampled);
        if debug {
            cx = with_debug(&cx);
        }
        let headers = inject(&cx);
        assert_eq!(
            headers["uber-trace-id"],
            format!("4bf92f3577b34da6a3ce929d0e0e4736:00f067aa0ba902b7:0:{flags}").as_str()
        );
        let back = JaegerPropagator::new().extract(&HeaderExtractor(&headers));
        let sc = back.span().span_context().clone();
        assert!(sc.is_remote());
        assert_eq!(
            (sc.trace_id(), sc.span_id()),
            (TraceId::from(TRACE), SpanId::from(SPAN))
        );
        assert_eq!(sc.is_sampled(), sampled);
        assert_eq!(is_debug(&back), debug);
    }
}

#[test]
fn an_unsampled_trace_is_never_sent_as_debug() {
    // The format: the debug flag "should only be set when the sampled flag is set".
    let headers = inject(&with_debug(&context(false)));
    assert!(headers["uber-trace-id"]
        .to_str()
        .unwrap()
        .ends_with(":0:00"));
}

#[test]
fn baggage_round_trips_url_encoded() {
    let cx = context(true).with_baggage([
        KeyValue::new("user", "alice"),
        KeyValue::new("note", "value 1 / blah, ü=;%+"),
    ]);
    let headers = inject(&cx);
    assert_eq!(headers["uberctx-user"], "alice");
    assert_eq!(
        headers["uberctx-note"],
        "value%201%20%2F%20blah%2C%20%C3%BC%3D%3B%25%2B"
    );

    let back = JaegerPropagator::new().extract(&HeaderExtractor(&headers));
    assert_eq!(back.baggage().len(), 2);
    assert_eq!(
        back.baggage().get("user").map(|v| v.as_str()),
        Some("alice")
    );
    assert_eq!(
        back.baggage().get("note").map(|v| v.as_str()),
        Some("value 1 / blah, ü=;%+")
    );
}

#[test]
fn baggage_without_a_span_is_still_carried() {
    let cx = Context::new().with_baggage([KeyValue::new("tenant", "acme")]);
    let headers = inject(&cx);
    assert!(headers.get("uber-trace-id").is_none());
    assert_eq!(headers["uberctx-tenant"], "acme");
}

#[test]
fn nothing_is_injected_from_an_empty_context() {
    assert!(inject(&Context::new()).is_empty());
}

#[test]
fn fields_name_the_trace_header_only() {
    let propagator = JaegerPropagator::new();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(fields, ["uber-trace-id"]);
}
