//! Configuration of the pipeline: from the environment, from code, and defaults.
//!
//! Precedence: values set in code (see [`crate::Builder`]), then the
//! signal-specific variable (`OTEL_EXPORTER_OTLP_TRACES_*` for traces,
//! `OTEL_EXPORTER_OTLP_METRICS_*` for metrics), then the generic one
//! (`OTEL_EXPORTER_OTLP_*`, with `OTEL_ENDPOINT` as a short alias of the endpoint),
//! then the default. Every variable is listed in `docs/configuration.md`.
//!
//! Invalid values never stop the application (the OpenTelemetry specification's
//! rule): reading the environment ([`Config::from_lookup`]) keeps the default of
//! each value it cannot use and returns a [`ConfigWarning`] for it, and
//! [`Config::validate`], which [`crate::Builder::build`] calls whatever the source
//! of the values, does the same for values set in code. In strict mode
//! ([`AITRACE_STRICT_CONFIG`], `Builder::with_strict_config`) the warnings are a
//! [`ConfigError`] instead.

mod endpoint;
mod env;
mod headers;
mod metrics;
mod validate;

pub use aitrace::env::ConfigWarning;
pub use endpoint::ResolvedEndpoint;
pub use env::*;
pub use headers::parse_headers;
pub use metrics::{
    MetricsConfig, MetricsExporterKind, TemporalityPreference, DEFAULT_HTTP_METRICS_ENDPOINT,
    DEFAULT_METRIC_EXPORT_INTERVAL, DEFAULT_METRIC_EXPORT_TIMEOUT, HTTP_METRICS_PATH,
};
#[cfg(feature = "otlp")]
pub(crate) use validate::read_pem_file;

use std::path::PathBuf;
use std::time::Duration;

/// Where spans go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExporterKind {
    /// OTLP over gRPC or HTTP (protobuf or JSON).
    Otlp,
    /// The console tree (the default with no endpoint).
    Console,
}

/// The OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// OTLP/gRPC (`grpc`).
    Grpc,
    /// OTLP/HTTP with protobuf bodies (`http/protobuf`), the specification's default.
    #[default]
    HttpProtobuf,
    /// OTLP/HTTP with the JSON encoding of the OTLP specification (`http/json`):
    /// hex trace and span ids, lowerCamelCase field names, enums as integers,
    /// 64-bit integers as decimal strings.
    HttpJson,
}

impl Protocol {
    /// The name used in `OTEL_EXPORTER_OTLP_PROTOCOL`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Grpc => "grpc",
            Protocol::HttpProtobuf => "http/protobuf",
            Protocol::HttpJson => "http/json",
        }
    }

    /// Whether this is one of the OTLP/HTTP encodings.
    pub fn is_http(self) -> bool {
        matches!(self, Protocol::HttpProtobuf | Protocol::HttpJson)
    }
}

/// Compression of OTLP payloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Compression {
    /// No compression (the default).
    #[default]
    None,
    /// gzip.
    Gzip,
    /// zstd (Zstandard).
    Zstd,
}

/// OTLP exporter settings.
#[derive(Clone, PartialEq)]
pub struct OtlpConfig {
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_ENDPOINT`): the base URL; `/v1/traces`
    /// is appended for HTTP.
    pub endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: the full URL, used as given.
    pub traces_endpoint: Option<String>,
    /// The transport.
    pub protocol: Protocol,
    /// Headers sent with every export (API keys: never logged or printed).
    pub headers: Vec<(String, String)>,
    /// Timeout of one export.
    pub timeout: Duration,
    /// Payload compression.
    pub compression: Compression,
    /// PEM file of the CA that signs the collector's certificate (private CA).
    pub certificate: Option<PathBuf>,
    /// PEM file of the client certificate, for mutual TLS.
    pub client_certificate: Option<PathBuf>,
    /// PEM file of the client key, for mutual TLS.
    pub client_key: Option<PathBuf>,
    /// For an endpoint without scheme: `true` means plaintext `http://`, else `https://`.
    pub insecure: bool,
    /// `AITRACE_MAX_REQUEST_BYTES`: the largest request sent, encoded (at least
    /// [`MIN_REQUEST_BYTES`]). A larger batch is split; a span larger on its own
    /// is dropped and counted. Default [`DEFAULT_MAX_REQUEST_BYTES`].
    pub max_request_bytes: usize,
}

