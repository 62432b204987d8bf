//! An in-process OTLP receiver (gRPC, or HTTP with protobuf or JSON bodies;
//! gzip or zstd; plaintext or TLS with a self-signed certificate made at test
//! time) that records what arrives. It takes metrics too, as a collector does
//! (always at once: [`Behaviour`] is how it answers trace exports), and keeps
//! them apart ([`Receiver::metrics`]).
//! Used where a test needs control a third-party collector does not give:
//! TLS, received headers, slow, failing or missing answers, and the raw bytes a
//! client put on the wire ([`Receiver::capture_wire`]).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One export as received.
#[derive(Clone, Debug)]
pub struct Received {
    /// When it arrived.
    pub at: Instant,
    /// Request headers (gRPC metadata or HTTP headers), names lowercase.
    pub headers: Vec<(String, String)>,
    /// The decoded request.
    pub request: ExportTraceServiceRequest,
    /// HTTP only: the body as sent, decompressed (protobuf or JSON bytes).
    pub body: Vec<u8>,
}

/// How the receiver answers.
#[derive(Clone, Copy, Debug)]
pub enum Behaviour {
    /// Accept at once.
    Accept,
    /// Wait this long, then accept.
    Delay(Duration),
    /// Read the request, then never answer (the client has to give up). The
    /// connection closes when the receiver is dropped.
    Never,
    /// Answer the first `n` requests with gRPC `UNAVAILABLE` / HTTP 503 (both
    /// retryable), then accept. `u32::MAX` is "for ever".
    Unavailable(u32),
    /// Answer the first `times` requests as `refusal` says, then accept.
    /// `u32::MAX` is "for ever".
    Refuse { times: u32, refusal: Refusal },
    /// HTTP: answer `200 OK` with a body that never ends (chunks of 64 KiB as
    /// fast as the client reads). gRPC: an answer whose status message is
    /// 1 MiB long.
    EndlessAnswer,
}

/// How [`Behaviour::Refuse`] refuses.
#[derive(Clone, Copy, Debug)]
pub enum Refusal {
    /// A gRPC status; with a `RetryInfo` delay in its details when given. The
    /// HTTP receiver answers 500 instead.
    Grpc(tonic::Code, Option<Duration>),
    /// An HTTP status, with `Retry-After` when given. The gRPC receiver
    /// answers `UNAVAILABLE` instead.
    Http(u16, Option<&'static str>),
    /// gRPC `INVALID_ARGUMENT` / HTTP 400 whose message repeats every request
    /// header (name and value), with terminal escape sequences around them: a
    /// collector that echoes what it got.
    EchoHeaders,
}

/// What the receiver tells the client.
enum Answer {
    Accepted,
    Unavailable,
    Refused(Refusal, Vec<(String, String)>),
    Endless,
}

#[derive(Clone)]
struct State {
    received: Arc<Mutex<Vec<Received>>>,
    /// Metric exports, as decoded.
    metrics: Arc<Mutex<Vec<ExportMetricsServiceRequest>>>,
    /// Every request that arrived, answered or not.
    attempts: Arc<Mutex<Vec<Received>>>,
    /// Client-to-server bytes through the capturing proxy, when there is one.
    wire: Arc<Mutex<Vec<u8>>>,
    /// Connections reset by the proxy of `reset_first`.
    resets: Arc<std::sync::atomic::AtomicUsize>,
    behaviour: Behaviour,
}

impl State {
    fn new(behaviour: Behaviour) -> State {
        State {
            received: Arc::default(),
            metrics: Arc::default(),
            attempts: Arc::default(),
            wire: Arc::default(),
            resets: Arc::default(),
            behaviour,
        }
    }

