//! How a span reaches the tracer provider: the [`Pipeline`] an SDK installed, or,
//! when none is, the global provider looked up for every span.
//!
//! An SDK that installs the global provider (aitrace's `Builder::install` does)
//! also installs a [`Pipeline`] here, and removes it when it shuts down. The span
//! API then reaches the provider's tracer directly, and asks the head sampler
//! first, before a span's name and attributes exist: a span the sampler drops
//! costs about what a child of a dropped span costs, whatever the sampler
//! (ratio-based ones included). Without one, every span looks the tracer up in
//! the global provider, which may be replaced at any time, and only children of
//! dropped spans of this process are decided early ([`GlobalProvider`]).
//!
//! While a pipeline is installed, aitrace's spans go to it even if something
//! replaces the global provider afterwards; they follow a replacement again once
//! the pipeline is removed.

use opentelemetry::trace::{
    SpanBuilder, SpanContext, SpanId, SpanKind, TraceContextExt, TraceId, Tracer, TracerProvider,
};
use opentelemetry::{global, Context, InstrumentationScope};
use std::fmt;
use std::sync::{Arc, OnceLock};

/// What a [`Pipeline`]'s head sampler decided for a span before it was built.
#[derive(Clone, Debug, PartialEq)]
pub enum Presampled {
    /// The span is dropped: it is this span context (valid ids, not sampled), and
    /// nothing else is built for it.
    Dropped(SpanContext),
    /// The span records. A root span must get `trace_id` (the one the decision
    /// was taken for): the span API passes it back to [`Pipeline::start`].
    Records {
        /// The trace id of a root span; `None` for a child (its parent's).
        trace_id: Option<TraceId>,
    },
    /// Only the built span will tell (the sampler needs the name and attributes).
    Unknown,
}

/// The tracer provider as the span API reaches it: a head-sampling decision
/// taken before a span is built, and the building itself.
///
/// Implemented by an SDK for the provider it installs; see the module
/// documentation. An implementation must agree with the provider: a span
/// [`Presampled::Dropped`] must be one the provider's sampler drops, and one
/// [`Presampled::Records`] one it records when built with that trace id.
pub trait Pipeline: Send + Sync + fmt::Debug {
    /// The head sampler's decision for a span of `kind` under `parent`.
    fn presample(&self, parent: &Context, kind: &SpanKind) -> Presampled;

    /// Builds and starts the span `builder` describes, under `parent`, with
    /// [`instrumentation_scope`] as its scope, and, for a root span, the trace id
    /// [`Pipeline::presample`] chose; returns `parent` with the span as its
    /// current span.
    fn start(&self, builder: SpanBuilder, parent: &Context, trace_id: Option<TraceId>) -> Context;
}

/// The instrumentation scope of every aitrace span: `aitrace` and the version of
/// this crate.
pub fn instrumentation_scope() -> &'static InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder("aitrace")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}

/// The pipeline used when no SDK installed one: the global tracer provider,
/// looked up for every span.
///
/// Its head decision is known early in one case only: a child of a span of this
/// process that was not recorded (its sampler dropped it) is not recorded either,
/// with every standard sampler (parent-based ones follow the parent, and a
/// trace-id ratio gives the same answer for the same trace). A custom sampler
/// that would record such a child never sees it; see `docs/performance.md`.
#[derive(Debug, Default)]
pub struct GlobalProvider;

impl Pipeline for GlobalProvider {
    fn presample(&self, parent: &Context, _kind: &SpanKind) -> Presampled {
        let p = parent.span();
        let psc = p.span_context();
        if psc.is_valid() && !psc.is_remote() && !psc.is_sampled() && !p.is_recording() {
            return Presampled::Dropped(SpanContext::new(
                psc.trace_id(),
                SpanId::from_bytes(crate::enabled::random_u64().to_be_bytes()),
                psc.trace_flags(),
                false,
                psc.trace_state().clone(),
            ));
        }
        Presampled::Unknown
    }

    fn start(&self, builder: SpanBuilder, parent: &Context, _trace_id: Option<TraceId>) -> Context {
        // The global provider may be replaced at any time and offers no way to
        // tell whether it was: looked up for every span, so that no span goes
        // to a provider that was replaced (about 550 instructions).
        let tracer = global::tracer_provider().tracer_with_scope(instrumentation_scope().clone());
        parent.with_span(tracer.build_with_context(builder, parent))
    }
}

/// Installs `pipeline` for the whole process (in the process-wide
/// [`crate::instrumentation::Instrumentation`]): spans started from now on go
/// through it.
pub fn set_global_pipeline(pipeline: Arc<dyn Pipeline>) {
    crate::instrumentation::update_global(|i| i.clone().with_pipeline(Some(pipeline)));
}

/// Removes `pipeline` if it is the one installed (an SDK shutting down calls
/// this; a pipeline installed since is left alone). Spans then look up the
/// global provider again.
pub fn remove_global_pipeline(pipeline: &Arc<dyn Pipeline>) {
    crate::instrumentation::update_global(|i| {
        let same = i
            .pipeline
            .as_ref()
            .is_some_and(|p| std::ptr::addr_eq(Arc::as_ptr(p), Arc::as_ptr(pipeline)));
        if same {
            i.clone().with_pipeline(None)
        } else {
            i.clone()
        }
    });
}
