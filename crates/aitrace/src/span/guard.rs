//! The one span guard, [`AiSpan`], and the one builder, [`SpanBuilder`], that
//! every kind of span shares: the methods every span has live here once, and a
//! kind ([`Kind`]) adds its own on `impl AiSpan<ThatKind>`.

use super::core::SpanCore;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceId};
use opentelemetry::{Context, ContextGuard, KeyValue};
use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::time::SystemTime;

/// A kind of AI span (workflow, agent, generation, tool, …): what its builder
/// collects, how its span starts, and what it writes before it ends. The kinds
/// are the types of [`crate::kind`]; the trait is sealed.
pub trait Kind: fmt::Debug + Send + Sync + Sized + sealed::Sealed {
    /// Starts the span of this kind (names and attributes) under `base`.
    #[doc(hidden)]
    fn start(&mut self, base: Base<'_>) -> SpanCore;

    /// Runs after the span started and before hooks hear of it (a workflow
    /// announces its trace first).
    #[doc(hidden)]
    fn started(&mut self, _core: &SpanCore) {}

    /// Runs once, just before the span ends: a kind writes what it collected
    /// (usage, cost, verdicts). `ending` says how the span ends.
    #[doc(hidden)]
    fn finish(&mut self, _core: &mut SpanCore, _ending: Ending) {}

    /// Runs once, just after the span ended and hooks heard of it (a workflow
    /// announces the end of its trace last).
    #[doc(hidden)]
    fn ended(&mut self, _core: &SpanCore) {}
}

pub(crate) mod sealed {
    /// Only aitrace's kinds are kinds.
    pub trait Sealed {}
}

/// Where and when a span starts, as its builder was told.
#[derive(Clone, Copy, Debug, Default)]
#[doc(hidden)]
pub struct Base<'a> {
    pub(crate) parent: Option<&'a Context>,
    pub(crate) start_time: Option<SystemTime>,
}

/// How a span ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub enum Ending {
    /// `end()` (or `end_with_error`) was called.
    Ended,
    /// The guard was dropped without `end()`: a cancelled future, an early
    /// return. The span is marked incomplete.
    Dropped,
    /// The guard was dropped while its thread unwound from a panic that started
    /// after the span did. The span ends in error.
    Panicked,
}

/// A running AI span of kind `K`: [`crate::AgentSpan`], [`crate::GenerationSpan`],
/// [`crate::ToolSpan`] and the others are `AiSpan`s of their kind.
///
/// It ends, exactly once, on [`AiSpan::end`] or [`AiSpan::end_with_error`]. A
/// guard dropped without `end()` still ends its span, marked incomplete
/// (`ai.incomplete`) — a cancelled future or an early return — or, when its thread
/// is unwinding from a panic, in error with the panic's message.
///
/// ```
/// let tool = aitrace::tool("search_kb").start();
/// tool.in_scope(|| { /* spans started here are its children */ });
/// tool.end();
/// ```
pub struct AiSpan<K: Kind> {
    pub(crate) core: SpanCore,
    pub(crate) kind: K,
}

impl<K: Kind> fmt::Debug for AiSpan<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AiSpan")
            .field("kind", &self.kind)
            .field("span_context", &self.span_context())
            .field("recording", &self.core.is_recording())
            .finish()
    }
}

/// Builds an [`AiSpan`] of kind `K`: [`crate::AgentBuilder`],
/// [`crate::GenerationBuilder`] and the others are `SpanBuilder`s of their kind.
/// `with_*` methods only store values; nothing is recorded until [`SpanBuilder::start`].
#[must_use = "a builder does nothing until .start()"]
pub struct SpanBuilder<'a, K: Kind> {
    pub(crate) base: Base<'a>,
    pub(crate) kind: K,
}

impl<K: Kind> fmt::Debug for SpanBuilder<'_, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanBuilder")
            .field("kind", &self.kind)
            .field("start_time", &self.base.start_time)
            .finish_non_exhaustive()
    }
}

impl<'a, K: Kind> SpanBuilder<'a, K> {
    pub(crate) fn of(kind: K) -> Self {
        SpanBuilder {
            base: Base::default(),
            kind,
        }
    }

    /// The parent of the span; the current context when not given.
    pub fn child_of(mut self, parent: &'a Context) -> Self {
        self.base.parent = Some(parent);
        self
    }

    /// An explicit start time.
    pub fn with_start_time(mut self, time: SystemTime) -> Self {
        self.base.start_time = Some(time);
        self
    }

    /// Starts the span.
    pub fn start(mut self) -> AiSpan<K> {
        let mut core = self.kind.start(self.base);
        self.kind.started(&core);
        core.announce_start();
        AiSpan {
            core,
            kind: self.kind,
        }
    }
}

