//! The typed AI spans, and the guard they share.

pub(crate) mod agent;
pub(crate) mod custom;
pub(crate) mod embedding;
pub(crate) mod generation;
pub(crate) mod guardrail;
pub(crate) mod handoff;
pub(crate) mod mcp;
pub(crate) mod retrieval;
pub(crate) mod tool;
pub(crate) mod voice;
pub(crate) mod workflow;

use crate::attributes::{ai, gen_ai};
use crate::context::Scope;
use crate::hooks::{self, SpanInfo};
use crate::settings::{Dialects, Settings};
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState,
    Tracer, TracerProvider,
};
use opentelemetry::{global, Context, InstrumentationScope, Key, KeyValue, StringValue, Value};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// The instrumentation scope of every aitrace span.
pub(crate) fn scope() -> InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE
        .get_or_init(|| {
            InstrumentationScope::builder("aitrace")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build()
        })
        .clone()
}

/// Collects attributes for the enabled dialects.
pub(crate) struct Attrs<'a> {
    pub(crate) out: &'a mut Vec<KeyValue>,
    pub(crate) d: Dialects,
}

impl Attrs<'_> {
    #[inline]
    pub(crate) fn ai(&mut self, key: &'static str, v: impl Into<Value>) {
        self.out.push(KeyValue::new(Key::from_static_str(key), v));
    }
    #[inline]
    pub(crate) fn gen(&mut self, key: &'static str, v: impl Into<Value>) {
        if self.d.gen_ai {
            self.out.push(KeyValue::new(Key::from_static_str(key), v));
        }
    }
    #[inline]
    pub(crate) fn oi(&mut self, key: &'static str, v: impl Into<Value>) {
        if self.d.openinference {
            self.out.push(KeyValue::new(Key::from_static_str(key), v));
        }
    }
}

/// A string shared by several dialects without copying it for each.
pub(crate) fn shared(s: &str) -> StringValue {
    StringValue::from(Arc::<str>::from(s))
}

/// A list of strings as an attribute value.
pub(crate) fn string_array(items: &[Cow<'static, str>]) -> Value {
    Value::Array(opentelemetry::Array::String(
        items.iter().map(|s| StringValue::from(s.clone())).collect(),
    ))
}

/// What a typed builder hands to [`SpanCore::start`].
pub(crate) struct Start<'a> {
    pub(crate) span_type: &'static str,
    pub(crate) kind: SpanKind,
    pub(crate) name: Cow<'static, str>,
    pub(crate) parent: Option<&'a Context>,
    pub(crate) start_time: Option<SystemTime>,
}

/// The guard every typed span wraps: owns the context holding the OTel span and
/// ends it exactly once, on `end` or on drop.
#[derive(Debug)]
pub(crate) struct SpanCore {
    pub(crate) cx: Context,
    pub(crate) settings: Arc<Settings>,
    ended: bool,
    recording: bool,
    /// Present only when hooks are registered.
    info: Option<Box<SpanInfo>>,
}

