//! The HTTP port: OTLP/HTTP (`POST /v1/traces`, and `POST /v1/metrics`
//! acknowledged but not kept; protobuf or JSON, gzip,
//! deflate or zstd) and the web view, behind the host check and the token.

use super::auth::{self, Token, COOKIE_NAME};
use super::metrics::METRICS_PATH;
use super::Shared;
use crate::otlp::{
    decode::decompress, decode_message, decode_request, Batch, DecodeError, Encoding, Format,
};
use crate::store::StoreError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::Bytes;
use http::header::{CONTENT_ENCODING, CONTENT_TYPE, LOCATION, RETRY_AFTER, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Limited};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceResponse,
};
use prost::Message;
use std::sync::Arc;

/// The OTLP/HTTP path for traces.
pub const TRACES_PATH: &str = "/v1/traces";

/// The router of the HTTP port.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TRACES_PATH, post(export))
        .route(METRICS_PATH, post(export_metrics))
        .merge(crate::web::routes())
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// `google.rpc.Status`, the body of an OTLP/HTTP error response.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// gRPC codes used in error bodies.
const INVALID_ARGUMENT: i32 = 3;
const RESOURCE_EXHAUSTED: i32 = 8;
const INTERNAL: i32 = 13;
const UNAVAILABLE: i32 = 14;
const UNAUTHENTICATED: i32 = 16;

/// An OTLP/HTTP error: the status, and a `google.rpc.Status` body in the
/// request's format (plain text when the format is unknown).
fn otlp_error(status: StatusCode, code: i32, message: String, format: Option<Format>) -> Response {
    let (content_type, body) = match format {
        Some(Format::Protobuf) => (
            Format::Protobuf.content_type(),
            RpcStatus { code, message }.encode_to_vec(),
        ),
        Some(Format::Json) => (
            Format::Json.content_type(),
            serde_json::json!({"code": code, "message": message})
                .to_string()
                .into_bytes(),
        ),
        None => ("text/plain; charset=utf-8", message.into_bytes()),
    };
    (status, [(CONTENT_TYPE, content_type)], body).into_response()
}

fn decode_failure(e: DecodeError, format: Option<Format>) -> Response {
    let (status, code) = match &e {
        DecodeError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, RESOURCE_EXHAUSTED),
        DecodeError::UnsupportedType(_) | DecodeError::UnsupportedEncoding(_) => {
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, INVALID_ARGUMENT)
        }
        DecodeError::Compression { .. } | DecodeError::Malformed { .. } => {
            (StatusCode::BAD_REQUEST, INVALID_ARGUMENT)
        }
    };
    otlp_error(status, code, e.to_string(), format)
}

/// The format, the encoding and the body as sent of an OTLP/HTTP request, the
/// body read up to the request cap; or the response that refuses it.
async fn read_body(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
) -> Result<(Format, Encoding, Bytes), Response> {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    let format = Format::of(header(CONTENT_TYPE)).map_err(|e| decode_failure(e, None))?;
    let encoding =
        Encoding::of(header(CONTENT_ENCODING)).map_err(|e| decode_failure(e, Some(format)))?;
    let limit = shared.max_request_bytes;
    // The body as sent is capped too: compressed data cannot be larger than
    // what it decompresses to by much, and an endless body must end.
    match Limited::new(body, limit).collect().await {
        Ok(b) => Ok((format, encoding, b.to_bytes())),
        Err(e) => {
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some()
            {
                return Err(decode_failure(
                    DecodeError::TooLarge { limit },
                    Some(format),
                ));
            }
            Err(otlp_error(
                StatusCode::BAD_REQUEST,
                INVALID_ARGUMENT,
                format!("cannot read the request body: {e}"),
                Some(format),
            ))
        }
    }
}

/// A successful answer, in the request's format.
fn otlp_ok<M: Message + serde::Serialize>(response: &M, format: Format) -> Response {
    let body = match format {
        Format::Protobuf => response.encode_to_vec(),
        Format::Json => serde_json::to_vec(response).unwrap_or_else(|_| b"{}".to_vec()),
    };
    (
        StatusCode::OK,
        [(CONTENT_TYPE, format.content_type())],
        body,
    )
        .into_response()
}

