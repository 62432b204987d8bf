//! Generation spans (model calls): `chat {model}`, CLIENT.

use super::guard::sealed::Sealed;
use super::{
    shared, span_name, AiSpan, Base, Ending, Kind, SharedStr, SpanBuilder, SpanCore, Start,
};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::content::ContentKind;
use crate::metrics::{ModelCall, ModelSet, Moment, Recorder};
use crate::usage::Usage;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Array, StringValue, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// The kind of model call, as in `gen_ai.operation.name`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Operation {
    /// A chat completion (`chat`). The default.
    #[default]
    Chat,
    /// A plain text completion (`text_completion`).
    TextCompletion,
    /// A multimodal generation (`generate_content`, Gemini).
    GenerateContent,
}

impl Operation {
    /// The `gen_ai.operation.name` value, also the first word of the span name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Chat => gen_ai::operation::CHAT,
            Operation::TextCompletion => gen_ai::operation::TEXT_COMPLETION,
            Operation::GenerateContent => gen_ai::operation::GENERATE_CONTENT,
        }
    }
}

/// The generation kind: a model call, `chat {model}` ([`crate::GenerationSpan`]),
/// built by [`crate::generation`].
#[derive(Debug)]
pub struct Generation {
    provider: Cow<'static, str>,
    model: Cow<'static, str>,
    operation: Operation,
    server: Option<(Cow<'static, str>, u16)>,
    max_tokens: Option<i64>,
    temperature: Option<f64>,
    top_p: Option<f64>,
    top_k: Option<i64>,
    seed: Option<i64>,
    frequency_penalty: Option<f64>,
    presence_penalty: Option<f64>,
    stop_sequences: Vec<Cow<'static, str>>,
    stream: bool,
    messages_count: Option<i64>,
    /// Kept only while the span records or counts in metrics (for pricing,
    /// hooks and the `gen_ai.response.model` of its metrics).
    response_model: Option<Arc<str>>,
    usage: Option<Usage>,
    /// When the span started, for the time to the first token and between
    /// chunks, on the clock chosen where the span starts (`Kind::start`).
    started: Option<Moment>,
    first_token_ms: Option<f64>,
    /// With metrics on: when the last chunk of a streamed answer arrived, and the
    /// seconds between chunks not yet recorded (at most [`MAX_PENDING_CHUNKS`]).
    /// Boxed, and made at the first chunk: a call that streams nothing (or with
    /// metrics off) carries one pointer instead of 40 bytes through every move.
    chunks: Option<Box<Chunks>>,
    /// Whether finish reasons were recorded (an incomplete call says it in them).
    finish_reasons: bool,
}

macro_rules! param {
    ($(#[$doc:meta])* $fn:ident, $field:ident, $ty:ty) => {
        $(#[$doc])*
        pub fn $fn(mut self, value: $ty) -> Self {
            self.kind.$field = Some(value);
            self
        }
    };
}

impl Generation {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Generation {
        Generation {
            provider: provider.into(),
            model: model.into(),
            operation: Operation::Chat,
            server: None,
            max_tokens: None,
            temperature: None,
            top_p: None,
            top_k: None,
            seed: None,
            frequency_penalty: None,
            presence_penalty: None,
            stop_sequences: Vec::new(),
            stream: false,
            messages_count: None,
            response_model: None,
            usage: None,
            started: None,
            first_token_ms: None,
            chunks: None,
            finish_reasons: false,
        }
    }

    fn invocation_parameters(&self) -> String {
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Option<serde_json::Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        put("max_tokens", self.max_tokens.map(Into::into));
        put("temperature", self.temperature.map(Into::into));
        put("top_p", self.top_p.map(Into::into));
        put("top_k", self.top_k.map(Into::into));
        put("seed", self.seed.map(Into::into));
        put("frequency_penalty", self.frequency_penalty.map(Into::into));
        put("presence_penalty", self.presence_penalty.map(Into::into));
        put("stream", self.stream.then_some(true.into()));
        serde_json::Value::Object(m).to_string()
    }

    /// What the call records in metrics, as far as known now.
    fn model_call(&self, cost_usd: Option<f64>) -> ModelCall<'_> {
        ModelCall {
            set: ModelSet {
                operation: self.operation.as_str(),
                provider: Some(&self.provider),
                request_model: Some(&self.model),
                response_model: self.response_model.as_deref(),
                server: self.server.as_ref().map(|(a, port)| (&**a, *port)),
            },
            usage: self.usage,
            output: true,
            cost_usd,
            first_chunk_s: self.first_token_ms.map(|ms| ms / 1000.0),
            chunk_gaps: self.chunks.as_ref().map_or(&[][..], |c| &c.gaps),
        }
    }
}

/// The chunk timings of a streamed call with metrics on.
#[derive(Debug, Default)]
struct Chunks {
    /// When the last chunk arrived, on the clock of the span's start.
    last: Option<Moment>,
    /// Seconds between chunks, not yet recorded.
    gaps: Vec<f64>,
}

/// Chunk timings a streamed call holds before it records them: past this many,
/// they are recorded at once, with the attributes known then (so that an
/// endless stream holds a bounded amount of memory).
const MAX_PENDING_CHUNKS: usize = 256;

impl SpanBuilder<'_, Generation> {
    /// The kind of call (default [`Operation::Chat`]).
    pub fn with_operation(mut self, operation: Operation) -> Self {
        self.kind.operation = operation;
        self
    }

    /// The server called (`server.address`, `server.port`).
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.kind.server = Some((address.into(), port));
        self
    }

