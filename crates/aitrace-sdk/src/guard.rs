//! [`TracingGuard`]: the running pipeline, and how it ends. Flushes and shutdown
//! keep one deadline ([`crate::DEFAULT_SHUTDOWN_TIMEOUT`], 2 s, unless set) and
//! report what was delivered and, when something was not, why.

use crate::config::{Config, ConfigWarning};
use crate::exporter::ConsoleExporter;
use crate::keep_rules::{KeepRuleStats, KeepRuleStatsHandle};
use crate::metrics::pipeline::MetricsPipeline;
use crate::otlp::Deadline;
use crate::stats::{ExportFailure, ExportStats, StatsSnapshot};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the guard waits on beyond the provider: the OTLP exporters, told to end
/// their exports by the deadline, and the console exporters, whose output the
/// simple span processor would not flush.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    pub(crate) exporters: Vec<Deadline>,
    pub(crate) consoles: Vec<ConsoleExporter>,
}

impl Waiters {
    /// Exports in progress or to come end by `at`.
    fn stop_exports_at(&self, at: Instant) {
        for d in &self.exporters {
            d.set(at);
        }
    }

    fn let_exports_run(&self) {
        for d in &self.exporters {
            d.clear();
        }
    }

    /// Waits for the consoles' output until `deadline`; the first failure.
    fn flush_consoles(&self, deadline: Instant) -> Option<String> {
        let mut first = None;
        for c in &self.consoles {
            let left = deadline.saturating_duration_since(Instant::now());
            if let Err(e) = c.flush_with_timeout(left) {
                first.get_or_insert(e.to_string());
            }
        }
        first
    }
}

/// The exporters are told to stop a little before the caller's deadline, so
/// that what they gave up on is counted (as failed, with its cause) by the time
/// the report is read: a tenth of the time, at most 200 ms.
fn exporters_deadline(start: Instant, timeout: Duration) -> Instant {
    let margin = (timeout / 10).min(Duration::from_millis(200));
    start + timeout.saturating_sub(margin)
}

