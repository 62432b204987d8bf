//! Reading [`Config`] from `OTEL_*` environment variables.
//!
//! Rules shared by every variable:
//! - a value that is empty or only whitespace counts as unset;
//! - values are trimmed, and names of choices (`grpc`, `gzip`, `always_on`, …) are
//!   matched without regard to case;
//! - a signal-specific variable (`OTEL_EXPORTER_OTLP_TRACES_*`) wins over the
//!   generic one (`OTEL_EXPORTER_OTLP_*`), which wins over the default;
//! - an invalid value is a [`ConfigError::Invalid`] that names the variable, the
//!   value (never a header value) and what is accepted.

use super::headers::{parse_headers, percent_decode};
use super::{
    BatchConfig, Compression, Config, ConfigError, ExporterKind, OtlpConfig, PropagatorKind,
    Protocol, SamplerConfig,
};
use std::path::PathBuf;
use std::time::Duration;

/// `true` turns the SDK off: nothing is recorded or exported.
pub const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
/// The `service.name` resource attribute.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
/// Resource attributes as `key1=value1,key2=value2`, values percent-encoded.
pub const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
/// Where spans go: a comma-separated list of `otlp`, `console`, or `none`.
pub const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
/// Base URL of the OTLP receiver for every signal; `/v1/traces` is appended for HTTP.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Full URL of the OTLP receiver for traces, used as given.
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// aitrace's short alias of [`OTEL_EXPORTER_OTLP_ENDPOINT`], which wins when both are set.
pub const OTEL_ENDPOINT: &str = "OTEL_ENDPOINT";
/// OTLP transport: `grpc` or `http/protobuf`.
pub const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// OTLP transport for traces; wins over [`OTEL_EXPORTER_OTLP_PROTOCOL`].
pub const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// Headers sent with every export, `key1=value1,key2=value2`, values percent-encoded.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// Headers sent with trace exports; replaces [`OTEL_EXPORTER_OTLP_HEADERS`] when set.
pub const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// Timeout of one export, in milliseconds.
pub const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// Timeout of one trace export, in milliseconds; wins over [`OTEL_EXPORTER_OTLP_TIMEOUT`].
pub const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
/// Payload compression: `gzip` or `none`.
pub const OTEL_EXPORTER_OTLP_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
/// Payload compression of trace exports; wins over [`OTEL_EXPORTER_OTLP_COMPRESSION`].
pub const OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
/// PEM file of the CA(s) trusted to sign the collector's certificate.
pub const OTEL_EXPORTER_OTLP_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
/// PEM CA file for trace exports; wins over [`OTEL_EXPORTER_OTLP_CERTIFICATE`].
pub const OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE";
/// PEM file of the client certificate (mutual TLS).
pub const OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
/// Client certificate for trace exports; wins over [`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`].
pub const OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE";
/// PEM file of the client's private key (mutual TLS).
pub const OTEL_EXPORTER_OTLP_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";
/// Client key for trace exports; wins over [`OTEL_EXPORTER_OTLP_CLIENT_KEY`].
pub const OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY";
/// `true`: an endpoint given without a scheme is plaintext `http://` (else `https://`).
pub const OTEL_EXPORTER_OTLP_INSECURE: &str = "OTEL_EXPORTER_OTLP_INSECURE";
/// Like [`OTEL_EXPORTER_OTLP_INSECURE`], for trace exports; wins over it.
pub const OTEL_EXPORTER_OTLP_TRACES_INSECURE: &str = "OTEL_EXPORTER_OTLP_TRACES_INSECURE";
/// The head sampler (`parentbased_always_on` by default).
pub const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
/// The ratio of the `traceidratio` samplers, from 0 to 1 (1 by default).
pub const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
/// Context propagators, in order: `tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`, `none`.
pub const OTEL_PROPAGATORS: &str = "OTEL_PROPAGATORS";
/// Delay between two batch exports, in milliseconds.
pub const OTEL_BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
/// Longest time one batch export may take, in milliseconds.
pub const OTEL_BSP_EXPORT_TIMEOUT: &str = "OTEL_BSP_EXPORT_TIMEOUT";
/// Spans kept waiting for export before new ones are dropped.
pub const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
/// Spans sent in one export; at most [`OTEL_BSP_MAX_QUEUE_SIZE`].
pub const OTEL_BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";

