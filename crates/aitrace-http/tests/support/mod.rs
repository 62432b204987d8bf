//! What the tests of aitrace-http share: the in-memory pipeline with the W3C
//! propagators, a server on a loopback port, raw HTTP/1.1 requests, bounded waits.
#![allow(dead_code)]

use aitrace_sdk::config::PropagatorKind;
use aitrace_sdk::exporter::InMemoryExporter;
#[allow(unused_imports)]
pub use aitrace_sdk::testing::{attr_i64, attr_str};
use opentelemetry_sdk::trace::SpanData;
use std::net::SocketAddr;
use std::sync::Once;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The in-memory pipeline, with `tracecontext,baggage` installed (once per test binary).
pub fn setup() -> InMemoryExporter {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(&[
            PropagatorKind::TraceContext,
            PropagatorKind::Baggage,
        ]));
    });
    aitrace_sdk::testing::install_in_memory()
}

/// Serves `app` on an ephemeral loopback port until the test's runtime ends.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Sends `request` (bytes of an HTTP/1.1 request that asks to close the connection)
/// and returns the whole answer, within 10 s.
pub async fn raw_request(addr: SocketAddr, request: &[u8]) -> String {
    let exchange = async {
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        tcp.write_all(request).await.unwrap();
        let mut answer = Vec::new();
        tcp.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("the server answers within 10 s")
}

/// The status code of a raw answer.
pub fn status_of(answer: &str) -> u16 {
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"))
}

/// The spans `exporter` holds once `done` says they are all there, waiting at most 10 s
/// (spans of a server end after its answer is sent). At the deadline, the spans seen so
/// far, for the caller's assertion to name.
pub async fn wait_for(
    exporter: &InMemoryExporter,
    done: impl Fn(&[SpanData]) -> bool,
    filter: impl Fn(&SpanData) -> bool,
) -> Vec<SpanData> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let spans = exporter.filter(&filter);
        if done(&spans) || Instant::now() > deadline {
            return spans;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The one span named `name` among `spans`.
pub fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    aitrace_sdk::testing::by_name(spans, name)
}
