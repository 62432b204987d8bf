//! OTLP/gRPC transport (tonic).

use super::tls::TlsFiles;
use super::{Accepted, ExportError, ExporterBuildError};
use crate::config::{Compression, OtlpConfig};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use tonic::codec::CompressionEncoding;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

pub(crate) struct GrpcTransport {
    channel: Channel,
    metadata: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    compression: Option<CompressionEncoding>,
}

/// The configured headers as gRPC metadata. `OtlpConfig::validate` has refused
/// what metadata cannot carry; should anything slip through, it is an error that
/// names the header, never its value.
pub(crate) fn metadata(
    headers: &[(String, String)],
) -> Result<Vec<(AsciiMetadataKey, AsciiMetadataValue)>, ExporterBuildError> {
    headers
        .iter()
        .map(|(k, v)| {
            let refused = || {
                ExporterBuildError::Transport(format!(
                    "header {k} cannot be sent as gRPC metadata (value not shown)"
                ))
            };
            let key = AsciiMetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
                .map_err(|_| refused())?;
            let mut value = AsciiMetadataValue::try_from(v.as_str()).map_err(|_| refused())?;
            value.set_sensitive(true);
            Ok((key, value))
        })
        .collect()
}

/// tonic's encoding for a compression setting.
fn encoding(compression: Compression) -> Option<CompressionEncoding> {
    match compression {
        Compression::None => None,
        Compression::Gzip => Some(CompressionEncoding::Gzip),
        Compression::Zstd => Some(CompressionEncoding::Zstd),
    }
}

impl GrpcTransport {
    /// Must run inside the export runtime (the channel spawns its worker there).
    pub(crate) fn new(url: &str, config: &OtlpConfig) -> Result<GrpcTransport, ExporterBuildError> {
        let mut endpoint = Endpoint::from_shared(url.to_string())
            .map_err(|e| {
                ExporterBuildError::Transport(format!("invalid gRPC endpoint {url}: {e}"))
            })?
            .timeout(config.timeout)
            .connect_timeout(config.timeout);
        if url.starts_with("https://") {
            let files = TlsFiles::load(config)?;
            let mut tls = ClientTlsConfig::new();
            tls = match files.ca {
                Some(ca) => tls.ca_certificate(Certificate::from_pem(ca)),
                None => tls.with_native_roots(),
            };
            if let Some((cert, key)) = files.identity {
                tls = tls.identity(Identity::from_pem(cert, key));
            }
            endpoint = endpoint
                .tls_config(tls)
                .map_err(|e| ExporterBuildError::Transport(format!("TLS for {url}: {e}")))?;
        }
        Ok(GrpcTransport {
            channel: endpoint.connect_lazy(),
            metadata: metadata(&config.headers)?,
            compression: encoding(config.compression),
        })
    }

    pub(crate) async fn send(
        &self,
        request: ExportTraceServiceRequest,
    ) -> Result<Accepted, ExportError> {
        let mut client = TraceServiceClient::new(self.channel.clone());
        if let Some(encoding) = self.compression {
            client = client.send_compressed(encoding).accept_compressed(encoding);
        }
        let mut req = tonic::Request::new(request);
        for (k, v) in &self.metadata {
            req.metadata_mut().append(k.clone(), v.clone());
        }
        let response = client.export(req).await.map_err(|s| ExportError::Grpc {
            code: format!("{:?}", s.code()),
            message: describe(&s),
        })?;
        let rejected = response
            .into_inner()
            .partial_success
            .map_or(0, |p| p.rejected_spans.max(0) as u64);
        Ok(Accepted {
            rejected_spans: rejected,
        })
    }
}

/// The status message, plus the transport cause (TLS verification, refused
/// connection…) which tonic keeps in the error source.
fn describe(status: &tonic::Status) -> String {
    let mut text = status.message().to_string();
    let mut source = std::error::Error::source(status);
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