    async fn handle(
        &self,
        headers: Vec<(String, String)>,
        request: ExportTraceServiceRequest,
        body: Vec<u8>,
    ) -> Answer {
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            attempts.push(Received {
                at: Instant::now(),
                headers: headers.clone(),
                request: request.clone(),
                body: body.clone(),
            });
            attempts.len()
        };
        match self.behaviour {
            Behaviour::Accept => {}
            Behaviour::Delay(d) => tokio::time::sleep(d).await,
            Behaviour::Never => std::future::pending::<()>().await,
            Behaviour::Unavailable(n) => {
                if attempt as u64 <= u64::from(n) {
                    return Answer::Unavailable;
                }
            }
            Behaviour::Refuse { times, refusal } => {
                if attempt as u64 <= u64::from(times) {
                    return Answer::Refused(refusal, headers);
                }
            }
            Behaviour::EndlessAnswer => return Answer::Endless,
        }
        self.received.lock().unwrap().push(Received {
            at: Instant::now(),
            headers,
            request,
            body,
        });
        Answer::Accepted
    }
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    /// Base URL (`http://127.0.0.1:PORT` or `https://…`).
    pub endpoint: String,
    /// PEM of the self-signed certificate when TLS is on (write it to a file for
    /// `OTEL_EXPORTER_OTLP_CERTIFICATE`).
    pub ca_pem: Option<String>,
    state: State,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// A loopback listener on a free port (std, so that it can be made from inside
/// any runtime; it becomes a tokio listener in the receiver's own runtime).
fn bind() -> (std::net::TcpListener, u16) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

fn self_signed() -> (String, String) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("self-signed certificate");
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

struct Grpc(State);

#[tonic::async_trait]
impl MetricsService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.0.metrics.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse {
            partial_success: None,
        }))
    }
}

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        let headers = request
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        match self
            .0
            .handle(headers, request.into_inner(), Vec::new())
            .await
        {
            Answer::Accepted => Ok(tonic::Response::new(ExportTraceServiceResponse {
                partial_success: None,
            })),
            Answer::Unavailable => Err(tonic::Status::unavailable(
                "the test receiver is unavailable",
            )),
            Answer::Refused(Refusal::Grpc(code, retry), _) => Err(grpc_status(code, retry)),
            Answer::Refused(Refusal::Http(..), _) => Err(tonic::Status::unavailable(
                "the test receiver is unavailable",
            )),
            Answer::Refused(Refusal::EchoHeaders, headers) => {
                Err(tonic::Status::invalid_argument(echo(&headers)))
            }
            Answer::Endless => Err(tonic::Status::internal("x".repeat(1 << 20))),
        }
    }
}

/// A gRPC status with a `google.rpc.RetryInfo` detail when `retry` is given.
fn grpc_status(code: tonic::Code, retry: Option<Duration>) -> tonic::Status {
    let Some(delay) = retry else {
        return tonic::Status::new(code, "the test receiver refuses");
    };
    // google.rpc.Status { code, message, details: [Any { type_url, value: RetryInfo }] },
    // written field by field.
    let mut duration = Vec::new();
    prost::encoding::int64::encode(1, &(delay.as_secs() as i64), &mut duration);
    prost::encoding::int32::encode(2, &(delay.subsec_nanos() as i32), &mut duration);
    let mut retry_info = Vec::new();
    prost::encoding::bytes::encode(1, &duration, &mut retry_info);
    let mut any = Vec::new();
    prost::encoding::string::encode(
        1,
        &"type.googleapis.com/google.rpc.RetryInfo".to_string(),
        &mut any,
    );
    prost::encoding::bytes::encode(2, &retry_info, &mut any);
    let mut status = Vec::new();
    prost::encoding::int32::encode(1, &(code as i32), &mut status);
    prost::encoding::string::encode(2, &"slow down".to_string(), &mut status);
    prost::encoding::bytes::encode(3, &any, &mut status);
    tonic::Status::with_details(code, "slow down", Bytes::from(status))
}

/// Every header, name and value, between ANSI escape sequences and line breaks.
fn echo(headers: &[(String, String)]) -> String {
    let list: Vec<String> = headers
        .iter()
        .map(|(k, v)| format!("\u{1b}[31m{k}: {v}\u{1b}[0m"))
        .collect();
    format!("bad request\r\nyou sent:\n{}", list.join("\n"))
}

