//! One call to set up tracing: [`init`] from the environment, or [`Builder`] from code.

use crate::config::{
    BatchConfig, Compression, Config, ConfigError, ConfigWarning, ExporterKind,
    MetricsExporterKind, PropagatorKind, Protocol, SamplerConfig, TemporalityPreference,
};
use crate::exporter::ConsoleExporter;
use crate::fanout::Fanout;
use crate::gen_ai_spans::GenAiSpans;
use crate::guard::{TracingGuard, Waiters};
use crate::keep_rules::{KeepRuleSampler, KeepRules, KeepRulesProcessor};
use crate::metrics::pipeline::MetricsPipeline;
use crate::otlp::{Deadline, ExporterBuildError, OtlpExporter};
use crate::pipeline::{PipelineIds, SpanPipeline};
use crate::queue::Admission;
use crate::resource::build_resource;
use crate::stats::ExportStats;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, ShouldSample, SimpleSpanProcessor,
    Span, SpanData, SpanProcessor,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Why tracing could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// Strict configuration is on and a value is invalid (the message names the
    /// variable, the value and what is accepted).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The OTLP exporter could not be built.
    #[error(transparent)]
    Exporter(#[from] ExporterBuildError),
}

/// Sets up tracing from the environment and installs it globally.
///
/// With no endpoint and no `OTEL_TRACES_EXPORTER`, traces print as a tree on
/// stdout. Keep the returned guard alive: dropping it (or calling
/// [`TracingGuard::shutdown`]) flushes what was recorded.
///
/// An invalid or unsupported value of a variable does not stop the application:
/// it is printed once on stderr as a warning naming the variable, the value and
/// what is accepted, and its default is used (see [`Builder::build`]).
///
/// # Errors
/// With `AITRACE_STRICT_CONFIG=true`, any such value ([`InitError::Config`]);
/// an exporter that cannot be built (a certificate rustls refuses, a runtime that
/// cannot start).
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let tracing = aitrace_sdk::init()?;
///     // ... run agents ...
///     let report = tracing.shutdown()?;
///     eprintln!("exported {} spans", report.stats.exported);
///     Ok(())
/// }
/// ```
pub fn init() -> Result<TracingGuard, InitError> {
    Builder::from_env().install()
}

/// Configuration in code; values set here win over the environment.
///
/// ```no_run
/// use aitrace_sdk::config::Protocol;
/// let tracing = aitrace_sdk::Builder::from_env()
///     .with_service_name("support-bot")
///     .with_endpoint("https://api.honeycomb.io:443")
///     .with_protocol(Protocol::Grpc)
///     .with_header("x-honeycomb-team", std::env::var("HONEYCOMB_API_KEY").unwrap_or_default())
///     .install()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
#[must_use = "a builder does nothing until .install() or .build()"]
pub struct Builder {
    config: Config,
    keep_rules: KeepRules,
    /// What reading the environment found; [`Builder::build`] adds what
    /// [`Config::validate`] finds.
    warnings: Vec<ConfigWarning>,
    /// Processors of the caller's, after the configured exporters.
    processors: Vec<Box<dyn SpanProcessor>>,
}

