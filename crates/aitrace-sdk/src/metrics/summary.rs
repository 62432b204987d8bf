//! The console summary of a run's metrics: model calls by model (calls,
//! errors, tokens, cost, duration percentiles), time to first chunk, tools,
//! agents and guardrails, from a [`MetricsSnapshot`].

use super::{MetricsSnapshot, Series, SeriesValue};
use aitrace::metrics::names::{self, attr};
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

/// The summary of a run's metrics, rendered by [`fmt::Display`]; empty when
/// nothing was recorded.
///
/// ```
/// use aitrace::instrumentation::with_instrumentation;
/// use aitrace_sdk::metrics::{InMemoryMetrics, MetricsSummary};
///
/// let metrics = InMemoryMetrics::new();
/// with_instrumentation(metrics.instrumentation(), || {
///     let mut call = aitrace::generation("openai", "gpt-4o").start();
///     call.record_usage(aitrace::Usage::new(812, 64));
///     call.end();
///     aitrace::tool("search_kb").start().end();
/// });
/// let text = MetricsSummary::new(&metrics.collect()).to_string();
/// assert!(text.contains("openai gpt-4o"));
/// assert!(text.contains("search_kb"));
/// ```
#[derive(Clone, Debug)]
pub struct MetricsSummary<'a> {
    snapshot: &'a MetricsSnapshot,
}

