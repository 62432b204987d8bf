//! Spans with `gen_ai.*` attributes that aitrace did not make: LLM client crates
//! (genai's `otel` feature, rig), `tracing` spans bridged by
//! `tracing-opentelemetry`, or spans written by hand with the OpenTelemetry API.
//!
//! [`GenAiSpans`] sits in front of every processor the pipeline installs. When
//! such a span ends, it gets the `ai.span.type` its `gen_ai.operation.name` says
//! (a `chat gpt-4o` span is a generation) and, for a model call with token
//! usage on a priced model, the cost attributes an aitrace generation carries
//! (`ai.cost_usd`, `ai.cost_microcents`, `gen_ai.usage.cost`), unless it already
//! has a cost. From there on the console tree, the trace summary, the keep rules
//! and the exporters see it as they see aitrace's own spans, and its call counts
//! in the GenAI metrics when instruments are installed (see
//! [`aitrace::metrics`]; only sampled spans reach a processor).
//!
//! # Other dialects
//! Spans from OpenInference (`openinference.span.kind`, `llm.token_count.*`,
//! `llm.model_name`, `llm.cost.total`) and older OpenLLMetry releases
//! (`llm.request.type`, `traceloop.span.kind`, `gen_ai.usage.prompt_tokens`)
//! are read too, GenAI names first: see [`span_type_of`] for the order. When a
//! model call's tokens or model are only in another dialect's names, they are
//! copied to aitrace's (`ai.prompt_tokens`, `ai.completion_tokens`, `ai.model`),
//! which every reader of spans in this crate and `aitrace serve` understand.
//!
//! # Never counted twice
//! A client library called inside an aitrace generation (the generation wraps
//! the call, the library makes its own `chat` span under it) describes the same
//! request twice. The aitrace span is the one that counts: a span started below
//! an open aitrace model call ([`aitrace::model_calls`], which this processor
//! turns on), at any depth, is passed on untouched, with no span type and no
//! cost, so summaries, keep rules and backends that add up `gen_ai.usage.cost`
//! count the call once.

