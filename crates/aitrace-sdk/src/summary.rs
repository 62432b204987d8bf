//! What one finished trace did: model calls, tokens, cost, errors, guardrails,
//! tool calls and the critical path, computed from its exported spans.
//!
//! ```
//! use aitrace::Usage;
//! use aitrace_sdk::summary::TraceSummary;
//!
//! let exporter = aitrace_sdk::testing::install_in_memory();
//! let run = aitrace::trace("support").start();
//! run.in_scope(|| {
//!     let mut call = aitrace::generation("openai", "gpt-4o").start();
//!     call.record_usage(Usage::new(812, 64));
//!     call.end();
//!     aitrace::tool("search_kb").start().end();
//! });
//! let trace_id = run.trace_id();
//! run.end();
//!
//! let summary = TraceSummary::from_spans(&exporter.spans_of_trace(trace_id));
//! assert_eq!(summary.root_name, "invoke_workflow support");
//! assert_eq!(summary.model_calls, 1);
//! assert_eq!((summary.input_tokens, summary.output_tokens), (812, 64));
//! assert_eq!(summary.tool_calls, 1);
//! assert!(summary.cost_usd > 0.0);
//! println!("{summary}");
//! ```

use crate::tree::Links;
use aitrace::attributes::{ai, gen_ai};
use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

/// The summary of one finished trace, made by [`TraceSummary::from_spans`].
///
/// Model figures (tokens, cost, the per-model breakdown) come from the model
/// spans: generations (`ai.span.type` = `generation`, counted in
/// [`model_calls`](Self::model_calls)) and embeddings (counted in
/// [`embedding_calls`](Self::embedding_calls)). aitrace never copies usage onto
/// parent spans, so nothing is counted twice. A model span without `ai.cost_usd`
/// (an unknown model, or no usage recorded) is counted in
/// [`unpriced_calls`](Self::unpriced_calls) and adds nothing to
/// [`cost_usd`](Self::cost_usd): no cost is ever guessed.
///
/// [`Display`](fmt::Display) renders a short multi-line report.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct TraceSummary {
    /// The trace id ([`TraceId::INVALID`] for an empty slice).
    pub trace_id: TraceId,
    /// The name of the root span (empty for an empty slice).
    pub root_name: String,
    /// The span id of the root span ([`SpanId::INVALID`] for an empty slice).
    pub root_span_id: SpanId,
    /// Wall time of the trace: the root span's duration. When the spans have
    /// several local roots (a partial trace), from the earliest start to the latest end.
    pub duration: Duration,
    /// How many spans of the trace were given.
    pub span_count: usize,
    /// Spans whose parent is not among the spans: 1 for a complete trace.
    pub local_roots: usize,
    /// Generation spans.
    pub model_calls: usize,
    /// Embedding spans (they count in tokens, cost and [`models`](Self::models) too).
    pub embedding_calls: usize,
    /// Input (prompt) tokens of all model spans (`ai.prompt_tokens`).
    pub input_tokens: u64,
    /// Output (completion) tokens of all model spans (`ai.completion_tokens`).
    pub output_tokens: u64,
    /// Total tokens of all model spans (`ai.total_tokens`, or input + output).
    pub total_tokens: u64,
    /// Sum of `ai.cost_usd` over the priced model spans.
    pub cost_usd: f64,
    /// Model spans that carry no `ai.cost_usd`.
    pub unpriced_calls: usize,
    /// One entry per model, most expensive first (then most calls, then by name).
    pub models: Vec<ModelUsage>,
    /// Spans whose status is `Error`.
    pub errors: usize,
    /// Spans dropped before they ended, without an error (`ai.incomplete`): a
    /// cancelled future, an early return.
    pub incomplete: usize,
    /// Guardrail spans with `ai.guardrail.triggered` = true.
    pub guardrails_tripped: usize,
    /// Tool spans (`ai.span.type` = `tool`; handoffs are counted apart).
    pub tool_calls: usize,
    /// Handoff spans.
    pub handoffs: usize,
    /// From the root, repeatedly the child that lasted longest: `(name, duration)`.
    pub critical_path: Vec<(String, Duration)>,
}

