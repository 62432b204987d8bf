//! What a span made elsewhere says about itself: its kind, token usage, model
//! and cost, in whichever dialect its instrumentation writes. The OpenTelemetry
//! GenAI names are read first; OpenInference (Arize) and older OpenLLMetry
//! (Traceloop) names after them, so a span that carries two dialects is read
//! as the GenAI conventions say.
//!
//! Sources of the names: the GenAI semantic conventions
//! ([`gen_ai::SEMCONV_VERSION`]), `openinference-semantic-conventions` 0.1.42
//! and `opentelemetry-semantic-conventions-ai` 0.5.1 (Python packages).

use aitrace::attributes::{ai, gen_ai, openinference as oi, openllmetry as ol};
use aitrace::Usage;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;

/// Input tokens, one name per dialect, in the order they are read.
pub(super) const INPUT_TOKENS: [&str; 3] = [
    gen_ai::USAGE_INPUT_TOKENS,
    ol::USAGE_PROMPT_TOKENS,
    oi::LLM_TOKEN_COUNT_PROMPT,
];
/// Output tokens, one name per dialect, in the order they are read.
pub(super) const OUTPUT_TOKENS: [&str; 3] = [
    gen_ai::USAGE_OUTPUT_TOKENS,
    ol::USAGE_COMPLETION_TOKENS,
    oi::LLM_TOKEN_COUNT_COMPLETION,
];
const CACHE_READ_TOKENS: [&str; 3] = [
    gen_ai::USAGE_CACHE_READ_INPUT_TOKENS,
    ol::USAGE_CACHE_READ_INPUT_TOKENS,
    oi::LLM_TOKEN_COUNT_CACHE_READ,
];
const CACHE_CREATION_TOKENS: [&str; 3] = [
    gen_ai::USAGE_CACHE_CREATION_INPUT_TOKENS,
    ol::USAGE_CACHE_CREATION_INPUT_TOKENS,
    oi::LLM_TOKEN_COUNT_CACHE_WRITE,
];
const REASONING_TOKENS: [&str; 2] = [
    gen_ai::USAGE_REASONING_OUTPUT_TOKENS,
    oi::LLM_TOKEN_COUNT_REASONING,
];
/// The model, in the order it is read: the GenAI names (the two first) say
/// what the rest of the pipeline reads already.
pub(super) const MODEL: [&str; 4] = [
    gen_ai::RESPONSE_MODEL,
    gen_ai::REQUEST_MODEL,
    oi::LLM_MODEL_NAME,
    oi::EMBEDDING_MODEL_NAME,
];
/// A cost the span carries already (the instrumentation priced it).
const COST: [&str; 3] = [ai::COST_USD, gen_ai::USAGE_COST, oi::LLM_COST_TOTAL];

/// The aitrace span type of a span made elsewhere, from its attributes; `None`
/// for a span aitrace made (it has `ai.span.type`) or one with no GenAI meaning.
///
/// Read in this order, the first that names a known kind wins:
/// `gen_ai.operation.name`, `openinference.span.kind`, `llm.request.type`,
/// `traceloop.span.kind`; a span none of them classify but that carries token
/// usage in any dialect is a model call.
pub fn span_type_of(span: &SpanData) -> Option<&'static str> {
    // One pass over the attributes: this runs for every span that ends,
    // aitrace's own included (which stop at `ai.span.type`).
    let mut operation = None;
    let mut oi_kind = None;
    let mut request_type = None;
    let mut traceloop_kind = None;
    let mut usage = false;
    for kv in &span.attributes {
        let text = || match &kv.value {
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        match kv.key.as_str() {
            ai::SPAN_TYPE => return None,
            gen_ai::OPERATION_NAME => operation = text(),
            oi::SPAN_KIND => oi_kind = text(),
            ol::LLM_REQUEST_TYPE => request_type = text(),
            ol::SPAN_KIND => traceloop_kind = text(),
            k if INPUT_TOKENS.contains(&k) || OUTPUT_TOKENS.contains(&k) => usage = true,
            _ => {}
        }
    }
    operation
        .and_then(of_operation)
        .or_else(|| oi_kind.and_then(of_openinference_kind))
        .or_else(|| request_type.and_then(of_request_type))
        .or_else(|| traceloop_kind.and_then(of_traceloop_kind))
        .or_else(|| usage.then_some(ai::span_type::GENERATION))
}

