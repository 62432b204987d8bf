//! Shared steps of the propagation round-trip tests.
#![allow(dead_code)]

use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::HeaderInjector;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

/// A context whose current span is `trace`/`span`, sampled or not.
pub fn context_of(trace: u128, span: u64, sampled: bool) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::NOT_SAMPLED
    };
    let sc = SpanContext::new(
        TraceId::from(trace),
        SpanId::from(span),
        flags,
        false,
        TraceState::NONE,
    );
    Context::new().with_remote_span_context(sc)
}

/// The headers `propagator` writes for `cx`.
pub fn inject_with(propagator: &dyn TextMapPropagator, cx: &Context) -> HeaderMap {
    let mut headers = HeaderMap::new();
    propagator.inject_context(cx, &mut HeaderInjector(&mut headers));
    headers
}
