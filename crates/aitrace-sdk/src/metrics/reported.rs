//! Metrics of spans that other instrumentation made, read from their `gen_ai.*`
//! attributes when [`crate::gen_ai_spans::GenAiSpans`] has typed (and priced)
//! them: counted into the instruments the span API records into, when the
//! thread's [`aitrace::instrumentation`] has some.
//!
//! A span processor sees only spans that record: these count when sampled
//! (aitrace's own spans count always; see `docs/metrics.md`).

use aitrace::attributes::{ai, gen_ai, openinference as oi};
use aitrace::metrics::ReportedCall;
use opentelemetry::trace::Status;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use std::time::Duration;

/// `gen_ai.operation.name` of a model call whose span does not say, and
/// `error.type` of a failed span that does not say (the conventions' value for
/// "not one of the listed").
const OTHER: &str = "_OTHER";

/// Counts `span`, of aitrace span type `span_type` (given by `GenAiSpans`), into
/// the current instruments. Other span types count nothing.
pub(crate) fn count(span: &SpanData, span_type: &str) {
    use ai::span_type as t;
    if !matches!(span_type, t::GENERATION | t::EMBEDDING | t::TOOL | t::AGENT) {
        return;
    }
    let instrumentation = aitrace::instrumentation::current_instrumentation();
    let Some(instruments) = instrumentation
        .metrics()
        .filter(|_| instrumentation.is_enabled())
    else {
        return;
    };
    let text = |key: &str| match find(span, key) {
        Some(Value::String(s)) if !s.as_str().is_empty() => Some(s.as_str()),
        _ => None,
    };
    // A clock that went back between start and end counts as 0 s.
    let duration = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or(Duration::ZERO);
    let error_type = match (text(gen_ai::ERROR_TYPE), &span.status) {
        (Some(e), _) => Some(e),
        (None, Status::Error { .. }) => Some(OTHER),
        _ => None,
    };
    let call = match span_type {
        t::TOOL => ReportedCall::Tool {
            name: text(gen_ai::TOOL_NAME).unwrap_or(&span.name),
            tool_type: text(gen_ai::TOOL_TYPE),
        },
        t::AGENT => ReportedCall::Agent {
            name: text(gen_ai::AGENT_NAME).unwrap_or(&span.name),
            provider: text(gen_ai::PROVIDER_NAME).or_else(|| text(gen_ai::SYSTEM)),
            model: text(gen_ai::REQUEST_MODEL),
        },
        _ => ReportedCall::Model {
            operation: text(gen_ai::OPERATION_NAME).unwrap_or(OTHER),
            provider: text(gen_ai::PROVIDER_NAME).or_else(|| text(gen_ai::SYSTEM)),
            request_model: text(gen_ai::REQUEST_MODEL),
            // An OpenInference span's model is copied to `ai.model` by `GenAiSpans`.
            response_model: text(gen_ai::RESPONSE_MODEL).or_else(|| text(ai::MODEL)),
            server: text(gen_ai::SERVER_ADDRESS).and_then(|a| {
                match find(span, gen_ai::SERVER_PORT) {
                    Some(Value::I64(p)) => u16::try_from(*p).ok().map(|p| (a, p)),
                    _ => None,
                }
            }),
            usage: crate::gen_ai_spans::usage_of(span),
            output: span_type == t::GENERATION,
            cost_usd: match find(span, ai::COST_USD)
                .or_else(|| find(span, gen_ai::USAGE_COST))
                .or_else(|| find(span, oi::LLM_COST_TOTAL))
            {
                Some(Value::F64(c)) => Some(*c),
                _ => None,
            },
        },
    };
    instruments.record_reported(&call, duration, error_type);
}

/// The last value of attribute `key`.
fn find<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}
