//! TLS: export succeeds with the collector's CA given as a certificate file, and
//! fails verification without it (no silent insecure fallback), over gRPC and HTTP.

mod support;
use aitrace_sdk::config::{ExporterKind, Protocol};
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::Duration;
use support::receiver::Receiver;

fn ca_file(pem: &str, tag: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("aitrace-ca-{tag}-{}.pem", std::process::id()));
    std::fs::write(&path, pem).unwrap();
    path
}

fn export_one(
    receiver: &Receiver,
    protocol: Protocol,
    ca: Option<std::path::PathBuf>,
) -> aitrace_sdk::StatsSnapshot {
    let mut b = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_timeout(Duration::from_secs(5));
    b = match protocol {
        Protocol::Grpc => b.with_endpoint(receiver.endpoint.clone()),
        Protocol::HttpProtobuf | Protocol::HttpJson => b.with_endpoint(receiver.endpoint.clone()),
    };
    if let Some(ca) = ca {
        b = b.with_certificate(ca);
    }
    let guard = b.build().expect("pipeline builds");
    let tracer = guard.provider().unwrap().tracer("tls-test");
    tracer.in_span("over tls", |_| {});
    match guard.shutdown() {
        Ok(report) => report.stats,
        Err(e) => e.report.stats,
    }
}

fn check(protocol: Protocol) {
    let receiver = Receiver::grpc_or_http(protocol, true);
    let ca = ca_file(
        receiver.ca_pem.as_deref().unwrap(),
        &format!("{protocol:?}"),
    );

    let ok = export_one(&receiver, protocol, Some(ca.clone()));
    assert_eq!(
        (ok.recorded, ok.exported, ok.failed),
        (1, 1, 0),
        "{protocol:?} with the CA"
    );
    let spans = receiver.wait_for_spans(1, Duration::from_secs(5));
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name, "over tls");

    let refused = export_one(&receiver, protocol, None);
    assert_eq!(
        (refused.exported, refused.failed),
        (0, 1),
        "{protocol:?} without the CA must fail"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(
        receiver.spans().len(),
        1,
        "nothing arrived without verification"
    );
    let _ = std::fs::remove_file(ca);
}

#[test]
fn grpc_tls_verifies_against_the_given_ca() {
    check(Protocol::Grpc);
}

#[test]
fn http_tls_verifies_against_the_given_ca() {
    check(Protocol::HttpProtobuf);
}

/// The same, configured only through the environment variables a user sets.
#[test]
fn the_certificate_variable_is_used() {
    use aitrace_sdk::config::Config;
    let receiver = Receiver::grpc(true);
    let ca = ca_file(receiver.ca_pem.as_deref().unwrap(), "env");
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint.clone()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc".to_string()),
        ("OTEL_EXPORTER_OTLP_CERTIFICATE", ca.display().to_string()),
    ];
    let (config, warnings) =
        Config::from_lookup(|k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        config.effective_exporters(),
        vec![ExporterKind::Otlp],
        "an endpoint selects OTLP"
    );
    let guard = Builder::from_config(config).build().unwrap();
    guard
        .provider()
        .unwrap()
        .tracer("env-tls")
        .in_span("from env", |_| {});
    let report = guard.shutdown().expect("delivered over TLS");
    assert_eq!(report.stats.exported, 1);
    assert_eq!(
        receiver.wait_for_spans(1, Duration::from_secs(5))[0].name,
        "from env"
    );
    let _ = std::fs::remove_file(ca);
}
