//! The metrics part of the configuration: where metrics go
//! (`OTEL_METRICS_EXPORTER`), how often (`OTEL_METRIC_EXPORT_INTERVAL`), the
//! OTLP settings of metric exports (`OTEL_EXPORTER_OTLP_METRICS_*` over the
//! generic `OTEL_EXPORTER_OTLP_*`) and their temporality.

use super::endpoint::{given, parse_endpoint, Endpoint};
use super::env::{read_otlp, METRICS};
use super::{
    ConfigWarning, OtlpConfig, Protocol, ResolvedEndpoint, DEFAULT_GRPC_ENDPOINT,
    OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, OTEL_METRICS_EXPORTER,
    OTEL_METRIC_EXPORT_INTERVAL, OTEL_METRIC_EXPORT_TIMEOUT,
};
use aitrace::env::{parse_millis, parse_names, EnvReader, Name};
use std::time::Duration;

/// Where metrics go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsExporterKind {
    /// OTLP over gRPC or HTTP (protobuf or JSON), to the collector the traces
    /// go to unless `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` says otherwise.
    Otlp,
    /// A summary of the run's metrics on standard output when the pipeline
    /// shuts down (the default when traces print as a console tree).
    Console,
}

/// The aggregation temporality metric exports ask for
/// (`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum TemporalityPreference {
    /// `cumulative` (the default): every export carries the totals since the
    /// process started; what Prometheus expects.
    #[default]
    Cumulative,
    /// `delta`: every export carries what happened since the one before.
    Delta,
    /// `lowmemory`: delta for counters and histograms (aitrace's instruments),
    /// which lets the SDK forget series that stopped.
    LowMemory,
}

impl TemporalityPreference {
    /// The name used in `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    pub fn name(self) -> &'static str {
        match self {
            TemporalityPreference::Cumulative => "cumulative",
            TemporalityPreference::Delta => "delta",
            TemporalityPreference::LowMemory => "lowmemory",
        }
    }

    /// The SDK's temporality.
    pub fn temporality(self) -> opentelemetry_sdk::metrics::Temporality {
        use opentelemetry_sdk::metrics::Temporality;
        match self {
            TemporalityPreference::Cumulative => Temporality::Cumulative,
            TemporalityPreference::Delta => Temporality::Delta,
            TemporalityPreference::LowMemory => Temporality::LowMemory,
        }
    }
}

/// The default time between two metric exports: 60 s, the specification's.
pub const DEFAULT_METRIC_EXPORT_INTERVAL: Duration = Duration::from_secs(60);
/// The default longest time of one metric export: 30 s, the specification's.
pub const DEFAULT_METRIC_EXPORT_TIMEOUT: Duration = Duration::from_secs(30);
/// The path appended to a generic endpoint for OTLP/HTTP metric exports.
pub const HTTP_METRICS_PATH: &str = "/v1/metrics";
/// The OTLP/HTTP metrics URL used when no endpoint is configured.
pub const DEFAULT_HTTP_METRICS_ENDPOINT: &str = "http://localhost:4318/v1/metrics";

/// How metrics are exported.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsConfig {
    /// `OTEL_METRICS_EXPORTER`; `None` means "decide" (see
    /// [`super::Config::effective_metrics_exporters`]). `Some(vec![])` is `none`.
    pub exporters: Option<Vec<MetricsExporterKind>>,
    /// `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`: the full URL, used as given.
    pub endpoint: Option<String>,
    /// The OTLP settings of metric exports: each `OTEL_EXPORTER_OTLP_METRICS_*`
    /// variable over its generic `OTEL_EXPORTER_OTLP_*` form. Its
    /// `traces_endpoint` is not used.
    pub otlp: OtlpConfig,
    /// `OTEL_METRIC_EXPORT_INTERVAL`: time between two exports. Default
    /// [`DEFAULT_METRIC_EXPORT_INTERVAL`].
    pub interval: Duration,
    /// `OTEL_METRIC_EXPORT_TIMEOUT`: longest time of one export, all its retries
    /// included (the stricter of it and the OTLP timeout applies). Default
    /// [`DEFAULT_METRIC_EXPORT_TIMEOUT`].
    pub export_timeout: Duration,
    /// `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`.
    pub temporality: TemporalityPreference,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig {
            exporters: None,
            endpoint: None,
            otlp: OtlpConfig::default(),
            interval: DEFAULT_METRIC_EXPORT_INTERVAL,
            export_timeout: DEFAULT_METRIC_EXPORT_TIMEOUT,
            temporality: TemporalityPreference::default(),
        }
    }
}

const EXPORTERS: &str = "a comma-separated list of otlp and console, or none";

impl MetricsConfig {
    /// Whether an OTLP endpoint for metrics was given (theirs or the generic one).
    pub fn has_endpoint(&self) -> bool {
        given(&self.endpoint).is_some() || given(&self.otlp.endpoint).is_some()
    }

