//! An application pointed at `aitrace serve` sends its metrics there too (the
//! SDK's default, as every OpenTelemetry SDK's): over OTLP/HTTP and OTLP/gRPC
//! they are acknowledged, so the application's shutdown reports nothing lost,
//! and the server says once that it does not keep them. A malformed metrics
//! request is refused as a malformed trace request is.

mod support;

use aitrace_sdk::config::{ExporterKind, Protocol};
use aitrace_sdk::Builder;
use prost::Message;
use support::http::{request as http_request, RpcStatus};
use support::{query_json, Server, TempDir};

#[test]
fn metrics_are_acknowledged_and_not_kept() {
    let dir = TempDir::new("metrics");
    let server = Server::start(&dir, &[], &[]);
    for (protocol, endpoint) in [
        (Protocol::HttpProtobuf, server.http_url()),
        (Protocol::HttpJson, server.http_url()),
        (Protocol::Grpc, server.grpc_url()),
    ] {
        // Nothing but the endpoint: metrics follow the traces.
        let guard = Builder::from_lookup(|_| None)
            .with_exporters(vec![ExporterKind::Otlp])
            .with_protocol(protocol)
            .with_endpoint(endpoint)
            .with_service_name("metrics-app")
            .install()
            .expect("pipeline installs");
        let mut call = aitrace::generation("openai", "gpt-4o").start();
        call.record_usage(aitrace::Usage::new(100, 20));
        call.end();
        let report = guard
            .shutdown()
            .unwrap_or_else(|e| panic!("{protocol:?}: nothing lost: {e:?}"));
        assert_eq!(report.stats.exported, 1, "{protocol:?}: the span");
        let metrics = report.metrics.expect("metrics went over OTLP");
        assert!(metrics.stats.exported > 0, "{protocol:?}: {metrics:?}");
        assert_eq!(metrics.stats.failed, 0, "{protocol:?}: {metrics:?}");
    }
    assert_eq!(
        query_json(&server.db, &["--service", "metrics-app"]).len(),
        3
    );

    let r = http_request(
        server.http,
        "POST",
        "/v1/metrics",
        &[("Content-Type", "application/x-protobuf")],
        b"\xff\xff\xff\xff not protobuf",
    );
    assert_eq!(r.status, 400);
    let status = RpcStatus::decode(r.body.as_slice()).expect("a google.rpc.Status body");
    assert_eq!(status.code, 3, "INVALID_ARGUMENT");
    assert!(
        status
            .message
            .starts_with("malformed OTLP protobuf ExportMetricsServiceRequest: "),
        "{}",
        status.message
    );

    let (_, stderr) = server.stop();
    assert_eq!(
        stderr.matches("are acknowledged and not kept").count(),
        1,
        "said once: {stderr}"
    );
    assert!(
        stderr.contains("metric data points were acknowledged and not kept"),
        "{stderr}"
    );
}
