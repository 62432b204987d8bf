//! [`Config::validate`]: the one gate every configuration passes before a
//! pipeline is built, whether its values came from the environment or from code.
//!
//! Each rule is one function, called where a value enters from the environment
//! (so that the warning names the exact variable) and here (so that values set in
//! code meet the same rules). A value that breaks a rule is reset to its default
//! and described in a [`ConfigWarning`]; the transports can then assume what they
//! are given is valid.

use super::endpoint::{given, parse_endpoint};
use super::env::{bytes_expected, PemKind};
use super::headers::{check_for_protocol, check_name, check_value, SKIPPED};
use super::{
    BatchConfig, Config, ConfigWarning, OtlpConfig, SamplerConfig, AITRACE_MAX_QUEUE_BYTES,
    AITRACE_MAX_REQUEST_BYTES, AITRACE_SHUTDOWN_TIMEOUT, DEFAULT_MAX_REQUEST_BYTES,
    DEFAULT_SHUTDOWN_TIMEOUT, MAX_QUEUE_SIZE, MIN_QUEUE_BYTES, MIN_REQUEST_BYTES,
    OTEL_BSP_EXPORT_TIMEOUT, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BSP_MAX_QUEUE_SIZE,
    OTEL_BSP_SCHEDULE_DELAY, OTEL_EXPORTER_OTLP_CERTIFICATE, OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
    OTEL_EXPORTER_OTLP_CLIENT_KEY, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_TRACES_SAMPLER_ARG,
};
use std::path::Path;