impl SpanCore {
    /// Starts a span. `sampling` adds the attributes samplers may look at (passed at
    /// creation); `rest` adds the others, and runs only if the span is recording.
    pub(crate) fn start(
        s: Start<'_>,
        sampling: impl FnOnce(&mut Attrs<'_>),
        rest: impl FnOnce(&mut Attrs<'_>),
    ) -> SpanCore {
        let current;
        let parent = match s.parent {
            Some(p) => p,
            None => {
                current = Context::current();
                &current
            }
        };
        let sc = Scope::of(parent);
        if !crate::enabled::is_enabled() {
            return SpanCore::disabled(parent, sc.settings);
        }
        let d = sc.settings.dialects;
        let mut start_attrs = Vec::with_capacity(8);
        {
            let mut a = Attrs {
                out: &mut start_attrs,
                d,
            };
            a.ai(ai::SPAN_TYPE, s.span_type);
            sampling(&mut a);
        }
        let tracer = global::tracer_provider().tracer_with_scope(scope());
        let mut builder = tracer
            .span_builder(s.name.clone())
            .with_kind(s.kind)
            .with_attributes(start_attrs);
        if let Some(t) = s.start_time {
            builder = builder.with_start_time(t);
        }
        let span = tracer.build_with_context(builder, parent);
        let cx = parent.with_span(span);
        let recording = cx.span().is_recording();
        if recording {
            let mut more = Vec::with_capacity(16);
            more.extend(sc.inherited.iter().cloned());
            rest(&mut Attrs { out: &mut more, d });
            cx.span().set_attributes(more);
        }
        let info = (recording && hooks::active()).then(|| {
            let info = Box::new(SpanInfo {
                span_type: s.span_type,
                name: s.name,
                span_context: cx.span().span_context().clone(),
                parent_span_id: parent.span().span_context().span_id(),
                start_time: s.start_time.unwrap_or_else(SystemTime::now),
                end_time: None,
                error: None,
                model: None,
                usage: None,
                cost_usd: None,
            });
            hooks::each("on_span_start", |h| h.on_span_start(&info));
            info
        });
        SpanCore {
            cx,
            settings: sc.settings,
            ended: false,
            recording,
            info,
        }
    }

    /// A guard with valid ids that records nothing (tracing disabled).
    fn disabled(parent: &Context, settings: Arc<Settings>) -> SpanCore {
        let p = parent.span().span_context().clone();
        let trace_id = if p.is_valid() {
            p.trace_id()
        } else {
            TraceId::from_bytes(crate::enabled::random_u128().to_be_bytes())
        };
        let span_id = SpanId::from_bytes((crate::enabled::random_u128() as u64 | 1).to_be_bytes());
        let sc = SpanContext::new(
            trace_id,
            span_id,
            TraceFlags::default(),
            false,
            TraceState::default(),
        );
        SpanCore {
            cx: parent.with_remote_span_context(sc),
            settings,
            ended: false,
            recording: false,
            info: None,
        }
    }

    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.recording && !self.ended
    }

    /// Adds attributes built by `f`, only when the span records.
    pub(crate) fn record(&self, f: impl FnOnce(&mut Attrs<'_>)) {
        if !self.is_recording() {
            return;
        }
        let mut out = Vec::with_capacity(4);
        f(&mut Attrs {
            out: &mut out,
            d: self.settings.dialects,
        });
        self.cx.span().set_attributes(out);
    }

    /// Notes usage and cost for hooks (no-op without hooks).
    pub(crate) fn note_for_hooks(
        &mut self,
        model: Option<&str>,
        usage: Option<crate::Usage>,
        cost: Option<f64>,
    ) {
        if let Some(info) = self.info.as_mut() {
            info.model = model.map(str::to_string);
            info.usage = usage;
            info.cost_usd = cost;
        }
    }

    /// Marks the span failed: status Error, an `exception` event, and `error.type`.
    pub(crate) fn fail(&mut self, error_type: &str, message: &str) {
        if let Some(info) = self.info.as_mut() {
            info.error = Some(message.to_string());
        }
        if !self.is_recording() {
            return;
        }
        let span = self.cx.span();
        span.set_status(Status::error(message.to_string()));
        span.add_event(
            "exception",
            vec![
                KeyValue::new("exception.type", error_type.to_string()),
                KeyValue::new("exception.message", message.to_string()),
            ],
        );
        // error.type is a general convention, emitted with every dialect.
        span.set_attribute(KeyValue::new(gen_ai::ERROR_TYPE, error_type.to_string()));
    }

    /// Ends the span once; later calls do nothing.
    pub(crate) fn end_now(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        if let Some(mut info) = self.info.take() {
            info.end_time = Some(SystemTime::now());
            hooks::each("on_span_end", |h| h.on_span_end(&info));
        }
        if self.recording {
            self.cx.span().end();
        }
    }
}

impl Drop for SpanCore {
    fn drop(&mut self) {
        self.end_now();
    }
}

/// The short type name of `E`, for `error.type` and `exception.type`.
pub(crate) fn type_name_of<E: ?Sized>() -> &'static str {
    std::any::type_name::<E>()
}

/// Methods every typed span has. `$t` must have a `core: SpanCore` field and a
/// `fn finish(&mut self, dropped: bool)` run before the span ends.
macro_rules! span_common {
    ($t:ty) => {
        impl $t {
            /// The context holding this span: the parent to give children and the one to propagate.
            pub fn context(&self) -> &opentelemetry::Context {
                &self.core.cx
            }

            /// Ids and flags of this span.
            pub fn span_context(&self) -> opentelemetry::trace::SpanContext {
                use opentelemetry::trace::TraceContextExt;
                self.core.cx.span().span_context().clone()
            }

            /// The trace id (valid even when tracing is disabled).
            pub fn trace_id(&self) -> opentelemetry::trace::TraceId {
                self.span_context().trace_id()
            }

            /// The span id (valid even when tracing is disabled).
            pub fn span_id(&self) -> opentelemetry::trace::SpanId {
                self.span_context().span_id()
            }

            /// True when the span is sampled and not yet ended.
            pub fn is_recording(&self) -> bool {
                self.core.is_recording()
            }

            /// Adds one attribute of yours (ignored when not recording).
            pub fn set_attribute(&self, attribute: opentelemetry::KeyValue) {
                if self.core.is_recording() {
                    use opentelemetry::trace::TraceContextExt;
                    self.core.cx.span().set_attribute(attribute);
                }
            }

            /// Adds an event (ignored when not recording).
            pub fn add_event(
                &self,
                name: impl Into<std::borrow::Cow<'static, str>>,
                attributes: Vec<opentelemetry::KeyValue>,
            ) {
                if self.core.is_recording() {
                    use opentelemetry::trace::TraceContextExt;
                    self.core.cx.span().add_event(name, attributes);
                }
            }

            /// Records an error without ending the span: status Error, an `exception`
            /// event, and `error.type` set to the error's type name.
            pub fn record_error<E: std::error::Error + ?Sized>(&mut self, error: &E) {
                self.core
                    .fail($crate::span::type_name_of::<E>(), &error.to_string());
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
            /// guard across `.await`; use [`Self::instrument`] for futures.
            pub fn enter(&self) -> opentelemetry::ContextGuard {
                self.core.cx.clone().attach()
            }

            /// Runs `future` with this span current at every poll, so spans created in it
            /// (and in tasks spawned with [`crate::in_current_span`]) are its children.
            pub fn instrument<F: std::future::Future>(
                &self,
                future: F,
            ) -> opentelemetry::context::WithContext<F> {
                use opentelemetry::context::FutureExt;
                future.with_context(self.core.cx.clone())
            }

            /// Ends the span.
            pub fn end(mut self) {
                self.finish(false);
                self.core.end_now();
            }

            /// Ends the span as failed: status Error, an `exception` event, `error.type`.
            pub fn end_with_error<E: std::error::Error + ?Sized>(mut self, error: &E) {
                self.record_error(error);
                self.end();
            }
        }

        impl $t {
            fn core_ended(&self) -> bool {
                self.core.is_ended()
            }
        }

        impl Drop for $t {
            fn drop(&mut self) {
                if !self.core_ended() {
                    self.finish(true);
                    self.core.end_now();
                }
            }
        }
    };
}
pub(crate) use span_common;

impl SpanCore {
    pub(crate) fn is_ended(&self) -> bool {
        self.ended
    }
}

impl SpanCore {
    /// Records content under the attributes chosen by `put`, when capture is on and
    /// the span records; otherwise `content` is not even serialised.
    pub(crate) fn record_content<T: serde::Serialize + ?Sized>(
        &self,
        kind: crate::content::ContentKind,
        content: &T,
        put: impl FnOnce(&mut Attrs<'_>, StringValue),
    ) {
        if !self.is_recording() {
            return;
        }
        if let Some(text) = crate::content::for_span(&self.settings, kind, content) {
            self.record(|a| put(a, shared(&text)));
        }
    }
}