use aitrace::attributes::ai;
use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry::{Context, Key, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

mod read;
use read::find;
pub use read::{span_type_of, usage_of};

/// Spans started inside an aitrace model call and not yet ended, at most this
/// many (a span that never ends must not grow the set for ever; past the bound
/// the set is cleared, and such a span is at worst costed like any other).
const MAX_NESTED: usize = 4096;

/// A span processor that makes spans from other instrumentation understood by
/// the rest of the pipeline, then hands every span to `inner`. See the
/// [module documentation](self).
///
/// `init()` and [`crate::Builder`] put it in front of their processors;
/// [`crate::testing::install_in_memory`] too.
///
/// ```
/// use aitrace_sdk::exporter::InMemoryExporter;
/// use aitrace_sdk::gen_ai_spans::GenAiSpans;
/// use opentelemetry::trace::{Span as _, Tracer, TracerProvider as _};
/// use opentelemetry::KeyValue;
/// use opentelemetry_sdk::trace::{SdkTracerProvider, SimpleSpanProcessor};
///
/// let exporter = InMemoryExporter::default();
/// let provider = SdkTracerProvider::builder()
///     .with_span_processor(GenAiSpans::new(SimpleSpanProcessor::new(exporter.clone())))
///     .build();
/// // A span an LLM client made, not aitrace.
/// let mut span = provider.tracer("some-llm-client").start("chat gpt-4o");
/// span.set_attribute(KeyValue::new("gen_ai.operation.name", "chat"));
/// span.set_attribute(KeyValue::new("gen_ai.response.model", "gpt-4o-2024-08-06"));
/// span.set_attribute(KeyValue::new("gen_ai.usage.input_tokens", 1000));
/// span.set_attribute(KeyValue::new("gen_ai.usage.output_tokens", 200));
/// span.end();
///
/// let spans = exporter.spans();
/// let cost = aitrace_sdk::testing::attr_f64(&spans[0], "ai.cost_usd").unwrap();
/// assert!(cost > 0.0);
/// assert_eq!(aitrace_sdk::testing::attr_str(&spans[0], "ai.span.type"), Some("generation"));
/// ```
#[derive(Debug)]
pub struct GenAiSpans<P> {
    inner: P,
    /// Spans started inside an aitrace model call, until they end.
    nested: Mutex<HashSet<SpanId>>,
    /// How many are in `nested`: lets the common case skip the lock.
    nested_len: AtomicUsize,
}

impl<P: SpanProcessor> GenAiSpans<P> {
    /// Wraps `inner`, which receives every span after this processor. Turns on
    /// the tracking of open aitrace model calls ([`aitrace::model_calls::track`]).
    pub fn new(inner: P) -> GenAiSpans<P> {
        aitrace::model_calls::track();
        GenAiSpans {
            inner,
            nested: Mutex::new(HashSet::new()),
            nested_len: AtomicUsize::new(0),
        }
    }

    /// Whether `id` is a span started below an open model call, still open.
    fn is_nested(&self, id: SpanId) -> bool {
        self.nested_len.load(Ordering::Acquire) != 0
            && self
                .nested
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(&id)
    }

    /// Forgets `id` if it was started inside a model call; true if it was.
    fn take_nested(&self, id: SpanId) -> bool {
        if self.nested_len.load(Ordering::Acquire) == 0 {
            return false;
        }
        let mut nested = self.nested.lock().unwrap_or_else(|e| e.into_inner());
        let was = nested.remove(&id);
        self.nested_len.store(nested.len(), Ordering::Release);
        was
    }
}

impl<P: SpanProcessor> SpanProcessor for GenAiSpans<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        // Below an open aitrace model call: its child, or a child of a span
        // that is below one already.
        let parent = cx.span().span_context().span_id();
        let below = parent != SpanId::INVALID
            && (aitrace::model_calls::is_open(parent) || self.is_nested(parent));
        if below {
            use opentelemetry::trace::Span as _;
            let id = span.span_context().span_id();
            let mut nested = self.nested.lock().unwrap_or_else(|e| e.into_inner());
            if nested.len() >= MAX_NESTED {
                nested.clear();
            }
            nested.insert(id);
            self.nested_len.store(nested.len(), Ordering::Release);
        }
        self.inner.on_start(span, cx)
    }

    fn on_end(&self, mut span: SpanData) {
        let nested = self.take_nested(span.span_context.span_id());
        if !nested {
            if let Some(span_type) = adopt(&mut span) {
                // Counted as aitrace's own spans are (these only when sampled).
                crate::metrics::reported::count(&span, span_type);
            }
        }
        self.inner.on_end(span)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource)
    }
}

