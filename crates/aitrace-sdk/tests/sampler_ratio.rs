//! The ratio sampler keeps the configured share of traces, within a tolerance,
//! and parent-based sampling follows a remote parent's decision, or decides as for a
//! root when the parent deferred it (B3 without a sampling state).

use aitrace_sdk::config::SamplerConfig;
use aitrace_sdk::keep_rules::KeepRuleSampler;
use aitrace_sdk::propagation::{is_deferred, B3Propagator};
use aitrace_sdk::sampler::head_sampler;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId, TraceState,
};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{SamplingDecision, ShouldSample};

/// Deterministic, well-spread trace ids (splitmix64).
fn ids(n: usize) -> impl Iterator<Item = TraceId> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n).map(move |_| {
        let mut next = || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        TraceId::from_bytes((((next() as u128) << 64) | next() as u128).to_be_bytes())
    })
}

fn share(sampler: &dyn ShouldSample, parent: Option<&Context>, n: usize) -> f64 {
    let kept = ids(n)
        .filter(|id| {
            sampler
                .should_sample(parent, *id, "s", &SpanKind::Internal, &[], &[])
                .decision
                == SamplingDecision::RecordAndSample
        })
        .count();
    kept as f64 / n as f64
}

#[test]
fn ratio_accuracy_within_one_percent() {
    for ratio in [0.01, 0.1, 0.25, 0.5, 0.9] {
        let s = head_sampler(SamplerConfig::TraceIdRatio(ratio));
        let got = share(&s, None, 100_000);
        assert!((got - ratio).abs() < 0.01, "ratio {ratio}: kept {got}");
        let pb = head_sampler(SamplerConfig::ParentBasedTraceIdRatio(ratio));
        let got = share(&pb, None, 100_000);
        assert!(
            (got - ratio).abs() < 0.01,
            "parent-based root ratio {ratio}: kept {got}"
        );
    }
}

fn remote(sampled: bool) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let sc = SpanContext::new(
        TraceId::from(7u128),
        SpanId::from(9u64),
        flags,
        true,
        TraceState::default(),
    );
    Context::new().with_remote_span_context(sc)
}

#[test]
fn parent_based_follows_the_remote_parent_even_with_keep_rules() {
    for config in [
        SamplerConfig::ParentBasedTraceIdRatio(0.0),
        SamplerConfig::ParentBasedAlwaysOff,
    ] {
        let s = KeepRuleSampler::new(head_sampler(config));
        assert_eq!(
            share(&s, Some(&remote(true)), 1000),
            1.0,
            "{config:?}: sampled parent → sampled"
        );
        let d = s.should_sample(
            Some(&remote(false)),
            TraceId::from(7u128),
            "s",
            &SpanKind::Server,
            &[],
            &[],
        );
        assert_eq!(
            d.decision,
            SamplingDecision::Drop,
            "{config:?}: unsampled remote parent is honoured"
        );
        let root = s.should_sample(None, TraceId::from(7u128), "s", &SpanKind::Server, &[], &[]);
        assert_eq!(
            root.decision,
            SamplingDecision::RecordOnly,
            "{config:?}: local roots are held for the rules"
        );
    }
}

/// A remote parent extracted from a B3 header without a sampling state.
fn deferred() -> Context {
    let headers = std::collections::HashMap::from([(
        "b3".to_string(),
        "00000000000000000000000000000007-0000000000000009".to_string(),
    )]);
    let cx = B3Propagator::single().extract(&headers);
    assert!(is_deferred(&cx));
    cx
}

#[test]
fn a_deferred_remote_parent_is_decided_as_a_root() {
    let decide = |s: &dyn ShouldSample| {
        s.should_sample(
            Some(&deferred()),
            TraceId::from(7u128),
            "s",
            &SpanKind::Server,
            &[],
            &[],
        )
        .decision
    };
    let on = head_sampler(SamplerConfig::ParentBasedAlwaysOn);
    assert_eq!(decide(&on), SamplingDecision::RecordAndSample);
    let off = head_sampler(SamplerConfig::ParentBasedAlwaysOff);
    assert_eq!(decide(&off), SamplingDecision::Drop);
    // The ratio decides as for a new trace: about half of the deferred requests.
    let half = head_sampler(SamplerConfig::ParentBasedTraceIdRatio(0.5));
    let got = share(&half, Some(&deferred()), 100_000);
    assert!((got - 0.5).abs() < 0.01, "kept {got}");
    // With keep rules, a dropped deferred trace is held for the rules, as a root is.
    let held = KeepRuleSampler::new(head_sampler(SamplerConfig::ParentBasedAlwaysOff));
    assert_eq!(decide(&held), SamplingDecision::RecordOnly);
}