/// Every `OTEL_*` variable [`Config::from_lookup`] reads. The `AITRACE_*` variables
/// are read by [`aitrace::Settings::from_lookup`] and listed in [`aitrace::settings`].
pub const ENV_VARIABLES: &[&str] = &[
    OTEL_SDK_DISABLED,
    OTEL_SERVICE_NAME,
    OTEL_RESOURCE_ATTRIBUTES,
    OTEL_TRACES_EXPORTER,
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_ENDPOINT,
    OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    OTEL_EXPORTER_OTLP_TIMEOUT,
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    OTEL_EXPORTER_OTLP_COMPRESSION,
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    OTEL_EXPORTER_OTLP_CERTIFICATE,
    OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
    OTEL_EXPORTER_OTLP_CLIENT_KEY,
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY,
    OTEL_EXPORTER_OTLP_INSECURE,
    OTEL_EXPORTER_OTLP_TRACES_INSECURE,
    OTEL_TRACES_SAMPLER,
    OTEL_TRACES_SAMPLER_ARG,
    OTEL_PROPAGATORS,
    OTEL_BSP_SCHEDULE_DELAY,
    OTEL_BSP_EXPORT_TIMEOUT,
    OTEL_BSP_MAX_QUEUE_SIZE,
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
];

/// The OTLP/HTTP traces URL used when no endpoint is configured.
pub const DEFAULT_HTTP_TRACES_ENDPOINT: &str = "http://localhost:4318/v1/traces";
/// The OTLP/gRPC endpoint used when no endpoint is configured.
pub const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";
/// The path appended to a generic endpoint for OTLP/HTTP trace exports.
pub const HTTP_TRACES_PATH: &str = "/v1/traces";

const SAMPLERS: &str = "always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off or parentbased_traceidratio";
const PROPAGATORS: &str = "a comma-separated list of tracecontext, baggage, b3, b3multi and \
                           jaeger, or none";
const EXPORTERS: &str = "a comma-separated list of otlp and console, or none";

/// The URL trace exports go to, from [`OtlpConfig::resolved_traces_endpoint`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    /// The full URL (gRPC: the target; HTTP: the URL spans are posted to).
    pub url: String,
    /// Something the user should hear about, such as a doubled `/v1/traces` path.
    pub warning: Option<String>,
}

impl Config {
    /// Reads the configuration from the process environment.
    ///
    /// A value that is not valid Unicode is read lossily, so that it fails
    /// validation rather than being silently ignored. See [`Config::from_lookup`].
    ///
    /// # Errors
    /// As [`Config::from_lookup`].
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }

    /// Reads the configuration through `lookup` (a variable name to its value),
    /// so that it can be tested without touching the process environment.
    ///
    /// Variables that are unset (or empty) keep the defaults of [`Config::default`].
    /// `service.name` and `service.version` found in `OTEL_RESOURCE_ATTRIBUTES` move
    /// to [`Config::service_name`] and [`Config::service_version`];
    /// `OTEL_SERVICE_NAME` wins over the former. The `AITRACE_*` variables are read
    /// with [`aitrace::Settings::from_lookup`].
    ///
    /// When `OTEL_SDK_DISABLED` is `true`, invalid values elsewhere are not errors:
    /// nothing is exported, so the result is the default configuration with
    /// `disabled` set, and a broken setting can be switched off by disabling the SDK.
    ///
    /// ```
    /// use aitrace_sdk::config::{Config, ExporterKind, Protocol};
    ///
    /// let env = [
    ///     ("OTEL_SERVICE_NAME", "support-bot"),
    ///     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
    ///     ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    /// ];
    /// let config = Config::from_lookup(|name| {
    ///     env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    /// })?;
    /// assert_eq!(config.service_name.as_deref(), Some("support-bot"));
    /// assert_eq!(config.otlp.protocol, Protocol::Grpc);
    /// assert_eq!(config.effective_exporters(), vec![ExporterKind::Otlp]);
    ///
    /// let bad = Config::from_lookup(|name| {
    ///     (name == "OTEL_TRACES_SAMPLER").then(|| "sometimes".to_string())
    /// });
    /// assert!(bad.unwrap_err().to_string().contains("OTEL_TRACES_SAMPLER"));
    /// # Ok::<(), aitrace_sdk::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] for the first variable (in a fixed order) whose
    /// value is not accepted, naming it, its value (header values are never
    /// included) and what is accepted; [`ConfigError::Settings`] for an invalid
    /// `AITRACE_*` setting.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let env = Env { lookup };
        let disabled = match env.get(OTEL_SDK_DISABLED) {
            Some((var, value)) => parse_bool(var, &value)?,
            None => false,
        };
        match read(&env) {
            Ok(mut config) => {
                config.disabled = disabled;
                Ok(config)
            }
            Err(_) if disabled => Ok(Config {
                disabled: true,
                ..Config::default()
            }),
            Err(e) => Err(e),
        }
    }

    /// Whether an OTLP endpoint was given, in the environment or in code.
    pub fn has_endpoint(&self) -> bool {
        let set = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        set(&self.otlp.endpoint) || set(&self.otlp.traces_endpoint)
    }

    /// The exporters to install: those chosen in [`Config::exporters`], or, when
    /// none were chosen, OTLP if an endpoint is set and the console tree otherwise.
    pub fn effective_exporters(&self) -> Vec<ExporterKind> {
        match &self.exporters {
            Some(list) => list.clone(),
            None if self.has_endpoint() => vec![ExporterKind::Otlp],
            None => vec![ExporterKind::Console],
        }
    }
}

