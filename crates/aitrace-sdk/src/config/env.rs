//! Reading [`Config`] from `OTEL_*` environment variables.
//!
//! Rules shared by every variable (see [`aitrace::env`]):
//! - a value that is empty or only whitespace counts as unset;
//! - values are trimmed, and names of choices (`grpc`, `gzip`, `always_on`, …) are
//!   matched without regard to case;
//! - a signal-specific variable (`OTEL_EXPORTER_OTLP_TRACES_*`) wins over the
//!   generic one (`OTEL_EXPORTER_OTLP_*`), which wins over the default;
//! - a value that is invalid or not supported is ignored as if unset, with a
//!   [`ConfigWarning`] naming the variable, the value (never a header value) and
//!   what is accepted; in a list, only the item at fault is skipped.

use super::endpoint::{parse_endpoint, UNSET};
use super::headers::{check_for_protocol, parse_headers, SKIPPED};
use super::validate::{check_pem_file, check_queue};
use super::{
    BatchConfig, Compression, Config, ConfigWarning, ExporterKind, MetricsExporterKind, OtlpConfig,
    PropagatorKind, Protocol, SamplerConfig,
};
use aitrace::env::{key_values, parse_count, parse_millis, parse_names, EnvReader, Name, NameList};
use std::path::PathBuf;

pub use aitrace::env::{
    AITRACE_MAX_QUEUE_BYTES, AITRACE_MAX_REQUEST_BYTES, AITRACE_SHUTDOWN_TIMEOUT,
    AITRACE_STRICT_CONFIG, OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
    OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_SCHEDULE_DELAY, OTEL_ENDPOINT,
    OTEL_EXPORTER_OTLP_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
    OTEL_EXPORTER_OTLP_CLIENT_KEY, OTEL_EXPORTER_OTLP_COMPRESSION, OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_INSECURE, OTEL_EXPORTER_OTLP_PROTOCOL,
    OTEL_EXPORTER_OTLP_TIMEOUT, OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
    OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE, OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY,
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_HEADERS, OTEL_EXPORTER_OTLP_TRACES_INSECURE,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, OTEL_EXPORTER_OTLP_TRACES_TIMEOUT, OTEL_PROPAGATORS,
    OTEL_RESOURCE_ATTRIBUTES, OTEL_SDK_DISABLED, OTEL_SERVICE_NAME, OTEL_TRACES_EXPORTER,
    OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG,
};
pub use aitrace::env::{
    OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE, OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE,
    OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY, OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, OTEL_EXPORTER_OTLP_METRICS_HEADERS,
    OTEL_EXPORTER_OTLP_METRICS_INSECURE, OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    OTEL_METRICS_EXPORTER, OTEL_METRIC_EXPORT_INTERVAL, OTEL_METRIC_EXPORT_TIMEOUT,
};

/// Every variable [`Config::from_lookup`] reads apart from `AITRACE_STRICT_CONFIG`
/// and the settings of spans, which [`aitrace::Settings::from_lookup`] reads and
/// [`aitrace::settings`] lists.
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
    AITRACE_MAX_QUEUE_BYTES,
    AITRACE_MAX_REQUEST_BYTES,
    AITRACE_SHUTDOWN_TIMEOUT,
    OTEL_METRICS_EXPORTER,
    OTEL_METRIC_EXPORT_INTERVAL,
    OTEL_METRIC_EXPORT_TIMEOUT,
    OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
    OTEL_EXPORTER_OTLP_METRICS_HEADERS,
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
    OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE,
    OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE,
    OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY,
    OTEL_EXPORTER_OTLP_METRICS_INSECURE,
    OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE,
];

/// The OTLP/HTTP traces URL used when no endpoint is configured.
pub const DEFAULT_HTTP_TRACES_ENDPOINT: &str = "http://localhost:4318/v1/traces";
/// The OTLP/gRPC endpoint used when no endpoint is configured.
pub const DEFAULT_GRPC_ENDPOINT: &str = "http://localhost:4317";
/// The path appended to a generic endpoint for OTLP/HTTP trace exports.
pub const HTTP_TRACES_PATH: &str = "/v1/traces";