/// The calls of one model within a trace. The model is `ai.response.model`,
/// or `ai.model` when the response model is not known.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ModelUsage {
    /// The model name (`unknown` when a generation names none).
    pub model: String,
    /// Generation and embedding spans of this model.
    pub calls: usize,
    /// Input tokens.
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Total tokens.
    pub total_tokens: u64,
    /// Sum of `ai.cost_usd` of the priced calls.
    pub cost_usd: f64,
    /// Calls without `ai.cost_usd`.
    pub unpriced_calls: usize,
}

impl ModelUsage {
    fn new(model: String) -> ModelUsage {
        ModelUsage {
            model,
            calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            total_tokens: 0,
            cost_usd: 0.0,
            unpriced_calls: 0,
        }
    }
}

impl TraceSummary {
    /// Summarises one finished trace. The trace is the one of the first span;
    /// spans of other traces in the slice are ignored. Never panics, whatever
    /// the spans hold (missing parents, cycles, end before start).
    pub fn from_spans(spans: &[SpanData]) -> TraceSummary {
        let trace_id = spans
            .first()
            .map(|s| s.span_context.trace_id())
            .unwrap_or(TraceId::INVALID);
        let spans: Vec<&SpanData> = spans
            .iter()
            .filter(|s| s.span_context.trace_id() == trace_id)
            .collect();

        let mut summary = TraceSummary {
            trace_id,
            root_name: String::new(),
            root_span_id: SpanId::INVALID,
            duration: Duration::ZERO,
            span_count: spans.len(),
            local_roots: 0,
            model_calls: 0,
            embedding_calls: 0,
            input_tokens: 0,
            output_tokens: 0,
            total_tokens: 0,
            cost_usd: 0.0,
            unpriced_calls: 0,
            models: Vec::new(),
            errors: 0,
            incomplete: 0,
            guardrails_tripped: 0,
            tool_calls: 0,
            handoffs: 0,
            critical_path: Vec::new(),
        };

        let mut models: HashMap<String, ModelUsage> = HashMap::new();
        for span in &spans {
            if matches!(span.status, Status::Error { .. }) {
                summary.errors += 1;
            } else if attr_bool(span, ai::INCOMPLETE) == Some(true) {
                summary.incomplete += 1;
            }
            if let Some(call) = ModelCall::of(span) {
                if call.embedding {
                    summary.embedding_calls += 1;
                } else {
                    summary.model_calls += 1;
                }
                let model = call.model.unwrap_or("unknown");
                let entry = models
                    .entry(model.to_string())
                    .or_insert_with(|| ModelUsage::new(model.to_string()));
                entry.calls += 1;
                entry.input_tokens = entry
                    .input_tokens
                    .saturating_add(call.input_tokens.unwrap_or(0));
                entry.output_tokens = entry
                    .output_tokens
                    .saturating_add(call.output_tokens.unwrap_or(0));
                entry.total_tokens = entry.total_tokens.saturating_add(call.total_tokens);
                match call.cost_usd {
                    Some(cost) => entry.cost_usd += cost,
                    None => entry.unpriced_calls += 1,
                }
                continue;
            }
            match attr_str(span, ai::SPAN_TYPE) {
                Some(ai::span_type::TOOL) => summary.tool_calls += 1,
                Some(ai::span_type::HANDOFF) => summary.handoffs += 1,
                Some(ai::span_type::GUARDRAIL)
                    if attr_bool(span, ai::GUARDRAIL_TRIGGERED) == Some(true) =>
                {
                    summary.guardrails_tripped += 1;
                }
                _ => {}
            }
        }
        let mut models: Vec<ModelUsage> = models.into_values().collect();
        models.sort_by(|a, b| {
            b.cost_usd
                .total_cmp(&a.cost_usd)
                .then(b.calls.cmp(&a.calls))
                .then_with(|| a.model.cmp(&b.model))
        });
        for m in &models {
            summary.input_tokens = summary.input_tokens.saturating_add(m.input_tokens);
            summary.output_tokens = summary.output_tokens.saturating_add(m.output_tokens);
            summary.total_tokens = summary.total_tokens.saturating_add(m.total_tokens);
            summary.cost_usd += m.cost_usd;
            summary.unpriced_calls += m.unpriced_calls;
        }
        summary.models = models;

        let links = Links::new(&spans);
        summary.local_roots = links.roots.len();
        if let Some(root) = links.main_root() {
            summary.root_name = root.name.to_string();
            summary.root_span_id = root.span_context.span_id();
            summary.duration = if links.roots.len() == 1 {
                duration_of(root)
            } else {
                let start = spans.iter().map(|s| s.start_time).min();
                let end = spans.iter().map(|s| s.end_time).max();
                match (start, end) {
                    (Some(s), Some(e)) => e.duration_since(s).unwrap_or_default(),
                    _ => Duration::ZERO,
                }
            };
            summary.critical_path = links
                .critical_path(root)
                .into_iter()
                .map(|s| (s.name.to_string(), duration_of(s)))
                .collect();
        }
        summary
    }