/// `timeout` from `start`, or far away when that cannot be represented.
fn deadline_from(start: Instant, timeout: Duration) -> Instant {
    start
        .checked_add(timeout)
        .unwrap_or_else(|| start + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// Keeps the pipeline alive; flushes and shuts it down when dropped.
///
/// # What is lost without it
/// Spans wait in a queue and are exported in batches, on threads of their
/// own. Whatever is queued or being exported when the process ends without the
/// guard shutting down is lost, without a message: up to the queue's size plus
/// the batch being exported (2048 + 512 spans by default). That happens on `std::process::exit` (which runs no
/// destructors), `std::mem::forget(guard)` or a guard kept in a `static`, an
/// abort (`panic = "abort"`, `std::process::abort`, a signal), and a panic that
/// ends `main` in a thread other than the guard's owner. Console output not yet
/// written is lost the same way.
///
/// The pattern that loses nothing: keep the guard in `main`, and end every exit
/// path through [`TracingGuard::shutdown`] (or [`TracingGuard::flush`] right
/// before `process::exit`):
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     let tracing = aitrace_sdk::init().expect("tracing set up");
///     let code = run();
///     // Before any exit: waits at most 2 s (AITRACE_SHUTDOWN_TIMEOUT), and says
///     // what was lost and why if the collector did not take everything.
///     if let Err(e) = tracing.shutdown() {
///         eprintln!("{e}");
///     }
///     code
/// }
/// # fn run() -> std::process::ExitCode { std::process::ExitCode::SUCCESS }
/// ```
#[derive(Debug)]
pub struct TracingGuard {
    provider: Option<SdkTracerProvider>,
    metrics: Option<MetricsPipeline>,
    stats: ExportStats,
    waiters: Waiters,
    keep_stats: Option<KeepRuleStatsHandle>,
    config: Config,
    warnings: Vec<ConfigWarning>,
    shut_down: bool,
    /// What the span API reaches the provider through ([`crate::pipeline`]),
    /// and whether [`crate::Builder::install`] installed it.
    pipeline: Option<Arc<dyn aitrace::pipeline::Pipeline>>,
    pipeline_installed: bool,
    /// One flush at a time: each sets and clears the exporters' deadline.
    flushing: Mutex<()>,
}

impl TracingGuard {
    pub(crate) fn new(
        provider: Option<SdkTracerProvider>,
        stats: ExportStats,
        waiters: Waiters,
        keep_stats: Option<KeepRuleStatsHandle>,
        config: Config,
        warnings: Vec<ConfigWarning>,
        pipeline: Option<Arc<dyn aitrace::pipeline::Pipeline>>,
    ) -> TracingGuard {
        TracingGuard {
            pipeline,
            pipeline_installed: false,
            provider,
            metrics: None,
            stats,
            waiters,
            keep_stats,
            config,
            warnings,
            shut_down: false,
            flushing: Mutex::new(()),
        }
    }

    /// The guard also keeps, flushes and shuts down `metrics`.
    pub(crate) fn with_metrics(mut self, metrics: Option<MetricsPipeline>) -> TracingGuard {
        self.metrics = metrics;
        self
    }

    /// Installs the span pipeline of this guard's provider for the span API
    /// (removed at shutdown).
    pub(crate) fn install_pipeline(&mut self) {
        if let Some(p) = &self.pipeline {
            aitrace::pipeline::set_global_pipeline(p.clone());
            self.pipeline_installed = true;
        }
    }

    /// The tracer provider (absent when tracing is disabled).
    pub fn provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// The meter provider (absent when metrics go nowhere, or tracing is
    /// disabled): instruments of yours made on it are exported with aitrace's.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.metrics.as_ref().map(|m| &m.provider)
    }

    /// The GenAI instruments of the meter provider, which
    /// [`crate::Builder::install`] puts in force process-wide; after
    /// [`crate::Builder::build`], put them in force yourself
    /// ([`aitrace::metrics::set_global_instruments`], or on one thread with
    /// [`aitrace::instrumentation::with_instrumentation`]).
    pub fn instruments(&self) -> Option<&aitrace::metrics::Instruments> {
        self.metrics.as_ref().map(|m| &m.instruments)
    }

    /// What became of the metric data points exported over OTLP so far (when
    /// metrics go over OTLP).
    pub fn metrics_report(&self) -> Option<MetricsReport> {
        self.metrics.as_ref().and_then(MetricsReport::of)
    }

    /// A `tracing-opentelemetry` layer on this pipeline (feature `tracing`): add
    /// it to your `tracing` subscriber and `tracing` spans (axum, tower-http,
    /// reqwest, sqlx, `#[tracing::instrument]`) and aitrace spans form one trace.
    /// See [`crate::tracing_bridge`].
    ///
    /// With tracing disabled it still works: spans record nothing and keep valid
    /// trace and span ids.
    #[cfg(feature = "tracing")]
    pub fn tracing_layer<S>(&self) -> crate::tracing_bridge::TracingLayer<S>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        match &self.provider {
            Some(p) => crate::tracing_bridge::layer(p),
            None => crate::tracing_bridge::layer(&crate::tracing_bridge::off_provider()),
        }
    }

    /// The configuration in force (after [`Config::validate`]).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The values that could not be used and were replaced by their defaults, as
    /// printed when the pipeline was built: from the environment, then from code.
    pub fn config_warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// Live export counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.stats.snapshot()
    }

    /// The last export failure, if any, with its kind (refused, TLS, timeout…).
    pub fn last_failure(&self) -> Option<ExportFailure> {
        self.stats.last_failure()
    }

    /// Counters of the AI-aware keep rules, when any rule is on.
    pub fn keep_rule_stats(&self) -> Option<KeepRuleStats> {
        self.keep_stats.as_ref().map(|h| h.snapshot())
    }

    /// Exports everything recorded so far and waits, at most the shutdown
    /// timeout ([`Config::shutdown_timeout`], 2 s by default), until it is
    /// delivered or has failed; console output is written.
    ///
    /// The pipeline keeps running. Exports still going at the deadline (a dead
    /// or silent collector) end then, counted as failed with their cause.
    ///
    /// ```no_run
    /// let tracing = aitrace_sdk::init()?;
    /// // ... work ...
    /// match tracing.flush() {
    ///     Ok(report) => eprintln!("{} spans exported so far", report.stats.exported),
    ///     Err(e) => eprintln!("{e}"), // names the cause: refused, TLS, timeout…
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`FlushError`], with the report, when a span recorded before the call
    /// failed or was not settled by the deadline, or console output could not
    /// be written.
    // The report is the error's whole point, and this runs once or twice per process.
    #[allow(clippy::result_large_err)]
    pub fn flush(&self) -> Result<FlushReport, FlushError> {
        self.flush_with_timeout(self.config.shutdown_timeout)
    }

    /// Like [`TracingGuard::flush`] with a deadline of yours.
    ///
    /// # Errors
    /// See [`TracingGuard::flush`].
    // The report is the error's whole point, and this runs once or twice per process.
    #[allow(clippy::result_large_err)]
    pub fn flush_with_timeout(&self, timeout: Duration) -> Result<FlushReport, FlushError> {
        let _one_at_a_time = self.flushing.lock().unwrap_or_else(|e| e.into_inner());
        let start = Instant::now();
        let deadline = deadline_from(start, timeout);
        let before = self.stats.snapshot();
        self.waiters
            .stop_exports_at(exporters_deadline(start, timeout));
        let metrics_before = self.metrics_report();
        // Metrics are collected and exported meanwhile, on a thread of their own.
        let metrics_flush = self
            .metrics
            .as_ref()
            .map(|m| m.begin_flush(exporters_deadline(start, timeout)));
        // The SDK's batch processor stops waiting for its flush after 5 s of its
        // own but finishes it: what counts is the counters.
        let flushed = self.provider.as_ref().map_or(Ok(()), |p| p.force_flush());
        // Everything admitted before the call has an outcome once exported and
        // failed spans cover it (drops from now on are of later spans).
        let settled = |s: &StatsSnapshot| s.exported + s.failed + before.dropped >= before.recorded;
        let mut after = self.stats.snapshot();
        while !settled(&after) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
            after = self.stats.snapshot();
        }
        let mut problem = if settled(&after) {
            None
        } else {
            flushed.err().map(|e| e.to_string())
        };
        if let Some(e) = self.waiters.flush_consoles(deadline) {
            problem.get_or_insert(e);
        }
        if let (Some(m), Some(pending)) = (&self.metrics, metrics_flush) {
            if let Err(e) = m.finish_flush(pending, deadline) {
                problem.get_or_insert(e);
            }
        }
        self.waiters.let_exports_run();
        let metrics = self.metrics_report();
        let metrics_lost = match (&metrics, &metrics_before) {
            (Some(now), Some(then)) => now.stats.failed - then.stats.failed,
            _ => 0,
        };
        if metrics_lost > 0 {
            let failure = metrics.as_ref().and_then(|m| m.last_failure.clone());
            problem.get_or_insert(format!(
                "{metrics_lost} metric data points failed{}",
                cause(&failure, &None)
            ));
        }
        let report = FlushReport {
            stats: after,
            last_failure: self.stats.last_failure(),
            metrics,
        };
        let lost = after.failed - before.failed;
        if settled(&after) && lost == 0 && problem.is_none() {
            return Ok(report);
        }
        let pending =
            (before.recorded - before.dropped).saturating_sub(after.exported + after.failed);
        let message = format!(
            "tracing flush incomplete: {lost} spans failed and {pending} were still pending after {timeout:?}{}",
            cause(&report.last_failure, &problem)
        );
        Err(FlushError {
            report,
            lost,
            pending,
            message: message.into(),
        })
    }

    /// Exports everything recorded so far; [`TracingGuard::flush`] with the SDK's
    /// result type.
    ///
    /// # Errors
    /// When a span recorded before the call was not delivered (see
    /// [`TracingGuard::flush`]).
    pub fn force_flush(&self) -> OTelSdkResult {
        self.flush()
            .map(|_| ())
            .map_err(|e| OTelSdkError::InternalFailure(e.to_string()))
    }

    /// Flushes and shuts down, waiting at most the shutdown timeout
    /// ([`Config::shutdown_timeout`]: `AITRACE_SHUTDOWN_TIMEOUT`,
    /// `Builder::with_shutdown_timeout`, 2 s by default).
    ///
    /// # Errors
    /// [`ShutdownError`] with the counts, and the cause, when a span was not
    /// delivered.
    // The report is the error's whole point, and this runs once or twice per process.
    #[allow(clippy::result_large_err)]
    pub fn shutdown(mut self) -> Result<ShutdownReport, ShutdownError> {
        let timeout = self.config.shutdown_timeout;
        self.shutdown_inner(timeout)
    }

    /// Like [`TracingGuard::shutdown`] with a deadline of yours.
    ///
    /// # Errors
    /// [`ShutdownError`] with the counts, and the cause, when a span was not
    /// delivered.
    // The report is the error's whole point, and this runs once or twice per process.
    #[allow(clippy::result_large_err)]
    pub fn shutdown_with_timeout(
        mut self,
        timeout: Duration,
    ) -> Result<ShutdownReport, ShutdownError> {
        self.shutdown_inner(timeout)
    }

    // The report is the error's whole point, and this runs once or twice per process.
    #[allow(clippy::result_large_err)]
    fn shutdown_inner(&mut self, timeout: Duration) -> Result<ShutdownReport, ShutdownError> {
        self.shut_down = true;
        // Spans started from now on look the global provider up again.
        if let Some(p) = self.pipeline.as_ref().filter(|_| self.pipeline_installed) {
            aitrace::pipeline::remove_global_pipeline(p);
        }
        let start = Instant::now();
        let deadline = deadline_from(start, timeout);
        self.waiters
            .stop_exports_at(exporters_deadline(start, timeout));
        // The last interval of metrics is collected and exported while the
        // traces shut down, within the same deadline.
        let metrics = self
            .metrics
            .as_ref()
            .map(|m| m.begin_shutdown(exporters_deadline(start, timeout)));
        // Shutting down the provider shuts down the console exporters too,
        // which write what they hold within the same deadline.
        let outcome = self
            .provider
            .as_ref()
            .map_or(Ok(()), |p| p.shutdown_with_timeout(timeout));
        let mut reason = outcome.err().map(|e| e.to_string());
        if let (Some(m), Some(pending)) = (&self.metrics, metrics) {
            // Then the summary of the run's metrics, after the last trace.
            if let Err(e) = m.finish_shutdown(pending, deadline) {
                reason = Some(match reason {
                    Some(r) => format!("{r}; {e}"),
                    None => e,
                });
            }
            aitrace::metrics::remove_global_instruments(&m.instruments);
        }
        let report = ShutdownReport {
            stats: self.stats.snapshot(),
            last_failure: self.stats.last_failure(),
            metrics: self.metrics_report(),
        };
        if report.is_clean() && reason.is_none() {
            return Ok(report);
        }
        Err(ShutdownError { report, reason })
    }
}

