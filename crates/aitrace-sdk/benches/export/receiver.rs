//! The receiver both sides export to: an OTLP server in the benchmark's own
//! process that decodes each request and counts its spans (and, for the smoke
//! check, remembers what shapes of span arrived).

use aitrace_sdk::config::Protocol;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What the receiver got.
#[derive(Default)]
struct Tally {
    spans: AtomicU64,
    /// The distinct shapes of span received, when asked for: kept only by the
    /// smoke check, so that the timed runs pay for counting alone.
    shapes: Option<Mutex<BTreeSet<String>>>,
}

impl Tally {
    fn add(&self, request: &ExportTraceServiceRequest) {
        let spans = request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len() as u64)
            .sum();
        self.spans.fetch_add(spans, Ordering::Relaxed);
        if let Some(shapes) = &self.shapes {
            let mut shapes = shapes.lock().expect("shapes lock");
            shapes.extend(shapes_of(request));
        }
    }
}

/// One line per span: its resource (keys and values), its scope, its name and
/// the keys of its attributes and events; ids, times and values that change
/// from one span to the next are left out.
fn shapes_of(request: &ExportTraceServiceRequest) -> Vec<String> {
    let mut out = Vec::new();
    for rs in &request.resource_spans {
        let mut resource: Vec<String> = rs
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .map(|kv| format!("{}={:?}", kv.key, kv.value))
            .collect();
        resource.sort();
        for ss in &rs.scope_spans {
            let scope = ss.scope.as_ref().map_or("", |s| s.name.as_str());
            for span in &ss.spans {
                let mut keys: Vec<&str> =
                    span.attributes.iter().map(|kv| kv.key.as_str()).collect();
                keys.sort_unstable();
                let events: Vec<&str> = span.events.iter().map(|e| e.name.as_str()).collect();
                out.push(format!(
                    "resource {resource:?} scope {scope} span {} kind {} attributes {keys:?} events {events:?}",
                    span.name, span.kind
                ));
            }
        }
    }
    out
}

struct CountingGrpc(Arc<Tally>);

#[tonic::async_trait]
impl TraceService for CountingGrpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0.add(request.get_ref());
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// A local OTLP receiver on a runtime of its own; stops when dropped.
pub struct Receiver {
    pub endpoint: String,
    tally: Arc<Tally>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    /// A receiver that counts spans.
    pub fn start(protocol: Protocol) -> Receiver {
        Receiver::with_tally(protocol, Tally::default())
    }

    /// A receiver that counts spans and keeps their shapes ([`Receiver::shapes`]).
    pub fn keeping_shapes(protocol: Protocol) -> Receiver {
        Receiver::with_tally(
            protocol,
            Tally {
                spans: AtomicU64::new(0),
                shapes: Some(Mutex::new(BTreeSet::new())),
            },
        )
    }

    fn with_tally(protocol: Protocol, tally: Tally) -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("receiver runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
        listener.set_nonblocking(true).expect("non-blocking");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let tally = Arc::new(tally);
        let count = tally.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            match protocol {
                Protocol::Grpc => {
                    // TCP_NODELAY, as collectors written in Go have by default:
                    // without it, Nagle and delayed ACKs hold small replies ~40 ms.
                    let incoming = tokio_stream::StreamExt::map(
                        tokio_stream::wrappers::TcpListenerStream::new(listener),
                        |conn| {
                            conn.inspect(|tcp| {
                                let _ = tcp.set_nodelay(true);
                            })
                        },
                    );
                    let service = TraceServiceServer::new(CountingGrpc(count))
                        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
                    // Like a collector's gRPC server (grpc-go sizes its flow-control
                    // window to the connection), not h2's fixed 64 KiB window, which
                    // would make each 512-span request wait for window updates.
                    let _ = tonic::transport::Server::builder()
                        .initial_stream_window_size(Some(4 << 20))
                        .initial_connection_window_size(Some(8 << 20))
                        .add_service(service)
                        .serve_with_incoming(incoming)
                        .await;
                }
                // The benchmark exports protobuf only; its receiver decodes that.
                Protocol::HttpProtobuf | Protocol::HttpJson => loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    let _ = tcp.set_nodelay(true);
                    let count = count.clone();
                    tokio::spawn(async move {
                        let service =
                            hyper::service::service_fn(move |req| http_export(count.clone(), req));
                        let _ = hyper_util::server::conn::auto::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                        .await;
                    });
                },
            }
        });
        Receiver {
            endpoint,
            tally,
            _runtime: runtime,
        }
    }

    /// Spans received so far.
    pub fn received(&self) -> u64 {
        self.tally.spans.load(Ordering::Relaxed)
    }

    /// The shapes received so far (empty unless made by [`Receiver::keeping_shapes`]),
    /// and forgets them.
    pub fn take_shapes(&self) -> BTreeSet<String> {
        self.tally
            .shapes
            .as_ref()
            .map(|s| std::mem::take(&mut *s.lock().expect("shapes lock")))
            .unwrap_or_default()
    }
}

async fn http_export(
    tally: Arc<Tally>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, std::convert::Infallible> {
    use http_body_util::BodyExt;
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (status, reply) = match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            tally.add(&request);
            let reply = ExportTraceServiceResponse {
                partial_success: None,
            };
            (200, reply.encode_to_vec())
        }
        Err(_) => (400, Vec::new()),
    };
    Ok(hyper::Response::builder()
        .status(status)
        .header("content-type", "application/x-protobuf")
        .body(http_body_util::Full::new(bytes::Bytes::from(reply)))
        .expect("a response"))
}

/// An endpoint with nothing listening: a port that was free a moment ago.
pub fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = l.local_addr().expect("an address");
    drop(l);
    format!("http://{addr}")
}