const SAMPLERS: &str = "one of always_on, always_off, traceidratio, parentbased_always_on, \
                        parentbased_always_off or parentbased_traceidratio";
const PROPAGATORS: &str = "a comma-separated list of tracecontext, baggage, b3, b3multi and \
                           jaeger, or none";
const EXPORTERS: &str = "a comma-separated list of otlp and console, or none";

impl Config {
    /// Reads the configuration from the process environment; see
    /// [`Config::from_lookup`].
    pub fn from_env() -> (Config, Vec<ConfigWarning>) {
        Config::from_lookup(aitrace::env::process_lookup)
    }

    /// Reads the configuration through `lookup` (a variable name to its value),
    /// so that it can be tested without touching the process environment.
    ///
    /// Reading never fails. Variables that are unset (or empty) keep the defaults
    /// of [`Config::default`]; a value that is invalid or not supported is ignored
    /// as if unset, and described in the returned warnings (variable, value, what
    /// is accepted; header values are never included). `service.name` and
    /// `service.version` found in `OTEL_RESOURCE_ATTRIBUTES` move to
    /// [`Config::service_name`] and [`Config::service_version`];
    /// `OTEL_SERVICE_NAME` wins over the former. The `AITRACE_*` settings are read
    /// with [`aitrace::Settings::read`].
    ///
    /// When `OTEL_SDK_DISABLED` is `true`, no other variable is read (only
    /// `AITRACE_STRICT_CONFIG`): nothing will be exported, so a broken setting can
    /// always be switched off by disabling the SDK.
    ///
    /// ```
    /// use aitrace_sdk::config::{Config, ExporterKind, PropagatorKind, Protocol};
    ///
    /// let env = [
    ///     ("OTEL_SERVICE_NAME", "support-bot"),
    ///     ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
    ///     ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ///     ("OTEL_PROPAGATORS", "tracecontext,baggage,xray"),
    /// ];
    /// let (config, warnings) = Config::from_lookup(|name| {
    ///     env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    /// });
    /// assert_eq!(config.service_name.as_deref(), Some("support-bot"));
    /// assert_eq!(config.otlp.protocol, Protocol::Grpc);
    /// assert_eq!(config.effective_exporters(), vec![ExporterKind::Otlp]);
    /// // xray is skipped with a warning; the others still work.
    /// assert_eq!(config.propagators, vec![PropagatorKind::TraceContext, PropagatorKind::Baggage]);
    /// assert_eq!(warnings.len(), 1);
    /// assert!(warnings[0].to_string().contains("OTEL_PROPAGATORS"));
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> (Config, Vec<ConfigWarning>) {
        let mut env = EnvReader::new(lookup);
        let config = read(&mut env);
        (config, env.finish())
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

    /// Where metrics go: those chosen in [`MetricsConfig::exporters`]
    /// (`OTEL_METRICS_EXPORTER`), or, when none were chosen, where the traces go
    /// ([`Config::effective_exporters`]): OTLP to the same collector, and a
    /// summary of the run's metrics after the console tree. With traces at
    /// `none`, no metrics either, unless chosen; nor over OTLP when the traces
    /// go to an endpoint of their own (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, as
    /// for a trace-only backend) and no endpoint is given that metrics could use.
    ///
    /// ```
    /// use aitrace_sdk::config::{Config, MetricsExporterKind};
    ///
    /// let env = [("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")];
    /// let (config, _) = Config::from_lookup(|name| {
    ///     env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    /// });
    /// assert_eq!(config.effective_metrics_exporters(), vec![MetricsExporterKind::Otlp]);
    /// // No endpoint: the console tree for traces, a summary for metrics.
    /// assert_eq!(
    ///     Config::default().effective_metrics_exporters(),
    ///     vec![MetricsExporterKind::Console]
    /// );
    /// ```
    pub fn effective_metrics_exporters(&self) -> Vec<MetricsExporterKind> {
        match &self.metrics.exporters {
            Some(list) => list.clone(),
            None => {
                let traces_only = self
                    .otlp
                    .traces_endpoint
                    .as_deref()
                    .is_some_and(|e| !e.trim().is_empty());
                let metrics_collector = self.metrics.has_endpoint() || !traces_only;
                self.effective_exporters()
                    .into_iter()
                    .filter_map(|kind| match kind {
                        ExporterKind::Otlp => {
                            metrics_collector.then_some(MetricsExporterKind::Otlp)
                        }
                        ExporterKind::Console => Some(MetricsExporterKind::Console),
                    })
                    .collect()
            }
        }
    }
}

fn read<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Config {
    let mut config = Config {
        strict: env.bool(&[AITRACE_STRICT_CONFIG]).unwrap_or(false),
        disabled: env.sdk_disabled(),
        ..Config::default()
    };
    if config.disabled {
        return config;
    }
    if let Some(value) = env.value(OTEL_RESOURCE_ATTRIBUTES) {
        let mut attributes = parse_resource_attributes(env, &value);
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
    if let Some(value) = env.value(OTEL_SERVICE_NAME) {
        config.service_name = Some(value);
    }
    if let Some(value) = env.value(OTEL_TRACES_EXPORTER) {
        let list = parse_names(&value, |name| match name {
            "otlp" => Name::Known(ExporterKind::Otlp),
            "console" => Name::Known(ExporterKind::Console),
            "none" => Name::None,
            "zipkin" | "jaeger" | "logging" | "prometheus" => Name::Unsupported,
            _ => Name::Unknown,
        });
        config.exporters = names(
            env,
            OTEL_TRACES_EXPORTER,
            &value,
            list,
            Names {
                accepted: EXPORTERS,
                what: "exporters",
                default: "the default applies (otlp when an endpoint is set, else console)",
                show: exporter_name,
            },
        );
    }
    let (otlp, traces_endpoint) = read_otlp(env, &TRACES);
    config.otlp = OtlpConfig {
        traces_endpoint,
        ..otlp
    };
    match env.parse(
        &[OTEL_TRACES_SAMPLER],
        "using parentbased_always_on",
        parse_sampler,
    ) {
        Some(SamplerName::Fixed(sampler)) => config.sampler = sampler,
        Some(SamplerName::Ratio(make, name)) => config.sampler = make(read_ratio(env, name)),
        None => {}
    }
    if let Some(value) = env.value(OTEL_PROPAGATORS) {
        let list = parse_names(&value, |name| match name {
            "tracecontext" => Name::Known(PropagatorKind::TraceContext),
            "baggage" => Name::Known(PropagatorKind::Baggage),
            "b3" => Name::Known(PropagatorKind::B3),
            "b3multi" => Name::Known(PropagatorKind::B3Multi),
            "jaeger" => Name::Known(PropagatorKind::Jaeger),
            "none" => Name::None,
            "xray" | "ottrace" => Name::Unsupported,
            _ => Name::Unknown,
        });
        if let Some(list) = names(
            env,
            OTEL_PROPAGATORS,
            &value,
            list,
            Names {
                accepted: PROPAGATORS,
                what: "propagators",
                default: "using the default tracecontext,baggage",
                show: propagator_name,
            },
        ) {
            config.propagators = list;
        }
    }
    config.metrics = super::metrics::read_metrics(env);
    config.batch = read_batch(env);
    if let Some(t) = env.parse(
        &[AITRACE_SHUTDOWN_TIMEOUT],
        &format!(
            "using the default {}",
            super::DEFAULT_SHUTDOWN_TIMEOUT.as_millis()
        ),
        |v| parse_millis(v, true),
    ) {
        config.shutdown_timeout = t;
    }
    config.settings = aitrace::Settings::read(env);
    config.identity_baggage = aitrace::propagation::IdentityBaggage::read(env);
    config
}

/// How a list variable is described in its warnings.
pub(crate) struct Names<K> {
    /// What the variable accepts.
    pub(crate) accepted: &'static str,
    /// What its items are, in the plural.
    pub(crate) what: &'static str,
    /// What happens when nothing usable is left.
    pub(crate) default: &'static str,
    /// The name of an item, to say what is used.
    pub(crate) show: fn(&K) -> &'static str,
}

/// The items of a list variable that can be used, in order (empty for `none`),
/// or `None` when there is nothing to use, so that the default applies. Skipped
/// items and refused lists are warnings.
pub(crate) fn names<F: Fn(&str) -> Option<String>, K>(
    env: &mut EnvReader<F>,
    var: &'static str,
    value: &str,
    list: NameList<K>,
    how: Names<K>,
) -> Option<Vec<K>> {
    let skipped = !list.unsupported.is_empty() || !list.unknown.is_empty();
    if list.none && !list.known.is_empty() {
        env.warn(ConfigWarning::new(
            var,
            value,
            format!(
                "{} (`none` cannot be combined with other {})",
                how.accepted, how.what
            ),
            format!("ignored; {}", how.default),
        ));
        return None;
    }
    if list.known.is_empty() && !list.none && !skipped {
        env.warn(ConfigWarning::new(
            var,
            value,
            how.accepted,
            format!("ignored; {}", how.default),
        ));
        return None;
    }
    let fallback = if !list.known.is_empty() {
        let kept: Vec<&str> = list.known.iter().map(how.show).collect();
        format!("skipped; using {}", kept.join(","))
    } else if list.none {
        "skipped; using none".to_string()
    } else {
        format!("skipped; no {} left, so {}", how.what, how.default)
    };
    for w in list.warnings(var, how.accepted, &fallback) {
        env.warn(w);
    }
    match (list.known.is_empty(), list.none) {
        (false, _) => Some(list.known),
        (true, true) => Some(Vec::new()),
        (true, false) => None,
    }
}

fn exporter_name(kind: &ExporterKind) -> &'static str {
    match kind {
        ExporterKind::Otlp => "otlp",
        ExporterKind::Console => "console",
    }
}

fn propagator_name(kind: &PropagatorKind) -> &'static str {
    match kind {
        PropagatorKind::TraceContext => "tracecontext",
        PropagatorKind::Baggage => "baggage",
        PropagatorKind::B3 => "b3",
        PropagatorKind::B3Multi => "b3multi",
        PropagatorKind::Jaeger => "jaeger",
    }
}