    /// The names of the models used, in the order of [`TraceSummary::models`].
    pub fn model_names(&self) -> Vec<&str> {
        self.models.iter().map(|m| m.model.as_str()).collect()
    }
}

impl fmt::Display for TraceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "summary of trace {}", self.trace_id)?;
        write!(
            f,
            "  root: {}, {}, {} span{}",
            one_line(&self.root_name),
            fmt_ms(self.duration),
            self.span_count,
            plural(self.span_count)
        )?;
        if self.local_roots > 1 {
            write!(f, " (partial: {} local roots)", self.local_roots)?;
        }
        writeln!(f)?;
        write!(f, "  model calls: {}", self.model_calls)?;
        if self.embedding_calls > 0 {
            write!(f, " (+{} embedding)", self.embedding_calls)?;
        }
        let calls = self.model_calls + self.embedding_calls;
        if calls > 0 {
            write!(
                f,
                ", tokens {} in / {} out / {} total, ",
                self.input_tokens, self.output_tokens, self.total_tokens
            )?;
            let priced = calls - self.unpriced_calls.min(calls);
            if priced == 0 {
                write!(f, "cost unknown")?;
            } else {
                write!(f, "cost {}", fmt_usd(self.cost_usd))?;
            }
            if self.unpriced_calls > 0 {
                write!(
                    f,
                    " ({} unpriced call{})",
                    self.unpriced_calls,
                    plural(self.unpriced_calls)
                )?;
            }
        }
        writeln!(f)?;
        for m in &self.models {
            write!(
                f,
                "    {}: {} call{}, {} in / {} out tokens, ",
                one_line(&m.model),
                m.calls,
                plural(m.calls),
                m.input_tokens,
                m.output_tokens
            )?;
            if m.unpriced_calls == m.calls {
                writeln!(f, "unpriced")?;
            } else if m.unpriced_calls > 0 {
                writeln!(f, "{} + {} unpriced", fmt_usd(m.cost_usd), m.unpriced_calls)?;
            } else {
                writeln!(f, "{}", fmt_usd(m.cost_usd))?;
            }
        }
        write!(
            f,
            "  tool calls: {}, handoffs: {}, errors: {}, guardrails tripped: {}",
            self.tool_calls, self.handoffs, self.errors, self.guardrails_tripped
        )?;
        if self.incomplete > 0 {
            write!(f, ", incomplete: {}", self.incomplete)?;
        }
        writeln!(f)?;
        write!(f, "  critical path:")?;
        if self.critical_path.is_empty() {
            write!(f, " none")?;
        }
        for (i, (name, d)) in self.critical_path.iter().enumerate() {
            let sep = if i == 0 { " " } else { " → " };
            write!(f, "{sep}{} ({})", one_line(name), fmt_ms(*d))?;
        }
        Ok(())
    }
}