    param!(
        /// `max_tokens` of the request.
        with_max_tokens, max_tokens, i64
    );
    param!(
        /// `temperature` of the request.
        with_temperature, temperature, f64
    );
    param!(
        /// `top_p` of the request.
        with_top_p, top_p, f64
    );
    param!(
        /// `top_k` of the request.
        with_top_k, top_k, i64
    );
    param!(
        /// `seed` of the request.
        with_seed, seed, i64
    );
    param!(
        /// `frequency_penalty` of the request.
        with_frequency_penalty, frequency_penalty, f64
    );
    param!(
        /// `presence_penalty` of the request.
        with_presence_penalty, presence_penalty, f64
    );
    param!(
        /// How many messages the request sends (`ai.messages_count`; not content).
        with_messages_count, messages_count, i64
    );

    /// Stop sequences of the request.
    pub fn with_stop_sequences<I, S>(mut self, stops: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        self.kind.stop_sequences = stops.into_iter().map(Into::into).collect();
        self
    }

    /// Marks the call as streamed: record the first chunk with
    /// [`AiSpan::record_first_token`]; a span dropped before [`AiSpan::end`]
    /// keeps its usage so far and is marked incomplete.
    pub fn streaming(mut self) -> Self {
        self.kind.stream = true;
        self
    }
}

impl Sealed for Generation {}