/// The signal-specific OTLP variables of one signal (traces or metrics), each
/// read before its generic form.
pub(crate) struct SignalVars {
    pub(crate) endpoint: &'static str,
    pub(crate) insecure: &'static str,
    pub(crate) protocol: &'static str,
    pub(crate) headers: &'static str,
    pub(crate) timeout: &'static str,
    pub(crate) compression: &'static str,
    pub(crate) certificate: &'static str,
    pub(crate) client_certificate: &'static str,
    pub(crate) client_key: &'static str,
}

/// The `OTEL_EXPORTER_OTLP_TRACES_*` variables.
pub(crate) const TRACES: SignalVars = SignalVars {
    endpoint: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    insecure: OTEL_EXPORTER_OTLP_TRACES_INSECURE,
    protocol: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    headers: OTEL_EXPORTER_OTLP_TRACES_HEADERS,
    timeout: OTEL_EXPORTER_OTLP_TRACES_TIMEOUT,
    compression: OTEL_EXPORTER_OTLP_TRACES_COMPRESSION,
    certificate: OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE,
    client_certificate: OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE,
    client_key: OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY,
};

/// The `OTEL_EXPORTER_OTLP_METRICS_*` variables.
pub(crate) const METRICS: SignalVars = SignalVars {
    endpoint: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    insecure: OTEL_EXPORTER_OTLP_METRICS_INSECURE,
    protocol: OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
    headers: OTEL_EXPORTER_OTLP_METRICS_HEADERS,
    timeout: OTEL_EXPORTER_OTLP_METRICS_TIMEOUT,
    compression: OTEL_EXPORTER_OTLP_METRICS_COMPRESSION,
    certificate: OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE,
    client_certificate: OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE,
    client_key: OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY,
};

