//! The span pipeline aitrace's span API reaches directly (see `aitrace::pipeline`):
//! the provider's tracer, held once instead of looked up for every span, and its
//! head sampler asked before a span is built.
//!
//! [`crate::Builder::install`] installs one for the provider it installs, and the
//! guard removes it at shutdown. For a provider built by hand, give it
//! [`PipelineIds`] and one of aitrace's head samplers, then install a
//! [`SpanPipeline`] made of both:
//!
//! ```
//! use aitrace_sdk::config::SamplerConfig;
//! use aitrace_sdk::pipeline::{PipelineIds, SpanPipeline};
//! use aitrace_sdk::sampler::head_sampler;
//! use opentelemetry_sdk::trace::SdkTracerProvider;
//! use std::sync::Arc;
//!
//! let sampler = head_sampler(SamplerConfig::ParentBasedTraceIdRatio(0.1));
//! let provider = SdkTracerProvider::builder()
//!     .with_sampler(sampler.clone())
//!     .with_id_generator(PipelineIds::default())
//!     .build();
//! opentelemetry::global::set_tracer_provider(provider.clone());
//! let pipeline: Arc<dyn aitrace::pipeline::Pipeline> =
//!     Arc::new(SpanPipeline::for_head_sampler(&provider, sampler));
//! aitrace::pipeline::set_global_pipeline(pipeline.clone());
//!
//! aitrace::agent("triage").start().end();
//!
//! aitrace::pipeline::remove_global_pipeline(&pipeline);
//! ```

use crate::sampler::HeadSampler;
use opentelemetry::trace::{
    SpanBuilder, SpanContext, SpanId, SpanKind, TraceContextExt, TraceFlags, TraceId, Tracer,
    TracerProvider,
};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{
    IdGenerator, RandomIdGenerator, SamplingDecision, SdkTracer, SdkTracerProvider, ShouldSample,
};
use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use aitrace::pipeline::{instrumentation_scope, Pipeline, Presampled};

/// A provider's tracer and head sampler, for the span API.
pub struct SpanPipeline {
    tracer: SdkTracer,
    /// The provider's sampler (the same decisions): it decides from the parent,
    /// the trace id and the kind alone, never the name or the attributes.
    sampler: Arc<dyn ShouldSample>,
    ids: RandomIdGenerator,
}

impl fmt::Debug for SpanPipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanPipeline").finish_non_exhaustive()
    }
}

impl SpanPipeline {
    /// For `provider`, built with `sampler` (one of [`crate::sampler::head_sampler`])
    /// and [`PipelineIds`].
    ///
    /// Without [`PipelineIds`] on the provider, a root span the sampler was asked
    /// about gets another trace id when it is built, and a ratio sampler decides
    /// twice (keeping the square of its ratio).
    pub fn for_head_sampler(provider: &SdkTracerProvider, sampler: HeadSampler) -> Self {
        Self::new(provider, Arc::new(sampler))
    }

    /// `sampler` must decide as the provider's does, and from the parent, the
    /// trace id and the kind alone.
    pub(crate) fn new(provider: &SdkTracerProvider, sampler: Arc<dyn ShouldSample>) -> Self {
        SpanPipeline {
            tracer: provider.tracer_with_scope(instrumentation_scope().clone()),
            sampler,
            ids: RandomIdGenerator::default(),
        }
    }
}

impl Pipeline for SpanPipeline {
    fn presample(&self, parent: &Context, kind: &SpanKind) -> Presampled {
        // The SDK gives a suppressed context an invalid span: it decides.
        if parent.is_telemetry_suppressed() {
            return Presampled::Unknown;
        }
        let parent_span = parent.span();
        let psc = parent_span.span_context();
        let root = !psc.is_valid();
        let trace_id = if root {
            self.ids.new_trace_id()
        } else {
            psc.trace_id()
        };
        // The name and attributes do not exist yet; the sampler does not read them.
        let result = self
            .sampler
            .should_sample(Some(parent), trace_id, "", kind, &[], &[]);
        match result.decision {
            // As the SDK makes a dropped span's context.
            SamplingDecision::Drop => Presampled::Dropped(SpanContext::new(
                trace_id,
                self.ids.new_span_id(),
                TraceFlags::default(),
                false,
                result.trace_state,
            )),
            _ => Presampled::Records {
                trace_id: root.then_some(trace_id),
            },
        }
    }

    fn start(&self, builder: SpanBuilder, parent: &Context, trace_id: Option<TraceId>) -> Context {
        let span = match trace_id {
            Some(id) => {
                PRESET.set(Some(id));
                let span = self.tracer.build_with_context(builder, parent);
                // Not taken when the provider was shut down or the context suppressed.
                PRESET.set(None);
                span
            }
            None => self.tracer.build_with_context(builder, parent),
        };
        parent.with_span(span)
    }
}

thread_local! {
    /// The trace id [`SpanPipeline::presample`] decided a root span on, for the
    /// provider's [`PipelineIds`] to give it while it is built on this thread.
    static PRESET: Cell<Option<TraceId>> = const { Cell::new(None) };
}

/// The id generator of a provider that a [`SpanPipeline`] serves: random ids (the
/// SDK's [`RandomIdGenerator`]), except that a root span built through the
/// pipeline gets the trace id its head decision was taken on (the same decision
/// again, for a trace-id ratio sampler).
#[derive(Debug, Default)]
pub struct PipelineIds {
    random: RandomIdGenerator,
}

impl IdGenerator for PipelineIds {
    fn new_trace_id(&self) -> TraceId {
        PRESET.take().unwrap_or_else(|| self.random.new_trace_id())
    }

    fn new_span_id(&self) -> SpanId {
        self.random.new_span_id()
    }
}
