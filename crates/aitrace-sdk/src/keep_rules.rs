//! AI-aware keep rules: keep a whole local trace that the head sampler would drop
//! when it errored, tripped a guardrail, was slow, or cost too much.
//!
//! How it works: [`KeepRuleSampler`] turns the head sampler's "drop" into "record
//! only" for traces rooted in this process (the sampled flag stays off, so
//! downstream services still see the head decision). [`KeepRulesProcessor`] holds
//! those record-only spans per trace, bounded in count and bytes, and decides when
//! the local root span ends: if a rule matches, every held span goes on to the
//! export pipeline marked sampled; otherwise they are discarded. Sampled spans pass
//! straight through. What the bound evicts is counted in [`KeepRuleStats`].
//!
//! Across services, the collector's `tail_sampling` processor does the same job on
//! whole distributed traces (see `otel-config.yaml` and `docs/sampling.md`).

use crate::trace_buffer::{is_local_root, Bounds, TraceBuffer};
use aitrace::attributes::ai;
use opentelemetry::trace::{Link, SpanContext, SpanKind, Status, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    SamplingDecision, SamplingResult, ShouldSample, Span, SpanData, SpanProcessor,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use aitrace::env::AITRACE_SAMPLE_COST_USD as ENV_SAMPLE_COST_USD;
pub use aitrace::env::AITRACE_SAMPLE_ERRORS as ENV_SAMPLE_ERRORS;
pub use aitrace::env::AITRACE_SAMPLE_GUARDRAILS as ENV_SAMPLE_GUARDRAILS;
pub use aitrace::env::AITRACE_SAMPLE_SLOW_MS as ENV_SAMPLE_SLOW_MS;

/// Default bound of held spans.
pub const DEFAULT_MAX_BUFFERED_SPANS: usize = 8192;
/// Default bound of held bytes (the estimated OTLP-encoded size of the spans held).
pub const DEFAULT_MAX_BUFFERED_BYTES: usize = 16 * 1024 * 1024;

/// Which traces to keep whatever the head sampler said.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeepRules {
    /// Keep when a span has status Error.
    pub errors: bool,
    /// Keep when a guardrail tripped (`ai.guardrail.triggered = true`).
    pub guardrails: bool,
    /// Keep when the local root took longer than this.
    pub slower_than: Option<Duration>,
    /// Keep when the cost of the model calls (`ai.cost_usd`, else `gen_ai.usage.cost`)
    /// adds up to more than this.
    pub costlier_than_usd: Option<f64>,
    /// Bound of held spans; past it the oldest trace is evicted.
    pub max_buffered_spans: usize,
    /// Bound of held bytes (estimated); past it the oldest trace is evicted.
    pub max_buffered_bytes: usize,
}

impl Default for KeepRules {
    fn default() -> Self {
        KeepRules {
            errors: false,
            guardrails: false,
            slower_than: None,
            costlier_than_usd: None,
            max_buffered_spans: DEFAULT_MAX_BUFFERED_SPANS,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
        }
    }
}

impl KeepRules {
    /// True when at least one rule is on.
    pub fn any(&self) -> bool {
        self.errors
            || self.guardrails
            || self.slower_than.is_some()
            || self.costlier_than_usd.is_some()
    }

    /// The rule that keeps this trace, if any.
    pub fn matches(&self, spans: &[SpanData], root: &SpanData) -> Option<KeepReason> {
        if self.errors
            && spans
                .iter()
                .any(|s| matches!(s.status, Status::Error { .. }))
        {
            return Some(KeepReason::Error);
        }
        if self.guardrails
            && spans.iter().any(|s| {
                s.attributes.iter().any(|kv| {
                    kv.key.as_str() == "ai.guardrail.triggered" && kv.value == Value::Bool(true)
                })
            })
        {
            return Some(KeepReason::Guardrail);
        }
        if let Some(limit) = self.slower_than {
            let took = root
                .end_time
                .duration_since(root.start_time)
                .unwrap_or_default();
            if took > limit {
                return Some(KeepReason::Slow);
            }
        }
        if let Some(limit) = self.costlier_than_usd {
            // Model calls only (aitrace's, and those of other instrumentation
            // that `GenAiSpans` typed), so that a library's span inside an
            // aitrace generation never adds the same call again.
            let cost: f64 = spans
                .iter()
                .filter(|s| crate::summary::attr_str(s, ai::SPAN_TYPE).is_some())
                .filter_map(crate::summary::cost_usd_of)
                .sum();
            if cost > limit {
                return Some(KeepReason::Cost);
            }
        }
        None
    }
}