fn of_operation(operation: &str) -> Option<&'static str> {
    use ai::span_type as t;
    use gen_ai::operation as op;
    Some(match operation {
        op::CHAT | op::TEXT_COMPLETION | op::GENERATE_CONTENT => t::GENERATION,
        op::EMBEDDINGS => t::EMBEDDING,
        op::EXECUTE_TOOL => t::TOOL,
        op::INVOKE_AGENT | op::CREATE_AGENT => t::AGENT,
        op::INVOKE_WORKFLOW => t::WORKFLOW,
        op::RETRIEVAL => t::RETRIEVAL,
        _ => return None,
    })
}

/// OpenInference kinds. A reranker is a step of retrieval (aitrace has no
/// reranking type); a chain, evaluator, prompt or decision step is a custom
/// step; `UNKNOWN` says nothing.
fn of_openinference_kind(kind: &str) -> Option<&'static str> {
    use ai::span_type as t;
    use oi::kind as k;
    Some(match kind {
        k::LLM => t::GENERATION,
        k::EMBEDDING => t::EMBEDDING,
        k::TOOL => t::TOOL,
        k::AGENT => t::AGENT,
        k::RETRIEVER | k::RERANKER => t::RETRIEVAL,
        k::GUARDRAIL => t::GUARDRAIL,
        k::CHAIN | k::EVALUATOR | k::PROMPT | k::DECISION => t::CUSTOM,
        _ => return None,
    })
}

/// OpenLLMetry's request types (model-call spans of older releases).
fn of_request_type(request: &str) -> Option<&'static str> {
    use ai::span_type as t;
    use ol::request_type as r;
    Some(match request {
        r::CHAT | r::COMPLETION => t::GENERATION,
        r::EMBEDDING => t::EMBEDDING,
        r::RERANK => t::RETRIEVAL,
        _ => return None,
    })
}

/// The Traceloop SDK's decorator kinds; a task is a custom step.
fn of_traceloop_kind(kind: &str) -> Option<&'static str> {
    use ai::span_type as t;
    use ol::span_kind as k;
    Some(match kind {
        k::WORKFLOW => t::WORKFLOW,
        k::AGENT => t::AGENT,
        k::TOOL => t::TOOL,
        k::TASK => t::CUSTOM,
        _ => return None,
    })
}

/// The token usage of a span made elsewhere, in any dialect; `None` when it
/// carries neither an input nor an output count.
pub fn usage_of(span: &SpanData) -> Option<Usage> {
    let count = |names: &[&str]| first_count(span, names).map(|(_, n)| n);
    let input = count(&INPUT_TOKENS);
    let output = count(&OUTPUT_TOKENS);
    if input.is_none() && output.is_none() {
        return None;
    }
    Some(
        Usage::new(input.unwrap_or(0), output.unwrap_or(0))
            .with_cache_read(count(&CACHE_READ_TOKENS).unwrap_or(0))
            .with_cache_creation(count(&CACHE_CREATION_TOKENS).unwrap_or(0))
            .with_reasoning(count(&REASONING_TOKENS).unwrap_or(0)),
    )
}

/// The first of `names` that holds a valid count, with its position in `names`.
pub(super) fn first_count(span: &SpanData, names: &[&str]) -> Option<(usize, u64)> {
    names
        .iter()
        .enumerate()
        .find_map(|(i, k)| find(span, k).and_then(count_of).map(|n| (i, n)))
}

/// The first of `names` that holds a non-empty string, with its position.
pub(super) fn first_text<'a>(span: &'a SpanData, names: &[&str]) -> Option<(usize, &'a str)> {
    names
        .iter()
        .enumerate()
        .find_map(|(i, k)| match find(span, k) {
            Some(Value::String(s)) if !s.as_str().is_empty() => Some((i, s.as_str())),
            _ => None,
        })
}

/// Whether the span carries a cost already, in any dialect.
pub(super) fn has_cost(span: &SpanData) -> bool {
    COST.iter().any(|k| find(span, k).is_some())
}

/// A token count: a non-negative integer, or a string holding one (a bridge may
/// write a `u64` too large for `i64` as a string). Anything else (negative,
/// fractional, not a number) is no count, so the next dialect's name is read.
fn count_of(v: &Value) -> Option<u64> {
    match v {
        Value::I64(n) => u64::try_from(*n).ok(),
        Value::F64(f) if f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19 => {
            Some(*f as u64)
        }
        Value::String(s) => s.as_str().trim().parse().ok(),
        _ => None,
    }
}

/// The last value of attribute `key`.
pub(super) fn find<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}
