//! Head samplers: the standard ones of `OTEL_TRACES_SAMPLER`.

use crate::config::SamplerConfig;
use crate::propagation::is_deferred;
use opentelemetry::trace::{Link, SpanKind, TraceId};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::{Sampler, SamplingResult, ShouldSample};

/// The head sampler for `config`: the SDK's sampler of that name, and for the parent-based
/// ones a remote parent that left the decision to this service (a B3 context without a
/// sampling state, see [`crate::propagation::is_deferred`]) is decided by the root
/// sampler, as a new trace would be. The SDK's parent-based sampler would read it as not
/// sampled and drop it.
pub fn head_sampler(config: SamplerConfig) -> HeadSampler {
    let (sampler, root) = match config {
        SamplerConfig::AlwaysOn => (Sampler::AlwaysOn, None),
        SamplerConfig::AlwaysOff => (Sampler::AlwaysOff, None),
        SamplerConfig::TraceIdRatio(r) => (Sampler::TraceIdRatioBased(r), None),
        SamplerConfig::ParentBasedAlwaysOn => parent_based(Sampler::AlwaysOn),
        SamplerConfig::ParentBasedAlwaysOff => parent_based(Sampler::AlwaysOff),
        SamplerConfig::ParentBasedTraceIdRatio(r) => parent_based(Sampler::TraceIdRatioBased(r)),
    };
    HeadSampler { sampler, root }
}

fn parent_based(root: Sampler) -> (Sampler, Option<Sampler>) {
    (Sampler::ParentBased(Box::new(root.clone())), Some(root))
}

/// A head sampler from [`head_sampler`].
#[derive(Clone, Debug)]
pub struct HeadSampler {
    sampler: Sampler,
    /// The root sampler of a parent-based one, for deferred remote parents.
    root: Option<Sampler>,
}

impl ShouldSample for HeadSampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let sampler = match (&self.root, parent_context) {
            (Some(root), Some(cx)) if is_deferred(cx) => root,
            _ => &self.sampler,
        };
        sampler.should_sample(parent_context, trace_id, name, span_kind, attributes, links)
    }
}