impl OtlpConfig {
    /// The URL trace exports go to.
    ///
    /// - [`OtlpConfig::traces_endpoint`], when set, is used as given.
    /// - Else [`OtlpConfig::endpoint`]: for OTLP/HTTP with `/v1/traces` appended to
    ///   its path (a base that already ends with `/v1/traces` still gets it, as the
    ///   specification requires, and the result carries a warning); for gRPC as given.
    /// - Else `http://localhost:4318/v1/traces` (HTTP) or `http://localhost:4317` (gRPC).
    ///
    /// An endpoint without a scheme gets `http://` when [`OtlpConfig::insecure`] is
    /// set and `https://` otherwise.
    ///
    /// ```
    /// use aitrace_sdk::config::OtlpConfig;
    ///
    /// let otlp = OtlpConfig {
    ///     endpoint: Some("https://api.honeycomb.io:443".into()),
    ///     ..OtlpConfig::default()
    /// };
    /// let resolved = otlp.resolved_traces_endpoint()?;
    /// assert_eq!(resolved.url, "https://api.honeycomb.io:443/v1/traces");
    /// assert_eq!(resolved.warning, None);
    /// # Ok::<(), aitrace_sdk::ConfigError>(())
    /// ```
    ///
    /// # Errors
    /// [`ConfigError::Invalid`] naming the endpoint variable when the URL has a
    /// scheme other than `http` or `https`, no host, a bad port, credentials, or
    /// spaces or control characters.
    pub fn resolved_traces_endpoint(&self) -> Result<ResolvedEndpoint, ConfigError> {
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        if let Some(raw) = given(&self.traces_endpoint) {
            let url = parse_endpoint(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, &raw, self.insecure)?;
            return Ok(ResolvedEndpoint {
                url: url.as_given(),
                warning: None,
            });
        }
        if let Some(raw) = given(&self.endpoint) {
            let url = parse_endpoint(OTEL_EXPORTER_OTLP_ENDPOINT, &raw, self.insecure)?;
            return Ok(match self.protocol {
                Protocol::Grpc => ResolvedEndpoint {
                    url: url.as_given(),
                    warning: None,
                },
                Protocol::HttpProtobuf => {
                    let base = url.path.trim_end_matches('/');
                    let full = format!(
                        "{}://{}{base}{HTTP_TRACES_PATH}{}",
                        url.scheme, url.authority, url.rest
                    );
                    let warning = base.ends_with(HTTP_TRACES_PATH).then(|| {
                        format!(
                            "the OTLP endpoint ({OTEL_EXPORTER_OTLP_ENDPOINT}) already ends with \
                             {HTTP_TRACES_PATH}, and {HTTP_TRACES_PATH} is appended to it for \
                             OTLP/HTTP, so spans go to {full}; give the base URL without the path, \
                             or set {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} to a full URL"
                        )
                    });
                    ResolvedEndpoint { url: full, warning }
                }
            });
        }
        Ok(ResolvedEndpoint {
            url: match self.protocol {
                Protocol::Grpc => DEFAULT_GRPC_ENDPOINT,
                Protocol::HttpProtobuf => DEFAULT_HTTP_TRACES_ENDPOINT,
            }
            .to_string(),
            warning: None,
        })
    }
}