/// The OTLP settings of the signal of `vars` (its variables over the generic
/// ones), and the full URL of its signal-specific endpoint variable.
pub(crate) fn read_otlp<F: Fn(&str) -> Option<String>>(
    env: &mut EnvReader<F>,
    vars: &SignalVars,
) -> (OtlpConfig, Option<String>) {
    let mut otlp = OtlpConfig {
        insecure: env
            .bool(&[vars.insecure, OTEL_EXPORTER_OTLP_INSECURE])
            .unwrap_or(false),
        ..OtlpConfig::default()
    };
    let signal_endpoint = read_endpoint(env, &[vars.endpoint], otlp.insecure);
    otlp.endpoint = read_endpoint(
        env,
        &[OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_ENDPOINT],
        otlp.insecure,
    );
    if let Some(protocol) = env.parse(
        &[vars.protocol, OTEL_EXPORTER_OTLP_PROTOCOL],
        "using http/protobuf",
        parse_protocol,
    ) {
        otlp.protocol = protocol;
    }
    if let Some((var, value)) = env.first(&[vars.headers, OTEL_EXPORTER_OTLP_HEADERS]) {
        let (mut headers, warnings) = parse_headers(var, &value);
        for w in warnings {
            env.warn(w);
        }
        headers.retain(|(name, _)| match check_for_protocol(name, otlp.protocol) {
            Ok(()) => true,
            Err(expected) => {
                env.warn(ConfigWarning::new(
                    var,
                    format!("header {name}"),
                    expected,
                    SKIPPED,
                ));
                false
            }
        });
        otlp.headers = headers;
    }
    if let Some(n) = env.parse(
        &[AITRACE_MAX_REQUEST_BYTES],
        &format!("using the default {}", super::DEFAULT_MAX_REQUEST_BYTES),
        |v| parse_bytes(v, super::MIN_REQUEST_BYTES),
    ) {
        otlp.max_request_bytes = n;
    }
    let default_timeout = format!("using the default {}", otlp.timeout.as_millis());
    if let Some(timeout) = env.parse(
        &[vars.timeout, OTEL_EXPORTER_OTLP_TIMEOUT],
        &default_timeout,
        |v| parse_millis(v, false),
    ) {
        otlp.timeout = timeout;
    }
    if let Some(compression) = env.parse(
        &[vars.compression, OTEL_EXPORTER_OTLP_COMPRESSION],
        "using none",
        parse_compression,
    ) {
        otlp.compression = compression;
    }
    otlp.certificate = read_file(
        env,
        &[vars.certificate, OTEL_EXPORTER_OTLP_CERTIFICATE],
        PemKind::Certificates,
        "using the system's root certificates",
    )
    .map(|(_, path)| path);
    let client_certificate = read_file(
        env,
        &[
            vars.client_certificate,
            OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
        ],
        PemKind::Certificates,
        "no client certificate is sent",
    );
    let client_key = read_file(
        env,
        &[vars.client_key, OTEL_EXPORTER_OTLP_CLIENT_KEY],
        PemKind::PrivateKey,
        "no client certificate is sent",
    );
    // Mutual TLS needs both halves: a lone one is named with the variable that
    // held it.
    let lone = match (&client_certificate, &client_key) {
        (Some((var, p)), None) => Some((
            var,
            p,
            "a client certificate together with its key",
            OTEL_EXPORTER_OTLP_CLIENT_KEY,
        )),
        (None, Some((var, p))) => Some((
            var,
            p,
            "a client key together with its certificate",
            OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
        )),
        _ => None,
    };
    if let Some((var, path, what, other)) = lone {
        env.warn(ConfigWarning::new(
            var,
            path.display().to_string(),
            format!("{what} ({other}); mutual TLS needs both"),
            "no client certificate is sent",
        ));
    } else {
        otlp.client_certificate = client_certificate.map(|(_, p)| p);
        otlp.client_key = client_key.map(|(_, p)| p);
    }
    (otlp, signal_endpoint)
}

