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

use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::context::Scope;
use crate::hooks::{self, SpanInfo};
use crate::settings::global_settings;
use crate::settings::{Dialects, Settings};
use opentelemetry::trace::{
    Span as _, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId,
    TraceState, Tracer, TracerProvider,
};
use opentelemetry::{global, Context, InstrumentationScope, Key, KeyValue, StringValue, Value};
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

/// The instrumentation scope of every aitrace span.
fn scope_ref() -> &'static InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder("aitrace")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
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
    /// A name of the general conventions that OpenInference shares (`user.id`,
    /// `session.id`): once, when either dialect is on.
    #[inline]
    pub(crate) fn shared_name(&mut self, key: &'static str, v: impl Into<Value>) {
        if self.d.gen_ai || self.d.openinference {
            self.out.push(KeyValue::new(Key::from_static_str(key), v));
        }
    }
    /// A name every AI backend reads (the span kind, a step's input and output),
    /// emitted whatever the dialects; see [`crate::attributes::openinference`].
    #[inline]
    pub(crate) fn interop(&mut self, key: &'static str, v: impl Into<Value>) {
        self.out.push(KeyValue::new(Key::from_static_str(key), v));
    }

    /// The cost attributes of a model call, in every enabled dialect: the one
    /// place their names are chosen (also for spans made by other
    /// instrumentation, through [`crate::Cost::attributes`]). `completion` adds
    /// the completion side where a dialect has one (not for embeddings).
    pub(crate) fn cost(&mut self, c: &crate::Cost, completion: bool) {
        use crate::attributes::openinference as oi;
        self.ai(ai::COST_USD, c.total_usd());
        self.ai(ai::COST_MICROCENTS, c.total_microcents());
        self.gen(gen_ai::USAGE_COST, c.total_usd());
        self.oi(oi::LLM_COST_TOTAL, c.total_usd());
        self.oi(oi::LLM_COST_PROMPT, c.input_usd);
        if completion {
            self.oi(oi::LLM_COST_COMPLETION, c.output_usd);
        }
    }
}

/// A string shared by several dialects without copying it for each.
pub(crate) fn shared(s: &str) -> StringValue {
    StringValue::from(Arc::<str>::from(s))
}

/// Like [`shared`], but a `'static` string is used as it is, without allocating.
// The variant matters (borrowed strings are not copied), so `&Cow`, not `&str`.
#[allow(clippy::ptr_arg)]
#[inline]
pub(crate) fn shared_cow(s: &Cow<'static, str>) -> StringValue {
    match s {
        Cow::Borrowed(s) => StringValue::from(*s),
        Cow::Owned(s) => shared(s),
    }
}

/// A string value made on first use, then shared by every attribute that
/// carries it (see [`shared_cow`]): the sampling attributes and, only if the span
/// records, the others.
pub(crate) struct SharedStr<'a> {
    src: &'a Cow<'static, str>,
    value: std::cell::OnceCell<StringValue>,
}

impl<'a> SharedStr<'a> {
    #[allow(clippy::ptr_arg)]
    pub(crate) fn new(src: &'a Cow<'static, str>) -> Self {
        SharedStr {
            src,
            value: std::cell::OnceCell::new(),
        }
    }

    /// The value (a cheap copy after the first call).
    pub(crate) fn get(&self) -> StringValue {
        self.value.get_or_init(|| shared_cow(self.src)).clone()
    }
}

/// A span name made of `first`, a space and `second` (`chat gpt-4o`), in one
/// allocation of the exact size.
pub(crate) fn span_name(first: &str, second: &str) -> Cow<'static, str> {
    let mut name = String::with_capacity(first.len() + 1 + second.len());
    name.push_str(first);
    name.push(' ');
    name.push_str(second);
    Cow::Owned(name)
}