/// Gives spans received from another process what [`GenAiSpans`] gives spans
/// as they end, for a receiver that stores or shows them (`aitrace serve`):
/// each span with no `ai.span.type` and a GenAI meaning gets its span type and,
/// for a model call with token usage on a priced model, its cost from this
/// process's price table ([`aitrace::global_settings`]).
///
/// A span under an aitrace model call (an ancestor among `spans` arrived with
/// `ai.span.type` = `generation` or `embedding`) is left alone, as the
/// processor leaves a span started inside one: the aitrace span counts the
/// request. So give all the spans of a trace at hand in one call; a span whose
/// ancestors are not among them is adopted.
///
/// ```
/// use aitrace_sdk::gen_ai_spans::adopt_received;
/// # use aitrace_sdk::opentelemetry_sdk::trace::SpanData;
/// # fn received() -> Vec<SpanData> { Vec::new() }
/// let mut spans: Vec<SpanData> = received();
/// adopt_received(&mut spans);
/// let summary = aitrace_sdk::summary::TraceSummary::from_spans(&spans);
/// # let _ = summary;
/// ```
pub fn adopt_received(spans: &mut [SpanData]) {
    use std::collections::HashMap;
    let model_span = |s: &SpanData| {
        matches!(
            find(s, ai::SPAN_TYPE),
            Some(Value::String(t)) if t.as_str() == ai::span_type::GENERATION
                || t.as_str() == ai::span_type::EMBEDDING
        )
    };
    let parents: HashMap<SpanId, (SpanId, bool)> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), (s.parent_span_id, model_span(s))))
        .collect();
    // Whether an ancestor of each span is an aitrace model call, remembered per
    // span so that a deep trace costs one walk, not one walk per span; a walk
    // longer than the number of spans is a parent cycle, and stops.
    let mut under: HashMap<SpanId, bool> = HashMap::with_capacity(parents.len());
    let mut under_model_call = |id: SpanId| {
        let mut path = Vec::new();
        let mut at = id;
        let found = loop {
            if let Some(&known) = under.get(&at) {
                break known;
            }
            let Some(&(parent, _)) = parents.get(&at) else {
                break false;
            };
            path.push(at);
            if path.len() > parents.len() {
                break false;
            }
            match parents.get(&parent) {
                Some((_, true)) => break true,
                Some((_, false)) => at = parent,
                None => break false,
            }
        };
        for id in path {
            under.insert(id, found);
        }
        found
    };
    let adopt_now: Vec<bool> = spans
        .iter()
        .map(|s| find(s, ai::SPAN_TYPE).is_none() && !under_model_call(s.span_context.span_id()))
        .collect();
    for (span, yes) in spans.iter_mut().zip(adopt_now) {
        if yes {
            // Received, not made here: counted by the process that made it.
            let _ = adopt(span);
        }
    }
}