/// The first of `vars` that holds a valid endpoint.
fn read_endpoint<F: Fn(&str) -> Option<String>>(
    env: &mut EnvReader<F>,
    vars: &[&'static str],
    insecure: bool,
) -> Option<String> {
    for (i, var) in vars.iter().enumerate() {
        let Some(value) = env.value(var) else {
            continue;
        };
        match parse_endpoint(var, &value, insecure) {
            Ok(_) => return Some(value),
            Err(mut w) => {
                w.fallback = env.instead(&vars[i + 1..], UNSET);
                env.warn(w);
            }
        }
    }
    None
}

/// What a PEM file must hold.
#[derive(Clone, Copy)]
pub(crate) enum PemKind {
    /// One or more certificates.
    Certificates,
    /// A private key.
    PrivateKey,
}

/// The first of `vars` that names a usable PEM file, with its variable.
fn read_file<F: Fn(&str) -> Option<String>>(
    env: &mut EnvReader<F>,
    vars: &[&'static str],
    kind: PemKind,
    fallback: &str,
) -> Option<(&'static str, PathBuf)> {
    env.parse_from(vars, fallback, |value| {
        let path = PathBuf::from(value);
        check_pem_file(&path, kind).map(|()| path)
    })
}

fn read_batch<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> BatchConfig {
    let mut batch = BatchConfig::default();
    let default = BatchConfig::default();
    let using = |n: u128| format!("using the default {n}");
    if let Some(d) = env.parse(
        &[OTEL_BSP_SCHEDULE_DELAY],
        &using(default.schedule_delay.as_millis()),
        |v| parse_millis(v, true),
    ) {
        batch.schedule_delay = d;
    }
    if let Some(d) = env.parse(
        &[OTEL_BSP_EXPORT_TIMEOUT],
        &using(default.export_timeout.as_millis()),
        |v| parse_millis(v, true),
    ) {
        batch.export_timeout = d;
    }
    if let Some(n) = env.parse(
        &[OTEL_BSP_MAX_QUEUE_SIZE],
        &using(default.max_queue_size as u128),
        |v| parse_count(v).and_then(check_queue),
    ) {
        batch.max_queue_size = n;
    }
    if let Some(n) = env.parse(
        &[AITRACE_MAX_QUEUE_BYTES],
        &using(default.max_queue_bytes as u128),
        |v| parse_bytes(v, super::MIN_QUEUE_BYTES),
    ) {
        batch.max_queue_bytes = n;
    }
    let queue = batch.max_queue_size;
    let set = env.parse(
        &[OTEL_BSP_MAX_EXPORT_BATCH_SIZE],
        &using(default.max_export_batch_size as u128),
        parse_count,
    );
    // The batch may not be larger than the queue; when only the queue was made
    // smaller, the default batch follows it down.
    batch.max_export_batch_size = match set {
        Some(size) if size > queue => {
            let size_now = default.max_export_batch_size.min(queue);
            env.warn(ConfigWarning::new(
                OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
                size.to_string(),
                format!(
                    "a whole number greater than 0 and at most the queue size {queue} \
                     ({OTEL_BSP_MAX_QUEUE_SIZE})"
                ),
                format!("using {size_now}"),
            ));
            size_now
        }
        Some(size) => size,
        None => default.max_export_batch_size.min(queue),
    };
    batch
}

/// A number of bytes, at least `min`. The error says what is accepted.
pub(crate) fn parse_bytes(value: &str, min: usize) -> Result<usize, String> {
    match aitrace::env::parse_u64(value).and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n >= min => Ok(n),
        _ => Err(bytes_expected(min)),
    }
}

/// What a byte count accepts, for warnings.
pub(crate) fn bytes_expected(min: usize) -> String {
    format!("a whole number of bytes, at least {min}")
}

fn parse_protocol(value: &str) -> Result<Protocol, String> {
    match value.to_ascii_lowercase().as_str() {
        "grpc" => Ok(Protocol::Grpc),
        "http/protobuf" => Ok(Protocol::HttpProtobuf),
        "http/json" => Ok(Protocol::HttpJson),
        _ => Err("grpc, http/protobuf or http/json".into()),
    }
}

fn parse_compression(value: &str) -> Result<Compression, String> {
    match value.to_ascii_lowercase().as_str() {
        "gzip" => Ok(Compression::Gzip),
        "zstd" => Ok(Compression::Zstd),
        "none" => Ok(Compression::None),
        _ => Err("gzip, zstd or none".into()),
    }
}

/// A sampler named in `OTEL_TRACES_SAMPLER`: complete, or waiting for the ratio
/// that only the ratio samplers read from `OTEL_TRACES_SAMPLER_ARG`.
enum SamplerName {
    Fixed(SamplerConfig),
    Ratio(fn(f64) -> SamplerConfig, &'static str),
}

fn parse_sampler(value: &str) -> Result<SamplerName, String> {
    use SamplerName::{Fixed, Ratio};
    match value.to_ascii_lowercase().as_str() {
        "always_on" => Ok(Fixed(SamplerConfig::AlwaysOn)),
        "always_off" => Ok(Fixed(SamplerConfig::AlwaysOff)),
        "traceidratio" => Ok(Ratio(SamplerConfig::TraceIdRatio, "traceidratio")),
        "parentbased_always_on" => Ok(Fixed(SamplerConfig::ParentBasedAlwaysOn)),
        "parentbased_always_off" => Ok(Fixed(SamplerConfig::ParentBasedAlwaysOff)),
        "parentbased_traceidratio" => Ok(Ratio(
            SamplerConfig::ParentBasedTraceIdRatio,
            "parentbased_traceidratio",
        )),
        name @ ("jaeger_remote" | "parentbased_jaeger_remote" | "xray") => {
            Err(format!("{SAMPLERS} ({name} is not supported by aitrace)"))
        }
        _ => Err(SAMPLERS.into()),
    }
}

/// `OTEL_TRACES_SAMPLER_ARG` for the ratio sampler `name`: 1.0 when unset or invalid.
fn read_ratio<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>, name: &str) -> f64 {
    env.parse(&[OTEL_TRACES_SAMPLER_ARG], "using 1.0", |v| {
        parse_ratio(v).ok_or_else(|| format!("a number from 0 to 1, the sampling ratio of {name}"))
    })
    .unwrap_or(1.0)
}

/// A sampling ratio: a finite number from 0 to 1.
fn parse_ratio(value: &str) -> Option<f64> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
}

/// `key1=value1,key2=value2` with percent-encoded keys and values. A key given
/// twice keeps its last value, at the place of its first. An entry that cannot
/// be read is skipped with a warning.
fn parse_resource_attributes<F: Fn(&str) -> Option<String>>(
    env: &mut EnvReader<F>,
    value: &str,
) -> Vec<(String, String)> {
    const EXPECTED: &str = "comma-separated key=value pairs with percent-encoded values";
    let mut attributes: Vec<(String, String)> = Vec::new();
    for (position, entry) in key_values(value) {
        let problem = match entry {
            Ok((key, _)) if key.chars().any(char::is_control) => {
                format!("the key of entry {position} holds a control character")
            }
            Ok((key, decoded)) => {
                match attributes.iter_mut().find(|(k, _)| *k == key) {
                    Some(existing) => existing.1 = decoded,
                    None => attributes.push((key, decoded)),
                }
                continue;
            }
            Err(e) => e.describe_at(position),
        };
        env.warn(ConfigWarning::new(
            OTEL_RESOURCE_ATTRIBUTES,
            value,
            format!("{EXPECTED}; {problem}"),
            format!("entry {position} skipped"),
        ));
    }
    attributes
}
