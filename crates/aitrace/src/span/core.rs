//! Starting and ending one span: the hot path every kind goes through.

use super::attrs::{shared, Attrs};
use super::budget::UserAttributes;
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::context::Scope;
use crate::hooks::{self, SpanInfo};
use crate::metrics::Recorder;
use crate::pipeline::{GlobalProvider, Pipeline, Presampled};
use crate::settings::Settings;
use opentelemetry::trace::{
    SpanBuilder, SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId,
    TraceState,
};
use opentelemetry::{Context, KeyValue, StringValue};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

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

/// What every span holds whatever its kind: the context holding the
/// OpenTelemetry span, the settings it records under, and what hooks are told.
/// [`super::AiSpan`] ends it exactly once.
#[derive(Debug)]
pub struct SpanCore {
    pub(crate) cx: Context,
    pub(crate) settings: Arc<Settings>,
    ended: bool,
    recording: bool,
    /// The thread was already unwinding from a panic when the span started (a
    /// span started in a destructor during unwinding): that panic is not this
    /// span's failure.
    panicking_at_start: bool,
    /// Noted as an open model call ([`crate::model_calls`]) until it ends.
    model_call: bool,
    /// What hooks are told; present only when hooks were registered when the span
    /// started and it records (a lock: attributes are added through `&self`).
    info: Option<Box<Mutex<SpanInfo>>>,
    /// Whether hooks hear of this span (it started with `info`).
    hooked: bool,
    /// Attributes of the user's set so far (see [`SpanCore::set_user_attribute`]).
    pub(crate) user_attributes: UserAttributes,
    /// Present when metric instruments were installed when the span started
    /// (whether or not it records): what its kind records when it ends, and the
    /// start and end times of the OpenTelemetry span. Not
    /// boxed: an allocation per span with metrics on costs more time (about
    /// 25 ns) than moving the recorder's bytes with the guard costs without.
    metrics: Option<Recorder>,
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
        // What the API records with, read once (one thread-local access): on or
        // off, the settings outside a trace, whether any hook listens, the
        // pipeline spans go through, the metric instruments if any (`None` costs
        // one more `Option` copy here).
        let (enabled, settings, hooks_on, installed, instruments) =
            crate::instrumentation::with_current(|i| {
                let settings = match scope {
                    Some(sc) => sc.settings.clone(),
                    None => i.settings.clone(),
                };
                (
                    i.enabled,
                    settings,
                    !i.hooks.is_empty(),
                    i.pipeline.clone(),
                    i.metrics.clone(),
                )
            });
        if !enabled {
            return SpanCore::disabled(parent, settings);
        }
        let pipeline: &dyn Pipeline = match &installed {
            Some(p) => &**p,
            None => &GlobalProvider,
        };
        // The head sampler first, when it can decide before the span exists: a
        // dropped span is its context alone (no name, no attributes, no tracer).
        // Metrics count every span, sampled or not: timed from here.
        let (records, trace_id) = match pipeline.presample(parent, &s.kind) {
            Presampled::Dropped(sc) => {
                let mut core = SpanCore::unrecorded(parent.with_remote_span_context(sc), settings);
                core.metrics = instruments.map(|m| Recorder::start_dropped(m, s.start_time));
                return core;
            }
            Presampled::Records { trace_id } => (true, trace_id),
            Presampled::Unknown => (false, None),
        };
        // The OpenTelemetry span starts when the metrics' clock does: one clock
        // read for both, and the same start time.
        let metrics = instruments.map(|m| Recorder::start(m, s.start_time));
        let start_time = metrics
            .as_ref()
            .and_then(Recorder::started)
            .or(s.start_time);
        let d = settings.dialects;
        let inherited = scope.map_or(&[][..], |sc| &sc.inherited[..]);
        // Room for what a span usually ends with, inherited attributes included:
        // the SDK keeps this vector as the span's attribute list, and growing it
        // later (past 8, which the kind marker made common) costs a reallocation and
        // a copy, about 500 instructions.
        let mut attrs = Vec::with_capacity(16 + inherited.len());
        let mut a = Attrs { out: &mut attrs, d };
        a.ai(ai::SPAN_TYPE, s.span_type);
        sampling(&mut a);
        // A custom span whose user gave a kind of theirs keeps it (only custom
        // spans take user attributes at start, so only they pay for the look).
        let kind_given = s.span_type == ai::span_type::CUSTOM
            && attrs.iter().any(|kv| kv.key.as_str() == oi::SPAN_KIND);
        // What only a recording span needs: given at creation when the sampler
        // already said the span records, else set once the span says it does.
        let mut rest = Some(move |out: &mut Vec<KeyValue>| {
            out.extend(inherited.iter().cloned());
            let mut a = Attrs { out, d };
            if !kind_given {
                // The kind marker backends classify the span by: one static
                // attribute on recording spans (its cost is in docs/performance.md).
                a.interop(oi::SPAN_KIND, oi::kind_of(s.span_type));
            }
            rest(&mut a);
        });
        if records {
            (rest.take().expect("not taken yet"))(&mut attrs);
        }
        // Hooks need the name and attributes after the span is built; copy them
        // only for hooks. A span started by a hook does not run hooks again.
        let hooked = hooks_on && !hooks::entered_from_hook();
        let hook_name = hooked.then(|| s.name.clone());
        let mut hook_attrs = if hooked { attrs.clone() } else { Vec::new() };
        let mut builder = SpanBuilder::from_name(s.name)
            .with_kind(s.kind)
            .with_attributes(attrs);
        if let Some(t) = start_time {
            builder = builder.with_start_time(t);
        }
        let cx = pipeline.start(builder, parent, trace_id);
        let recording = cx.span().is_recording();
        if let Some(rest) = rest.filter(|_| recording) {
            let mut more = Vec::with_capacity(16 + inherited.len());
            rest(&mut more);
            if hooked {
                hook_attrs.extend(more.iter().cloned());
            }
            cx.span().set_attributes(more);
        }
        // Known as open while it runs, when a pipeline tracks model calls.
        let model_call = recording
            && is_model_call(s.span_type)
            && crate::model_calls::opened(cx.span().span_context().span_id());
        let info = hook_name.filter(|_| recording).map(|name| {
            let identity = scope.map(|sc| &sc.identity);
            let id = |f: fn(&crate::propagation::Identity) -> Option<&str>| {
                identity.and_then(f).map(str::to_string)
            };
            Box::new(Mutex::new(SpanInfo {
                span_type: s.span_type,
                name,
                span_context: cx.span().span_context().clone(),
                parent_span_id: parent.span().span_context().span_id(),
                start_time: start_time.unwrap_or_else(SystemTime::now),
                end_time: None,
                attributes: hook_attrs,
                conversation_id: id(crate::propagation::Identity::conversation_id),
                user_id: id(crate::propagation::Identity::user_id),
                tenant_id: id(crate::propagation::Identity::tenant_id),
                error: None,
                incomplete: false,
                guardrail_triggered: None,
                model: None,
                usage: None,
                cost_usd: None,
            }))
        });
        let hooked = info.is_some();
        SpanCore {
            cx,
            settings,
            ended: false,
            recording,
            panicking_at_start: std::thread::panicking(),
            model_call,
            info,
            hooked,
            user_attributes: UserAttributes::default(),
            metrics,
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
            panicking_at_start: std::thread::panicking(),
            model_call: false,
            info: None,
            hooked: false,
            user_attributes: UserAttributes::default(),
            metrics: None,
        }
    }

    #[inline]
    pub(crate) fn is_recording(&self) -> bool {
        self.recording && !self.ended
    }

    /// Tells the hooks that the span started (after its kind had its say: a
    /// workflow announces its trace first).
    pub(crate) fn announce_start(&mut self) {
        if let Some(info) = &self.info {
            let info = info.lock().unwrap_or_else(|e| e.into_inner()).clone();
            hooks::each("on_span_start", |h| h.on_span_start(&info));
        }
    }

    /// Whether hooks hear of this span.
    pub(crate) fn hooked(&self) -> bool {
        self.hooked
    }

    /// Runs `f` on what hooks are told, when they are told anything.
    pub(crate) fn for_hooks(&self, f: impl FnOnce(&mut SpanInfo)) {
        if let Some(info) = &self.info {
            f(&mut info.lock().unwrap_or_else(|e| e.into_inner()));
        }
    }

    /// Whether the thread started unwinding from a panic after the span started.
    pub(crate) fn panic_started_since(&self) -> bool {
        std::thread::panicking() && !self.panicking_at_start
    }

    /// Marks a span that ends without `end()` and without a panic (a cancelled
    /// future, an early return): `ai.incomplete`, never an error.
    pub(crate) fn mark_incomplete(&mut self) {
        self.for_hooks(|info| info.incomplete = true);
        self.record(|a| a.ai(ai::INCOMPLETE, true));
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
        self.for_hooks(|info| info.attributes.extend(out.iter().cloned()));
        self.cx.span().set_attributes(out);
    }

    /// Notes usage and cost for hooks (no-op without hooks).
    pub(crate) fn note_for_hooks(
        &mut self,
        model: Option<&str>,
        usage: Option<crate::Usage>,
        cost: Option<f64>,
    ) {
        self.for_hooks(|info| {
            info.model = model.map(str::to_string);
            info.usage = usage;
            info.cost_usd = cost;
        });
    }

    /// Marks the span failed: status Error, an `exception` event, and `error.type`
    /// (also on its metrics, recorded or not).
    pub(crate) fn fail(&mut self, error_type: &str, message: &str) {
        if let Some(m) = &mut self.metrics {
            m.failed(error_type);
        }
        self.for_hooks(|info| {
            info.error = Some(message.to_string());
            info.attributes
                .push(KeyValue::new(gen_ai::ERROR_TYPE, error_type.to_string()));
        });
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

    /// Notes that the span ends now, before its kind records what it collected:
    /// the end time of its metrics and of its OpenTelemetry span (one clock read
    /// for both). Without metrics the SDK reads the clock itself when the span ends.
    pub(crate) fn stop_clock(&mut self) {
        if let Some(m) = &mut self.metrics {
            m.stop();
        }
    }

    /// Ends the span once; later calls do nothing.
    pub(crate) fn end_now(&mut self) {
        if self.ended {
            return;
        }
        self.ended = true;
        // With metrics, the end time they were timed to (see `stop_clock`).
        let end_time = self.metrics.as_mut().and_then(Recorder::stop);
        if let Some(info) = self.info.take() {
            let mut info = info.into_inner().unwrap_or_else(|e| e.into_inner());
            info.end_time = Some(end_time.unwrap_or_else(SystemTime::now));
            hooks::each("on_span_end", |h| h.on_span_end(&info));
        }
        if self.model_call {
            crate::model_calls::closed(self.cx.span().span_context().span_id());
        }
        if self.recording {
            match end_time {
                Some(t) => self.cx.span().end_with_timestamp(t),
                None => self.cx.span().end(),
            }
        }
    }
}

impl Drop for SpanCore {
    fn drop(&mut self) {
        self.end_now();
    }
}

impl SpanCore {
    pub(crate) fn is_ended(&self) -> bool {
        self.ended
    }

    /// What the span's metrics are recorded with, when instruments were installed
    /// when it started.
    pub(crate) fn metrics(&self) -> Option<&Recorder> {
        self.metrics.as_ref()
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
