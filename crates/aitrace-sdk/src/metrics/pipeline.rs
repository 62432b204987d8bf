//! The meter provider a [`crate::Builder`] builds, and what the guard needs of
//! it to flush, shut down and report.

use super::{InMemoryMetricExporter, MetricsSummary};
use crate::config::{Config, MetricsExporterKind};
use crate::exporter::ConsoleExporter;
use crate::otlp::{Deadline, ExporterBuildError, OtlpMetricExporter};
use crate::runtime::ExportRuntime;
use crate::stats::ExportStats;
use aitrace::metrics::Instruments;
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::Resource;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The metrics part of a running pipeline.
#[derive(Debug)]
pub(crate) struct MetricsPipeline {
    pub(crate) provider: SdkMeterProvider,
    pub(crate) instruments: Instruments,
    /// Data points handed to the OTLP exporter and what became of them.
    pub(crate) otlp: Option<(ExportStats, Deadline)>,
    /// The last collection, summed up on `console` at shutdown.
    pub(crate) console: Option<(InMemoryMetricExporter, ConsoleExporter)>,
}

impl MetricsPipeline {
    /// The meter provider and instruments for `config`'s metrics exporters, or
    /// `None` when metrics go nowhere. `console` is the traces' console
    /// exporter, if any (the summary follows its output); `runtime` the trace
    /// exporter's, if any.
    pub(crate) fn build(
        config: &Config,
        resource: Resource,
        console: Option<ConsoleExporter>,
        runtime: Option<ExportRuntime>,
    ) -> Result<Option<MetricsPipeline>, ExporterBuildError> {
        let kinds = config.effective_metrics_exporters();
        if kinds.is_empty() {
            return Ok(None);
        }
        let interval = config.metrics.interval;
        let mut builder = SdkMeterProvider::builder().with_resource(resource);
        let mut otlp = None;
        let mut summary = None;
        for kind in kinds {
            match kind {
                MetricsExporterKind::Otlp if otlp.is_none() => {
                    let stats = ExportStats::default();
                    let deadline = Deadline::default();
                    let exporter = OtlpMetricExporter::new(
                        &config.metrics,
                        runtime.clone(),
                        stats.clone(),
                        deadline.clone(),
                    )?;
                    builder = builder.with_reader(
                        PeriodicReader::builder(exporter)
                            .with_interval(interval)
                            .build(),
                    );
                    otlp = Some((stats, deadline));
                }
                MetricsExporterKind::Console if summary.is_none() => {
                    // Cumulative: the last collection holds the run's totals.
                    let last = InMemoryMetricExporter::with_temporality(Temporality::Cumulative);
                    builder = builder.with_reader(
                        PeriodicReader::builder(last.clone())
                            .with_interval(interval)
                            .build(),
                    );
                    let out = console.clone().unwrap_or_else(ConsoleExporter::stdout);
                    summary = Some((last, out));
                }
                _ => {}
            }
        }
        let provider = builder.build();
        // The SDK binds (this crate turns its bound instruments on).
        let instruments = Instruments::from_provider(&provider).with_bound_series();
        Ok(Some(MetricsPipeline {
            provider,
            instruments,
            otlp,
            console: summary,
        }))
    }

    /// Starts exporting what was recorded so far, on a thread of its own;
    /// [`MetricsPipeline::finish_flush`] waits for it.
    pub(crate) fn begin_flush(&self, _deadline: Instant) -> ShuttingDown {
        let provider = self.provider.clone();
        ShuttingDown(spawn(move || {
            provider.force_flush().map_err(|e| e.to_string())
        }))
    }

    /// Waits for the flush begun by [`MetricsPipeline::begin_flush`] until
    /// `deadline`. `Err` names what did not finish.
    pub(crate) fn finish_flush(
        &self,
        pending: ShuttingDown,
        deadline: Instant,
    ) -> Result<(), String> {
        wait(pending.0, deadline, "metrics flush")
    }

    /// Starts collecting and exporting the last interval and shutting the
    /// meter provider down, on a thread of its own (so that the traces shut
    /// down meanwhile); [`MetricsPipeline::finish_shutdown`] waits for it.
    pub(crate) fn begin_shutdown(&self, deadline: Instant) -> ShuttingDown {
        let provider = self.provider.clone();
        let left = deadline.saturating_duration_since(Instant::now());
        ShuttingDown(spawn(move || {
            provider
                .shutdown_with_timeout(left)
                .map_err(|e| e.to_string())
        }))
    }

    /// Waits for the shutdown begun by [`MetricsPipeline::begin_shutdown`] until
    /// `deadline`, then prints the summary (after the traces' output) if the
    /// console is one of the exporters.
    pub(crate) fn finish_shutdown(
        &self,
        pending: ShuttingDown,
        deadline: Instant,
    ) -> Result<(), String> {
        let outcome = wait(pending.0, deadline, "metrics shutdown");
        if let Some((last, console)) = &self.console {
            let text = MetricsSummary::new(&last.last()).to_string();
            if !text.is_empty() {
                console.print(text);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            console
                .flush_with_timeout(left)
                .map_err(|e| e.to_string())?;
        }
        outcome
    }
}

/// A flush or shutdown of the meter provider under way.
pub(crate) struct ShuttingDown(Result<mpsc::Receiver<Result<(), String>>, String>);

/// Runs `f` on a thread of its own: the SDK's periodic reader waits for its
/// exporter without a bound of its own, and the application's thread must never
/// wait past the guard's deadline.
fn spawn(
    f: impl FnOnce() -> Result<(), String> + Send + 'static,
) -> Result<mpsc::Receiver<Result<(), String>>, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("aitrace-metrics".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| format!("cannot start a thread: {e}"))?;
    Ok(rx)
}

/// What `f` of [`spawn`] returned, if it did by `deadline`.
fn wait(
    rx: Result<mpsc::Receiver<Result<(), String>>, String>,
    deadline: Instant,
    what: &str,
) -> Result<(), String> {
    let rx = rx.map_err(|e| format!("{what}: {e}"))?;
    let left = deadline.saturating_duration_since(Instant::now());
    // At least a moment: work already done should be seen as done.
    match rx.recv_timeout(left.max(Duration::from_millis(1))) {
        // The SDK's own error says no more than "failed": what failed, and
        // why, is counted by the exporter and in the report.
        Ok(_) => Ok(()),
        Err(_) => Err(format!("{what} not finished by the deadline")),
    }
}