impl Drop for TracingGuard {
    fn drop(&mut self) {
        if !self.shut_down {
            if let Err(e) = self.shutdown_inner(self.config.shutdown_timeout) {
                eprintln!("aitrace: {e}");
            }
        }
    }
}

/// What happened to the spans (and metric data points) of a pipeline, reported
/// at shutdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Final counters: `unaccounted()` spans were dropped.
    pub stats: StatsSnapshot,
    /// The last export failure, with its kind: why spans failed.
    pub last_failure: Option<ExportFailure>,
    /// The metric data points exported over OTLP, the last interval included
    /// (when metrics go over OTLP).
    pub metrics: Option<MetricsReport>,
}

/// What became of the metric data points handed to the OTLP metric exporter:
/// `stats` counts data points (one per instrument and attribute set in each
/// export), not spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsReport {
    /// `recorded`: data points handed to the exporter; `exported`, `failed`
    /// (with `export_errors` and `too_large`) as for spans.
    pub stats: StatsSnapshot,
    /// The last failure of a metric export, with its kind.
    pub last_failure: Option<ExportFailure>,
}

impl MetricsReport {
    fn of(pipeline: &MetricsPipeline) -> Option<MetricsReport> {
        let (stats, _) = pipeline.otlp.as_ref()?;
        Some(MetricsReport {
            stats: stats.snapshot(),
            last_failure: stats.last_failure(),
        })
    }

