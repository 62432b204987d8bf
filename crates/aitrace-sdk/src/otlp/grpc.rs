//! OTLP/gRPC transport (tonic).

use super::tls::TlsFiles;
use super::{Accepted, ExportError, ExporterBuildError};
use crate::config::{ConfigError, OtlpConfig};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use tonic::codec::CompressionEncoding;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

pub(crate) struct GrpcTransport {
    channel: Channel,
    metadata: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    gzip: bool,
}

pub(crate) fn metadata(
    headers: &[(String, String)],
) -> Result<Vec<(AsciiMetadataKey, AsciiMetadataValue)>, ConfigError> {
    headers
        .iter()
        .map(|(k, v)| {
            super::check_header_name(k)?;
            let key =
                AsciiMetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes()).map_err(|_| {
                    ConfigError::Invalid {
                        var: "OTEL_EXPORTER_OTLP_HEADERS",
                        value: k.clone(),
                        expected: "header names made of letters, digits and -_.".into(),
                    }
                })?;
            let mut value =
                AsciiMetadataValue::try_from(v.as_str()).map_err(|_| ConfigError::Invalid {
                    var: "OTEL_EXPORTER_OTLP_HEADERS",
                    value: format!("the value of header {k} (hidden)"),
                    expected: "a value of visible ASCII characters".into(),
                })?;
            value.set_sensitive(true);
            Ok((key, value))
        })
        .collect()
}

impl GrpcTransport {
    /// Must run inside the export runtime (the channel spawns its worker there).
    pub(crate) fn new(
        url: &str,
        config: &OtlpConfig,
        gzip: bool,
    ) -> Result<GrpcTransport, ExporterBuildError> {
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
            gzip,
        })
    }

    pub(crate) async fn send(
        &self,
        request: ExportTraceServiceRequest,
    ) -> Result<Accepted, ExportError> {
        let mut client = TraceServiceClient::new(self.channel.clone());
        if self.gzip {
            client = client
                .send_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Gzip);
        }
        let mut req = tonic::Request::new(request);
        for (k, v) in &self.metadata {
            req.metadata_mut().insert(k.clone(), v.clone());
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