impl KeepRules {
    /// Reads the `AITRACE_SAMPLE_*` variables through `lookup`. Reading never
    /// fails: a value that is not a boolean, a whole number of milliseconds or a
    /// non-negative amount of dollars leaves its rule off, and is described in the
    /// returned warnings (see [`aitrace::env`]).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> (KeepRules, Vec<aitrace::ConfigWarning>) {
        let mut env = aitrace::env::EnvReader::new(lookup);
        let off = "the rule stays off";
        let r = KeepRules {
            errors: env.bool(&[ENV_SAMPLE_ERRORS]).unwrap_or(false),
            guardrails: env.bool(&[ENV_SAMPLE_GUARDRAILS]).unwrap_or(false),
            slower_than: env.parse(&[ENV_SAMPLE_SLOW_MS], off, |v| {
                aitrace::env::parse_millis(v, false)
            }),
            costlier_than_usd: env.parse(&[ENV_SAMPLE_COST_USD], off, |v| {
                parse_usd(v).ok_or_else(|| COST.to_string())
            }),
            ..KeepRules::default()
        };
        (r, env.finish())
    }

    /// Checks the values set in code as reading checks those of the environment:
    /// a cost limit that is negative or not a number turns its rule off, with a
    /// warning.
    pub fn validate(&mut self) -> Vec<aitrace::ConfigWarning> {
        match self.costlier_than_usd {
            Some(usd) if !(usd.is_finite() && usd >= 0.0) => {
                self.costlier_than_usd = None;
                vec![aitrace::ConfigWarning::new(
                    ENV_SAMPLE_COST_USD,
                    usd.to_string(),
                    COST,
                    "the rule stays off",
                )]
            }
            _ => Vec::new(),
        }
    }
}

/// What `AITRACE_SAMPLE_COST_USD` accepts.
const COST: &str = "an amount of US dollars, 0 or more";

fn parse_usd(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|c| c.is_finite() && *c >= 0.0)
}

/// Why a trace was kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepReason {
    /// A span errored.
    Error,
    /// A guardrail tripped.
    Guardrail,
    /// The local root was slow.
    Slow,
    /// The trace cost more than the limit.
    Cost,
}

/// Wraps the head sampler: where it drops a span of a trace rooted here (no
/// remote parent, or a remote parent that deferred the decision, see
/// [`crate::propagation::is_deferred`]), the span is recorded anyway, unsampled,
/// so the keep rules can look at it when the trace ends.
#[derive(Clone, Debug)]
pub struct KeepRuleSampler<S> {
    head: S,
}

impl<S> KeepRuleSampler<S> {
    /// Wraps `head`.
    pub fn new(head: S) -> Self {
        KeepRuleSampler { head }
    }
}

impl<S: ShouldSample + Clone + 'static> ShouldSample for KeepRuleSampler<S> {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        name: &str,
        span_kind: &SpanKind,
        attributes: &[KeyValue],
        links: &[Link],
    ) -> SamplingResult {
        let mut result =
            self.head
                .should_sample(parent_context, trace_id, name, span_kind, attributes, links);
        if result.decision == SamplingDecision::Drop {
            // A remote parent that was not sampled is honoured: the upstream
            // service owns that decision (parent-based consistency). One that left
            // the decision here (B3 without a sampling state) is decided as a root.
            let remote_parent = parent_context
                .filter(|cx| !crate::propagation::is_deferred(cx))
                .map(|cx| cx.span().span_context().clone())
                .filter(|sc| sc.is_valid() && sc.is_remote());
            if remote_parent.is_none() {
                result.decision = SamplingDecision::RecordOnly;
            }
        }
        result
    }
}

/// Counters of the keep rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeepRuleStats {
    /// Traces kept by a rule although the head sampler dropped them.
    pub traces_kept: u64,
    /// Traces that matched no rule and were discarded.
    pub traces_discarded: u64,
    /// Spans evicted because the buffer bound was reached (their traces are lost).
    pub spans_evicted: u64,
    /// Spans held now.
    pub spans_buffered: u64,
}