    /// Data points handed to the exporter that were not delivered.
    pub fn lost(&self) -> u64 {
        self.stats.failed + self.stats.unaccounted()
    }

    /// True when every data point was exported.
    pub fn is_clean(&self) -> bool {
        self.lost() == 0
    }
}

impl std::fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.stats;
        let mut parts = Vec::new();
        if s.recorded > 0 || (s.printed == 0 && s.discarded == 0) {
            parts.push(format!(
                "{} exported, {} failed, {} dropped",
                s.exported,
                s.failed,
                self.dropped()
            ));
        }
        if s.printed > 0 {
            parts.push(format!("{} printed", s.printed));
        }
        if s.discarded > 0 {
            parts.push(format!("{} discarded (no exporter)", s.discarded));
        }
        write!(f, "{}", parts.join(", "))?;
        if let Some(m) = &self.metrics {
            write!(
                f,
                "; metrics: {} data points exported, {} not delivered",
                m.stats.exported,
                m.lost()
            )?;
        }
        Ok(())
    }
}

impl ShutdownReport {
    /// Spans recorded but never delivered nor attempted (queue full, or out of time).
    pub fn dropped(&self) -> u64 {
        self.stats.dropped + self.stats.unaccounted()
    }

    /// True when every recorded span (and metric data point) was exported.
    pub fn is_clean(&self) -> bool {
        self.stats.failed == 0
            && self.dropped() == 0
            && self.metrics.as_ref().is_none_or(MetricsReport::is_clean)
    }
}