/// A list of strings as an attribute value.
pub(crate) fn string_array(items: &[Cow<'static, str>]) -> Value {
    Value::Array(opentelemetry::Array::String(
        items.iter().map(|s| StringValue::from(s.clone())).collect(),
    ))
}

/// The cost of `usage` on `model`, as `prices.cost(model, usage)`.
///
/// Resolving a dated snapshot name (`gpt-4o-2024-08-06`, as providers report the
/// model that answered) to its base name scans the whole table. Each thread
/// remembers its last few resolutions, so a generation span usually pays a string
/// comparison instead. An entry belongs to one table (compared by address; the
/// `Weak` keeps the address from being reused while the entry exists).
pub(crate) fn cost_of(
    prices: &Arc<crate::PriceTable>,
    model: &str,
    usage: &crate::Usage,
) -> Option<crate::Cost> {
    use std::cell::RefCell;
    use std::sync::Weak;
    type Entry = (Weak<crate::PriceTable>, Box<str>, Option<crate::ModelPrice>);
    const ENTRIES: usize = 8;
    thread_local! {
        static RESOLVED: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
    }
    let table = Arc::as_ptr(prices);
    let hit = RESOLVED.try_with(|r| {
        r.borrow()
            .iter()
            .find(|(t, m, _)| t.as_ptr() == table && &**m == model)
            .map(|(_, _, price)| price.as_ref().map(|p| p.cost(usage)))
    });
    match hit {
        Ok(Some(cost)) => cost,
        Ok(None) => {
            let price = prices.get(model).cloned();
            let cost = price.as_ref().map(|p| p.cost(usage));
            let _ = RESOLVED.try_with(|r| {
                let mut r = r.borrow_mut();
                if r.len() == ENTRIES {
                    r.remove(0);
                }
                r.push((Arc::downgrade(prices), model.into(), price));
            });
            cost
        }
        // Thread locals are gone (the thread is exiting): no memory.
        Err(_) => prices.cost(model, usage),
    }
}

/// Whether spans of `span_type` are model calls that record usage and cost.
fn is_model_call(span_type: &str) -> bool {
    use ai::span_type as t;
    matches!(
        span_type,
        t::GENERATION | t::EMBEDDING | t::TRANSCRIPTION | t::SPEECH
    )
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
    /// Attributes of the user's set so far (see [`SpanCore::set_user_attribute`]).
    user_attributes: UserAttributes,
}

impl SpanCore {
    /// Starts a span. `sampling` adds the attributes samplers may look at (passed at
    /// creation); `rest` adds the others, and runs only if the span is recording.
    ///
    /// This is the hot path of every span; what it costs and why is measured by
    /// `benches/spans.rs` and explained in `docs/performance.md`. In short: nothing
    /// that only a recording span needs (the other attributes, the inherited ones,
    /// hook data) is built before the sampler has said that the span records.
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
        // The trace's scope, borrowed: its inherited attributes are copied only
        // onto spans that record.
        let scope = parent.get::<Scope>();
        let settings = match scope {
            Some(sc) => sc.settings.clone(),
            None => global_settings(),
        };
        if !crate::enabled::is_enabled() {
            return SpanCore::disabled(parent, settings);
        }
        // A child of a span of this process that was not recorded (its sampler
        // dropped it) is not recorded either, with every standard sampler:
        // parent-based ones follow the parent, and a trace-id ratio gives the same
        // answer for the same trace. Its context is made here, without asking the
        // provider: no tracer lookup, no attributes, no boxed span. (A custom
        // sampler that would record such a child never sees it; see
        // docs/performance.md.)
        {
            let p = parent.span();
            let psc = p.span_context();
            if psc.is_valid() && !psc.is_remote() && !psc.is_sampled() && !p.is_recording() {
                let sc = SpanContext::new(
                    psc.trace_id(),
                    SpanId::from_bytes(crate::enabled::random_u64().to_be_bytes()),
                    psc.trace_flags(),
                    false,
                    psc.trace_state().clone(),
                );
                return SpanCore::unrecorded(parent.with_remote_span_context(sc), settings);
            }
        }
        let d = settings.dialects;
        // Room for what a span usually ends with, inherited attributes included:
        // the SDK keeps this vector as the span's attribute list, and growing it
        // later (past 8, which the kind marker made common) costs a reallocation and
        // a copy, about 500 instructions. The size of one allocation changes nothing
        // for an unsampled span.
        let mut start_attrs = Vec::with_capacity(16);
        {
            let mut a = Attrs {
                out: &mut start_attrs,
                d,
            };
            a.ai(ai::SPAN_TYPE, s.span_type);
            sampling(&mut a);
        }
        // A custom span whose user gave a kind of theirs keeps it (only custom
        // spans take user attributes at start, so only they pay for the look).
        let kind_given = s.span_type == ai::span_type::CUSTOM
            && start_attrs
                .iter()
                .any(|kv| kv.key.as_str() == oi::SPAN_KIND);
        // Hooks need the name after the span is built; copy it only for them.
        let hook_name = hooks::active().then(|| s.name.clone());
        // The global provider may be replaced at any time (tests and applications
        // call `global::set_tracer_provider` more than once), and it offers no way
        // to tell whether it changed: the tracer is looked up for every span so
        // that no span goes to a provider that was replaced. See docs/performance.md.
        let tracer = global::tracer_provider().tracer_with_scope(scope_ref().clone());
        let mut builder = tracer
            .span_builder(s.name)
            .with_kind(s.kind)
            .with_attributes(start_attrs);
        if let Some(t) = s.start_time {
            builder = builder.with_start_time(t);
        }
        let mut span = tracer.build_with_context(builder, parent);
        let recording = span.is_recording();
        if recording {
            // Set on the span before it goes into the context: one call through
            // the boxed span instead of one through the context's lock per attribute.
            let inherited = scope.map_or(&[][..], |sc| &sc.inherited[..]);
            let mut more = Vec::with_capacity(16 + inherited.len());
            more.extend(inherited.iter().cloned());
            let mut a = Attrs { out: &mut more, d };
            if !kind_given {
                // The kind marker backends classify the span by: one static
                // attribute on recording spans (its cost is in docs/performance.md).
                a.interop(oi::SPAN_KIND, oi::kind_of(s.span_type));
            }
            rest(&mut a);
            span.set_attributes(more);
        }
        let mut cx = parent.with_span(span);
        if recording && is_model_call(s.span_type) {
            // Only recording model calls pay for the marker (one context entry).
            cx = cx.with_value(crate::context::ModelCall(
                cx.span().span_context().span_id(),
            ));
        }
        let info = hook_name.filter(|_| recording).map(|name| {
            let info = Box::new(SpanInfo {
                span_type: s.span_type,
                name,
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
            settings,
            ended: false,
            recording,
            info,
            user_attributes: UserAttributes::default(),
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
        let span_id = SpanId::from_bytes(crate::enabled::random_u64().to_be_bytes());
        let sc = SpanContext::new(
            trace_id,
            span_id,
            TraceFlags::default(),
            false,
            TraceState::default(),
        );
        SpanCore::unrecorded(parent.with_remote_span_context(sc), settings)
    }

    /// A guard for a span that records nothing, in context `cx`.
    fn unrecorded(cx: Context, settings: Arc<Settings>) -> SpanCore {
        SpanCore {
            cx,
            settings,
            ended: false,
            recording: false,
            info: None,
            user_attributes: UserAttributes::default(),
        }
    }

    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.recording && !self.ended
    }

    /// Adds attributes built by `f`, only when the span records.
    pub(crate) fn record(&self, f: impl FnOnce(&mut Attrs<'_>)) {
        self.record_sized(4, f)
    }

    /// Like [`SpanCore::record`], with room for `capacity` attributes up front.
    pub(crate) fn record_sized(&self, capacity: usize, f: impl FnOnce(&mut Attrs<'_>)) {
        if !self.is_recording() {
            return;
        }
        let mut out = Vec::with_capacity(capacity);
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

/// The full type name of `E` (`my_crate::tools::ToolError`), for `error.type` and
/// `exception.type`, as the conventions ask for a fully qualified exception type.
pub(crate) fn type_name_of<E: ?Sized>() -> &'static str {
    std::any::type_name::<E>()
}

/// Methods every typed builder has: `child_of` and `with_start_time`. `$t` must
/// have `parent: Option<&'a Context>` and `start_time: Option<SystemTime>` fields.
macro_rules! builder_common {
    ($t:ident) => {
        impl<'a> $t<'a> {
            /// The parent of the span; the current context when not given.
            pub fn child_of(mut self, parent: &'a opentelemetry::Context) -> Self {
                self.parent = Some(parent);
                self
            }

            /// An explicit start time.
            pub fn with_start_time(mut self, time: std::time::SystemTime) -> Self {
                self.start_time = Some(time);
                self
            }
        }
    };
}
pub(crate) use builder_common;

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
            ///
            /// The OpenTelemetry SDK keeps the first 128 attributes of a span and
            /// drops the rest, and aitrace writes some of its own when the span ends
            /// (usage, cost). So that yours can never push those out, a span keeps
            /// the first 40 attributes of yours; later ones are dropped and counted
            /// in `ai.dropped_attributes`, set when the span ends. A string value
            /// longer than the content limit
            /// ([`Settings::max_content_bytes`](crate::Settings)) is cut to it, and
            /// ends with `…[truncated N bytes]`.
            pub fn set_attribute(&self, attribute: opentelemetry::KeyValue) {
                self.core.set_user_attribute(attribute);
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
            /// guard across `.await`; use [`Self::wrap`] for futures.
            pub fn enter(&self) -> opentelemetry::ContextGuard {
                self.core.cx.clone().attach()
            }

            /// Wraps `future` so that this span is current at every poll: spans created
            /// in it (and in tasks spawned with [`crate::in_current_span`]) are its
            /// children, and `tracing` spans too when the `tracing` bridge is on.
            ///
            /// (Named `wrap`, not `instrument`, so that it never collides with
            /// `tracing::Instrument::instrument`, which takes its receiver by value.)
            pub fn wrap<F: std::future::Future>(
                &self,
                future: F,
            ) -> opentelemetry::context::WithContext<F> {
                use opentelemetry::context::FutureExt;
                future.with_context(self.core.cx.clone())
            }

            /// Ends the span.
            pub fn end(mut self) {
                self.finish(false);
                self.core.note_dropped_user_attributes();
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
                    self.core.note_dropped_user_attributes();
                    self.core.end_now();
                }
            }
        }
    };
}
pub(crate) use span_common;

/// Attributes of the user's a span keeps. With every dialect and content capture
/// on, a model call carries about 80 attributes of aitrace's own (some written at
/// its end); 40 more of the user's, the drop count, and a few inherited ones still
/// fit in the SDK's default limit of 128.
pub(crate) const MAX_USER_ATTRIBUTES: usize = 40;

/// The attribute counting user attributes dropped over [`MAX_USER_ATTRIBUTES`].
pub(crate) use crate::attributes::ai::DROPPED_ATTRIBUTES;

/// How many attributes the user set on a span (atomic: spans are `Sync` and
/// `set_attribute` takes `&self`).
#[derive(Debug, Default)]
pub(crate) struct UserAttributes(std::sync::atomic::AtomicUsize);

impl SpanCore {
    /// Sets an attribute of the user's within the budget (see `set_attribute` in
    /// [`span_common`]); over it, only counts it.
    pub(crate) fn set_user_attribute(&self, attribute: KeyValue) {
        use std::sync::atomic::Ordering;
        if !self.is_recording() {
            return;
        }
        let before = self
            .user_attributes
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(1))
            })
            .unwrap_or(usize::MAX);
        if before >= MAX_USER_ATTRIBUTES {
            return;
        }
        let KeyValue { key, value, .. } = attribute;
        let value = cap_user_value(value, self.settings.max_content_bytes);
        self.cx.span().set_attribute(KeyValue::new(key, value));
    }

    /// Records how many attributes of the user's were dropped, if any; run just
    /// before the span ends.
    pub(crate) fn note_dropped_user_attributes(&self) {
        use std::sync::atomic::Ordering;
        let set = self.user_attributes.0.load(Ordering::Relaxed);
        if set > MAX_USER_ATTRIBUTES && self.is_recording() {
            let dropped = i64::try_from(set - MAX_USER_ATTRIBUTES).unwrap_or(i64::MAX);
            self.cx
                .span()
                .set_attribute(KeyValue::new(DROPPED_ATTRIBUTES, dropped));
        }
    }
}