/// The runtime a receiver serves on: one worker, apart from the code under test.
fn receiver_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a receiver runtime")
}

impl Receiver {
    /// A gRPC receiver.
    pub fn grpc(tls: bool) -> Receiver {
        Receiver::grpc_with(tls, Behaviour::Accept)
    }

    /// A gRPC receiver that answers as `behaviour` says.
    pub fn grpc_with(tls: bool, behaviour: Behaviour) -> Receiver {
        let state = State::new(behaviour);
        let rt = receiver_runtime();
        let (listener, port) = bind();
        let (ca_pem, tls_config) = if tls {
            let (cert, key) = self_signed();
            let id = tonic::transport::Identity::from_pem(&cert, &key);
            (
                Some(cert),
                Some(tonic::transport::ServerTlsConfig::new().identity(id)),
            )
        } else {
            (None, None)
        };
        let svc = TraceServiceServer::new(Grpc(state.clone()))
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
            .accept_compressed(tonic::codec::CompressionEncoding::Zstd);
        let metrics = MetricsServiceServer::new(Grpc(state.clone()))
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
            .accept_compressed(tonic::codec::CompressionEncoding::Zstd);
        rt.spawn(async move {
            let mut server = tonic::transport::Server::builder();
            if let Some(t) = tls_config {
                server = server.tls_config(t).unwrap();
            }
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let _ = server
                .add_service(svc)
                .add_service(metrics)
                .serve_with_incoming(incoming)
                .await;
        });
        let scheme = if tls { "https" } else { "http" };
        Receiver {
            endpoint: format!("{scheme}://127.0.0.1:{port}"),
            ca_pem,
            state,
            runtime: Some(rt),
        }
    }

    /// An OTLP/HTTP receiver (path `/v1/traces`), protobuf or JSON by the
    /// request's content type.
    pub fn http(tls: bool) -> Receiver {
        Receiver::http_with(tls, Behaviour::Accept)
    }