impl<'a> MetricsSummary<'a> {
    /// The summary of `snapshot`.
    pub fn new(snapshot: &'a MetricsSnapshot) -> MetricsSummary<'a> {
        MetricsSummary { snapshot }
    }
}

/// Several series of one histogram merged (same boundaries).
#[derive(Default)]
struct Merged {
    count: u64,
    errors: u64,
    bounds: Vec<f64>,
    buckets: Vec<u64>,
    max: Option<f64>,
}

impl Merged {
    fn add(&mut self, s: &Series) {
        let SeriesValue::Histogram {
            count,
            bounds,
            bucket_counts,
            max,
            ..
        } = &s.value
        else {
            return;
        };
        self.count += count;
        if s.attribute(attr::ERROR_TYPE).is_some() {
            self.errors += count;
        }
        if self.buckets.is_empty() {
            self.bounds = bounds.clone();
            self.buckets = vec![0; bucket_counts.len()];
        }
        if self.buckets.len() == bucket_counts.len() {
            for (b, n) in self.buckets.iter_mut().zip(bucket_counts) {
                *b += n;
            }
        }
        self.max = match (self.max, *max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn quantile(&self, q: f64) -> Option<f64> {
        Series {
            name: String::new(),
            unit: String::new(),
            attributes: Vec::new(),
            value: SeriesValue::Histogram {
                count: self.count,
                sum: 0.0,
                min: None,
                max: self.max,
                bounds: self.bounds.clone(),
                bucket_counts: self.buckets.clone(),
            },
        }
        .quantile(q)
    }
}

#[derive(Default)]
struct ModelRow {
    duration: Merged,
    input: f64,
    output: f64,
    cost: f64,
}

/// `provider model`: the model that answered when known, else the one asked for.
fn model_key(s: &Series) -> String {
    let provider = s.attribute(attr::PROVIDER_NAME).unwrap_or("unknown");
    let model = s
        .attribute(attr::RESPONSE_MODEL)
        .or_else(|| s.attribute(attr::REQUEST_MODEL))
        .unwrap_or("unknown");
    format!("{provider} {model}")
}

fn secs(v: Option<f64>) -> String {
    match v {
        Some(v) if v < 0.1 => format!("{v:.3}"),
        Some(v) => format!("{v:.2}"),
        None => "-".into(),
    }
}

impl fmt::Display for MetricsSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.snapshot;
        if snap.is_empty() {
            return Ok(());
        }
        let mut out = String::new();
        let _ = writeln!(out, "metrics of this run");
        let mut models: BTreeMap<String, ModelRow> = BTreeMap::new();
        let mut first_chunk = Merged::default();
        let mut tools: BTreeMap<String, Merged> = BTreeMap::new();
        let mut agents: BTreeMap<String, Merged> = BTreeMap::new();
        let mut guardrails: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for s in &snap.series {
            let name = s.name.as_str();
            if name == names::OPERATION_DURATION.name {
                models.entry(model_key(s)).or_default().duration.add(s);
            } else if name == names::TOKEN_USAGE.name {
                let row = models.entry(model_key(s)).or_default();
                match s.attribute(attr::TOKEN_TYPE) {
                    Some(attr::INPUT) => row.input += s.total(),
                    Some(attr::OUTPUT) => row.output += s.total(),
                    _ => {}
                }
            } else if name == names::COST.name {
                models.entry(model_key(s)).or_default().cost += s.total();
            } else if name == names::TIME_TO_FIRST_CHUNK.name {
                first_chunk.add(s);
            } else if name == names::TOOL_DURATION.name {
                let tool = s.attribute(attr::TOOL_NAME).unwrap_or("unknown");
                tools.entry(tool.to_string()).or_default().add(s);
            } else if name == names::AGENT_DURATION.name {
                let agent = s.attribute(attr::AGENT_NAME).unwrap_or("unknown");
                agents.entry(agent.to_string()).or_default().add(s);
            } else if name == names::GUARDRAIL_CHECKS.name {
                let g = s.attribute(attr::GUARDRAIL_NAME).unwrap_or("unknown");
                let row = guardrails.entry(g.to_string()).or_default();
                row.0 += s.total() as u64;
                if s.attribute(attr::GUARDRAIL_TRIGGERED) == Some("true") {
                    row.1 += s.total() as u64;
                }
            }
        }
        let width = models
            .keys()
            .chain(tools.keys())
            .chain(agents.keys())
            .chain(guardrails.keys())
            .map(|k| k.chars().count())
            .max()
            .unwrap_or(0)
            .max(12);
        if !models.is_empty() {
            let _ = writeln!(
                out,
                "  {:width$}  {:>6} {:>6} {:>10} {:>10} {:>10} {:>7} {:>7}",
                "model calls",
                "calls",
                "errors",
                "input tok",
                "output tok",
                "cost USD",
                "p50 s",
                "p95 s"
            );
            for (model, row) in &models {
                let d = &row.duration;
                let _ = writeln!(
                    out,
                    "  {model:width$}  {:>6} {:>6} {:>10} {:>10} {:>10.6} {:>7} {:>7}",
                    d.count,
                    d.errors,
                    row.input as u64,
                    row.output as u64,
                    row.cost,
                    secs(d.quantile(0.5)),
                    secs(d.quantile(0.95)),
                );
            }
        }
        if first_chunk.count > 0 {
            let _ = writeln!(
                out,
                "  time to first chunk: p50 {} s, p95 {} s ({} streamed calls)",
                secs(first_chunk.quantile(0.5)),
                secs(first_chunk.quantile(0.95)),
                first_chunk.count
            );
        }
        for (title, rows) in [("tool calls", &tools), ("agent runs", &agents)] {
            if rows.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "  {title:width$}  {:>6} {:>6} {:>7} {:>7}",
                "calls", "errors", "p50 s", "p95 s"
            );
            for (name, d) in rows {
                let _ = writeln!(
                    out,
                    "  {name:width$}  {:>6} {:>6} {:>7} {:>7}",
                    d.count,
                    d.errors,
                    secs(d.quantile(0.5)),
                    secs(d.quantile(0.95)),
                );
            }
        }
        if !guardrails.is_empty() {
            let _ = writeln!(
                out,
                "  {:width$}  {:>6} {:>7}",
                "guardrails", "checks", "tripped"
            );
            for (name, (checks, tripped)) in &guardrails {
                let _ = writeln!(out, "  {name:width$}  {checks:>6} {tripped:>7}");
            }
        }
        f.write_str(&out)
    }
}
