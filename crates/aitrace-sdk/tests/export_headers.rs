//! Configured headers arrive at the collector (gRPC metadata and HTTP headers),
//! and their values never show in Debug output.

mod support;
use aitrace_sdk::config::{Compression, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::Duration;
use support::receiver::Receiver;

const KEY: &str = "hcaik_01secretvalue";

fn run(protocol: Protocol, compression: Compression) {
    let receiver = Receiver::grpc_or_http(protocol, false);
    let builder = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_compression(compression)
        .with_endpoint(receiver.endpoint.clone())
        .with_header("x-honeycomb-team", KEY)
        .with_header("x-tenant", "acme");
    let debug = format!("{builder:?}");
    assert!(!debug.contains(KEY), "header value in Debug: {debug}");
    let guard = builder.build().unwrap();
    assert!(!format!("{guard:?}").contains(KEY));
    let tracer = guard.provider().unwrap().tracer("headers-test");
    tracer.in_span("with headers", |_| {});
    let report = guard.shutdown().expect("clean shutdown");
    assert_eq!(report.stats.exported, 1);

    let received = receiver.received();
    assert_eq!(received.len(), 1, "{protocol:?}");
    let h = &received[0].headers;
    let get = |k: &str| h.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("x-honeycomb-team"), Some(KEY));
    assert_eq!(get("x-tenant"), Some("acme"));
    if protocol == Protocol::HttpProtobuf {
        assert_eq!(get("content-type"), Some("application/x-protobuf"));
        let enc = get("content-encoding");
        assert_eq!(enc, (compression == Compression::Gzip).then_some("gzip"));
    } else if compression == Compression::Gzip {
        assert_eq!(get("grpc-encoding"), Some("gzip"));
    }
    let spans = receiver.wait_for_spans(1, Duration::from_secs(2));
    assert_eq!(spans[0].name, "with headers");
}

#[test]
fn grpc_headers_arrive() {
    run(Protocol::Grpc, Compression::None);
}

#[test]
fn grpc_gzip_headers_arrive() {
    run(Protocol::Grpc, Compression::Gzip);
}

#[test]
fn http_headers_arrive() {
    run(Protocol::HttpProtobuf, Compression::None);
}

#[test]
fn http_gzip_headers_arrive() {
    run(Protocol::HttpProtobuf, Compression::Gzip);
}