/// Gives a span made elsewhere its span type and, for a model call, what the
/// rest of the pipeline reads: aitrace's token and model attributes when the
/// span has them only in another dialect's names, and its cost when the model
/// is priced and the span carries no cost yet. Returns the type it gave.
fn adopt(span: &mut SpanData) -> Option<&'static str> {
    let span_type = span_type_of(span)?;
    span.attributes.push(KeyValue::new(
        Key::from_static_str(ai::SPAN_TYPE),
        span_type,
    ));
    if span_type != ai::span_type::GENERATION && span_type != ai::span_type::EMBEDDING {
        return Some(span_type);
    }
    // Position 0 is the GenAI name, which the summary, the console and the
    // store read already; any other dialect's figure is copied to aitrace's
    // name, so that every reader sees it without knowing the dialect.
    let mut normalized = Vec::new();
    for (names, to) in [
        (&read::INPUT_TOKENS, ai::PROMPT_TOKENS),
        (&read::OUTPUT_TOKENS, ai::COMPLETION_TOKENS),
    ] {
        if let Some((i, n)) = read::first_count(span, names) {
            if i > 0 {
                normalized.push(KeyValue::new(
                    Key::from_static_str(to),
                    i64::try_from(n).unwrap_or(i64::MAX),
                ));
            }
        }
    }
    let model = read::first_text(span, &read::MODEL).map(|(i, m)| (i, m.to_string()));
    if let Some((i, m)) = &model {
        if *i > 1 {
            normalized.push(KeyValue::new(Key::from_static_str(ai::MODEL), m.clone()));
        }
    }
    span.attributes.extend(normalized);
    if read::has_cost(span) {
        return Some(span_type);
    }
    let (Some(usage), Some((_, model))) = (usage_of(span), model) else {
        return Some(span_type);
    };
    let settings = aitrace::global_settings();
    if let Some(cost) = settings.prices().cost(&model, &usage) {
        span.attributes.extend(cost.attributes(settings.dialects()));
    }
    Some(span_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::test_spans::span;
    use aitrace::attributes::gen_ai;
    use aitrace::Usage;

    fn with(attrs: Vec<KeyValue>) -> SpanData {
        span(1, 0, "x", 0, 1, attrs)
    }

    #[test]
    fn operations_map_to_span_types() {
        for (op, want) in [
            ("chat", Some("generation")),
            ("text_completion", Some("generation")),
            ("generate_content", Some("generation")),
            ("embeddings", Some("embedding")),
            ("execute_tool", Some("tool")),
            ("invoke_agent", Some("agent")),
            ("create_agent", Some("agent")),
            ("invoke_workflow", Some("workflow")),
            ("retrieval", Some("retrieval")),
            ("something_new", None),
        ] {
            let s = with(vec![KeyValue::new(gen_ai::OPERATION_NAME, op)]);
            assert_eq!(span_type_of(&s), want, "{op}");
        }
        // Usage makes an unknown or missing operation a model call.
        let s = with(vec![
            KeyValue::new(gen_ai::OPERATION_NAME, "something_new"),
            KeyValue::new(gen_ai::USAGE_OUTPUT_TOKENS, 3),
        ]);
        assert_eq!(span_type_of(&s), Some("generation"));
        let s = with(vec![KeyValue::new(gen_ai::USAGE_INPUT_TOKENS, 3)]);
        assert_eq!(span_type_of(&s), Some("generation"));
        // aitrace's own spans and plain spans are left alone.
        let s = with(vec![
            KeyValue::new(ai::SPAN_TYPE, "tool"),
            KeyValue::new(gen_ai::OPERATION_NAME, "chat"),
        ]);
        assert_eq!(span_type_of(&s), None);
        assert_eq!(
            span_type_of(&with(vec![KeyValue::new("http.route", "/")])),
            None
        );
    }

    #[test]
    fn token_counts_are_read_whatever_their_type_and_never_wrong() {
        let s = with(vec![
            KeyValue::new(gen_ai::USAGE_INPUT_TOKENS, "18446744073709551615"),
            KeyValue::new(gen_ai::USAGE_OUTPUT_TOKENS, -5),
            KeyValue::new(gen_ai::USAGE_CACHE_READ_INPUT_TOKENS, 7.0),
            KeyValue::new(gen_ai::USAGE_REASONING_OUTPUT_TOKENS, f64::NAN),
        ]);
        let u = usage_of(&s).unwrap();
        assert_eq!(u.input_tokens, u64::MAX);
        assert_eq!(u.output_tokens, 0, "a negative count is no count");
        assert_eq!(u.cache_read_tokens, 7);
        assert_eq!(u.reasoning_tokens, 0);
        assert!(usage_of(&with(vec![])).is_none());
    }

    fn generation_attrs() -> Vec<KeyValue> {
        vec![KeyValue::new(ai::SPAN_TYPE, "generation")]
    }

    #[test]
    fn received_spans_are_adopted_unless_under_an_aitrace_model_call() {
        let chat = || {
            vec![
                KeyValue::new(gen_ai::OPERATION_NAME, "chat"),
                KeyValue::new(gen_ai::REQUEST_MODEL, "gpt-4o"),
                KeyValue::new(gen_ai::USAGE_INPUT_TOKENS, 1000),
            ]
        };
        let mut own = chat();
        own.push(KeyValue::new(ai::SPAN_TYPE, "generation"));
        let mut spans = vec![
            span(1, 0, "root", 0, 10, vec![]),
            span(2, 1, "chat gpt-4o", 1, 9, own),
            span(3, 4, "client chat, nested", 2, 8, chat()),
            span(4, 2, "http", 2, 8, vec![]),
            span(5, 1, "client chat, alone", 1, 2, chat()),
        ];
        adopt_received(&mut spans);
        let has_type = |i: usize| find(&spans[i], ai::SPAN_TYPE).is_some();
        assert!(!has_type(2), "under the aitrace generation, two levels up");
        assert!(find(&spans[2], ai::COST_USD).is_none());
        assert!(has_type(4));
        assert!(matches!(find(&spans[4], ai::COST_USD), Some(Value::F64(c)) if *c > 0.0));
        assert!(!has_type(0) && !has_type(3), "no GenAI meaning");
        // A chain of 50 000 spans under a generation: every one is known to be
        // under it (one walk, remembered), none adopted.
        let mut chain = vec![span(1, 0, "g", 0, 9, generation_attrs())];
        for i in 2..=50_000u64 {
            chain.push(span(i, i - 1, "c", 0, 1, chat()));
        }
        adopt_received(&mut chain);
        assert!(chain
            .iter()
            .skip(1)
            .all(|s| find(s, ai::SPAN_TYPE).is_none()));
        // A parent cycle ends the walk.
        let mut cycle = vec![span(7, 8, "a", 0, 1, chat()), span(8, 7, "b", 0, 1, vec![])];
        adopt_received(&mut cycle);
        assert!(find(&cycle[0], ai::SPAN_TYPE).is_some());
    }

    #[test]
    fn a_costed_span_is_not_costed_again_and_unknown_models_get_no_cost() {
        let mut s = with(vec![
            KeyValue::new(gen_ai::OPERATION_NAME, "chat"),
            KeyValue::new(gen_ai::REQUEST_MODEL, "no-such-model"),
            KeyValue::new(gen_ai::USAGE_INPUT_TOKENS, 10),
        ]);
        adopt(&mut s);
        assert!(find(&s, ai::COST_USD).is_none());
        assert_eq!(find(&s, ai::SPAN_TYPE), Some(&Value::from("generation")));
        let mut s = with(vec![
            KeyValue::new(gen_ai::OPERATION_NAME, "chat"),
            KeyValue::new(gen_ai::REQUEST_MODEL, "gpt-4o"),
            KeyValue::new(gen_ai::USAGE_INPUT_TOKENS, 10),
            KeyValue::new(ai::COST_USD, 9.0),
        ]);
        let before = s.attributes.len();
        adopt(&mut s);
        assert_eq!(s.attributes.len(), before + 1, "the span type only");
    }

    fn kv(k: &'static str, v: impl Into<Value>) -> KeyValue {
        KeyValue::new(k, v)
    }

    #[test]
    fn openinference_and_openllmetry_kinds_map_to_span_types() {
        for (key, value, want) in [
            ("openinference.span.kind", "LLM", Some("generation")),
            ("openinference.span.kind", "EMBEDDING", Some("embedding")),
            ("openinference.span.kind", "TOOL", Some("tool")),
            ("openinference.span.kind", "AGENT", Some("agent")),
            ("openinference.span.kind", "RETRIEVER", Some("retrieval")),
            ("openinference.span.kind", "RERANKER", Some("retrieval")),
            ("openinference.span.kind", "GUARDRAIL", Some("guardrail")),
            ("openinference.span.kind", "CHAIN", Some("custom")),
            ("openinference.span.kind", "EVALUATOR", Some("custom")),
            ("openinference.span.kind", "UNKNOWN", None),
            ("openinference.span.kind", "llm", None),
            ("llm.request.type", "chat", Some("generation")),
            ("llm.request.type", "completion", Some("generation")),
            ("llm.request.type", "embedding", Some("embedding")),
            ("llm.request.type", "rerank", Some("retrieval")),
            ("llm.request.type", "unknown", None),
            ("traceloop.span.kind", "workflow", Some("workflow")),
            ("traceloop.span.kind", "task", Some("custom")),
            ("traceloop.span.kind", "agent", Some("agent")),
            ("traceloop.span.kind", "tool", Some("tool")),
            ("traceloop.span.kind", "unknown", None),
        ] {
            assert_eq!(
                span_type_of(&with(vec![kv(key, value)])),
                want,
                "{key}={value}"
            );
        }
        // A kind that is not a string says nothing.
        assert_eq!(
            span_type_of(&with(vec![kv("openinference.span.kind", 3)])),
            None
        );
    }

    #[test]
    fn the_genai_names_are_read_first() {
        // The operation wins over the other dialects' kinds.
        let s = with(vec![
            kv("openinference.span.kind", "TOOL"),
            kv("gen_ai.operation.name", "chat"),
            kv("traceloop.span.kind", "workflow"),
        ]);
        assert_eq!(span_type_of(&s), Some("generation"));
        // An operation aitrace does not know leaves the decision to the next dialect.
        let s = with(vec![
            kv("gen_ai.operation.name", "something_new"),
            kv("openinference.span.kind", "RETRIEVER"),
        ]);
        assert_eq!(span_type_of(&s), Some("retrieval"));
        let s = with(vec![
            kv("llm.request.type", "embedding"),
            kv("traceloop.span.kind", "task"),
        ]);
        assert_eq!(span_type_of(&s), Some("embedding"));
        // Tokens in any dialect and no kind: a model call.
        for key in ["gen_ai.usage.prompt_tokens", "llm.token_count.completion"] {
            assert_eq!(
                span_type_of(&with(vec![kv(key, 5)])),
                Some("generation"),
                "{key}"
            );
        }
        // Token counts: GenAI first, then OpenLLMetry, then OpenInference.
        let u = usage_of(&with(vec![
            kv("llm.token_count.prompt", 1),
            kv("gen_ai.usage.prompt_tokens", 2),
            kv("gen_ai.usage.input_tokens", 3),
            kv("llm.token_count.completion", 4),
            kv("gen_ai.usage.completion_tokens", 5),
        ]))
        .unwrap();
        assert_eq!((u.input_tokens, u.output_tokens), (3, 5));
    }

    #[test]
    fn an_openinference_model_call_gets_aitrace_figures_and_its_cost() {
        let mut s = with(vec![
            kv("openinference.span.kind", "LLM"),
            kv("llm.model_name", "gpt-4o-mini-2024-07-18"),
            kv("llm.token_count.prompt", 1200),
            kv("llm.token_count.completion", 300),
            kv("llm.token_count.prompt_details.cache_read", 200),
            kv("llm.token_count.completion_details.reasoning", 10),
        ]);
        adopt(&mut s);
        assert_eq!(find(&s, ai::SPAN_TYPE), Some(&Value::from("generation")));
        assert_eq!(find(&s, ai::PROMPT_TOKENS), Some(&Value::I64(1200)));
        assert_eq!(find(&s, ai::COMPLETION_TOKENS), Some(&Value::I64(300)));
        assert_eq!(
            find(&s, ai::MODEL),
            Some(&Value::from("gpt-4o-mini-2024-07-18"))
        );
        let usage = Usage::new(1200, 300)
            .with_cache_read(200)
            .with_reasoning(10);
        let want = aitrace::global_settings()
            .prices()
            .cost("gpt-4o-mini-2024-07-18", &usage)
            .expect("gpt-4o-mini is priced")
            .total_usd();
        assert_eq!(find(&s, ai::COST_USD), Some(&Value::F64(want)));
        // What the summary reads.
        let summary = crate::summary::TraceSummary::from_spans(std::slice::from_ref(&s));
        assert_eq!(summary.model_calls, 1);
        assert_eq!((summary.input_tokens, summary.output_tokens), (1200, 300));
        assert_eq!(summary.cost_usd, want);
        // An embedding names its model in its own attribute.
        let mut e = with(vec![
            kv("openinference.span.kind", "EMBEDDING"),
            kv("embedding.model_name", "text-embedding-3-small"),
            kv("llm.token_count.prompt", 8),
        ]);
        adopt(&mut e);
        assert_eq!(
            find(&e, ai::MODEL),
            Some(&Value::from("text-embedding-3-small"))
        );
        assert_eq!(find(&e, ai::PROMPT_TOKENS), Some(&Value::I64(8)));
        let want = aitrace::global_settings()
            .prices()
            .cost("text-embedding-3-small", &aitrace::Usage::new(8, 0))
            .expect("text-embedding-3-small is priced")
            .total_usd();
        assert_eq!(find(&e, ai::COST_USD), Some(&Value::F64(want)));
    }

    #[test]
    fn an_older_openllmetry_model_call_is_costed_and_genai_figures_are_not_copied() {
        let mut s = with(vec![
            kv("llm.request.type", "chat"),
            kv("gen_ai.system", "openai"),
            kv("gen_ai.request.model", "gpt-4o"),
            kv("gen_ai.usage.prompt_tokens", 1000),
            kv("gen_ai.usage.completion_tokens", 200),
        ]);
        adopt(&mut s);
        assert_eq!(find(&s, ai::SPAN_TYPE), Some(&Value::from("generation")));
        assert_eq!(find(&s, ai::PROMPT_TOKENS), Some(&Value::I64(1000)));
        assert_eq!(find(&s, ai::COMPLETION_TOKENS), Some(&Value::I64(200)));
        assert!(
            find(&s, ai::MODEL).is_none(),
            "gen_ai.request.model is read already"
        );
        let want = aitrace::global_settings()
            .prices()
            .cost("gpt-4o", &Usage::new(1000, 200))
            .unwrap()
            .total_usd();
        assert_eq!(find(&s, ai::COST_USD), Some(&Value::F64(want)));
        // Current names: nothing copied, the span type and the cost only.
        let mut s = with(vec![
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.request.model", "gpt-4o"),
            kv("gen_ai.usage.input_tokens", 1000),
        ]);
        adopt(&mut s);
        assert!(find(&s, ai::PROMPT_TOKENS).is_none());
    }

    #[test]
    fn an_openinference_cost_is_kept_and_counted_once() {
        let mut s = with(vec![
            kv("openinference.span.kind", "LLM"),
            kv("llm.model_name", "gpt-4o"),
            kv("llm.token_count.prompt", 1000),
            kv("llm.cost.total", 0.5),
        ]);
        adopt(&mut s);
        assert!(find(&s, ai::COST_USD).is_none(), "not priced again");
        let summary = crate::summary::TraceSummary::from_spans(std::slice::from_ref(&s));
        assert_eq!(summary.cost_usd, 0.5, "its own cost is what counts");
    }

    #[test]
    fn bad_dialect_values_are_skipped_never_a_panic() {
        let mut s = with(vec![
            kv("openinference.span.kind", "LLM"),
            kv("llm.model_name", ""),
            kv("gen_ai.usage.input_tokens", -3),
            kv("gen_ai.usage.prompt_tokens", "many"),
            kv("llm.token_count.prompt", 40),
            kv("llm.token_count.completion", f64::INFINITY),
            kv("gen_ai.usage.completion_tokens", 1.5),
        ]);
        let u = usage_of(&s).unwrap();
        assert_eq!(
            (u.input_tokens, u.output_tokens),
            (40, 0),
            "the first valid count"
        );
        adopt(&mut s);
        assert_eq!(find(&s, ai::PROMPT_TOKENS), Some(&Value::I64(40)));
        assert!(find(&s, ai::COMPLETION_TOKENS).is_none());
        assert!(find(&s, ai::MODEL).is_none(), "an empty model is no model");
        assert!(find(&s, ai::COST_USD).is_none(), "no model, no price");
        // A count past i64::MAX is kept at the bound, not wrapped.
        let mut s = with(vec![
            kv("openinference.span.kind", "LLM"),
            kv("llm.token_count.prompt", "18446744073709551615"),
        ]);
        adopt(&mut s);
        assert_eq!(find(&s, ai::PROMPT_TOKENS), Some(&Value::I64(i64::MAX)));
    }

    #[test]
    fn a_dialect_span_under_an_aitrace_model_call_is_not_counted_twice() {
        let mut spans = vec![
            span(1, 0, "chat gpt-4o", 0, 10, generation_attrs()),
            span(
                2,
                1,
                "ChatCompletion",
                1,
                9,
                vec![
                    kv("openinference.span.kind", "LLM"),
                    kv("llm.model_name", "gpt-4o"),
                    kv("llm.token_count.prompt", 1000),
                ],
            ),
        ];
        adopt_received(&mut spans);
        assert!(find(&spans[1], ai::SPAN_TYPE).is_none());
        assert!(find(&spans[1], ai::PROMPT_TOKENS).is_none());
        let summary = crate::summary::TraceSummary::from_spans(&spans);
        assert_eq!(summary.model_calls, 1);
    }
}