    /// The URL metric exports go to: [`MetricsConfig::endpoint`] as given; else
    /// the generic endpoint, with `/v1/metrics` appended for OTLP/HTTP; else
    /// `http://localhost:4318/v1/metrics` (HTTP) or `http://localhost:4317` (gRPC).
    ///
    /// ```
    /// use aitrace_sdk::config::{MetricsConfig, OtlpConfig};
    ///
    /// let metrics = MetricsConfig {
    ///     otlp: OtlpConfig { endpoint: Some("http://collector:4318".into()), ..OtlpConfig::default() },
    ///     ..MetricsConfig::default()
    /// };
    /// assert_eq!(metrics.resolved_endpoint()?.url, "http://collector:4318/v1/metrics");
    /// # Ok::<(), aitrace_sdk::config::ConfigWarning>(())
    /// ```
    ///
    /// # Errors
    /// A [`ConfigWarning`] naming the endpoint variable when the URL cannot be
    /// used (see [`OtlpConfig::resolved_traces_endpoint`]);
    /// [`super::Config::validate`] removes such endpoints.
    pub fn resolved_endpoint(&self) -> Result<ResolvedEndpoint, ConfigWarning> {
        let insecure = self.otlp.insecure;
        if let Some(raw) = given(&self.endpoint) {
            let url = parse_endpoint(OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, raw, insecure)?;
            return Ok(ResolvedEndpoint {
                url: url.as_given(),
                warning: None,
            });
        }
        if let Some(raw) = given(&self.otlp.endpoint) {
            let url: Endpoint = parse_endpoint(OTEL_EXPORTER_OTLP_ENDPOINT, raw, insecure)?;
            let url = if self.otlp.protocol.is_http() {
                url.with_path(HTTP_METRICS_PATH).0
            } else {
                url.as_given()
            };
            return Ok(ResolvedEndpoint { url, warning: None });
        }
        Ok(ResolvedEndpoint {
            url: match self.otlp.protocol {
                Protocol::Grpc => DEFAULT_GRPC_ENDPOINT,
                Protocol::HttpProtobuf | Protocol::HttpJson => DEFAULT_HTTP_METRICS_ENDPOINT,
            }
            .to_string(),
            warning: None,
        })
    }

    /// The metrics part of [`super::Config::validate`]: the OTLP settings (as
    /// [`OtlpConfig::validate`]; a warning already given for the traces'
    /// settings is not given twice), the metrics endpoint, and an interval and
    /// timeout greater than 0.
    pub fn validate(&mut self) -> Vec<ConfigWarning> {
        let mut warnings = self.otlp.validate();
        if let Some(raw) = given(&self.endpoint) {
            if let Err(w) =
                parse_endpoint(OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, raw, self.otlp.insecure)
            {
                warnings.push(w);
                self.endpoint = None;
            }
        }
        for (value, var, default) in [
            (
                &mut self.interval,
                OTEL_METRIC_EXPORT_INTERVAL,
                DEFAULT_METRIC_EXPORT_INTERVAL,
            ),
            (
                &mut self.export_timeout,
                OTEL_METRIC_EXPORT_TIMEOUT,
                DEFAULT_METRIC_EXPORT_TIMEOUT,
            ),
        ] {
            if value.is_zero() {
                warnings.push(ConfigWarning::new(
                    var,
                    "0",
                    "a whole number of milliseconds greater than 0",
                    format!("using {}", default.as_millis()),
                ));
                *value = default;
            }
        }
        warnings
    }
}

/// Reads the metrics configuration.
pub(crate) fn read_metrics<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> MetricsConfig {
    let mut metrics = MetricsConfig::default();
    if let Some(value) = env.value(OTEL_METRICS_EXPORTER) {
        let list = parse_names(&value, |name| match name {
            "otlp" => Name::Known(MetricsExporterKind::Otlp),
            "console" => Name::Known(MetricsExporterKind::Console),
            "none" => Name::None,
            "prometheus" | "logging" => Name::Unsupported,
            _ => Name::Unknown,
        });
        metrics.exporters = super::env::names(
            env,
            OTEL_METRICS_EXPORTER,
            &value,
            list,
            super::env::Names {
                accepted: EXPORTERS,
                what: "exporters",
                default: "the default applies (otlp when an endpoint is set, console when \
                          traces print to the console, else none)",
                show: exporter_name,
            },
        );
    }
    let (otlp, endpoint) = read_otlp(env, &METRICS);
    metrics.otlp = otlp;
    metrics.endpoint = endpoint;
    let using = |d: Duration| format!("using the default {}", d.as_millis());
    if let Some(d) = env.parse(
        &[OTEL_METRIC_EXPORT_INTERVAL],
        &using(DEFAULT_METRIC_EXPORT_INTERVAL),
        |v| parse_millis(v, true),
    ) {
        metrics.interval = d;
    }
    if let Some(d) = env.parse(
        &[OTEL_METRIC_EXPORT_TIMEOUT],
        &using(DEFAULT_METRIC_EXPORT_TIMEOUT),
        |v| parse_millis(v, true),
    ) {
        metrics.export_timeout = d;
    }
    if let Some(t) = env.parse(
        &[OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE],
        "using cumulative",
        parse_temporality,
    ) {
        metrics.temporality = t;
    }
    metrics
}

fn exporter_name(kind: &MetricsExporterKind) -> &'static str {
    match kind {
        MetricsExporterKind::Otlp => "otlp",
        MetricsExporterKind::Console => "console",
    }
}

fn parse_temporality(value: &str) -> Result<TemporalityPreference, String> {
    match value.to_ascii_lowercase().as_str() {
        "cumulative" => Ok(TemporalityPreference::Cumulative),
        "delta" => Ok(TemporalityPreference::Delta),
        "lowmemory" => Ok(TemporalityPreference::LowMemory),
        _ => Err("cumulative, delta or lowmemory".into()),
    }
}