    /// An OTLP/HTTP receiver that answers as `behaviour` says.
    pub fn http_with(tls: bool, behaviour: Behaviour) -> Receiver {
        let state = State::new(behaviour);
        let rt = receiver_runtime();
        let (listener, port) = bind();
        let (ca_pem, acceptor) = if tls {
            let (cert, key) = self_signed();
            use rustls_pki_types::pem::PemObject;
            let certs = rustls_pki_types::CertificateDer::pem_slice_iter(cert.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = rustls_pki_types::PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .unwrap();
            (
                Some(cert),
                Some(tokio_rustls::TlsAcceptor::from(Arc::new(cfg))),
            )
        } else {
            (None, None)
        };
        let st = state.clone();
        rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let service =
                        hyper::service::service_fn(move |req| http_handle(st.clone(), req));
                    let builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    match acceptor {
                        Some(a) => {
                            if let Ok(tls) = a.accept(tcp).await {
                                let _ = builder
                                    .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                                    .await;
                            }
                        }
                        None => {
                            let _ = builder
                                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                                .await;
                        }
                    }
                });
            }
        });
        let scheme = if tls { "https" } else { "http" };
        Receiver {
            endpoint: format!("{scheme}://127.0.0.1:{port}"),
            ca_pem,
            state,
            runtime: Some(rt),
        }
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<Span> {
        self.received()
            .into_iter()
            .flat_map(|r| r.request.resource_spans)
            .flat_map(|rs| rs.scope_spans)
            .flat_map(|ss| ss.spans)
            .collect()
    }

    /// Every metric export received so far.
    pub fn metrics(&self) -> Vec<ExportMetricsServiceRequest> {
        self.state.metrics.lock().unwrap().clone()
    }

    /// Every request that arrived, including those answered with an error or
    /// never answered.
    pub fn attempts(&self) -> Vec<Received> {
        self.state.attempts.lock().unwrap().clone()
    }

    /// How many requests arrived (see [`Receiver::attempts`]).
    pub fn attempt_count(&self) -> usize {
        self.state.attempts.lock().unwrap().len()
    }

    /// Waits (bounded) until at least `n` requests arrived; returns how many did.
    pub fn wait_for_attempts(&self, n: usize, timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        loop {
            let count = self.attempt_count();
            if count >= n || Instant::now() > deadline {
                return count;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Puts a loopback TCP proxy in front of the receiver and points
    /// [`Receiver::endpoint`] at it: every byte a client sends goes through the
    /// proxy and is kept, as it was on the wire (HTTP/2 frames or HTTP/1 request,
    /// headers and body), for [`Receiver::wire`]. Plaintext endpoints only.
    pub fn capture_wire(mut self) -> Receiver {
        let upstream: std::net::SocketAddr = self
            .endpoint
            .strip_prefix("http://")
            .expect("wire capture needs a plaintext receiver")
            .parse()
            .unwrap();
        let (listener, port) = bind();
        let wire = self.state.wire.clone();
        self.runtime.as_ref().unwrap().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let wire = wire.clone();
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    // When either side closes, both connections are dropped.
                    tokio::select! {
                        _ = pump(&client, &server, Some(&wire)) => {}
                        _ = pump(&server, &client, None) => {}
                    }
                });
            }
        });
        self.endpoint = format!("http://127.0.0.1:{port}");
        self
    }

    /// Puts a loopback TCP proxy in front of the receiver that resets the first
    /// `n` connections (a TCP RST, after the client has started its request)
    /// and passes the later ones through; points [`Receiver::endpoint`] at it.
    /// Plaintext endpoints only.
    pub fn reset_first(mut self, n: usize) -> Receiver {
        let upstream: std::net::SocketAddr = self
            .endpoint
            .strip_prefix("http://")
            .expect("the resetting proxy needs a plaintext receiver")
            .parse()
            .unwrap();
        let (listener, port) = bind();
        let resets = self.state.resets.clone();
        self.runtime.as_ref().unwrap().spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if resets.load(std::sync::atomic::Ordering::SeqCst) < n {
                    resets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::spawn(async move {
                        // Wait for the request to start, then reset.
                        let _ = client.readable().await;
                        let _ = client.set_zero_linger();
                        drop(client);
                    });
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = pump(&client, &server, None) => {}
                        _ = pump(&server, &client, None) => {}
                    }
                });
            }
        });
        self.endpoint = format!("http://127.0.0.1:{port}");
        self
    }

    /// Connections the proxy of [`Receiver::reset_first`] has reset.
    pub fn resets(&self) -> usize {
        self.state.resets.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every byte clients sent through the proxy of [`Receiver::capture_wire`].
    pub fn wire(&self) -> Vec<u8> {
        self.state.wire.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` spans arrived.
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<Span> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if spans.len() >= n || Instant::now() > deadline {
                return spans;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Copies bytes from `from` to `to` until either side closes, keeping a copy in
/// `tap` when given. Uses readiness and `try_*` calls only, so that it needs no
/// tokio feature beyond `net`.
async fn pump(
    from: &tokio::net::TcpStream,
    to: &tokio::net::TcpStream,
    tap: Option<&Mutex<Vec<u8>>>,
) {
    use std::io::ErrorKind::WouldBlock;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if from.readable().await.is_err() {
            return;
        }
        let n = match from.try_read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e) if e.kind() == WouldBlock => continue,
            Err(_) => return,
        };
        if let Some(tap) = tap {
            tap.lock().unwrap().extend_from_slice(&buf[..n]);
        }
        let mut sent = 0;
        while sent < n {
            if to.writable().await.is_err() {
                return;
            }
            match to.try_write(&buf[sent..n]) {
                Ok(k) => sent += k,
                Err(e) if e.kind() == WouldBlock => continue,
                Err(_) => return,
            }
        }
    }
}

/// Any answer body: whole, or endless.
type AnyBody = http_body_util::combinators::BoxBody<Bytes, std::convert::Infallible>;

/// A body that never ends: the same chunk, every time the client reads.
struct Endless(Bytes);

impl hyper::body::Body for Endless {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, Self::Error>>> {
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(self.0.clone()))))
    }
}

fn whole(bytes: impl Into<Bytes>) -> AnyBody {
    Full::new(bytes.into()).boxed()
}

async fn http_handle(
    state: State,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<AnyBody>, std::convert::Infallible> {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let encoding = header("content-encoding");
    let json = header("content-type") == "application/json";
    let path_ok = req.uri().path() == "/v1/traces";
    let metrics_path = req.uri().path() == "/v1/metrics";
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let empty = |status: u16| {
        Ok(hyper::Response::builder()
            .status(status)
            .body(whole(Bytes::new()))
            .unwrap())
    };
    let body = match encoding.as_str() {
        "gzip" => {
            let mut out = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        }
        "zstd" => zstd::decode_all(&body[..]).unwrap(),
        "" => body.to_vec(),
        _ => return empty(415),
    };
    if metrics_path {
        let decoded = if json {
            serde_json::from_slice::<ExportMetricsServiceRequest>(&body).ok()
        } else {
            ExportMetricsServiceRequest::decode(&body[..]).ok()
        };
        let Some(request) = decoded else {
            return empty(400);
        };
        state.metrics.lock().unwrap().push(request);
        let (resp, content_type) = if json {
            (b"{}".to_vec(), "application/json")
        } else {
            let resp = ExportMetricsServiceResponse {
                partial_success: None,
            };
            (resp.encode_to_vec(), "application/x-protobuf")
        };
        return Ok(hyper::Response::builder()
            .header("content-type", content_type)
            .body(whole(resp))
            .unwrap());
    }
    if !path_ok {
        return empty(404);
    }
    let decoded = if json {
        serde_json::from_slice::<ExportTraceServiceRequest>(&body).ok()
    } else {
        ExportTraceServiceRequest::decode(&body[..]).ok()
    };
    match decoded {
        Some(request) => {
            match state.handle(headers, request, body).await {
                Answer::Accepted => {}
                Answer::Unavailable => return empty(503),
                Answer::Refused(Refusal::Http(status, retry_after), _) => {
                    let mut resp = hyper::Response::builder().status(status);
                    if let Some(v) = retry_after {
                        resp = resp.header("retry-after", v);
                    }
                    return Ok(resp.body(whole(Bytes::new())).unwrap());
                }
                Answer::Refused(Refusal::Grpc(..), _) => return empty(500),
                Answer::Refused(Refusal::EchoHeaders, headers) => {
                    return Ok(hyper::Response::builder()
                        .status(400)
                        .body(whole(echo(&headers)))
                        .unwrap());
                }
                Answer::Endless => {
                    let chunk = Bytes::from(vec![b'x'; 64 * 1024]);
                    return Ok(hyper::Response::builder()
                        .status(200)
                        .header("content-type", "application/x-protobuf")
                        .body(Endless(chunk).boxed())
                        .unwrap());
                }
            }
            let (resp, content_type) = if json {
                (b"{}".to_vec(), "application/json")
            } else {
                let resp = ExportTraceServiceResponse {
                    partial_success: None,
                };
                (resp.encode_to_vec(), "application/x-protobuf")
            };
            Ok(hyper::Response::builder()
                .header("content-type", content_type)
                .body(whole(resp))
                .unwrap())
        }
        None => empty(400),
    }
}

impl Receiver {
    /// A receiver for `protocol`.
    pub fn grpc_or_http(protocol: aitrace_sdk::config::Protocol, tls: bool) -> Receiver {
        match protocol {
            aitrace_sdk::config::Protocol::Grpc => Receiver::grpc(tls),
            aitrace_sdk::config::Protocol::HttpProtobuf
            | aitrace_sdk::config::Protocol::HttpJson => Receiver::http(tls),
        }
    }
}

/// `http://127.0.0.1:PORT` where nothing listens: a port that was free a moment
/// ago, closed again, so connections to it are refused.
pub fn dead_endpoint() -> String {
    let (listener, port) = bind();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