/// Shutdown finished but not every span was delivered. Its message gives the
/// counts and the cause:
///
/// ```text
/// tracing shut down with losses: 0 exported, 100 failed, 0 dropped (export to http://127.0.0.1:4317 failed: stopped at the shutdown or flush deadline (last attempt: connection refused (…)))
/// ```
#[derive(Debug, thiserror::Error)]
#[error(
    "tracing shut down with losses: {} exported, {} failed, {} dropped{}{}",
    .report.stats.exported,
    .report.stats.failed,
    .report.dropped(),
    cause(&.report.last_failure, .reason),
    metrics_losses(&.report.metrics)
)]
pub struct ShutdownError {
    /// The counters and the last failure.
    pub report: ShutdownReport,
    reason: Option<String>,
}

/// `; metrics: N data points not delivered (cause)`, or nothing.
fn metrics_losses(metrics: &Option<MetricsReport>) -> String {
    match metrics {
        Some(m) if !m.is_clean() => format!(
            "; metrics: {} data points exported, {} not delivered{}",
            m.stats.exported,
            m.lost(),
            cause(&m.last_failure, &None)
        ),
        _ => String::new(),
    }
}

/// ` (the cause; the processor's complaint)`, or nothing.
fn cause(failure: &Option<ExportFailure>, reason: &Option<String>) -> String {
    let parts: Vec<&str> = failure
        .as_ref()
        .map(|f| f.message.as_str())
        .into_iter()
        .chain(reason.as_deref())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// What [`TracingGuard::flush`] saw: the counters after it, and the last
/// export failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlushReport {
    /// The counters when the flush ended (the pipeline keeps running).
    pub stats: StatsSnapshot,
    /// The last export failure, with its kind, if any ever happened.
    pub last_failure: Option<ExportFailure>,
    /// The metric data points exported over OTLP so far (when metrics go over
    /// OTLP).
    pub metrics: Option<MetricsReport>,
}

/// A flush did not deliver everything recorded before it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct FlushError {
    /// The counters and the last failure.
    pub report: FlushReport,
    /// Spans that failed during the flush.
    pub lost: u64,
    /// Spans recorded before the flush with no outcome at its deadline.
    pub pending: u64,
    message: Box<str>,
}