/// A user attribute value with every string (alone or in an array) longer than
/// `max_bytes` cut, on a character boundary, so that with its
/// `…[truncated N bytes]` marker it holds in `max_bytes`.
fn cap_user_value(value: Value, max_bytes: usize) -> Value {
    match value {
        Value::String(s) => Value::String(cap(s, max_bytes)),
        Value::Array(opentelemetry::Array::String(items)) => Value::Array(
            opentelemetry::Array::String(items.into_iter().map(|s| cap(s, max_bytes)).collect()),
        ),
        other => other,
    }
}

/// `s` cut with the marker of [`crate::content::cut`]; unchanged (not copied) when it
/// already fits.
pub(crate) fn cap(s: StringValue, max_bytes: usize) -> StringValue {
    match crate::content::cut(s.as_str(), max_bytes) {
        Cow::Borrowed(_) => s,
        Cow::Owned(cut) => StringValue::from(cut),
    }
}

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

    /// Records what a step was given, as JSON, under the content policy:
    /// `ai.input`, and `input.value` with `input.mime_type` whatever the dialects,
    /// the names MLflow, Langfuse and Phoenix read a step's input from (MLflow's
    /// request preview is the root span's). The `gen_ai` conventions only have
    /// messages (`gen_ai.input.messages`) for this, and a step's input is any value.
    pub(crate) fn record_input<T: serde::Serialize + ?Sized>(&self, input: &T) {
        self.record_content(crate::content::ContentKind::Input, input, |a, text| {
            a.ai(ai::INPUT, text.clone());
            a.interop(oi::INPUT_VALUE, text);
            a.interop(oi::INPUT_MIME_TYPE, oi::MIME_JSON);
        });
    }

    /// Records what a step produced, like [`SpanCore::record_input`]: `ai.output`,
    /// `output.value`, `output.mime_type`.
    pub(crate) fn record_output<T: serde::Serialize + ?Sized>(&self, output: &T) {
        self.record_content(crate::content::ContentKind::Output, output, |a, text| {
            a.ai(ai::OUTPUT, text.clone());
            a.interop(oi::OUTPUT_VALUE, text);
            a.interop(oi::OUTPUT_MIME_TYPE, oi::MIME_JSON);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ModelPrice, PriceTable, Usage};

    fn table(input: f64) -> Arc<PriceTable> {
        let mut t = PriceTable::empty();
        t.insert("m", ModelPrice::new(input, 1.0));
        Arc::new(t)
    }

    #[test]
    fn remembered_prices_belong_to_their_table() {
        let usage = Usage::new(1_000_000, 0);
        let (cheap, dear) = (table(1.0), table(5.0));
        for _ in 0..2 {
            assert_eq!(cost_of(&cheap, "m", &usage).unwrap().total_usd(), 1.0);
            assert_eq!(cost_of(&dear, "m", &usage).unwrap().total_usd(), 5.0);
            assert_eq!(
                cost_of(&cheap, "m-2024-08-06", &usage).unwrap().total_usd(),
                1.0
            );
            assert!(cost_of(&cheap, "unknown", &usage).is_none());
        }
        // More tables and models than the memory holds: still the table's own price.
        for i in 0..20 {
            let t = table(f64::from(i));
            assert_eq!(cost_of(&t, "m", &usage).unwrap().total_usd(), f64::from(i));
        }
        assert_eq!(cost_of(&dear, "m", &usage).unwrap().total_usd(), 5.0);
    }

    #[test]
    fn span_names_join_with_one_space() {
        assert_eq!(span_name("chat", "gpt-4o"), "chat gpt-4o");
        assert_eq!(span_name("invoke_agent", ""), "invoke_agent ");
    }
}