/// Trimmed, non-empty values through the caller's lookup.
struct Env<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    fn value(&self, var: &str) -> Option<String> {
        (self.lookup)(var)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    fn get(&self, var: &'static str) -> Option<(&'static str, String)> {
        self.value(var).map(|v| (var, v))
    }

    /// The first of `vars` that is set.
    fn first(&self, vars: &[&'static str]) -> Option<(&'static str, String)> {
        vars.iter().find_map(|var| self.get(var))
    }
}

fn read<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<Config, ConfigError> {
    let mut config = Config::default();

    if let Some((var, value)) = env.get(OTEL_RESOURCE_ATTRIBUTES) {
        let mut attributes = parse_resource_attributes(var, &value)?;
        attributes.retain(|(key, value)| match key.as_str() {
            "service.name" => {
                config.service_name = Some(value.clone());
                false
            }
            "service.version" => {
                config.service_version = Some(value.clone());
                false
            }
            _ => true,
        });
        config.resource_attributes = attributes;
    }
    if let Some((_, value)) = env.get(OTEL_SERVICE_NAME) {
        config.service_name = Some(value);
    }
    if let Some((var, value)) = env.get(OTEL_TRACES_EXPORTER) {
        config.exporters = Some(parse_exporters(var, &value)?);
    }

    config.otlp = read_otlp(env)?;

    if let Some((var, value)) = env.get(OTEL_TRACES_SAMPLER) {
        config.sampler = parse_sampler(var, &value, env.get(OTEL_TRACES_SAMPLER_ARG))?;
    }
    if let Some((var, value)) = env.get(OTEL_PROPAGATORS) {
        config.propagators = parse_propagators(var, &value)?;
    }
    config.batch = read_batch(env)?;
    config.settings = aitrace::Settings::from_lookup(|name| env.value(name))?;
    Ok(config)
}

fn read_otlp<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<OtlpConfig, ConfigError> {
    let mut otlp = OtlpConfig::default();
    if let Some((var, value)) = env.first(&[
        OTEL_EXPORTER_OTLP_TRACES_INSECURE,
        OTEL_EXPORTER_OTLP_INSECURE,
    ]) {
        otlp.insecure = parse_bool(var, &value)?;
    }
    if let Some((var, value)) = env.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
        parse_endpoint(var, &value, otlp.insecure)?;
        otlp.traces_endpoint = Some(value);
    }
    if let Some((var, value)) = env.first(&[OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_ENDPOINT]) {
        parse_endpoint(var, &value, otlp.insecure)?;
        otlp.endpoint = Some(value);
    }
    if let Some((var, value)) = env.first(&[
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
        OTEL_EXPORTER_OTLP_PROTOCOL,
    ]) {
        otlp.protocol = parse_protocol(var, &value)?;
    }
    if let Some((var, value)) = env.first(&[
        OTEL_EXPORTER_OTLP_TRACES_HEADERS,
        OTEL_EXPORTER_OTLP_HEADERS,
    ]) {
        otlp.headers = parse_headers(var, &value)?;
    }
    if let Some((var, value)) = env.first(&[
        OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
        OTEL_EXPORTER_OTLP_TIMEOUT,
    ]) {
        otlp.timeout = parse_millis(var, &value, false)?;
    }
    if let Some((var, value)) = env.first(&[
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
        OTEL_EXPORTER_OTLP_COMPRESSION,
    ]) {
        otlp.compression = parse_compression(var, &value)?;
    }
    let path = |vars: &[&'static str]| env.first(vars).map(|(var, v)| (var, PathBuf::from(v)));
    otlp.certificate = path(&[
        OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
        OTEL_EXPORTER_OTLP_CERTIFICATE,
    ])
    .map(|(_, p)| p);
    let client_certificate = path(&[
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
    ]);
    let client_key = path(&[
        OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY,
        OTEL_EXPORTER_OTLP_CLIENT_KEY,
    ]);
    match (&client_certificate, &client_key) {
        (Some((var, p)), None) => {
            return Err(invalid(
                var,
                p.display().to_string(),
                format!(
                    "a client certificate together with its key \
                     ({OTEL_EXPORTER_OTLP_CLIENT_KEY}); mutual TLS needs both"
                ),
            ))
        }
        (None, Some((var, p))) => {
            return Err(invalid(
                var,
                p.display().to_string(),
                format!(
                    "a client key together with its certificate \
                     ({OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE}); mutual TLS needs both"
                ),
            ))
        }
        _ => {}
    }
    otlp.client_certificate = client_certificate.map(|(_, p)| p);
    otlp.client_key = client_key.map(|(_, p)| p);
    Ok(otlp)
}

fn read_batch<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> Result<BatchConfig, ConfigError> {
    let mut batch = BatchConfig::default();
    if let Some((var, value)) = env.get(OTEL_BSP_SCHEDULE_DELAY) {
        batch.schedule_delay = parse_millis(var, &value, true)?;
    }
    if let Some((var, value)) = env.get(OTEL_BSP_EXPORT_TIMEOUT) {
        batch.export_timeout = parse_millis(var, &value, true)?;
    }
    if let Some((var, value)) = env.get(OTEL_BSP_MAX_QUEUE_SIZE) {
        batch.max_queue_size = parse_count(var, &value)?;
    }
    match env.get(OTEL_BSP_MAX_EXPORT_BATCH_SIZE) {
        Some((var, value)) => {
            let size = parse_count(var, &value)?;
            if size > batch.max_queue_size {
                return Err(invalid(
                    var,
                    value,
                    format!(
                        "a whole number greater than 0 and at most the queue size {} \
                         ({OTEL_BSP_MAX_QUEUE_SIZE})",
                        batch.max_queue_size
                    ),
                ));
            }
            batch.max_export_batch_size = size;
        }
        // Only the queue was made smaller: the default batch follows it down.
        None => batch.max_export_batch_size = batch.max_export_batch_size.min(batch.max_queue_size),
    }
    Ok(batch)
}

fn invalid(
    var: &'static str,
    value: impl Into<String>,
    expected: impl Into<String>,
) -> ConfigError {
    ConfigError::Invalid {
        var,
        value: value.into(),
        expected: expected.into(),
    }
}

/// A boolean as the specification defines it: `true` or `false`, in any case.
fn parse_bool(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    if value.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid(var, value, "true or false"))
    }
}