#[derive(Default)]
struct Counters {
    kept: AtomicU64,
    discarded: AtomicU64,
    evicted: AtomicU64,
}

/// Holds record-only spans until their local root ends, then keeps or discards
/// the trace by the [`KeepRules`]; forwards sampled spans to `inner` at once.
pub struct KeepRulesProcessor<P> {
    inner: P,
    rules: KeepRules,
    buffer: Mutex<TraceBuffer>,
    counters: Arc<Counters>,
    evictions_reported: std::sync::atomic::AtomicBool,
}

impl<P: std::fmt::Debug> std::fmt::Debug for KeepRulesProcessor<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeepRulesProcessor")
            .field("inner", &self.inner)
            .field("rules", &self.rules)
            .finish()
    }
}

fn mark_sampled(mut span: SpanData) -> SpanData {
    let sc = &span.span_context;
    span.span_context = SpanContext::new(
        sc.trace_id(),
        sc.span_id(),
        sc.trace_flags().with_sampled(true),
        sc.is_remote(),
        sc.trace_state().clone(),
    );
    span
}

impl<P: SpanProcessor> KeepRulesProcessor<P> {
    /// Applies `rules` in front of `inner`.
    pub fn new(inner: P, rules: KeepRules) -> Self {
        KeepRulesProcessor {
            inner,
            rules,
            buffer: Mutex::new(TraceBuffer::new(Bounds {
                spans: rules.max_buffered_spans,
                traces: usize::MAX,
                bytes: rules.max_buffered_bytes,
            })),
            counters: Arc::default(),
            evictions_reported: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// A handle on the counters (usable after the processor moves into a provider).
    pub fn stats_handle(&self) -> KeepRuleStatsHandle {
        KeepRuleStatsHandle {
            counters: self.counters.clone(),
        }
    }

    /// The counters now.
    pub fn stats(&self) -> KeepRuleStats {
        let b = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = self.stats_handle().snapshot();
        s.spans_buffered = b.spans() as u64;
        s
    }

    fn evict_until_fits(&self, b: &mut TraceBuffer) {
        while b.over_bounds() {
            let Some(evicted) = b.pop_oldest() else {
                break;
            };
            self.counters
                .evicted
                .fetch_add(evicted.len() as u64, Ordering::Relaxed);
            if !self.evictions_reported.swap(true, Ordering::Relaxed) {
                eprintln!("aitrace: keep-rule buffer full ({} spans / {} bytes): evicting the oldest unfinished traces; further evictions are counted, not printed", self.rules.max_buffered_spans, self.rules.max_buffered_bytes);
            }
        }
    }
}

/// Reads [`KeepRuleStats`] from anywhere.
#[derive(Clone)]
pub struct KeepRuleStatsHandle {
    counters: Arc<Counters>,
}

impl std::fmt::Debug for KeepRuleStatsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeepRuleStatsHandle({:?})", self.snapshot())
    }
}

impl KeepRuleStatsHandle {
    /// The counters now (`spans_buffered` is not tracked by the handle).
    pub fn snapshot(&self) -> KeepRuleStats {
        KeepRuleStats {
            traces_kept: self.counters.kept.load(Ordering::Relaxed),
            traces_discarded: self.counters.discarded.load(Ordering::Relaxed),
            spans_evicted: self.counters.evicted.load(Ordering::Relaxed),
            spans_buffered: 0,
        }
    }
}

impl<P: SpanProcessor> SpanProcessor for KeepRulesProcessor<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx)
    }

    fn on_end(&self, span: SpanData) {
        if span.span_context.is_sampled() {
            return self.inner.on_end(span);
        }
        if !is_local_root(&span) {
            let mut b = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
            b.hold(span);
            self.evict_until_fits(&mut b);
            return;
        }
        // The local root ended: decide for the whole local trace.
        let spans = self
            .buffer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take_trace(span);
        let root = spans.last().expect("the root was just pushed");
        if self.rules.matches(&spans, root).is_some() {
            self.counters.kept.fetch_add(1, Ordering::Relaxed);
            for s in spans {
                self.inner.on_end(mark_sampled(s));
            }
        } else {
            self.counters.discarded.fetch_add(1, Ordering::Relaxed);
        }
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