/// What one model span (a generation or an embedding) used, read as
/// [`TraceSummary`] and the console tree read it: aitrace's `ai.*` attributes,
/// else the `gen_ai.*` ones of other instrumentation.
///
/// ```
/// use aitrace_sdk::opentelemetry_sdk::trace::SpanData;
/// use aitrace_sdk::summary::ModelCall;
///
/// fn report(span: &SpanData) {
///     if let Some(call) = ModelCall::of(span) {
///         println!("{:?}: {} tokens, {:?} USD", call.model, call.total_tokens, call.cost_usd);
///     }
/// }
/// # let _ = report;
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ModelCall<'a> {
    /// An embedding (`ai.span.type` = `embedding`) rather than a generation.
    pub embedding: bool,
    /// The response model, else the request model (`None` when the span names none).
    pub model: Option<&'a str>,
    /// Input tokens (`ai.prompt_tokens`, else `gen_ai.usage.input_tokens`).
    pub input_tokens: Option<u64>,
    /// Output tokens (`ai.completion_tokens`, else `gen_ai.usage.output_tokens`).
    pub output_tokens: Option<u64>,
    /// `ai.total_tokens`, else input + output.
    pub total_tokens: u64,
    /// `ai.cost_usd`, else `gen_ai.usage.cost`; `None` for an unpriced call.
    pub cost_usd: Option<f64>,
    /// The call did not finish (`ai.incomplete`, a dropped stream).
    pub incomplete: bool,
}

impl<'a> ModelCall<'a> {
    /// The model call `span` describes, if it is one (`ai.span.type` =
    /// `generation` or `embedding`).
    pub fn of(span: &'a SpanData) -> Option<ModelCall<'a>> {
        let embedding = match attr_str(span, ai::SPAN_TYPE)? {
            ai::span_type::GENERATION => false,
            ai::span_type::EMBEDDING => true,
            _ => return None,
        };
        let input_tokens = input_tokens_of(span);
        let output_tokens = output_tokens_of(span);
        Some(ModelCall {
            embedding,
            model: model_of(span),
            input_tokens,
            output_tokens,
            total_tokens: attr_u64(span, ai::TOTAL_TOKENS).unwrap_or_else(|| {
                input_tokens
                    .unwrap_or(0)
                    .saturating_add(output_tokens.unwrap_or(0))
            }),
            cost_usd: cost_usd_of(span),
            incomplete: attr_bool(span, ai::INCOMPLETE) == Some(true),
        })
    }
}

/// How long `span` lasted (zero when it ends before it starts).
pub(crate) fn duration_of(span: &SpanData) -> Duration {
    span.end_time
        .duration_since(span.start_time)
        .unwrap_or_default()
}

/// The model of a model call: the response model, else the request model, in
/// aitrace's names or, for spans made by other instrumentation, the `gen_ai` ones.
pub(crate) fn model_of(span: &SpanData) -> Option<&str> {
    [
        ai::RESPONSE_MODEL,
        ai::MODEL,
        gen_ai::RESPONSE_MODEL,
        gen_ai::REQUEST_MODEL,
    ]
    .iter()
    .find_map(|k| attr_str(span, k).filter(|m| !m.is_empty()))
}

/// Input tokens of a model call (`ai.prompt_tokens`, else `gen_ai.usage.input_tokens`).
pub(crate) fn input_tokens_of(span: &SpanData) -> Option<u64> {
    attr_u64(span, ai::PROMPT_TOKENS).or_else(|| attr_u64(span, gen_ai::USAGE_INPUT_TOKENS))
}

/// Output tokens of a model call (`ai.completion_tokens`, else `gen_ai.usage.output_tokens`).
pub(crate) fn output_tokens_of(span: &SpanData) -> Option<u64> {
    attr_u64(span, ai::COMPLETION_TOKENS).or_else(|| attr_u64(span, gen_ai::USAGE_OUTPUT_TOKENS))
}

/// The cost of a model call (`ai.cost_usd`, else `gen_ai.usage.cost` as another
/// instrumentation may have written it).
pub(crate) fn cost_usd_of(span: &SpanData) -> Option<f64> {
    attr_f64(span, ai::COST_USD).or_else(|| attr_f64(span, gen_ai::USAGE_COST))
}

/// The value of attribute `key` (the last one when set twice).
pub(crate) fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .rev()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// A string attribute.
pub(crate) fn attr_str<'a>(span: &'a SpanData, key: &str) -> Option<&'a str> {
    match attr(span, key)? {
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
}