impl Config {
    /// Checks every value, whatever its source, and makes the configuration usable:
    /// each invalid value is reset to its default (an endpoint or a header is
    /// dropped) and described in the result, naming the variable of the setting,
    /// the value (never a header value) and what is accepted. A second call finds
    /// nothing more.
    ///
    /// [`crate::Builder::build`] calls it; its result is printed once, or refused
    /// in strict mode. Nothing is checked for a disabled configuration: nothing
    /// will run.
    ///
    /// ```
    /// use aitrace_sdk::config::{Config, SamplerConfig};
    ///
    /// let mut config = Config::default();
    /// config.otlp.endpoint = Some("ftp://collector".into());
    /// config.sampler = SamplerConfig::TraceIdRatio(2.0);
    /// let warnings = config.validate();
    /// assert_eq!(warnings.len(), 2);
    /// assert_eq!(warnings[0].var, "OTEL_EXPORTER_OTLP_ENDPOINT");
    /// assert_eq!(config.otlp.endpoint, None);
    /// assert_eq!(config.sampler, SamplerConfig::TraceIdRatio(1.0));
    /// assert!(config.validate().is_empty());
    /// ```
    pub fn validate(&mut self) -> Vec<ConfigWarning> {
        if self.disabled {
            return Vec::new();
        }
        let mut warnings = self.otlp.validate();
        if let SamplerConfig::TraceIdRatio(r) | SamplerConfig::ParentBasedTraceIdRatio(r) =
            &mut self.sampler
        {
            if !(0.0..=1.0).contains(r) {
                warnings.push(ConfigWarning::new(
                    OTEL_TRACES_SAMPLER_ARG,
                    r.to_string(),
                    "a number from 0 to 1, the sampling ratio",
                    "using 1.0",
                ));
                *r = 1.0;
            }
        }
        warnings.extend(self.batch.validate());
        // The metrics' OTLP settings mostly come from the same generic variables
        // (or the same Builder calls): a problem is reported once.
        for w in self.metrics.validate() {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
        warnings.extend(self.settings.validate());
        if self.shutdown_timeout.is_zero() {
            warnings.push(ConfigWarning::new(
                AITRACE_SHUTDOWN_TIMEOUT,
                "0",
                "a whole number of milliseconds greater than 0",
                format!("using {}", DEFAULT_SHUTDOWN_TIMEOUT.as_millis()),
            ));
            self.shutdown_timeout = DEFAULT_SHUTDOWN_TIMEOUT;
        }
        warnings
    }
}

impl OtlpConfig {
    /// The OTLP part of [`Config::validate`]: endpoints, headers (for the
    /// configured protocol) and the TLS files.
    pub fn validate(&mut self) -> Vec<ConfigWarning> {
        let mut warnings = Vec::new();
        for (slot, var) in [
            (
                &mut self.traces_endpoint,
                OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
            ),
            (&mut self.endpoint, OTEL_EXPORTER_OTLP_ENDPOINT),
        ] {
            if let Some(raw) = given(slot) {
                if let Err(w) = parse_endpoint(var, raw, self.insecure) {
                    warnings.push(w);
                    *slot = None;
                }
            }
        }
        let protocol = self.protocol;
        self.headers.retain(|(name, value)| {
            let problem = check_name(name)
                .and_then(|()| check_for_protocol(name, protocol))
                .and_then(|()| check_value(value));
            match problem {
                Ok(()) => true,
                Err(expected) => {
                    let shown = if name.chars().all(|c| c.is_ascii_graphic()) && !name.is_empty() {
                        format!("header {name}")
                    } else {
                        "a header whose name is not shown".to_string()
                    };
                    warnings.push(ConfigWarning::new(
                        OTEL_EXPORTER_OTLP_HEADERS,
                        shown,
                        expected,
                        SKIPPED,
                    ));
                    false
                }
            }
        });
        if let Some(path) = &self.certificate {
            if let Err(expected) = check_pem_file(path, PemKind::Certificates) {
                warnings.push(file_warning(
                    OTEL_EXPORTER_OTLP_CERTIFICATE,
                    path,
                    expected,
                    "using the system's root certificates",
                ));
                self.certificate = None;
            }
        }
        let no_client = "no client certificate is sent";
        let mut identity_ok = true;
        match (&self.client_certificate, &self.client_key) {
            (Some(cert), Some(key)) => {
                for (var, path, kind) in [
                    (
                        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
                        cert,
                        PemKind::Certificates,
                    ),
                    (OTEL_EXPORTER_OTLP_CLIENT_KEY, key, PemKind::PrivateKey),
                ] {
                    if let Err(expected) = check_pem_file(path, kind) {
                        warnings.push(file_warning(var, path, expected, no_client));
                        identity_ok = false;
                    }
                }
            }
            (Some(cert), None) => {
                warnings.push(file_warning(
                    OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
                    cert,
                    format!(
                        "a client certificate together with its key \
                         ({OTEL_EXPORTER_OTLP_CLIENT_KEY}); mutual TLS needs both"
                    ),
                    no_client,
                ));
                identity_ok = false;
            }
            (None, Some(key)) => {
                warnings.push(file_warning(
                    OTEL_EXPORTER_OTLP_CLIENT_KEY,
                    key,
                    format!(
                        "a client key together with its certificate \
                         ({OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE}); mutual TLS needs both"
                    ),
                    no_client,
                ));
                identity_ok = false;
            }
            (None, None) => {}
        }
        if !identity_ok {
            self.client_certificate = None;
            self.client_key = None;
        }
        if self.max_request_bytes < MIN_REQUEST_BYTES {
            warnings.push(ConfigWarning::new(
                AITRACE_MAX_REQUEST_BYTES,
                self.max_request_bytes.to_string(),
                bytes_expected(MIN_REQUEST_BYTES),
                format!("using {DEFAULT_MAX_REQUEST_BYTES}"),
            ));
            self.max_request_bytes = DEFAULT_MAX_REQUEST_BYTES;
        }
        warnings
    }
}

fn file_warning(var: &'static str, path: &Path, expected: String, fallback: &str) -> ConfigWarning {
    ConfigWarning::new(var, path.display().to_string(), expected, fallback)
}

impl BatchConfig {
    /// The batch part of [`Config::validate`]: delays greater than 0, a queue of 1
    /// to [`MAX_QUEUE_SIZE`] spans, and a batch of 1 span to the queue's size. When
    /// the batch size is the default and the queue is smaller, the batch follows
    /// the queue down without a warning.
    pub fn validate(&mut self) -> Vec<ConfigWarning> {
        let default = BatchConfig::default();
        let mut warnings = Vec::new();
        let mut refuse = |var: &'static str, value: String, expected: String, using: u128| {
            warnings.push(ConfigWarning::new(
                var,
                value,
                expected,
                format!("using {using}"),
            ));
        };
        if self.schedule_delay.is_zero() {
            refuse(
                OTEL_BSP_SCHEDULE_DELAY,
                "0".into(),
                "a whole number of milliseconds greater than 0".into(),
                default.schedule_delay.as_millis(),
            );
            self.schedule_delay = default.schedule_delay;
        }
        if self.export_timeout.is_zero() {
            refuse(
                OTEL_BSP_EXPORT_TIMEOUT,
                "0".into(),
                "a whole number of milliseconds greater than 0".into(),
                default.export_timeout.as_millis(),
            );
            self.export_timeout = default.export_timeout;
        }
        if let Err(expected) = check_queue(self.max_queue_size) {
            refuse(
                OTEL_BSP_MAX_QUEUE_SIZE,
                self.max_queue_size.to_string(),
                expected,
                default.max_queue_size as u128,
            );
            self.max_queue_size = default.max_queue_size;
        }
        if self.max_queue_bytes < MIN_QUEUE_BYTES {
            refuse(
                AITRACE_MAX_QUEUE_BYTES,
                self.max_queue_bytes.to_string(),
                bytes_expected(MIN_QUEUE_BYTES),
                default.max_queue_bytes as u128,
            );
            self.max_queue_bytes = default.max_queue_bytes;
        }
        let queue = self.max_queue_size;
        let size = self.max_export_batch_size;
        if size == 0 || (size > queue && size != default.max_export_batch_size) {
            let using = default.max_export_batch_size.min(queue);
            refuse(
                OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
                size.to_string(),
                format!(
                    "a whole number greater than 0 and at most the queue size {queue} \
                     ({OTEL_BSP_MAX_QUEUE_SIZE})"
                ),
                using as u128,
            );
            self.max_export_batch_size = using;
        }
        self.max_export_batch_size = self.max_export_batch_size.min(queue);
        warnings
    }
}