impl Kind for Generation {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(self.operation.as_str(), &self.model);
        // One value per string, shared by the sampling attributes and the others
        // (a `'static` string is not copied at all).
        let provider = SharedStr::new(&self.provider);
        let model = SharedStr::new(&self.model);
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::GENERATION,
                kind: SpanKind::Client,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::OPERATION_NAME, self.operation.as_str());
                if a.d.gen_ai {
                    a.gen(gen_ai::PROVIDER_NAME, provider.get());
                    a.gen(gen_ai::REQUEST_MODEL, model.get());
                    if let Some((addr, port)) = &self.server {
                        a.gen(gen_ai::SERVER_ADDRESS, addr.clone());
                        a.gen(gen_ai::SERVER_PORT, i64::from(*port));
                    }
                }
            },
            |a| {
                a.ai(ai::PROVIDER, provider.get());
                a.ai(ai::MODEL, model.get());
                a.ai(ai::OPERATION, self.operation.as_str());
                if a.d.gen_ai_system_compat {
                    a.gen(gen_ai::SYSTEM, provider.get());
                }
                if a.d.openinference {
                    a.oi(oi::LLM_PROVIDER, provider.get());
                    a.oi(oi::LLM_MODEL_NAME, model.get());
                }
                if let Some(v) = self.max_tokens {
                    a.ai(ai::MAX_TOKENS, v);
                    a.gen(gen_ai::REQUEST_MAX_TOKENS, v);
                }
                if let Some(v) = self.temperature {
                    a.ai(ai::TEMPERATURE, v);
                    a.gen(gen_ai::REQUEST_TEMPERATURE, v);
                }
                if let Some(v) = self.top_p {
                    a.ai(ai::TOP_P, v);
                    a.gen(gen_ai::REQUEST_TOP_P, v);
                }
                if let Some(v) = self.top_k {
                    // The registry types it as a double (retrieval spans too).
                    a.gen(gen_ai::REQUEST_TOP_K, v as f64);
                }
                if let Some(v) = self.seed {
                    a.gen(gen_ai::REQUEST_SEED, v);
                }
                if let Some(v) = self.frequency_penalty {
                    a.gen(gen_ai::REQUEST_FREQUENCY_PENALTY, v);
                }
                if let Some(v) = self.presence_penalty {
                    a.gen(gen_ai::REQUEST_PRESENCE_PENALTY, v);
                }
                if !self.stop_sequences.is_empty() {
                    a.gen(
                        gen_ai::REQUEST_STOP_SEQUENCES,
                        super::string_array(&self.stop_sequences),
                    );
                }
                if let Some(n) = self.messages_count {
                    a.ai(ai::MESSAGES_COUNT, n);
                }
                a.ai(ai::STREAM, self.stream);
                a.gen(gen_ai::REQUEST_STREAM, self.stream);
                if a.d.openinference {
                    a.oi(oi::LLM_INVOCATION_PARAMETERS, self.invocation_parameters());
                }
            },
        );
        // The time to first token and between chunks are measured from the
        // span's start on the clock its metrics are timed on, read once for the
        // span, its metrics and these: the span's own start time (wall clock)
        // when it may record, the monotonic clock when the head sampler dropped
        // it. Without metrics, or from a start time given to the builder: the
        // monotonic clock, read now.
        self.started = Some(
            core.metrics()
                .filter(|_| base.start_time.is_none())
                .map(Recorder::start_moment)
                .unwrap_or_else(Moment::monotonic_now),
        );
        core
    }

    fn finish(&mut self, core: &mut SpanCore, ending: Ending) {
        // Cost and usage go on a recording span, to hooks (which only see
        // recording spans) and to metrics (which count every call): a span the
        // sampler dropped, with no metrics installed, skips the price lookup.
        let recording = core.is_recording();
        if !recording && core.metrics().is_none() {
            return;
        }
        let priced_model: &str = self.response_model.as_deref().unwrap_or(&self.model);
        let cost = self
            .usage
            .and_then(|u| crate::pricing::cost_of(&core.settings.prices, priced_model, &u));
        if let Some(m) = core.metrics() {
            m.model_call(&self.model_call(cost.map(|c| c.total_usd())));
        }
        if !recording {
            return;
        }
        core.note_for_hooks(Some(priced_model), self.usage, cost.map(|c| c.total_usd()));
        let (usage, first) = (self.usage, self.first_token_ms);
        // The gen_ai-visible form of an incomplete call: a finish reason that
        // says so, when the provider's own reasons never arrived.
        let incomplete = ending == Ending::Dropped && !self.finish_reasons;
        core.record_sized(16, |a| {
            if let Some(u) = usage {
                let (i, o) = (sat(u.input_tokens), sat(u.output_tokens));
                a.ai(ai::PROMPT_TOKENS, i);
                a.ai(ai::COMPLETION_TOKENS, o);
                a.ai(ai::TOTAL_TOKENS, i.saturating_add(o));
                a.gen(gen_ai::USAGE_INPUT_TOKENS, i);
                a.gen(gen_ai::USAGE_OUTPUT_TOKENS, o);
                a.oi(oi::LLM_TOKEN_COUNT_PROMPT, i);
                a.oi(oi::LLM_TOKEN_COUNT_COMPLETION, o);
                a.oi(oi::LLM_TOKEN_COUNT_TOTAL, i.saturating_add(o));
                if u.cache_read_tokens > 0 {
                    let n = sat(u.cache_read_tokens);
                    a.ai(ai::CACHE_READ_TOKENS, n);
                    a.gen(gen_ai::USAGE_CACHE_READ_INPUT_TOKENS, n);
                    a.oi(oi::LLM_TOKEN_COUNT_CACHE_READ, n);
                }
                if u.cache_creation_tokens > 0 {
                    let n = sat(u.cache_creation_tokens);
                    a.ai(ai::CACHE_CREATION_TOKENS, n);
                    a.gen(gen_ai::USAGE_CACHE_CREATION_INPUT_TOKENS, n);
                    a.oi(oi::LLM_TOKEN_COUNT_CACHE_WRITE, n);
                }
                if u.reasoning_tokens > 0 {
                    let n = sat(u.reasoning_tokens);
                    a.ai(ai::REASONING_TOKENS, n);
                    a.gen(gen_ai::USAGE_REASONING_OUTPUT_TOKENS, n);
                    a.oi(oi::LLM_TOKEN_COUNT_REASONING, n);
                }
            }
            if let Some(c) = cost {
                a.cost(&c, true);
            }
            if let Some(ms) = first {
                a.ai(ai::TIME_TO_FIRST_TOKEN_MS, ms);
                a.gen(gen_ai::RESPONSE_TIME_TO_FIRST_CHUNK, ms / 1000.0);
            }
            if incomplete {
                a.gen(
                    gen_ai::RESPONSE_FINISH_REASONS,
                    Value::Array(Array::String(vec![StringValue::from(INCOMPLETE_REASON)])),
                );
            }
        });
    }
}