impl<K: Kind> AiSpan<K> {
    /// The context holding this span: the parent to give children and the one to propagate.
    pub fn context(&self) -> &Context {
        &self.core.cx
    }

    /// Ids and flags of this span.
    pub fn span_context(&self) -> SpanContext {
        self.core.cx.span().span_context().clone()
    }

    /// The trace id (valid even when tracing is disabled).
    pub fn trace_id(&self) -> TraceId {
        self.span_context().trace_id()
    }

    /// The span id (valid even when tracing is disabled).
    pub fn span_id(&self) -> SpanId {
        self.span_context().span_id()
    }

    /// True when the span is sampled and not yet ended.
    pub fn is_recording(&self) -> bool {
        self.core.is_recording()
    }

    /// Adds one attribute of yours (ignored when not recording).
    ///
    /// The OpenTelemetry SDK keeps the first 128 attributes of a span and drops
    /// the rest, and aitrace writes some of its own when the span ends (usage,
    /// cost). So that yours can never push those out, a span keeps the first 40
    /// attributes of yours; later ones are dropped and counted in
    /// `ai.dropped_attributes`, set when the span ends. A string value longer
    /// than the content limit ([`Settings::max_content_bytes`](crate::Settings))
    /// is cut to it, and ends with `…[truncated N bytes]`.
    pub fn set_attribute(&self, attribute: KeyValue) {
        self.core.set_user_attribute(attribute);
    }

    /// Adds an event (ignored when not recording).
    pub fn add_event(&self, name: impl Into<Cow<'static, str>>, attributes: Vec<KeyValue>) {
        if self.core.is_recording() {
            self.core.cx.span().add_event(name, attributes);
        }
    }

    /// Records an error without ending the span: status Error, an `exception`
    /// event, and `error.type` set to the error's type name.
    pub fn record_error<E: std::error::Error + ?Sized>(&mut self, error: &E) {
        self.core
            .fail(super::attrs::type_name_of::<E>(), &error.to_string());
    }

    /// Records an error with an explicit `error.type` (for example an HTTP status
    /// or a provider's error code) without ending the span.
    pub fn record_error_type(&mut self, error_type: &str, message: &str) {
        self.core.fail(error_type, message);
    }

    /// Runs `f` with this span as the current span.
    pub fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        let _guard = self.core.cx.clone().attach();
        f()
    }

    /// Makes this span current until the returned guard drops. Do not hold the
    /// guard across `.await`; use [`AiSpan::wrap`] for futures.
    pub fn enter(&self) -> ContextGuard {
        self.core.cx.clone().attach()
    }

    /// Wraps `future` so that this span is current at every poll: spans created
    /// in it (and in tasks spawned with [`crate::in_current_span`]) are its
    /// children, and `tracing` spans too when the `tracing` bridge is on.
    ///
    /// (Named `wrap`, not `instrument`, so that it never collides with
    /// `tracing::Instrument::instrument`, which takes its receiver by value.)
    pub fn wrap<F: Future>(&self, future: F) -> opentelemetry::context::WithContext<F> {
        use opentelemetry::context::FutureExt;
        future.with_context(self.core.cx.clone())
    }

    /// Ends the span.
    pub fn end(mut self) {
        self.end_as(Ending::Ended);
    }

    /// Ends the span as failed: status Error, an `exception` event, `error.type`.
    pub fn end_with_error<E: std::error::Error + ?Sized>(mut self, error: &E) {
        self.record_error(error);
        self.end_as(Ending::Ended);
    }

    /// The one way a span ends: the kind writes what it collected, the span says
    /// how it ended, hooks hear of it, the OpenTelemetry span ends. Runs once.
    fn end_as(&mut self, ending: Ending) {
        if self.core.is_ended() {
            return;
        }
        self.core.stop_clock();
        if ending == Ending::Dropped {
            self.core.mark_incomplete();
        }
        self.kind.finish(&mut self.core, ending);
        self.core.note_dropped_user_attributes();
        self.core.end_now();
        self.kind.ended(&self.core);
    }
}

/// `error.type` of a span that ended because its thread panicked.
pub(crate) const PANIC: &str = "panic";

impl<K: Kind> Drop for AiSpan<K> {
    fn drop(&mut self) {
        if self.core.is_ended() {
            return;
        }
        // A panic that unwinds through the guard, or one that began while this
        // span was current and was caught before the guard was dropped (an
        // executor drops a panicked task's future after catching the panic).
        let panic = if self.core.panic_started_since() {
            Some(crate::panic_hook::message_of_current_panic())
        } else {
            crate::panic_hook::take_panic_of(self.span_id())
        };
        match panic {
            Some(message) => {
                self.core.fail(PANIC, &message);
                self.end_as(Ending::Panicked);
            }
            None => self.end_as(Ending::Dropped),
        }
    }
}