/// A queue size: greater than 0 and at most [`MAX_QUEUE_SIZE`], because the
/// queue is allocated whole when the pipeline starts and a huge one would abort
/// the process rather than fail.
pub(crate) fn check_queue(size: usize) -> Result<usize, String> {
    if size == 0 || size > MAX_QUEUE_SIZE {
        return Err(format!(
            "a whole number greater than 0 and at most {MAX_QUEUE_SIZE} (the queue is \
             allocated up front, about 360 bytes a span)"
        ));
    }
    Ok(size)
}

/// Checks that `path` is a readable PEM file holding what `kind` says. With the
/// `otlp` feature the PEM blocks are parsed, so that a file the transport could
/// not use is refused here, with a warning, rather than failing start-up.
///
/// Only a regular file of at most [`aitrace::env::MAX_CONFIG_FILE_BYTES`] is
/// read: `/dev/zero`, a named pipe or a huge file is refused at once.
pub(crate) fn check_pem_file(path: &Path, kind: PemKind) -> Result<(), String> {
    let bytes = read_pem_file(path).map_err(|e| {
        format!(
            "a readable PEM file, a regular file of at most {} bytes ({e})",
            aitrace::env::MAX_CONFIG_FILE_BYTES
        )
    })?;
    check_pem(&bytes, kind)
}

/// The bytes of a PEM file named in the configuration (see [`check_pem_file`]).
pub(crate) fn read_pem_file(path: &Path) -> std::io::Result<Vec<u8>> {
    aitrace::env::read_config_file(path, aitrace::env::MAX_CONFIG_FILE_BYTES)
}

#[cfg(feature = "otlp")]
fn check_pem(bytes: &[u8], kind: PemKind) -> Result<(), String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    match kind {
        PemKind::Certificates => {
            let mut n = 0;
            for cert in CertificateDer::pem_slice_iter(bytes) {
                cert.map_err(|e| format!("a PEM file of certificates ({e})"))?;
                n += 1;
            }
            if n == 0 {
                return Err("a PEM file holding at least one certificate (none found)".into());
            }
            Ok(())
        }
        PemKind::PrivateKey => PrivateKeyDer::from_pem_slice(bytes)
            .map(|_| ())
            .map_err(|e| format!("a PEM file holding a private key ({e})")),
    }
}

#[cfg(not(feature = "otlp"))]
fn check_pem(_bytes: &[u8], _kind: PemKind) -> Result<(), String> {
    // Without the OTLP exporter the files are never used: readable is enough.
    Ok(())
}
