//! OTLP trace export over gRPC and HTTP/protobuf, with TLS, headers, gzip and
//! timeouts, on a runtime of its own (see `runtime.rs`).

mod grpc;
mod http;
mod tls;

use crate::config::{Compression, ConfigError, OtlpConfig, Protocol};
use crate::runtime::ExportRuntime;
use crate::stats::ExportStats;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Why an OTLP exporter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExporterBuildError {
    /// The configuration is invalid (endpoint, headers, …).
    #[error(transparent)]
    Config(#[from] ConfigError),
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
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("gRPC status {code}: {message}")]
    Grpc { code: String, message: String },
    #[error("HTTP status {0}")]
    HttpStatus(u16),
    #[error("{0}")]
    Transport(String),
}

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
    /// # Errors
    /// An invalid endpoint or header, an unreadable certificate, or a runtime that
    /// cannot start.
    pub fn from_config(config: &OtlpConfig) -> Result<OtlpExporter, ExporterBuildError> {
        OtlpExporter::with_stats(config, ExportStats::default())
    }

    pub(crate) fn with_stats(config: &OtlpConfig, stats: ExportStats) -> Result<OtlpExporter, ExporterBuildError> {
        let endpoint = config.resolved_traces_endpoint()?;
        if let Some(w) = &endpoint.warning {
            eprintln!("aitrace: {w}");
        }
        let runtime = ExportRuntime::new()?;
        let gzip = config.compression == Compression::Gzip;
        let transport = match config.protocol {
            Protocol::Grpc => {
                Transport::Grpc(runtime.enter(|| grpc::GrpcTransport::new(&endpoint.url, config, gzip))?)
            }
            Protocol::HttpProtobuf => {
                Transport::Http(Box::new(runtime.enter(|| http::HttpTransport::new(&endpoint.url, config, gzip))?))
            }
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
}

impl SpanExporter for OtlpExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let n = batch.len() as u64;
        if n == 0 {
            return Ok(());
        }
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        let transport = self.transport.clone();
        let timeout = self.timeout;
        let handle = self.runtime.spawn(async move {
            match tokio::time::timeout(timeout, transport.send(request)).await {
                Ok(r) => r,
                Err(_) => Err(ExportError::Timeout(timeout)),
            }
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
                Err(OTelSdkError::InternalFailure(format!("OTLP export to {} failed: {e}", self.url)))
            }
        }
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}