macro_rules! set {
    ($(#[$doc:meta])* $fn:ident($arg:ident: $ty:ty) => $($path:ident).+ = $val:expr) => {
        $(#[$doc])*
        pub fn $fn(mut self, $arg: $ty) -> Self {
            self.config.$($path).+ = $val;
            self
        }
    };
}

impl Builder {
    /// Defaults only: the environment is not read.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// Starts from the environment: the `OTEL_*` and `AITRACE_*` variables,
    /// keep rules included. Reading never fails: the warnings are kept and
    /// reported by [`Builder::build`].
    pub fn from_env() -> Builder {
        Builder::from_lookup(aitrace::env::process_lookup)
    }

    /// Like [`Builder::from_env`], reading through `lookup` (a variable name to its
    /// value) instead of the process environment.
    ///
    /// ```
    /// use aitrace_sdk::Builder;
    ///
    /// let env = [("OTEL_SDK_DISABLED", "1"), ("OTEL_TRACES_EXPORTER", "none")];
    /// let builder = Builder::from_lookup(|name| {
    ///     env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    /// });
    /// let guard = builder.build()?;
    /// // "1" is not a boolean: tracing stays on, and the guard says why.
    /// assert!(guard.provider().is_some());
    /// assert_eq!(guard.config_warnings()[0].var, "OTEL_SDK_DISABLED");
    /// # Ok::<(), aitrace_sdk::InitError>(())
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Builder {
        let (config, mut warnings) = Config::from_lookup(&lookup);
        let keep_rules = if config.disabled {
            KeepRules::default()
        } else {
            let (rules, more) = KeepRules::from_lookup(&lookup);
            warnings.extend(more);
            rules
        };
        Builder {
            config,
            keep_rules,
            warnings,
            processors: Vec::new(),
        }
    }

    /// Starts from a configuration built elsewhere. Its values are checked by
    /// [`Config::validate`] when the pipeline is built.
    pub fn from_config(config: Config) -> Builder {
        Builder {
            config,
            keep_rules: KeepRules::default(),
            warnings: Vec::new(),
            processors: Vec::new(),
        }
    }

    /// The configuration so far.
    pub fn config(&self) -> &Config {
        &self.config
    }

    set!(
        /// `service.name` (overrides `OTEL_SERVICE_NAME`).
        with_service_name(name: impl Into<String>) => service_name = Some(name.into())
    );
    set!(
        /// `service.version`.
        with_service_version(version: impl Into<String>) => service_version = Some(version.into())
    );
    set!(
        /// How the conversation id, user id and tenant cross services in baggage
        /// (overrides `AITRACE_IDENTITY_BAGGAGE`); set process-wide by [`Builder::install`].
        with_identity_baggage(mode: aitrace::propagation::IdentityBaggage) => identity_baggage = mode
    );
    /// The OTLP base endpoint of traces and metrics; it overrides every
    /// endpoint variable (`OTEL_EXPORTER_OTLP_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`,
    /// `OTEL_ENDPOINT`).
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.config.otlp.endpoint = Some(url.clone());
        self.config.otlp.traces_endpoint = None;
        self.config.metrics.otlp.endpoint = Some(url);
        self.config.metrics.endpoint = None;
        self
    }
    set!(
        /// The full OTLP traces URL (overrides `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
        with_traces_endpoint(url: impl Into<String>) => otlp.traces_endpoint = Some(url.into())
    );
    /// The OTLP transport of traces and metrics (overrides
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` and its `_TRACES_` and `_METRICS_` forms).
    pub fn with_protocol(mut self, protocol: Protocol) -> Self {
        self.config.otlp.protocol = protocol;
        self.config.metrics.otlp.protocol = protocol;
        self
    }
    /// Timeout of one export, of traces and metrics (overrides
    /// `OTEL_EXPORTER_OTLP_TIMEOUT` and its `_TRACES_` and `_METRICS_` forms).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.config.otlp.timeout = timeout;
        self.config.metrics.otlp.timeout = timeout;
        self
    }
    set!(
        /// The longest [`TracingGuard::shutdown`], [`TracingGuard::flush`] and
        /// dropping the guard wait (overrides `AITRACE_SHUTDOWN_TIMEOUT`; default
        /// [`crate::DEFAULT_SHUTDOWN_TIMEOUT`], 2 s).
        with_shutdown_timeout(timeout: Duration) => shutdown_timeout = timeout
    );
    /// The largest OTLP request sent, encoded, of traces and metrics
    /// (overrides `AITRACE_MAX_REQUEST_BYTES`; default 4 MiB, at least 64 KiB).
    pub fn with_max_request_bytes(mut self, bytes: usize) -> Self {
        self.config.otlp.max_request_bytes = bytes;
        self.config.metrics.otlp.max_request_bytes = bytes;
        self
    }
    /// Payload compression of traces and metrics (overrides
    /// `OTEL_EXPORTER_OTLP_COMPRESSION` and its `_TRACES_` and `_METRICS_` forms).
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.config.otlp.compression = compression;
        self.config.metrics.otlp.compression = compression;
        self
    }
    /// The CA certificate file of traces and metrics (overrides
    /// `OTEL_EXPORTER_OTLP_CERTIFICATE` and its `_TRACES_` and `_METRICS_` forms).
    pub fn with_certificate(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        self.config.otlp.certificate = Some(path.clone());
        self.config.metrics.otlp.certificate = Some(path);
        self
    }
    set!(
        /// Where spans go (overrides `OTEL_TRACES_EXPORTER`); empty for none.
        with_exporters(kinds: Vec<ExporterKind>) => exporters = Some(kinds)
    );
    set!(
        /// Where metrics go (overrides `OTEL_METRICS_EXPORTER`); empty for none.
        /// By default they go where the traces go.
        with_metrics_exporters(kinds: Vec<MetricsExporterKind>) => metrics.exporters = Some(kinds)
    );
    set!(
        /// The full OTLP metrics URL (overrides `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`).
        with_metrics_endpoint(url: impl Into<String>) => metrics.endpoint = Some(url.into())
    );
    set!(
        /// Time between two metric exports (overrides `OTEL_METRIC_EXPORT_INTERVAL`;
        /// default 60 s). Shutdown always exports the last interval.
        with_metric_export_interval(interval: Duration) => metrics.interval = interval
    );
    set!(
        /// The temporality of metric exports (overrides
        /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`; default cumulative).
        with_metrics_temporality(temporality: TemporalityPreference) => metrics.temporality = temporality
    );
    set!(
        /// The head sampler (overrides `OTEL_TRACES_SAMPLER`).
        with_sampler(sampler: SamplerConfig) => sampler = sampler
    );
    set!(
        /// The propagators, in order (overrides `OTEL_PROPAGATORS`).
        with_propagators(propagators: Vec<PropagatorKind>) => propagators = propagators
    );
    set!(
        /// Batch processor settings (overrides `OTEL_BSP_*`).
        with_batch(batch: BatchConfig) => batch = batch
    );
    /// What spans record: each value set in `settings` overrides the `AITRACE_*`
    /// variable (or default) behind it; the values it does not set keep theirs
    /// (see [`aitrace::Settings::overriding`]).
    pub fn with_settings(mut self, settings: aitrace::Settings) -> Self {
        let base = std::mem::take(&mut self.config.settings);
        self.config.settings = settings.overriding(&base);
        self
    }
    set!(
        /// Turns tracing off (overrides `OTEL_SDK_DISABLED`).
        with_disabled(disabled: bool) => disabled = disabled
    );
    set!(
        /// Strict configuration (overrides `AITRACE_STRICT_CONFIG`): when on, an
        /// invalid or unsupported value, from the environment or from code, makes
        /// [`Builder::build`] fail with [`InitError::Config`] instead of printing a
        /// warning and using the default.
        with_strict_config(strict: bool) => strict = strict
    );

    /// AI-aware keep rules on top of the head sampler (overrides `AITRACE_SAMPLE_*`).
    pub fn with_keep_rules(mut self, rules: KeepRules) -> Self {
        self.keep_rules = rules;
        self
    }

    /// Adds a span processor of yours (for example a `SimpleSpanProcessor` around
    /// an exporter of yours, or the in-memory exporter in tests) after the
    /// configured exporters. It sees what they see: spans from other
    /// instrumentation already typed and costed, and, with keep rules on, only the
    /// traces they keep.
    pub fn with_span_processor(mut self, processor: impl SpanProcessor + 'static) -> Self {
        self.processors.push(Box::new(processor));
        self
    }

    /// Adds a header to every export, of traces and metrics (the value is never
    /// logged).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        let value = value.into();
        for otlp in [&mut self.config.otlp, &mut self.config.metrics.otlp] {
            otlp.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
            otlp.headers.push((name.clone(), value.clone()));
        }
        self
    }

    /// Adds a resource attribute.
    pub fn with_resource_attribute(
        mut self,
        key: impl Into<String>,
        value: impl Into<String>,
    ) -> Self {
        self.config
            .resource_attributes
            .push((key.into(), value.into()));
        self
    }

    /// Builds the pipeline without installing anything globally.
    ///
    /// Every value passes [`Config::validate`], whether it came from the
    /// environment or from code. The warnings (those found while reading the
    /// environment, then those of `validate`) are printed on stderr, each once per
    /// process, and kept in [`TracingGuard::config_warnings`]; each invalid value
    /// is replaced by its default. A disabled pipeline checks nothing and warns
    /// about nothing: nothing will run.
    ///
    /// # Errors
    /// In strict mode ([`Builder::with_strict_config`], `AITRACE_STRICT_CONFIG`),
    /// [`InitError::Config`] listing every warning; an exporter that cannot be
    /// built ([`InitError::Exporter`]).
    pub fn build(self) -> Result<TracingGuard, InitError> {
        let Builder {
            mut config,
            keep_rules: mut rules,
            mut warnings,
            processors: extra_processors,
        } = self;
        let stats = ExportStats::default();
        if config.disabled {
            return Ok(TracingGuard::new(
                None,
                stats,
                Waiters::default(),
                None,
                config,
                Vec::new(),
                None,
            ));
        }
        warnings.extend(config.validate());
        warnings.extend(rules.validate());
        if config.strict && !warnings.is_empty() {
            return Err(InitError::Config(ConfigError::Strict(warnings)));
        }
        aitrace::env::warn_once(&warnings);
        let head = crate::sampler::head_sampler(config.sampler);
        let mut builder = SdkTracerProvider::builder().with_resource(build_resource(&config));
        let mut processors: Vec<Box<dyn SpanProcessor>> = Vec::new();
        // What the guard waits on when it flushes or shuts down.
        let mut waiters = Waiters::default();
        // The OTLP trace exporter's runtime, shared with the metric exporter.
        let mut runtime = None;
        for kind in config.effective_exporters() {
            let processor: Box<dyn SpanProcessor> = match kind {
                ExporterKind::Console => {
                    let console = ConsoleExporter::stdout();
                    // The simple processor does not pass flushes on: the guard
                    // flushes the exporter itself.
                    waiters.consoles.push(console.clone());
                    Box::new(Tally {
                        inner: SimpleSpanProcessor::new(console),
                        stats: stats.clone(),
                        count: ExportStats::add_printed,
                    })
                }
                ExporterKind::Otlp => {
                    let b = &config.batch;
                    // The SDK's batch processor does not bound one export in time: the
                    // exporter does, with the stricter of the two timeouts.
                    let mut otlp = config.otlp.clone();
                    otlp.timeout = otlp.timeout.min(config.batch.export_timeout);
                    let deadline = Deadline::default();
                    waiters.exporters.push(deadline.clone());
                    let exporter = OtlpExporter::with_stats(&otlp, stats.clone(), deadline)?;
                    runtime = Some(exporter.runtime());
                    let sends = exporter.sends();
                    // Spans held: the queue plus the batch being exported, the same
                    // bound as the SDK's batch processor on its own (its queue does
                    // not count the batch it has taken out to export). Counting that
                    // batch against the queue made a full queue drop spans while an
                    // export was in flight that the SDK alone would have kept; the
                    // cost is one batch more of memory (512 spans by default). The
                    // SDK's queue gets the same capacity, so that it is never the
                    // one to refuse a span: `Admission` refuses first, and counts.
                    let held = b.max_queue_size.saturating_add(b.max_export_batch_size);
                    let batch = BatchConfigBuilder::default()
                        .with_max_queue_size(held)
                        .with_max_export_batch_size(b.max_export_batch_size)
                        .with_scheduled_delay(b.schedule_delay)
                        .build();
                    let processor = BatchSpanProcessor::builder(exporter)
                        .with_batch_config(batch)
                        .build();
                    Box::new(Admission {
                        inner: processor,
                        stats: stats.clone(),
                        max_spans: held as u64,
                        max_bytes: b.max_queue_bytes as u64,
                        sends,
                        flush_timeout: otlp.timeout,
                    })
                }
            };
            processors.push(processor);
        }
        processors.extend(extra_processors);
        if processors.is_empty() {
            // `none`: spans still end and are counted, as discarded on purpose.
            processors.push(Box::new(Tally {
                inner: Discard,
                stats: stats.clone(),
                count: ExportStats::add_discarded,
            }));
        }
        // Spans from other instrumentation (gen_ai spans of LLM client crates,
        // `tracing` spans) are given their type and cost before anything else
        // sees them: keep rules, console, exporters.
        let mut keep_stats = None;
        // The sampler is also the span pipeline's (the same decisions, taken
        // before a span is built), and the ids let it keep a root's trace id.
        let sampler: Arc<dyn ShouldSample> = if rules.any() {
            let keep = KeepRulesProcessor::new(Fanout(processors), rules);
            keep_stats = Some(keep.stats_handle());
            let sampler = KeepRuleSampler::new(head);
            builder = builder
                .with_sampler(sampler.clone())
                .with_span_processor(GenAiSpans::new(keep));
            Arc::new(sampler)
        } else {
            builder = builder
                .with_sampler(head.clone())
                .with_span_processor(GenAiSpans::new(Fanout(processors)));
            Arc::new(head)
        };
        let provider = builder.with_id_generator(PipelineIds::default()).build();
        let pipeline = SpanPipeline::new(&provider, sampler);
        // Metrics go where `OTEL_METRICS_EXPORTER` says (by default where the
        // traces go); the summary follows the traces' console output.
        let metrics = MetricsPipeline::build(
            &config,
            build_resource(&config),
            waiters.consoles.first().cloned(),
            runtime,
        )?;
        if let Some((_, deadline)) = metrics.as_ref().and_then(|m| m.otlp.as_ref()) {
            waiters.exporters.push(deadline.clone());
        }
        Ok(TracingGuard::new(
            Some(provider),
            stats,
            waiters,
            keep_stats,
            config,
            warnings,
            Some(Arc::new(pipeline)),
        )
        .with_metrics(metrics))
    }

    /// Builds the pipeline and installs it globally: tracer provider, propagators,
    /// aitrace settings, the enabled switch, aitrace's panic hook (in front of
    /// the one in place; see `aitrace::install_panic_hook`), the metric
    /// instruments spans record into (none when metrics go nowhere; see
    /// [`aitrace::metrics`]), and the span pipeline ([`crate::pipeline`]):
    /// aitrace's spans reach this provider without a lookup per span, and dropped
    /// ones are decided before they are built. Until the guard shuts down, they go
    /// to this provider even if something replaces the global provider afterwards.
    ///
    /// # Errors
    /// See [`InitError`].
    pub fn install(self) -> Result<TracingGuard, InitError> {
        let mut guard = self.build()?;
        let config = guard.config().clone();
        let config = &config;
        aitrace::set_enabled(!config.disabled);
        aitrace::set_global_settings(config.settings.clone());
        aitrace::metrics::set_global_instruments(guard.instruments().cloned());
        aitrace::propagation::set_identity_baggage(config.identity_baggage);
        // Spans that end in a panic record its message; hooks and redactors
        // that panic are reported once, quietly.
        aitrace::install_panic_hook();
        opentelemetry::global::set_text_map_propagator(propagator(&config.propagators));
        if let Some(p) = guard.provider() {
            opentelemetry::global::set_tracer_provider(p.clone());
        }
        // aitrace's spans reach the provider without a lookup per span.
        guard.install_pipeline();
        Ok(guard)
    }
}