/// A running model call ([`crate::GenerationSpan`]); usage, cost and time to
/// first token are written when it ends.
///
/// ```
/// use aitrace::Usage;
/// let mut call = aitrace::generation("openai", "gpt-4o").with_temperature(0.2).start();
/// call.record_response_model("gpt-4o-2024-08-06");
/// call.record_finish_reasons(["stop"]);
/// call.record_usage(Usage::new(812, 64).with_cache_read(512));
/// call.end(); // ai.cost_usd is computed from the bundled prices
/// ```
impl AiSpan<Generation> {
    /// The model that answered (`gen_ai.response.model`); used for pricing when set.
    pub fn record_response_model(&mut self, model: &str) {
        // Only a recording span, or one counted in metrics, prices its call,
        // reports to hooks or names the model that answered.
        if !self.core.is_recording() && self.core.metrics().is_none() {
            return;
        }
        let m: Arc<str> = Arc::from(model);
        self.core.record(|a| {
            let v = StringValue::from(m.clone());
            a.ai(ai::RESPONSE_MODEL, v.clone());
            a.gen(gen_ai::RESPONSE_MODEL, v);
        });
        self.kind.response_model = Some(m);
    }

    /// The provider's response id.
    pub fn record_response_id(&self, id: &str) {
        self.core.record(|a| {
            let id = shared(id);
            a.ai(ai::RESPONSE_ID, id.clone());
            a.gen(gen_ai::RESPONSE_ID, id);
        });
    }