/// The request read through [`read_body`], decompressed and decoded with
/// `decode` off the threads that serve connections (a large request takes
/// milliseconds); or the response that refuses it.
async fn decode_body<T: Send + 'static>(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
    decode: fn(&[u8], Format) -> Result<T, DecodeError>,
) -> Result<(Format, T), Response> {
    let (format, encoding, raw) = read_body(shared, headers, body).await?;
    let limit = shared.max_request_bytes;
    let decoded = tokio::task::spawn_blocking(move || {
        let body = decompress(&raw, encoding, limit)?;
        decode(&body, format)
    })
    .await;
    match decoded {
        Ok(Ok(t)) => Ok((format, t)),
        Ok(Err(e)) => Err(decode_failure(e, Some(format))),
        Err(e) => Err(otlp_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            INTERNAL,
            format!("decoding failed: {e}"),
            Some(format),
        )),
    }
}

/// `POST /v1/metrics`: decoded through the same caps as traces, counted, and
/// acknowledged without being kept (see [`super::metrics`]).
async fn export_metrics(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let decode = |body: &[u8], format| {
        decode_message::<ExportMetricsServiceRequest>(body, format, "ExportMetricsServiceRequest")
    };
    match decode_body(&shared, &headers, body, decode).await {
        Ok((format, request)) => {
            shared.metrics.note(&request);
            otlp_ok(&ExportMetricsServiceResponse::default(), format)
        }
        Err(refused) => refused,
    }
}

async fn export(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    let decode = |body: &[u8], format| decode_request(body, format).map(Batch::from_request);
    let (format, batch) = match decode_body(&shared, &headers, body, decode).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    let (rejected, rejection) = (batch.rejected, batch.rejection.clone());
    match shared.writer.store(batch).await {
        Ok(_) => {
            let response = ExportTraceServiceResponse {
                partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
                    rejected_spans: rejected as i64,
                    error_message: rejection.unwrap_or_default(),
                }),
            };
            otlp_ok(&response, format)
        }
        Err(e) => store_failure(&e, format),
    }
}

fn store_failure(e: &StoreError, format: Format) -> Response {
    if e.retryable() {
        let mut r = otlp_error(
            StatusCode::SERVICE_UNAVAILABLE,
            UNAVAILABLE,
            e.to_string(),
            Some(format),
        );
        r.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from_static("5"));
        r
    } else {
        otlp_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            INTERNAL,
            e.to_string(),
            Some(format),
        )
    }
}

/// The host check, the token, and the security headers of pages.
async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if shared.check_host && !auth::loopback_host(req.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "this server answers to localhost only: the Host header names another site\n",
        )
            .into_response();
    }
    let otlp = matches!(req.uri().path(), TRACES_PATH | METRICS_PATH);
    if let Some(token) = &shared.token {
        if !otlp && req.method() == Method::GET {
            if let Some(given) = query_token(req.uri().query()) {
                return login(token, &given, req.uri().path());
            }
        }
        if !token.accepts(req.headers(), !otlp) {
            return if otlp {
                let format = req
                    .headers()
                    .get(CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| Format::of(Some(v)).ok());
                otlp_error(
                    StatusCode::UNAUTHORIZED,
                    UNAUTHENTICATED,
                    Token::REFUSAL.to_string(),
                    format,
                )
            } else {
                crate::web::unauthorized()
            };
        }
    }
    let mut response = next.run(req).await;
    if !otlp {
        let h = response.headers_mut();
        h.insert(
            "content-security-policy",
            HeaderValue::from_static(
                "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        h.insert(
            "x-content-type-options",
            HeaderValue::from_static("nosniff"),
        );
        h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    }
    response
}

/// The `token` query parameter, percent-decoded.
fn query_token(query: Option<&str>) -> Option<String> {
    query?
        .split('&')
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| crate::web::html::percent_decode(v))
}

/// `?token=` on a page: the right token sets the cookie and goes to the page
/// without it in the address; a wrong one is refused.
fn login(token: &Token, given: &str, path: &str) -> Response {
    if !token.equals(given) {
        return crate::web::unauthorized();
    }
    let location = if path.starts_with('/') && !path.starts_with("//") {
        path
    } else {
        "/"
    };
    let cookie = format!(
        "{COOKIE_NAME}={}; Path=/; HttpOnly; SameSite=Strict",
        token.as_str()
    );
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let (Ok(l), Ok(c)) = (
        HeaderValue::from_str(location),
        HeaderValue::from_str(&cookie),
    ) {
        r.headers_mut().insert(LOCATION, l);
        r.headers_mut().insert(SET_COOKIE, c);
    }
    r
}