/// The composite propagator for `kinds`, in order.
pub fn propagator(kinds: &[PropagatorKind]) -> TextMapCompositePropagator {
    let list: Vec<Box<dyn TextMapPropagator + Send + Sync>> = kinds
        .iter()
        .map(|k| -> Box<dyn TextMapPropagator + Send + Sync> {
            match k {
                PropagatorKind::TraceContext => {
                    Box::new(crate::propagation::TraceContextPropagator::new())
                }
                PropagatorKind::Baggage => Box::new(crate::propagation::BaggagePropagator::new()),
                PropagatorKind::B3 => Box::new(crate::propagation::B3Propagator::single()),
                PropagatorKind::B3Multi => Box::new(crate::propagation::B3Propagator::multi()),
                PropagatorKind::Jaeger => Box::new(crate::propagation::JaegerPropagator::new()),
            }
        })
        .collect();
    TextMapCompositePropagator::new(list)
}

/// Counts every span that reaches `inner` with `count` (console: printed; none:
/// discarded), so the shutdown report says what the local exporters handled.
#[derive(Debug)]
struct Tally<P> {
    inner: P,
    stats: ExportStats,
    count: fn(&ExportStats),
}

impl<P: SpanProcessor> SpanProcessor for Tally<P> {
    fn on_start(&self, span: &mut Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx)
    }
    fn on_end(&self, span: SpanData) {
        (self.count)(&self.stats);
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

/// The processor of `OTEL_TRACES_EXPORTER=none`: spans end here.
#[derive(Debug)]
struct Discard;

impl SpanProcessor for Discard {
    fn on_start(&self, _span: &mut Span, _cx: &opentelemetry::Context) {}
    fn on_end(&self, _span: SpanData) {}
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}