    /// Why generation stopped, one reason per choice (`stop`, `length`, `tool_calls`, …).
    pub fn record_finish_reasons<I, S>(&mut self, reasons: I)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        if !self.core.is_recording() {
            return;
        }
        self.kind.finish_reasons = true;
        let reasons: Vec<StringValue> = reasons.into_iter().map(|r| shared(r.as_ref())).collect();
        self.core.record(|a| {
            if let Some(first) = reasons.first() {
                a.ai(ai::FINISH_REASON, first.clone());
                a.oi(oi::LLM_FINISH_REASON, first.clone());
            }
            a.gen(
                gen_ai::RESPONSE_FINISH_REASONS,
                Value::Array(Array::String(reasons)),
            );
        });
    }

    /// Sets the usage of the call (replacing any recorded before).
    pub fn record_usage(&mut self, usage: Usage) {
        self.kind.usage = Some(usage);
    }

    /// Adds usage reported by a stream chunk to what was seen so far.
    pub fn add_usage(&mut self, delta: &Usage) {
        self.kind
            .usage
            .get_or_insert_with(Usage::default)
            .add(delta);
    }

    /// The usage seen so far.
    pub fn usage(&self) -> Option<Usage> {
        self.kind.usage
    }

    /// Notes the first token (or chunk) of a streamed answer; later calls are ignored.
    pub fn record_first_token(&mut self) {
        if self.kind.first_token_ms.is_none() {
            if let Some(started) = self.kind.started {
                let now = started.now();
                let since = now.since(started);
                self.kind.first_token_ms = Some(since.as_secs_f64() * 1000.0);
                if self.core.metrics().is_some() {
                    self.kind.chunks.get_or_insert_with(Box::default).last = Some(now);
                }
            }
        }
    }

    /// Notes one chunk of a streamed answer as it arrives. The first is the time
    /// to the first token ([`AiSpan::record_first_token`]); with metrics on, each
    /// later one records the seconds since the one before in
    /// `gen_ai.client.operation.time_per_output_chunk`, when the call ends.
    ///
    /// ```
    /// let mut call = aitrace::generation("openai", "gpt-4o").streaming().start();
    /// for _chunk in ["Hel", "lo", "!"] {
    ///     call.record_chunk();
    /// }
    /// call.end();
    /// ```
    pub fn record_chunk(&mut self) {
        if self.kind.first_token_ms.is_none() {
            self.record_first_token();
            return;
        }
        let (Some(metrics), Some(started)) = (self.core.metrics(), self.kind.started) else {
            return;
        };
        let now = started.now();
        let chunks = self.kind.chunks.get_or_insert_with(Box::default);
        if let Some(previous) = chunks.last.replace(now) {
            let gap = now.since(previous).as_secs_f64();
            chunks.gaps.push(gap);
            if chunks.gaps.len() >= MAX_PENDING_CHUNKS {
                metrics.chunk_gaps(&self.kind.model_call(None));
                if let Some(c) = &mut self.kind.chunks {
                    c.gaps.clear();
                }
            }
        }
    }

    /// The messages sent (`ai.input`, `gen_ai.input.messages`, `input.value`); only
    /// when content capture is on.
    pub fn record_input_messages<T: serde::Serialize + ?Sized>(&self, messages: &T) {
        self.core
            .record_content(ContentKind::Input, messages, |a, text| {
                a.ai(ai::INPUT, text.clone());
                a.gen(gen_ai::INPUT_MESSAGES, text.clone());
                a.oi(oi::INPUT_VALUE, text);
                a.oi(oi::INPUT_MIME_TYPE, oi::MIME_JSON);
            });
    }

    /// The system instructions (`gen_ai.system_instructions`); only when content capture is on.
    pub fn record_system_instructions<T: serde::Serialize + ?Sized>(&self, instructions: &T) {
        self.core
            .record_content(ContentKind::SystemInstructions, instructions, |a, text| {
                a.gen(gen_ai::SYSTEM_INSTRUCTIONS, text);
            });
    }

    /// The messages returned (`ai.output`, `gen_ai.output.messages`, `output.value`);
    /// only when content capture is on.
    pub fn record_output_messages<T: serde::Serialize + ?Sized>(&self, messages: &T) {
        self.core
            .record_content(ContentKind::Output, messages, |a, text| {
                a.ai(ai::OUTPUT, text.clone());
                a.gen(gen_ai::OUTPUT_MESSAGES, text.clone());
                a.oi(oi::OUTPUT_VALUE, text);
                a.oi(oi::OUTPUT_MIME_TYPE, oi::MIME_JSON);
            });
    }
}

/// The finish reason an incomplete call (dropped before `end()`) reports in
/// `gen_ai.response.finish_reasons` when the provider's never arrived.
pub(crate) const INCOMPLETE_REASON: &str = "incomplete";

/// A token count as an attribute value, capped at `i64::MAX`.
fn sat(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