fn parse_u64(value: &str) -> Option<u64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn parse_millis(var: &'static str, value: &str, positive: bool) -> Result<Duration, ConfigError> {
    match parse_u64(value) {
        Some(ms) if ms > 0 || !positive => Ok(Duration::from_millis(ms)),
        _ if positive => Err(invalid(
            var,
            value,
            "a whole number of milliseconds greater than 0",
        )),
        _ => Err(invalid(
            var,
            value,
            "a whole number of milliseconds (0 or more)",
        )),
    }
}

fn parse_count(var: &'static str, value: &str) -> Result<usize, ConfigError> {
    match parse_u64(value).and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(invalid(var, value, "a whole number greater than 0")),
    }
}

fn parse_protocol(var: &'static str, value: &str) -> Result<Protocol, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "grpc" => Ok(Protocol::Grpc),
        "http/protobuf" => Ok(Protocol::HttpProtobuf),
        "http/json" => Err(invalid(
            var,
            value,
            "grpc or http/protobuf (http/json is not supported by aitrace)",
        )),
        _ => Err(invalid(var, value, "grpc or http/protobuf")),
    }
}

fn parse_compression(var: &'static str, value: &str) -> Result<Compression, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "gzip" => Ok(Compression::Gzip),
        "none" => Ok(Compression::None),
        _ => Err(invalid(var, value, "gzip or none")),
    }
}

/// The non-empty items of a comma-separated list, trimmed and lower-cased.
fn list_items(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_ascii_lowercase)
}

