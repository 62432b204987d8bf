//! OTLP/gRPC transport (tonic).
//!
//! Requests go out already encoded: each is encoded once, and a retry sends the
//! same bytes again (a reference-counted `Bytes`), never a copy of the request.
//! Answers are read up to [`MAX_ANSWER_BYTES`], headers included.

use super::error::{chain, ExportError};
use super::tls::TlsFiles;
use super::{Accepted, ExportResponse, ExporterBuildError, Payload, Signal};
use crate::config::{Compression, OtlpConfig};
use crate::redact::collector_text;
use bytes::{Buf, BufMut, Bytes};
use prost::Message;
use std::time::Duration;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{AsciiMetadataKey, AsciiMetadataValue};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};
use tonic::{Code, Status};

/// Longest answer read: an OTLP answer is a few bytes (a partial-success count
/// and message); anything longer is a broken or hostile collector.
pub(crate) const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub(crate) struct GrpcTransport {
    channel: Channel,
    /// The export method of the signal carried.
    path: &'static str,
    metadata: Vec<(AsciiMetadataKey, AsciiMetadataValue)>,
    /// The header values, to hide them should the collector echo them.
    secrets: Vec<String>,
    compression: Option<tonic::codec::CompressionEncoding>,
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
fn encoding(compression: Compression) -> Option<tonic::codec::CompressionEncoding> {
    use tonic::codec::CompressionEncoding;
    match compression {
        Compression::None => None,
        Compression::Gzip => Some(CompressionEncoding::Gzip),
        Compression::Zstd => Some(CompressionEncoding::Zstd),
    }
}

impl GrpcTransport {
    /// Must run inside the export runtime (the channel spawns its worker there).
    pub(crate) fn new(
        url: &str,
        config: &OtlpConfig,
        signal: Signal,
    ) -> Result<GrpcTransport, ExporterBuildError> {
        // No per-request timeout here: the exporter bounds each export (all its
        // attempts) with its own deadline.
        let mut endpoint = Endpoint::from_shared(url.to_string())
            .map_err(|e| {
                ExporterBuildError::Transport(format!(
                    "invalid gRPC endpoint {}: {e}",
                    crate::redact::endpoint(url)
                ))
            })?
            .connect_timeout(config.timeout)
            .http2_max_header_list_size(MAX_ANSWER_BYTES as u32);
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
            endpoint = endpoint.tls_config(tls).map_err(|e| {
                ExporterBuildError::Transport(format!(
                    "TLS for {}: {e}",
                    crate::redact::endpoint(url)
                ))
            })?;
        }
        Ok(GrpcTransport {
            channel: endpoint.connect_lazy(),
            path: signal.grpc_path(),
            metadata: metadata(&config.headers)?,
            secrets: config.headers.iter().map(|(_, v)| v.clone()).collect(),
            compression: encoding(config.compression),
        })
    }

    pub(crate) async fn send(&self, payload: &Payload) -> Result<Accepted, ExportError> {
        let mut grpc = tonic::client::Grpc::new(self.channel.clone())
            .max_decoding_message_size(MAX_ANSWER_BYTES);
        if let Some(encoding) = self.compression {
            grpc = grpc.send_compressed(encoding).accept_compressed(encoding);
        }
        grpc.ready()
            .await
            .map_err(|e| ExportError::from_transport(&e, self.text(&chain(&e))))?;
        let mut req = tonic::Request::new(payload.body.clone());
        for (k, v) in &self.metadata {
            req.metadata_mut().append(k.clone(), v.clone());
        }
        let response = grpc
            .unary(req, PathAndQuery::from_static(self.path), Raw)
            .await
            .map_err(|s| self.status_error(&s))?;
        Ok(Accepted {
            rejected: response.into_inner().rejected(),
        })
    }

    fn text(&self, raw: &str) -> String {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        collector_text(raw, &secrets)
    }

    /// A status made on this side from a failed connection carries the cause
    /// (refused, TLS, reset); one sent by the collector does not, and its code
    /// says what to do.
    fn status_error(&self, status: &Status) -> ExportError {
        if let Some(cause) = std::error::Error::source(status) {
            let causes = chain(cause);
            let text = if causes.contains(status.message()) {
                causes
            } else {
                format!("{}: {causes}", status.message())
            };
            return ExportError::from_transport(cause, self.text(&text));
        }
        ExportError::Grpc {
            code: status.code(),
            message: self.text(status.message()),
            retry_after: retry_info(status),
        }
    }
}

/// The delay a collector asks for in a `google.rpc.RetryInfo` detail of its
/// status (`grpc-status-details-bin`), if any.
fn retry_info(status: &Status) -> Option<Duration> {
    if status.code() == Code::Ok || status.details().is_empty() {
        return None;
    }
    let details = RpcStatus::decode(status.details()).ok()?;
    details
        .details
        .iter()
        .filter(|any| any.type_url.ends_with("/google.rpc.RetryInfo"))
        .find_map(|any| RetryInfo::decode(any.value.as_slice()).ok()?.retry_delay)
        .map(|d| {
            Duration::from_secs(d.seconds.max(0) as u64)
                + Duration::from_nanos(d.nanos.clamp(0, 999_999_999) as u64)
        })
}

/// `google.rpc.Status`, as far as needed to find `RetryInfo`.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<ProtoAny>,
}

/// `google.protobuf.Any`.
#[derive(Clone, PartialEq, prost::Message)]
struct ProtoAny {
    #[prost(string, tag = "1")]
    type_url: String,
    #[prost(bytes = "vec", tag = "2")]
    value: Vec<u8>,
}

/// `google.rpc.RetryInfo`.
#[derive(Clone, PartialEq, prost::Message)]
struct RetryInfo {
    #[prost(message, optional, tag = "1")]
    retry_delay: Option<ProtoDuration>,
}

/// `google.protobuf.Duration`.
#[derive(Clone, PartialEq, prost::Message)]
struct ProtoDuration {
    #[prost(int64, tag = "1")]
    seconds: i64,
    #[prost(int32, tag = "2")]
    nanos: i32,
}

/// A codec that sends bytes already encoded and decodes the OTLP answer.
#[derive(Clone, Copy)]
struct Raw;

impl Codec for Raw {
    type Encode = Bytes;
    type Decode = ExportResponse;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.reserve(item.len());
        dst.put(item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = ExportResponse;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Status> {
        let len = src.remaining();
        ExportResponse::decode(src.copy_to_bytes(len))
            .map(Some)
            .map_err(|e| Status::internal(format!("cannot decode the collector's answer: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_is_read_from_the_status_details() {
        let info = RetryInfo {
            retry_delay: Some(ProtoDuration {
                seconds: 1,
                nanos: 500_000_000,
            }),
        };
        let details = RpcStatus {
            code: Code::ResourceExhausted as i32,
            message: "slow down".into(),
            details: vec![
                ProtoAny {
                    type_url: "type.googleapis.com/google.rpc.DebugInfo".into(),
                    value: vec![1, 2, 3],
                },
                ProtoAny {
                    type_url: "type.googleapis.com/google.rpc.RetryInfo".into(),
                    value: info.encode_to_vec(),
                },
            ],
        };
        let status = Status::with_details(
            Code::ResourceExhausted,
            "slow down",
            Bytes::from(details.encode_to_vec()),
        );
        assert_eq!(retry_info(&status), Some(Duration::from_millis(1500)));
        assert_eq!(retry_info(&Status::resource_exhausted("no details")), None);
        let garbage = Status::with_details(Code::Unavailable, "x", Bytes::from_static(b"\xff\xff"));
        assert_eq!(retry_info(&garbage), None);
    }
}