/// The default largest OTLP request: 4 MiB, gRPC's default message limit,
/// which most collectors keep.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;
/// The smallest request limit accepted: below it ordinary spans would not fit.
pub const MIN_REQUEST_BYTES: usize = 64 * 1024;

impl Default for OtlpConfig {
    fn default() -> Self {
        OtlpConfig {
            endpoint: None,
            traces_endpoint: None,
            protocol: Protocol::default(),
            headers: Vec::new(),
            timeout: Duration::from_secs(10),
            compression: Compression::None,
            certificate: None,
            client_certificate: None,
            client_key: None,
            insecure: false,
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
        }
    }
}

impl std::fmt::Debug for OtlpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Header values carry API keys: show names only.
        let names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        // Endpoints may hold a key in their query string: shown without it.
        let shown = |e: &Option<String>| e.as_deref().map(crate::redact::endpoint);
        f.debug_struct("OtlpConfig")
            .field("endpoint", &shown(&self.endpoint))
            .field("traces_endpoint", &shown(&self.traces_endpoint))
            .field("protocol", &self.protocol)
            .field("headers", &format_args!("{names:?} (values hidden)"))
            .field("timeout", &self.timeout)
            .field("compression", &self.compression)
            .field("certificate", &self.certificate)
            .field("client_certificate", &self.client_certificate)
            .field("client_key", &self.client_key.as_ref().map(|_| "(set)"))
            .field("insecure", &self.insecure)
            .field("max_request_bytes", &self.max_request_bytes)
            .finish()
    }
}

/// The head sampler.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum SamplerConfig {
    /// `always_on`.
    AlwaysOn,
    /// `always_off`.
    AlwaysOff,
    /// `traceidratio` with its ratio.
    TraceIdRatio(f64),
    /// `parentbased_always_on`, the default.
    #[default]
    ParentBasedAlwaysOn,
    /// `parentbased_always_off`.
    ParentBasedAlwaysOff,
    /// `parentbased_traceidratio` with its ratio.
    ParentBasedTraceIdRatio(f64),
}

/// A context propagator named in `OTEL_PROPAGATORS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropagatorKind {
    /// W3C `traceparent` / `tracestate`.
    TraceContext,
    /// W3C `baggage`.
    Baggage,
    /// B3 single header `b3`.
    B3,
    /// B3 multiple `X-B3-*` headers.
    B3Multi,
    /// Jaeger `uber-trace-id` and `uberctx-*`.
    Jaeger,
}

/// The largest batch queue accepted (`OTEL_BSP_MAX_QUEUE_SIZE`): the queue is
/// allocated whole when the pipeline starts (about 360 bytes a span).
pub const MAX_QUEUE_SIZE: usize = 1 << 20;

/// Settings of the batch span processor (`OTEL_BSP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchConfig {
    /// Delay between two exports. Default 5 s.
    pub schedule_delay: Duration,
    /// Timeout of one export. Default 30 s.
    pub export_timeout: Duration,
    /// Spans waiting to be exported before new ones are dropped. Default 2048; at
    /// most [`MAX_QUEUE_SIZE`]. The batch being exported is held besides it, as in
    /// the OpenTelemetry SDK's batch processor: at most `max_queue_size +
    /// max_export_batch_size` spans are queued or being exported.
    pub max_queue_size: usize,
    /// Spans per export. Default 512; at most `max_queue_size`.
    pub max_export_batch_size: usize,
    /// `AITRACE_MAX_QUEUE_BYTES`: estimated bytes (as OTLP encodes them) of the
    /// spans queued or being exported, past which new spans are dropped and
    /// counted. Default [`DEFAULT_MAX_QUEUE_BYTES`]; at least [`MIN_QUEUE_BYTES`].
    pub max_queue_bytes: usize,
}

