//! OTLP/gRPC: the trace service, written on a raw codec so that a message
//! that does not decode is `INVALID_ARGUMENT` with the decoder's reason
//! (tonic's generated service answers `INTERNAL`). tonic decompresses gzip and
//! zstd requests through the size cap: past it, `RESOURCE_EXHAUSTED`.

use super::auth::Token;
use super::Shared;
use crate::otlp::{Batch, DecodeError};
use bytes::{Buf, Bytes};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Code, Status};

/// The gRPC service name of OTLP traces.
const SERVICE: &str = "opentelemetry.proto.collector.trace.v1.TraceService";
/// The one method.
const EXPORT: &str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

/// The OTLP trace service.
#[derive(Clone)]
pub struct TraceService {
    shared: Arc<Shared>,
}

impl TraceService {
    /// A service storing through `shared`'s writer.
    pub fn new(shared: Arc<Shared>) -> TraceService {
        TraceService { shared }
    }
}

impl NamedService for TraceService {
    const NAME: &'static str = SERVICE;
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<B> tower_service::Service<http::Request<B>> for TraceService
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let shared = self.shared.clone();
        if req.uri().path() != EXPORT {
            return Box::pin(async move {
                Ok(Status::unimplemented("only the OTLP trace service is served here").into_http())
            });
        }
        Box::pin(async move {
            let limit = shared.max_request_bytes;
            let mut grpc = Grpc::new(RawCodec)
                .accept_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Zstd)
                .max_decoding_message_size(limit);
            Ok(grpc.unary(Export { shared }, req).await)
        })
    }
}

struct Export {
    shared: Arc<Shared>,
}

impl UnaryService<Bytes> for Export {
    type Response = ExportTraceServiceResponse;
    type Future = BoxFuture<Result<tonic::Response<ExportTraceServiceResponse>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let shared = self.shared.clone();
        Box::pin(async move {
            if let Some(token) = &shared.token {
                let given = request
                    .metadata()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok());
                if !token.accepts_header(given) {
                    return Err(Status::unauthenticated(Token::REFUSAL));
                }
            }
            let body = request.into_inner();
            // Decoding and converting a large request takes milliseconds: off
            // the threads that serve connections.
            let batch = tokio::task::spawn_blocking(move || {
                ExportTraceServiceRequest::decode(body)
                    .map(Batch::from_request)
                    .map_err(|e| {
                        let e = DecodeError::Malformed {
                            format: "protobuf",
                            reason: e.to_string(),
                        };
                        Status::invalid_argument(e.to_string())
                    })
            })
            .await
            .map_err(|e| Status::internal(format!("decoding failed: {e}")))??;
            let (rejected, rejection) = (batch.rejected, batch.rejection.clone());
            match shared.writer.store(batch).await {
                Ok(_) => Ok(tonic::Response::new(ExportTraceServiceResponse {
                    partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
                        rejected_spans: rejected as i64,
                        error_message: rejection.unwrap_or_default(),
                    }),
                })),
                Err(e) => Err(Status::new(
                    if e.retryable() {
                        Code::Unavailable
                    } else {
                        Code::Internal
                    },
                    e.to_string(),
                )),
            }
        })
    }
}

/// Passes request messages through as bytes (decoded by [`Export`]) and
/// encodes responses with prost.
struct RawCodec;

impl Codec for RawCodec {
    type Encode = ExportTraceServiceResponse;
    type Decode = Bytes;
    type Encoder = ResponseEncoder;
    type Decoder = RawDecoder;

    fn encoder(&mut self) -> ResponseEncoder {
        ResponseEncoder
    }

    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

struct ResponseEncoder;

impl Encoder for ResponseEncoder {
    type Item = ExportTraceServiceResponse;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        item.encode(dst)
            .map_err(|e| Status::internal(format!("cannot encode the response: {e}")))
    }
}

struct RawDecoder;

impl Decoder for RawDecoder {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}
