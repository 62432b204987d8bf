//! A B3 request without a sampling state ("defer the decision to the receiver") is
//! decided by the local sampler, end to end: `aitrace_sdk` installed with
//! `parentbased_always_on` records the run the request starts, as the child of the
//! caller's span; with `parentbased_always_off` it records nothing. A denied request
//! (`-0`) is recorded by neither, an accepted one (`-1`) by both.
//!
//! The SDK's parent-based sampler alone would read the deferred context as an unsampled
//! remote parent and drop it.

use aitrace::propagation::extract_parent;
use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace_sdk::config::{PropagatorKind, SamplerConfig};
use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::Builder;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SimpleSpanProcessor;

const S: &str = "00f067aa0ba902b7";

/// Installs aitrace with `sampler` and `propagator`, serves one request carrying
/// `headers` (a run started from `extract_parent`) and returns the parent span id of
/// each span recorded in the request's trace.
fn serve(
    sampler: SamplerConfig,
    propagator: PropagatorKind,
    trace: &str,
    headers: &[(&str, String)],
) -> Vec<SpanId> {
    let exporter = InMemoryExporter::new();
    let guard = Builder::new()
        .with_exporters(vec![])
        .with_sampler(sampler)
        .with_propagators(vec![propagator])
        .with_span_processor(SimpleSpanProcessor::new(exporter.clone()))
        .install()
        .unwrap();
    let mut incoming = HeaderMap::new();
    for (k, v) in headers {
        incoming.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    let parent = extract_parent(&incoming);
    let run = aitrace::trace("handle request").child_of(&parent).start();
    assert_eq!(
        run.trace_id().to_string(),
        trace,
        "the caller's trace continues"
    );
    run.end();
    drop(guard);
    exporter
        .spans_of_trace(TraceId::from_hex(trace).unwrap())
        .iter()
        .map(|s| s.parent_span_id)
        .collect()
}

#[test]
fn the_local_sampler_decides_a_deferred_request() {
    use PropagatorKind::{B3Multi, B3};
    use SamplerConfig::{ParentBasedAlwaysOff as Off, ParentBasedAlwaysOn as On};
    let caller = SpanId::from_hex(S).unwrap();
    let single = |trace: &str, state: &str| vec![("b3", format!("{trace}-{S}{state}"))];
    let multi = |trace: &str, sampled: Option<&str>| {
        let mut h = vec![
            ("x-b3-traceid", trace.to_string()),
            ("x-b3-spanid", S.to_string()),
        ];
        if let Some(v) = sampled {
            h.push(("x-b3-sampled", v.to_string()));
        }
        h
    };
    // (name, sampler, propagator, trace id, headers, recorded)
    #[rustfmt::skip]
    let cases = vec![
        ("deferred, always on", On, B3, "4bf92f3577b34da6a3ce929d0e0e4701", single("4bf92f3577b34da6a3ce929d0e0e4701", ""), true),
        ("deferred, always off", Off, B3, "4bf92f3577b34da6a3ce929d0e0e4702", single("4bf92f3577b34da6a3ce929d0e0e4702", ""), false),
        ("denied, always on", On, B3, "4bf92f3577b34da6a3ce929d0e0e4703", single("4bf92f3577b34da6a3ce929d0e0e4703", "-0"), false),
        ("accepted, always off", Off, B3, "4bf92f3577b34da6a3ce929d0e0e4704", single("4bf92f3577b34da6a3ce929d0e0e4704", "-1"), true),
        ("multi deferred, always on", On, B3Multi, "4bf92f3577b34da6a3ce929d0e0e4705", multi("4bf92f3577b34da6a3ce929d0e0e4705", None), true),
        ("multi deferred, always off", Off, B3Multi, "4bf92f3577b34da6a3ce929d0e0e4706", multi("4bf92f3577b34da6a3ce929d0e0e4706", None), false),
        ("multi denied, always on", On, B3Multi, "4bf92f3577b34da6a3ce929d0e0e4707", multi("4bf92f3577b34da6a3ce929d0e0e4707", Some("0")), false),
    ];
    for (name, sampler, propagator, trace, headers, recorded) in cases {
        let parents = serve(sampler, propagator, trace, &headers);
        let want = if recorded { vec![caller] } else { vec![] };
        assert_eq!(parents, want, "{name}: {headers:?}");
    }
}
