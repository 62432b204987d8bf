//! OTLP/gRPC: the trace service, and the metrics service (acknowledged, not
//! kept: see [`super::metrics`]), written on a raw codec so that a message
//! that does not decode is `INVALID_ARGUMENT` with the decoder's reason
//! (tonic's generated service answers `INTERNAL`). tonic decompresses gzip and
//! zstd requests through the size cap: past it, `RESOURCE_EXHAUSTED`.

use super::auth::Token;
use super::Shared;
use crate::otlp::{Batch, DecodeError};
use bytes::{Buf, Bytes};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::convert::Infallible;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Code, Status};

/// One OTLP export method: the gRPC service it belongs to, and what it does
/// with a request (given as bytes, decoded by the handler).
pub trait Method: Send + Sync + 'static {
    /// The gRPC service name.
    const SERVICE: &'static str;
    /// The path of its `Export` method.
    const PATH: &'static str;
    /// The answer to an export.
    type Response: Message + Send + 'static;
    /// Handles one export request.
    fn export(
        shared: Arc<Shared>,
        request: tonic::Request<Bytes>,
    ) -> BoxFuture<Result<tonic::Response<Self::Response>, Status>>;
}

/// The OTLP trace service: spans decoded, converted and stored.
pub enum Traces {}

/// The OTLP metrics service: requests decoded, counted, acknowledged, not kept.
pub enum Metrics {}

/// An OTLP export service for method `M`, on the server's shared state.
pub struct Service<M> {
    shared: Arc<Shared>,
    method: PhantomData<fn() -> M>,
}

impl<M> Clone for Service<M> {
    fn clone(&self) -> Self {
        Service {
            shared: self.shared.clone(),
            method: PhantomData,
        }
    }
}

impl<M: Method> Service<M> {
    /// The service, on `shared`.
    pub fn new(shared: Arc<Shared>) -> Service<M> {
        Service {
            shared,
            method: PhantomData,
        }
    }
}

impl<M: Method> NamedService for Service<M> {
    const NAME: &'static str = M::SERVICE;
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

impl<M, B> tower_service::Service<http::Request<B>> for Service<M>
where
    M: Method,
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
        if req.uri().path() != M::PATH {
            return Box::pin(async move {
                Ok(
                    Status::unimplemented("only the OTLP export methods are served here")
                        .into_http(),
                )
            });
        }
        Box::pin(async move {
            let limit = shared.max_request_bytes;
            let mut grpc = Grpc::new(RawCodec(PhantomData))
                .accept_compressed(CompressionEncoding::Gzip)
                .accept_compressed(CompressionEncoding::Zstd)
                .max_decoding_message_size(limit);
            Ok(grpc
                .unary(
                    Unary::<M> {
                        shared,
                        method: PhantomData,
                    },
                    req,
                )
                .await)
        })
    }
}

/// The authorized call of method `M`.
struct Unary<M> {
    shared: Arc<Shared>,
    method: PhantomData<fn() -> M>,
}

impl<M: Method> UnaryService<Bytes> for Unary<M> {
    type Response = M::Response;
    type Future = BoxFuture<Result<tonic::Response<M::Response>, Status>>;

    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        if let Some(token) = &self.shared.token {
            let given = request
                .metadata()
                .get("authorization")
                .and_then(|v| v.to_str().ok());
            if !token.accepts_header(given) {
                return Box::pin(async { Err(Status::unauthenticated(Token::REFUSAL)) });
            }
        }
        M::export(self.shared.clone(), request)
    }
}

impl Method for Metrics {
    const SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    const PATH: &'static str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    type Response = ExportMetricsServiceResponse;

    fn export(
        shared: Arc<Shared>,
        request: tonic::Request<Bytes>,
    ) -> BoxFuture<Result<tonic::Response<ExportMetricsServiceResponse>, Status>> {
        Box::pin(async move {
            let request = ExportMetricsServiceRequest::decode(request.into_inner())
                .map_err(|e| malformed(e, "ExportMetricsServiceRequest"))?;
            shared.metrics.note(&request);
            Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
        })
    }
}

/// `INVALID_ARGUMENT` for a message that does not decode as `message`.
fn malformed(e: prost::DecodeError, message: &'static str) -> Status {
    let e = DecodeError::Malformed {
        format: "protobuf",
        message,
        reason: e.to_string(),
    };
    Status::invalid_argument(e.to_string())
}

impl Method for Traces {
    const SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    const PATH: &'static str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    type Response = ExportTraceServiceResponse;

    fn export(
        shared: Arc<Shared>,
        request: tonic::Request<Bytes>,
    ) -> BoxFuture<Result<tonic::Response<ExportTraceServiceResponse>, Status>> {
        Box::pin(async move {
            let body = request.into_inner();
            // Decoding and converting a large request takes milliseconds: off
            // the threads that serve connections.
            let batch = tokio::task::spawn_blocking(move || {
                ExportTraceServiceRequest::decode(body)
                    .map(Batch::from_request)
                    .map_err(|e| malformed(e, "ExportTraceServiceRequest"))
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

/// Passes request messages through as bytes (decoded by the service) and
/// encodes responses (of type `R`) with prost.
struct RawCodec<R>(PhantomData<R>);

impl<R: Message + Send + 'static> Codec for RawCodec<R> {
    type Encode = R;
    type Decode = Bytes;
    type Encoder = ResponseEncoder<R>;
    type Decoder = RawDecoder;

    fn encoder(&mut self) -> ResponseEncoder<R> {
        ResponseEncoder(PhantomData)
    }

    fn decoder(&mut self) -> RawDecoder {
        RawDecoder
    }
}

struct ResponseEncoder<R>(PhantomData<R>);

impl<R: Message> Encoder for ResponseEncoder<R> {
    type Item = R;
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
