//! GenAI metrics in the pipeline: what the span API records (see
//! [`aitrace::metrics`]) collected by the OpenTelemetry metrics SDK and
//! exported over OTLP with the traces, or summed up on the console.
//!
//! [`crate::Builder`] builds a meter provider when `OTEL_METRICS_EXPORTER` (or,
//! when it is unset, where the traces go) asks for one: a periodic reader per
//! exporter, every `OTEL_METRIC_EXPORT_INTERVAL` (60 s by default), and at
//! shutdown, which collects the last interval. [`crate::Builder::install`] puts
//! its instruments in force process-wide, so that every generation, tool, agent
//! and guardrail span counts, sampled or not.
//!
//! - `otlp`: [`crate::otlp::OtlpMetricExporter`], on the trace exporter's
//!   transport, runtime, retries and deadlines; what could not be delivered is
//!   in [`crate::ShutdownReport::metrics`].
//! - `console`: a [`MetricsSummary`] of the run, printed after the last trace
//!   when the pipeline shuts down.
//!
//! Spans of other instrumentation count too, when [`crate::gen_ai_spans::GenAiSpans`]
//! types them as they end (so only when sampled: a processor sees only spans
//! that record).
//!
//! For tests, [`InMemoryMetrics`] records into memory.

mod in_memory;
#[cfg(feature = "otlp")]
pub(crate) mod pipeline;
pub(crate) mod reported;
mod snapshot;
mod summary;

pub use in_memory::{InMemoryMetricExporter, InMemoryMetrics};
pub use snapshot::{MetricsSnapshot, Series, SeriesValue};
pub use summary::MetricsSummary;