fn parse_exporters(var: &'static str, value: &str) -> Result<Vec<ExporterKind>, ConfigError> {
    parse_names(var, value, EXPORTERS, "exporters", |name| match name {
        "otlp" => Name::Known(ExporterKind::Otlp),
        "console" => Name::Known(ExporterKind::Console),
        "none" => Name::None,
        _ => Name::Unknown,
    })
}

/// One item of a comma-separated list of names.
enum Name<K> {
    Known(K),
    /// `none`: nothing at all; only valid alone.
    None,
    /// A name the specification defines that aitrace does not implement.
    Unsupported,
    Unknown,
}

/// A comma-separated list of names (case-insensitive, duplicates kept once, in
/// order); `none` alone gives an empty list.
fn parse_names<K: PartialEq>(
    var: &'static str,
    value: &str,
    accepted: &str,
    what: &str,
    lookup: impl Fn(&str) -> Name<K>,
) -> Result<Vec<K>, ConfigError> {
    let mut kinds = Vec::new();
    let (mut none, mut any) = (false, false);
    for item in list_items(value) {
        any = true;
        match lookup(item.as_str()) {
            Name::Known(kind) if !kinds.contains(&kind) => kinds.push(kind),
            Name::Known(_) => {}
            Name::None => none = true,
            Name::Unsupported => {
                return Err(invalid(
                    var,
                    value,
                    format!("{accepted} ({item} is not supported by aitrace)"),
                ))
            }
            Name::Unknown => {
                return Err(invalid(
                    var,
                    value,
                    format!("{accepted} (`{item}` is not one of them)"),
                ))
            }
        }
    }
    if !any {
        return Err(invalid(var, value, accepted));
    }
    if none && !kinds.is_empty() {
        return Err(invalid(
            var,
            value,
            format!("{accepted} (`none` cannot be combined with other {what})"),
        ));
    }
    Ok(kinds)
}

fn parse_sampler(
    var: &'static str,
    value: &str,
    arg: Option<(&'static str, String)>,
) -> Result<SamplerConfig, ConfigError> {
    let ratio = || match &arg {
        None => Ok(1.0),
        Some((arg_var, arg_value)) => match arg_value.parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
            _ => Err(invalid(
                arg_var,
                arg_value.as_str(),
                format!("a number from 0 to 1, the sampling ratio of {value}"),
            )),
        },
    };
    match value.to_ascii_lowercase().as_str() {
        "always_on" => Ok(SamplerConfig::AlwaysOn),
        "always_off" => Ok(SamplerConfig::AlwaysOff),
        "traceidratio" => Ok(SamplerConfig::TraceIdRatio(ratio()?)),
        "parentbased_always_on" => Ok(SamplerConfig::ParentBasedAlwaysOn),
        "parentbased_always_off" => Ok(SamplerConfig::ParentBasedAlwaysOff),
        "parentbased_traceidratio" => Ok(SamplerConfig::ParentBasedTraceIdRatio(ratio()?)),
        name @ ("jaeger_remote" | "parentbased_jaeger_remote" | "xray") => Err(invalid(
            var,
            value,
            format!("one of {SAMPLERS} ({name} is not supported by aitrace)"),
        )),
        _ => Err(invalid(var, value, format!("one of {SAMPLERS}"))),
    }
}

fn parse_propagators(var: &'static str, value: &str) -> Result<Vec<PropagatorKind>, ConfigError> {
    parse_names(var, value, PROPAGATORS, "propagators", |name| match name {
        "tracecontext" => Name::Known(PropagatorKind::TraceContext),
        "baggage" => Name::Known(PropagatorKind::Baggage),
        "b3" => Name::Known(PropagatorKind::B3),
        "b3multi" => Name::Known(PropagatorKind::B3Multi),
        "jaeger" => Name::Known(PropagatorKind::Jaeger),
        "none" => Name::None,
        "xray" | "ottrace" => Name::Unsupported,
        _ => Name::Unknown,
    })
}

