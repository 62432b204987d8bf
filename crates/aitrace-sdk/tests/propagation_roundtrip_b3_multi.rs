//! B3 multiple headers: what `B3Propagator::multi()` injects, it extracts unchanged; the
//! parent span id is never injected; a deferred context goes on deferred.

mod support;
use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::HeaderExtractor;
use aitrace_sdk::propagation::{is_debug, is_deferred, with_debug, B3Propagator};
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use opentelemetry::Context;

const TRACE: u128 = 0x463a_c35c_9f64_13ad_4848_5a39_53bb_6124;
const SPAN: u64 = 0xa2fb_4a1d_1a96_d312;

fn context(sampled: bool) -> Context {
    support::propagation::context_of(TRACE, SPAN, sampled)
}

fn inject(cx: &Context) -> HeaderMap {
    support::propagation::inject_with(&B3Propagator::multi(), cx)
}

fn names(headers: &HeaderMap) -> Vec<&str> {
    let mut names: Vec<&str> = headers.keys().map(|k| k.as_str()).collect();
    names.sort_unstable();
    names
}

#[test]
fn sampled_and_unsampled_round_trip() {
    for sampled in [true, false] {
        let headers = inject(&context(sampled));
        assert_eq!(
            names(&headers),
            ["x-b3-sampled", "x-b3-spanid", "x-b3-traceid"]
        );
        assert_eq!(headers["x-b3-traceid"], "463ac35c9f6413ad48485a3953bb6124");
        assert_eq!(headers["x-b3-spanid"], "a2fb4a1d1a96d312");
        assert_eq!(headers["x-b3-sampled"], if sampled { "1" } else { "0" });

        let back = B3Propagator::multi().extract(&HeaderExtractor(&headers));
        let sc = back.span().span_context().clone();
        assert!(sc.is_remote());
        assert_eq!(
            (sc.trace_id(), sc.span_id()),
            (TraceId::from(TRACE), SpanId::from(SPAN))
        );
        assert_eq!(sc.is_sampled(), sampled);
        assert!(!is_debug(&back));
    }
}

#[test]
fn debug_is_sent_as_flags_without_sampled() {
    let headers = inject(&with_debug(&context(true)));
    // "Debug implies an accept decision, so don't also send the X-B3-Sampled header."
    assert_eq!(
        names(&headers),
        ["x-b3-flags", "x-b3-spanid", "x-b3-traceid"]
    );
    assert_eq!(headers["x-b3-flags"], "1");
    let back = B3Propagator::single().extract(&HeaderExtractor(&headers));
    assert!(back.span().span_context().is_sampled());
    assert!(is_debug(&back));
}

#[test]
fn nothing_is_injected_without_a_valid_span() {
    assert!(inject(&Context::new()).is_empty());
}

#[test]
fn fields_name_the_injected_headers() {
    let propagator = B3Propagator::multi();
    let fields: Vec<&str> = propagator.fields().collect();
    assert_eq!(
        fields,
        ["x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-flags"]
    );
}

#[test]
fn a_deferred_context_is_injected_again_without_x_b3_sampled() {
    let mut incoming = HeaderMap::new();
    incoming.insert(
        "x-b3-traceid",
        "463ac35c9f6413ad48485a3953bb6124".parse().unwrap(),
    );
    incoming.insert("x-b3-spanid", "a2fb4a1d1a96d312".parse().unwrap());
    let cx = B3Propagator::multi().extract(&HeaderExtractor(&incoming));
    assert!(is_deferred(&cx));
    let headers = inject(&cx);
    assert_eq!(names(&headers), ["x-b3-spanid", "x-b3-traceid"]);
    let back = B3Propagator::multi().extract(&HeaderExtractor(&headers));
    assert!(is_deferred(&back));
}