/// The default byte budget of the export queue: 64 MiB.
pub const DEFAULT_MAX_QUEUE_BYTES: usize = 64 * 1024 * 1024;
/// The smallest byte budget accepted.
pub const MIN_QUEUE_BYTES: usize = 64 * 1024;

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            schedule_delay: Duration::from_millis(5000),
            export_timeout: Duration::from_millis(30000),
            max_queue_size: 2048,
            max_export_batch_size: 512,
            max_queue_bytes: DEFAULT_MAX_QUEUE_BYTES,
        }
    }
}

/// The whole configuration of a pipeline.
#[derive(Clone, Debug)]
pub struct Config {
    /// `OTEL_SDK_DISABLED`: record nothing.
    pub disabled: bool,
    /// `OTEL_SERVICE_NAME`.
    pub service_name: Option<String>,
    /// `service.version` (code only, or `OTEL_RESOURCE_ATTRIBUTES`).
    pub service_version: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, decoded.
    pub resource_attributes: Vec<(String, String)>,
    /// `OTEL_TRACES_EXPORTER`; `None` means "decide": OTLP when an endpoint is set,
    /// else the console tree. `Some(vec![])` is `none`.
    pub exporters: Option<Vec<ExporterKind>>,
    /// OTLP settings.
    pub otlp: OtlpConfig,
    /// `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`.
    pub sampler: SamplerConfig,
    /// `OTEL_PROPAGATORS`, in order; empty for `none`.
    pub propagators: Vec<PropagatorKind>,
    /// `OTEL_BSP_*`.
    pub batch: BatchConfig,
    /// Metrics: `OTEL_METRICS_EXPORTER`, `OTEL_METRIC_EXPORT_*` and
    /// `OTEL_EXPORTER_OTLP_METRICS_*`.
    pub metrics: MetricsConfig,
    /// What spans record (`AITRACE_*`).
    pub settings: aitrace::Settings,
    /// `AITRACE_IDENTITY_BAGGAGE`: how the conversation id, user id and tenant
    /// cross services; [`crate::Builder::install`] sets it process-wide.
    pub identity_baggage: aitrace::propagation::IdentityBaggage,
    /// `AITRACE_STRICT_CONFIG`: an invalid value stops [`crate::Builder::build`]
    /// with a [`ConfigError`] instead of a warning.
    pub strict: bool,
    /// `AITRACE_SHUTDOWN_TIMEOUT`: the longest the tracing guard's `shutdown`,
    /// `flush` and drop wait. Default [`DEFAULT_SHUTDOWN_TIMEOUT`].
    pub shutdown_timeout: Duration,
}

/// How long the tracing guard waits at most, by default, when it shuts down or
/// flushes: 2 s, so that a dead collector never holds an exiting process long.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(2);

impl Default for Config {
    fn default() -> Self {
        Config {
            disabled: false,
            service_name: None,
            service_version: None,
            resource_attributes: Vec::new(),
            exporters: None,
            otlp: OtlpConfig::default(),
            sampler: SamplerConfig::default(),
            propagators: vec![PropagatorKind::TraceContext, PropagatorKind::Baggage],
            batch: BatchConfig::default(),
            metrics: MetricsConfig::default(),
            settings: aitrace::Settings::default(),
            identity_baggage: aitrace::propagation::IdentityBaggage::default(),
            strict: false,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }
}

/// Why the configuration was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// Strict configuration is on ([`AITRACE_STRICT_CONFIG`] or
    /// `Builder::with_strict_config`) and these values could not be used: each
    /// names the variable (or the setting's variable, for a value set in code), the
    /// value (never a header value) and what is accepted.
    #[error("strict configuration ({AITRACE_STRICT_CONFIG}) refuses {}", describe(.0))]
    Strict(Vec<ConfigWarning>),
}

impl ConfigError {
    /// The values refused.
    pub fn warnings(&self) -> &[ConfigWarning] {
        match self {
            ConfigError::Strict(w) => w,
        }
    }
}

fn describe(warnings: &[ConfigWarning]) -> String {
    match warnings {
        [one] => one.problem(),
        many => {
            let all: Vec<String> = many.iter().map(ConfigWarning::problem).collect();
            format!("{} invalid values: {}", many.len(), all.join("; "))
        }
    }
}