/// `key1=value1,key2=value2` with percent-encoded keys and values. A key given
/// twice keeps its last value, at the place of its first.
fn parse_resource_attributes(
    var: &'static str,
    value: &str,
) -> Result<Vec<(String, String)>, ConfigError> {
    const EXPECTED: &str = "comma-separated key=value pairs with percent-encoded values";
    let mut attributes: Vec<(String, String)> = Vec::new();
    for (index, entry) in value.split(',').enumerate() {
        let position = index + 1;
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let Some((raw_key, raw_value)) = entry.split_once('=') else {
            return Err(invalid(
                var,
                value,
                format!("{EXPECTED}; entry {position} has no '='"),
            ));
        };
        let key = percent_decode(raw_key.trim()).map_err(|e| {
            invalid(
                var,
                value,
                format!("{EXPECTED}; the key of entry {position} {}", e.describe()),
            )
        })?;
        if key.is_empty() {
            return Err(invalid(
                var,
                value,
                format!("{EXPECTED}; entry {position} has an empty key"),
            ));
        }
        if key.chars().any(char::is_control) {
            return Err(invalid(
                var,
                value,
                format!("{EXPECTED}; the key of entry {position} holds a control character"),
            ));
        }
        let decoded = percent_decode(raw_value.trim()).map_err(|e| {
            invalid(
                var,
                value,
                format!("{EXPECTED}; the value of entry {position} {}", e.describe()),
            )
        })?;
        match attributes.iter_mut().find(|(k, _)| *k == key) {
            Some(existing) => existing.1 = decoded,
            None => attributes.push((key, decoded)),
        }
    }
    Ok(attributes)
}

/// An endpoint split into the parts that matter for building the traces URL.
struct Endpoint {
    /// `http` or `https`, lower-case; added when the value had none.
    scheme: String,
    /// Everything after `scheme://`, as given.
    after_scheme: String,
    /// `host[:port]`.
    authority: String,
    /// The path, possibly empty.
    path: String,
    /// Query and fragment, with their leading `?` or `#`.
    rest: String,
}

impl Endpoint {
    /// The URL as given, with its scheme in lower case (or added).
    fn as_given(&self) -> String {
        format!("{}://{}", self.scheme, self.after_scheme)
    }
}

fn parse_endpoint(var: &'static str, value: &str, insecure: bool) -> Result<Endpoint, ConfigError> {
    const EXPECTED: &str = "an http:// or https:// URL with a host and an optional port and path";
    let raw = value.trim();
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            var,
            raw,
            format!("{EXPECTED}, without spaces or control characters"),
        ));
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            s @ ("http" | "https") => (s.to_string(), rest),
            _ => {
                return Err(invalid(
                    var,
                    raw,
                    format!("{EXPECTED} (the scheme must be http or https)"),
                ))
            }
        },
        None => {
            let scheme = if insecure { "http" } else { "https" };
            (scheme.to_string(), raw)
        }
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(end);
    if authority.contains('@') {
        // The user part may hold a password: keep it out of the error.
        return Err(invalid(
            var,
            "(not shown: it holds credentials)",
            format!(
                "{EXPECTED}; credentials in the URL are not supported, send them as headers \
                 ({OTEL_EXPORTER_OTLP_HEADERS})"
            ),
        ));
    }
    if let Err(problem) = check_authority(authority) {
        return Err(invalid(var, raw, format!("{EXPECTED} ({problem})")));
    }
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let (path, query) = after.split_at(path_end);
    Ok(Endpoint {
        scheme,
        after_scheme: rest.to_string(),
        authority: authority.to_string(),
        path: path.to_string(),
        rest: query.to_string(),
    })
}

/// Checks `host[:port]`, where the host is a name, an IPv4 address or a bracketed
/// IPv6 address.
fn check_authority(authority: &str) -> Result<(), &'static str> {
    if authority.is_empty() {
        return Err("the host is missing");
    }
    let port = if let Some(inner) = authority.strip_prefix('[') {
        let Some((host, after)) = inner.split_once(']') else {
            return Err("an IPv6 address must be closed with ']'");
        };
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err("the IPv6 address is malformed");
        }
        match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return Err("only a port may follow the IPv6 address"),
            },
        }
    } else {
        let (host, port) = match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        if host.is_empty() {
            return Err("the host is missing");
        }
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
        {
            return Err("the host holds a character not allowed in a host name");
        }
        port
    };
    match port {
        None => Ok(()),
        Some(port) => match parse_u64(port) {
            Some(n) if n <= u64::from(u16::MAX) && port.len() <= 5 => Ok(()),
            _ => Err("the port must be a number from 0 to 65535"),
        },
    }
}
