//! Shared steps of the propagation tests: contexts and carriers for the round trips, and
//! what a propagator read, for comparing aitrace with the reference implementations
//! (which `support::reference` runs).

use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::HeaderInjector;
use aitrace_sdk::propagation::{
    B3Propagator, BaggagePropagator, JaegerPropagator, TraceContextPropagator,
};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use serde_json::Value;
use std::collections::BTreeMap;

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

/// The propagators the reference scripts run, by the names they answer under.
pub const NAMES: [&str; 5] = ["tracecontext", "baggage", "b3single", "b3multi", "jaeger"];

/// aitrace's propagator for each name of [`NAMES`].
pub fn ours(name: &str) -> Box<dyn TextMapPropagator> {
    match name {
        "tracecontext" => Box::new(TraceContextPropagator::new()),
        "baggage" => Box::new(BaggagePropagator::new()),
        "b3single" => Box::new(B3Propagator::single()),
        "b3multi" => Box::new(B3Propagator::multi()),
        "jaeger" => Box::new(JaegerPropagator::new()),
        other => panic!("no propagator {other}"),
    }
}

/// The span a propagator found: ids as lowercase hex (the JavaScript reference keeps the
/// case it was sent), sampled flag and `tracestate`.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub trace: String,
    pub span: String,
    pub sampled: bool,
    pub tracestate: String,
}

/// What a propagator found in a carrier.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub span: Option<Span>,
    pub baggage: BTreeMap<String, String>,
}

impl Found {
    /// Nothing at all.
    pub fn nothing() -> Found {
        Found {
            span: None,
            baggage: BTreeMap::new(),
        }
    }

    /// A span and no baggage.
    pub fn span(trace: &str, span: &str, sampled: bool) -> Found {
        Found {
            span: Some(Span {
                trace: trace.to_string(),
                span: span.to_string(),
                sampled,
                tracestate: String::new(),
            }),
            baggage: BTreeMap::new(),
        }
    }

    /// Baggage and no span.
    pub fn baggage(entries: &[(&str, &str)]) -> Found {
        Found::nothing().with_baggage(entries)
    }

    /// This, with `entries` as its baggage.
    pub fn with_baggage(mut self, entries: &[(&str, &str)]) -> Found {
        self.baggage = entries
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }

    /// This, with `tracestate` on its span.
    pub fn with_tracestate(mut self, tracestate: &str) -> Found {
        if let Some(span) = &mut self.span {
            span.tracestate = tracestate.to_string();
        }
        self
    }
}

/// What `cx` holds.
pub fn found_by_us(cx: &Context) -> Found {
    let span = cx.span();
    let sc = span.span_context();
    Found {
        span: sc.is_valid().then(|| Span {
            trace: sc.trace_id().to_string(),
            span: sc.span_id().to_string(),
            sampled: sc.is_sampled(),
            tracestate: sc.trace_state().header(),
        }),
        baggage: cx
            .baggage()
            .iter()
            .map(|(k, (v, _))| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// `id` (hex of either case) as lowercase hex of `width` digits.
fn lower_id(id: &str, width: usize) -> String {
    let n = u128::from_str_radix(id, 16).unwrap_or_else(|e| panic!("id {id:?}: {e}"));
    format!("{n:0width$x}")
}

/// What one reference propagator answered for one carrier.
pub fn found_by_them(v: &Value) -> Found {
    let span = v["valid"].as_bool().expect("valid").then(|| Span {
        trace: lower_id(v["trace_id"].as_str().expect("trace_id"), 32),
        span: lower_id(v["span_id"].as_str().expect("span_id"), 16),
        sampled: v["sampled"].as_bool().expect("sampled"),
        tracestate: v["tracestate"].as_str().unwrap_or_default().to_string(),
    });
    Found {
        span,
        baggage: strings(&v["baggage"]),
    }
}

/// A JSON object of strings as a map (empty when absent).
pub fn strings(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().expect("a string").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// A carrier that keeps names as they are written, as a string map that another
/// service filled does, and reads them without regard to ASCII case, as HTTP does.
/// Repeated names are kept in order.
#[derive(Clone, Debug, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl Pairs {
    /// The pairs of a JSON object of strings.
    pub fn of_json(v: &Value) -> Pairs {
        Pairs(strings(v).into_iter().collect())
    }
}

impl Injector for Pairs {
    fn set(&mut self, key: &str, value: String) {
        self.0.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        self.0.push((key.to_string(), value));
    }
}

impl Extractor for Pairs {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(k, _)| k.as_str()).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let all: Vec<&str> = self
            .0
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .collect();
        (!all.is_empty()).then_some(all)
    }
}
