//! OTLP trace export over gRPC and HTTP (protobuf or JSON), with TLS, headers,
//! gzip or zstd, and timeouts, on a runtime of its own (see `runtime.rs`).
//!
//! The transports take an [`OtlpConfig`] that [`OtlpConfig::validate`] has
//! checked (endpoint, headers, TLS files): they convert it, they do not judge it.

mod grpc;
mod http;
mod json;
mod tls;

use crate::config::{OtlpConfig, Protocol};
use crate::runtime::ExportRuntime;
use crate::stats::ExportStats;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use prost::Message;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why an OTLP exporter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExporterBuildError {
    /// A certificate or key file could not be used.
    #[error("cannot use {what} {path}: {message}")]
    Certificate {
        /// Which file (CA certificate, client certificate, client key).
        what: &'static str,
        /// Its path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The TLS or transport set-up failed.
    #[error("cannot set up the OTLP transport: {0}")]
    Transport(String),
    /// The export runtime could not start.
    #[error("cannot start the export runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Why one export failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExportError {
    /// Out of time; with the last failure seen while retrying, if any.
    #[error("timed out after {:?}{}", .0, .1.as_deref().map(|c| format!(" (last attempt: {c})")).unwrap_or_default())]
    Timeout(Duration, Option<String>),
    #[error("gRPC status {code}: {message}")]
    Grpc { code: String, message: String },
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    #[error("{0}")]
    Transport(String),
    /// The server's certificate was not trusted (or ours was refused): not retried.
    #[error("TLS: {0}")]
    Tls(String),
    /// The request could not be encoded or compressed: not retried, since the
    /// same request would fail the same way.
    #[error("{0}")]
    Encoding(String),
}

impl ExportError {
    /// Whether trying again may succeed (the OTLP specification's retryable
    /// cases: unavailable, throttled, gateway errors, broken connections).
    fn retryable(&self) -> bool {
        match self {
            ExportError::Timeout(..) => false,
            ExportError::Grpc { code, .. } => {
                matches!(
                    code.as_str(),
                    "Unavailable" | "ResourceExhausted" | "Aborted" | "DeadlineExceeded"
                )
            }
            ExportError::HttpStatus(s) => matches!(s, 429 | 502 | 503 | 504),
            ExportError::Transport(_) => true,
            ExportError::Tls(_) | ExportError::Encoding(_) => false,
        }
    }

    /// Reclassifies a transport or gRPC failure whose causes name a certificate
    /// problem as a TLS failure, which retrying cannot fix.
    pub(crate) fn classify(self) -> ExportError {
        let text = match &self {
            ExportError::Transport(t) => t,
            ExportError::Grpc { message, .. } => message,
            _ => return self,
        };
        let lower = text.to_ascii_lowercase();
        if lower.contains("certificate")
            || lower.contains("handshake")
            || lower.contains("unknownissuer")
        {
            return ExportError::Tls(text.clone());
        }
        self
    }
}

/// Largest OTLP request sent, encoded: under gRPC's default 4 MiB message limit.
pub const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;

/// First pause between two attempts of one export; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// What the collector said about an export that it accepted.
pub(crate) struct Accepted {
    pub(crate) rejected_spans: u64,
}

pub(crate) enum Transport {
    Grpc(grpc::GrpcTransport),
    Http(Box<http::HttpTransport>),
}

impl Transport {
    async fn send(&self, request: ExportTraceServiceRequest) -> Result<Accepted, ExportError> {
        match self {
            Transport::Grpc(t) => t.send(request).await,
            Transport::Http(t) => t.send(request).await,
        }
    }
}

/// A `SpanExporter` that sends spans to an OTLP collector.
///
/// Built from an [`OtlpConfig`] (usually by [`crate::init`]). It never blocks the
/// application: exports run on aitrace's own runtime, each bounded by the
/// configured timeout. Failures are counted in [`ExportStats`] and reported on
/// stderr once, not once per batch. Header values never appear in `Debug` output,
/// logs or errors.
pub struct OtlpExporter {
    transport: Arc<Transport>,
    runtime: ExportRuntime,
    resource: ResourceAttributesWithSchema,
    timeout: Duration,
    stats: ExportStats,
    url: String,
    protocol: Protocol,
}

impl fmt::Debug for OtlpExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpExporter")
            .field("url", &self.url)
            .field("protocol", &self.protocol)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl OtlpExporter {
    /// Builds an exporter for `config`.
    ///
    /// The configuration is checked first ([`OtlpConfig::validate`]): an invalid
    /// endpoint, header or TLS file is dropped with a warning on stderr (printed
    /// once per process), as [`crate::Builder::build`] does.
    ///
    /// # Errors
    /// A certificate that rustls refuses, or a runtime that cannot start.
    pub fn from_config(config: &OtlpConfig) -> Result<OtlpExporter, ExporterBuildError> {
        let mut config = config.clone();
        aitrace::env::warn_once(&config.validate());
        OtlpExporter::with_stats(&config, ExportStats::default())
    }

    /// Builds an exporter for a configuration that [`OtlpConfig::validate`] has
    /// checked.
    pub(crate) fn with_stats(
        config: &OtlpConfig,
        stats: ExportStats,
    ) -> Result<OtlpExporter, ExporterBuildError> {
        // A validated configuration always resolves; the error is kept, not unwrapped.
        let endpoint = config
            .resolved_traces_endpoint()
            .map_err(|w| ExporterBuildError::Transport(w.to_string()))?;
        if let Some(w) = &endpoint.warning {
            eprintln!("aitrace: {w}");
        }
        let runtime = ExportRuntime::new()?;
        let transport = match config.protocol {
            Protocol::Grpc => {
                Transport::Grpc(runtime.enter(|| grpc::GrpcTransport::new(&endpoint.url, config))?)
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => Transport::Http(Box::new(
                runtime.enter(|| http::HttpTransport::new(&endpoint.url, config))?,
            )),
        };
        Ok(OtlpExporter {
            transport: Arc::new(transport),
            runtime,
            resource: ResourceAttributesWithSchema::default(),
            timeout: config.timeout,
            stats,
            url: endpoint.url,
            protocol: config.protocol,
        })
    }

    /// The counters of this exporter.
    pub fn stats(&self) -> ExportStats {
        self.stats.clone()
    }

    /// The URL spans are sent to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Splits a batch into requests that each encode to at most
    /// [`MAX_REQUEST_BYTES`]; a single span larger than that is dropped (counted
    /// as failed) rather than making its whole batch rejected.
    fn requests(&self, batch: Vec<SpanData>) -> Vec<(ExportTraceServiceRequest, u64)> {
        let n = batch.len() as u64;
        // Most batches are far below the limit: convert them without a copy.
        let estimate: usize = batch.iter().map(crate::span_size::estimate).sum();
        if estimate < MAX_REQUEST_BYTES / 2 {
            let resource_spans = group_spans_by_resource_and_scope(batch, &self.resource);
            return vec![(ExportTraceServiceRequest { resource_spans }, n)];
        }
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch.clone(), &self.resource),
        };
        if request.encoded_len() <= MAX_REQUEST_BYTES {
            return vec![(request, n)];
        }
        if batch.len() == 1 {
            if self.stats.add_failed(1) {
                eprintln!(
                    "aitrace: a span of {} bytes exceeds the OTLP request limit of {MAX_REQUEST_BYTES} bytes and was dropped; further failures are counted in ExportStats",
                    request.encoded_len()
                );
            }
            return Vec::new();
        }
        let mut first = batch;
        let second = first.split_off(first.len() / 2);
        let mut out = self.requests(first);
        out.extend(self.requests(second));
        out
    }

    /// Sends one request with retries until `deadline` (the end of the export it
    /// belongs to) and counts the outcome. A request whose export has no time left
    /// is not sent.
    async fn send_counted(
        &self,
        request: ExportTraceServiceRequest,
        n: u64,
        deadline: Instant,
    ) -> OTelSdkResult {
        let transport = self.transport.clone();
        let timeout = self.timeout;
        let handle = self.runtime.spawn(async move {
            if Instant::now() >= deadline {
                return Err(ExportError::Timeout(timeout, None));
            }
            let last = std::sync::Mutex::new(None::<String>);
            let attempts = async {
                let mut backoff = FIRST_BACKOFF;
                loop {
                    match transport
                        .send(request.clone())
                        .await
                        .map_err(ExportError::classify)
                    {
                        Err(e) if e.retryable() => {
                            *last.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
                            tokio::time::sleep(jitter(backoff)).await;
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                        }
                        other => return other,
                    }
                }
            };
            let outcome = tokio::time::timeout_at(deadline.into(), attempts).await;
            let last = last.into_inner().unwrap_or_else(|p| p.into_inner());
            outcome.unwrap_or(Err(ExportError::Timeout(timeout, last)))
        });
        let outcome = match handle.await {
            Ok(r) => r,
            Err(e) => Err(ExportError::Transport(format!("export task failed: {e}"))),
        };
        match outcome {
            Ok(Accepted { rejected_spans }) => {
                let rejected = rejected_spans.min(n);
                self.stats.add_exported(n - rejected);
                if rejected > 0 && self.stats.add_failed(rejected) {
                    eprintln!("aitrace: the collector at {} rejected {rejected} spans; further failures are counted in ExportStats", self.url);
                }
                Ok(())
            }
            Err(e) => {
                if self.stats.add_failed(n) {
                    eprintln!("aitrace: export to {} failed: {e}; {n} spans lost; further failures are counted in ExportStats, not printed", self.url);
                }
                Err(OTelSdkError::InternalFailure(format!(
                    "OTLP export to {} failed: {e}",
                    self.url
                )))
            }
        }
    }
}

/// `timeout` from now; a timeout too long to add to the clock (from a huge
/// `OTEL_EXPORTER_OTLP_TIMEOUT`) means a century.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// `d` scaled by a factor in [0.5, 1.5), so that many clients do not retry in step.
fn jitter(d: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    let f = 0.5 + (h.finish() % 1000) as f64 / 1000.0;
    d.mul_f64(f)
}

impl SpanExporter for OtlpExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if batch.is_empty() {
            return Ok(());
        }
        // The timeout bounds the whole export, however many requests its batch
        // was split into.
        let deadline = deadline_after(self.timeout);
        let mut first_error = None;
        for (request, n) in self.requests(batch) {
            if let Err(e) = self.send_counted(request, n, deadline).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}