/// A count attribute: a non-negative integer (a float is truncated), or a string
/// holding one (a `tracing` bridge writes a `u64` past `i64::MAX` as a string).
pub(crate) fn attr_u64(span: &SpanData, key: &str) -> Option<u64> {
    match attr(span, key)? {
        Value::I64(n) => Some((*n).max(0) as u64),
        Value::F64(x) if x.is_finite() => Some(x.max(0.0) as u64),
        Value::String(s) => s.as_str().trim().parse().ok(),
        _ => None,
    }
}

/// A finite number attribute, integer or float.
pub(crate) fn attr_f64(span: &SpanData, key: &str) -> Option<f64> {
    match attr(span, key)? {
        Value::F64(x) if x.is_finite() => Some(*x),
        Value::I64(n) => Some(*n as f64),
        _ => None,
    }
}

/// A boolean attribute.
pub(crate) fn attr_bool(span: &SpanData, key: &str) -> Option<bool> {
    match attr(span, key)? {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// A duration in milliseconds, with fewer decimals as it grows:
/// `0.042 ms`, `3.27 ms`, `812.4 ms`, `12345 ms` (as the console tree writes it).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(aitrace_sdk::summary::fmt_ms(Duration::from_micros(3270)), "3.27 ms");
/// ```
pub fn fmt_ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1.0 {
        format!("{ms:.3} ms")
    } else if ms < 100.0 {
        format!("{ms:.2} ms")
    } else if ms < 10_000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// A cost in dollars: `$0.0027`; smaller amounts keep two significant digits
/// (`$0.000012`), as the console tree writes it.
///
/// ```
/// assert_eq!(aitrace_sdk::summary::fmt_usd(0.0000123), "$0.000012");
/// ```
pub fn fmt_usd(usd: f64) -> String {
    if !usd.is_finite() || usd == 0.0 || usd.abs() >= 0.0001 {
        format!("${usd:.4}")
    } else {
        let decimals = (-usd.abs().log10()).ceil().clamp(4.0, 12.0) as usize + 1;
        format!("${usd:.decimals$}")
    }
}

/// `s` on one line: line breaks escaped, other control characters replaced by a
/// space, and cut (with `…`) past 300 characters.
pub(crate) fn one_line(s: &str) -> String {
    const MAX_CHARS: usize = 300;
    let mut out = String::with_capacity(s.len().min(MAX_CHARS + 8));
    for (i, c) in s.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
pub(crate) mod test_spans {
    //! Hand-built spans for unit tests.
    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::{InstrumentationScope, KeyValue};
    use opentelemetry_sdk::trace::{SpanData, SpanEvents, SpanLinks};
    use std::time::{Duration, SystemTime};

    pub(crate) const TRACE: u128 = 0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736;

    /// A span of trace [`TRACE`] with id `id`, parent `parent` (0 = none),
    /// running from `start_ms` to `end_ms` after a fixed epoch.
    pub(crate) fn span(
        id: u64,
        parent: u64,
        name: &str,
        start_ms: u64,
        end_ms: u64,
        attributes: Vec<KeyValue>,
    ) -> SpanData {
        let epoch = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(TRACE),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Internal,
            name: name.to_string().into(),
            start_time: epoch + Duration::from_millis(start_ms),
            end_time: epoch + Duration::from_millis(end_ms),
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Unset,
            instrumentation_scope: InstrumentationScope::builder("test").build(),
        }
    }

    /// Attributes of a generation.
    pub(crate) fn generation(
        model: &str,
        input: i64,
        output: i64,
        cost: Option<f64>,
    ) -> Vec<KeyValue> {
        let mut a = vec![
            KeyValue::new("ai.span.type", "generation"),
            KeyValue::new("ai.model", model.to_string()),
            KeyValue::new("ai.prompt_tokens", input),
            KeyValue::new("ai.completion_tokens", output),
            KeyValue::new("ai.total_tokens", input + output),
        ];
        if let Some(c) = cost {
            a.push(KeyValue::new("ai.cost_usd", c));
        }
        a
    }

    /// Attributes carrying only a span type.
    pub(crate) fn typed(span_type: &'static str) -> Vec<KeyValue> {
        vec![KeyValue::new("ai.span.type", span_type)]
    }
}

#[cfg(test)]
mod tests {
    use super::test_spans::{generation, span, typed, TRACE};
    use super::*;
    use opentelemetry::KeyValue;

    fn sample() -> Vec<SpanData> {
        let mut failed = span(5, 2, "execute_tool search_kb", 300, 340, typed("tool"));
        failed.status = Status::error("timeout");
        let mut tripped = typed("guardrail");
        tripped.push(KeyValue::new("ai.guardrail.triggered", true));
        let mut passed = typed("guardrail");
        passed.push(KeyValue::new("ai.guardrail.triggered", false));
        let mut answered = generation("gpt-4o", 800, 60, Some(0.0026));
        answered.push(KeyValue::new("ai.response.model", "gpt-4o-2024-08-06"));
        vec![
            span(3, 2, "apply_guardrail pii", 10, 20, passed),
            span(4, 2, "chat gpt-4o", 20, 300, answered),
            failed,
            span(
                6,
                2,
                "chat local",
                340,
                360,
                generation("local", 10, 5, None),
            ),
            span(
                7,
                2,
                "chat gpt-4o",
                360,
                380,
                generation("gpt-4o", 12, 4, Some(0.0001)),
            ),
            span(8, 2, "apply_guardrail out", 380, 390, tripped),
            span(2, 1, "invoke_agent triage", 5, 395, typed("agent")),
            span(1, 0, "invoke_workflow support", 0, 400, typed("workflow")),
        ]
    }

    #[test]
    fn totals_and_counts() {
        let s = TraceSummary::from_spans(&sample());
        assert_eq!(s.trace_id, TraceId::from(TRACE));
        assert_eq!(s.root_name, "invoke_workflow support");
        assert_eq!(s.root_span_id, SpanId::from(1u64));
        assert_eq!(s.duration, Duration::from_millis(400));
        assert_eq!(s.span_count, 8);
        assert_eq!(s.local_roots, 1);
        assert_eq!(s.model_calls, 3);
        assert_eq!(s.input_tokens, 822);
        assert_eq!(s.output_tokens, 69);
        assert_eq!(s.total_tokens, 891);
        assert!((s.cost_usd - 0.0027).abs() < 1e-12);
        assert_eq!(s.unpriced_calls, 1);
        assert_eq!(s.errors, 1);
        assert_eq!(s.guardrails_tripped, 1);
        assert_eq!(s.tool_calls, 1);
        assert_eq!(s.handoffs, 0);
    }

    #[test]
    fn per_model_breakdown_uses_the_response_model_and_keeps_unpriced_apart() {
        let s = TraceSummary::from_spans(&sample());
        assert_eq!(s.model_names(), ["gpt-4o-2024-08-06", "gpt-4o", "local"]);
        let local = &s.models[2];
        assert_eq!((local.calls, local.unpriced_calls), (1, 1));
        assert_eq!(local.cost_usd, 0.0);
        let dated = &s.models[0];
        assert_eq!(
            (dated.calls, dated.input_tokens, dated.output_tokens),
            (1, 800, 60)
        );
        assert_eq!(dated.unpriced_calls, 0);
    }

    #[test]
    fn critical_path_follows_the_longest_child() {
        let s = TraceSummary::from_spans(&sample());
        let names: Vec<&str> = s.critical_path.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "invoke_workflow support",
                "invoke_agent triage",
                "chat gpt-4o"
            ]
        );
        assert_eq!(s.critical_path[2].1, Duration::from_millis(280));
    }

    #[test]
    fn display_reads_well() {
        let text = TraceSummary::from_spans(&sample()).to_string();
        assert!(text.starts_with("summary of trace 4bf92f3577b34da6a3ce929d0e0e4736\n"));
        assert!(text.contains("root: invoke_workflow support, 400.0 ms, 8 spans"));
        assert!(text.contains(
            "model calls: 3, tokens 822 in / 69 out / 891 total, cost $0.0027 (1 unpriced call)"
        ));
        assert!(text.contains("    local: 1 call, 10 in / 5 out tokens, unpriced"));
        assert!(text.contains("errors: 1, guardrails tripped: 1"));
        assert!(text.contains(
            "critical path: invoke_workflow support (400.0 ms) → invoke_agent triage (390.0 ms) → chat gpt-4o (280.0 ms)"
        ));
    }

    #[test]
    fn embeddings_count_in_tokens_and_cost() {
        let mut embed = typed("embedding");
        embed.push(KeyValue::new("ai.model", "text-embedding-3-small"));
        embed.push(KeyValue::new("ai.prompt_tokens", 300));
        embed.push(KeyValue::new("ai.cost_usd", 0.000006));
        let mut spans = sample();
        spans.insert(
            0,
            span(9, 2, "embeddings text-embedding-3-small", 1, 4, embed),
        );
        let s = TraceSummary::from_spans(&spans);
        assert_eq!((s.model_calls, s.embedding_calls), (3, 1));
        assert_eq!(
            (s.input_tokens, s.output_tokens, s.total_tokens),
            (1122, 69, 1191)
        );
        assert!((s.cost_usd - 0.002706).abs() < 1e-12);
        assert!(s.model_names().contains(&"text-embedding-3-small"));
        assert!(s.to_string().contains("model calls: 3 (+1 embedding), "));
    }

    #[test]
    fn empty_input_gives_an_empty_summary() {
        let s = TraceSummary::from_spans(&[]);
        assert_eq!(s.trace_id, TraceId::INVALID);
        assert_eq!(s.span_count, 0);
        assert!(s.critical_path.is_empty());
        assert!(s.to_string().contains("critical path: none"));
    }

    #[test]
    fn all_unpriced_means_cost_unknown_not_zero() {
        let spans = vec![span(
            1,
            0,
            "chat local",
            0,
            10,
            generation("local", 3, 4, None),
        )];
        let s = TraceSummary::from_spans(&spans);
        assert_eq!(s.unpriced_calls, 1);
        assert!(s.to_string().contains("cost unknown (1 unpriced call)"));
    }

    #[test]
    fn partial_traces_and_cycles_do_not_hang() {
        // 2 and 3 are each other's parent; 4's parent is absent.
        let spans = vec![
            span(2, 3, "a", 0, 50, vec![]),
            span(3, 2, "b", 10, 20, vec![]),
            span(4, 9, "c", 100, 130, vec![]),
        ];
        let s = TraceSummary::from_spans(&spans);
        assert_eq!(s.root_name, "c");
        assert_eq!(s.local_roots, 1);
        // Self-parented spans are roots of their own.
        let s = TraceSummary::from_spans(&[span(5, 5, "self", 0, 1, vec![])]);
        assert_eq!(s.critical_path.len(), 1);
    }

    #[test]
    fn spans_of_other_traces_are_ignored() {
        let mut other = span(9, 0, "other", 0, 1, vec![]);
        other.span_context = opentelemetry::trace::SpanContext::new(
            TraceId::from(7u128),
            SpanId::from(9u64),
            Default::default(),
            false,
            Default::default(),
        );
        let mut spans = sample();
        spans.push(other);
        assert_eq!(TraceSummary::from_spans(&spans).span_count, 8);
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(fmt_ms(Duration::from_micros(42)), "0.042 ms");
        assert_eq!(fmt_ms(Duration::from_micros(3270)), "3.27 ms");
        assert_eq!(fmt_ms(Duration::from_micros(812_400)), "812.4 ms");
        assert_eq!(fmt_ms(Duration::from_millis(12_345)), "12345 ms");
        assert_eq!(fmt_usd(0.0027), "$0.0027");
        assert_eq!(fmt_usd(0.0), "$0.0000");
        assert_eq!(fmt_usd(0.0000123), "$0.000012");
        assert_eq!(fmt_usd(0.00001), "$0.000010");
        assert_eq!(one_line("a\nb\tc"), "a\\nb c");
        assert_eq!(one_line(&"x".repeat(400)).chars().count(), 301);
    }
}
