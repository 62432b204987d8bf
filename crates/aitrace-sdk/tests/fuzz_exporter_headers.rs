//! The exporter's conversion of configured headers into gRPC metadata and HTTP
//! headers, on hostile names and values (set in code with `Builder::with_header`,
//! or decoded from `OTEL_EXPORTER_OTLP_HEADERS`): building never panics; a header
//! a transport cannot send is a clear error at build that names the variable and
//! the header but never shows its value; a header that builds is sent without
//! panicking, even one that collides with the protocol's own headers.
//!
//! `config_fuzz.rs` covers the parser of the variable itself.

mod receiver;

use aitrace_sdk::config::{
    parse_headers, ConfigError, ExporterKind, Protocol, OTEL_EXPORTER_OTLP_HEADERS,
};
use aitrace_sdk::otlp::ExporterBuildError;
use aitrace_sdk::{Builder, InitError};
use opentelemetry::trace::{Tracer, TracerProvider};
use proptest::prelude::*;
use receiver::{dead_endpoint, Receiver};
use std::time::Duration;

/// Marks every generated value, so that an error can be searched for it.
const MARK: &str = "V4LU3";

fn builder(protocol: Protocol, endpoint: &str) -> Builder {
    Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(2))
}

/// Builds with one header; checks the error if there is one. True when it built.
fn builds(protocol: Protocol, name: &str, value: &str) -> bool {
    match builder(protocol, &dead_endpoint())
        .with_header(name, value)
        .build()
    {
        Ok(guard) => {
            let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
            true
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            assert!(
                !shown.contains(MARK),
                "{protocol:?} {name:?}: the error shows the value: {shown}"
            );
            assert!(shown.contains(OTEL_EXPORTER_OTLP_HEADERS), "{shown}");
            assert!(
                matches!(
                    e,
                    InitError::Exporter(ExporterBuildError::Config(ConfigError::Invalid { .. }))
                ),
                "{protocol:?} {name:?}: {e:?}"
            );
            false
        }
    }
}

/// Header names: real ones, ones reserved by the protocols, and broken ones.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "x-api-key",
            "Authorization",
            "X-Honeycomb-Team",
            "content-type",
            "content-length",
            "transfer-encoding",
            "connection",
            "te",
            "host",
            "upgrade",
            "grpc-timeout",
            "grpc-encoding",
            "user-agent",
            "x-bin",
            "key-bin",
            ":path",
            ":authority",
            "a!#$%&'*+.^_`|~z",
            "",
            " ",
            "bad key",
            "ключ",
            "k\u{0}",
            "k\r\nx",
        ])
        .prop_map(str::to_string),
        "[!-~]{1,20}",
        any::<String>(),
    ]
}

/// Values, each starting with [`MARK`]: visible ASCII, spaces and tabs, control
/// characters, bytes over 0x7F, very long ones.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,40}",
        "[\\t -~]{0,20}",
        any::<String>(),
        (any::<char>(), 1usize..5000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
    .prop_map(|v| format!("{MARK}{v}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn headers_set_in_code(name in name(), value in value()) {
        for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
            builds(protocol, &name, &value);
        }
    }

    /// What the variable's parser accepts, the HTTP exporter can send; over gRPC
    /// it builds or is refused with a clear error (metadata rules are stricter).
    #[test]
    fn headers_from_the_variable(entries in prop::collection::vec((name(), value()), 1..4)) {
        let text: Vec<String> = entries.iter().map(|(k, v)| format!("{k}={}", v.replace(',', "%2C"))).collect();
        let Ok(list) = parse_headers(OTEL_EXPORTER_OTLP_HEADERS, &text.join(",")) else { return Ok(()) };
        for (k, v) in &list {
            prop_assert!(builds(Protocol::HttpProtobuf, k, v), "{k:?} was parsed but refused by the HTTP exporter");
            builds(Protocol::Grpc, k, v);
        }
    }
}

/// Headers that build but collide with what the protocols set themselves, sent
/// for real: no panic, and every span is exported or counted as failed.
#[test]
fn colliding_headers_are_sent_without_panicking() {
    let collide = [
        ("content-type", "text/plain"),
        ("content-length", "3"),
        ("transfer-encoding", "chunked"),
        ("connection", "close"),
        ("te", "gzip"),
        ("host", "elsewhere.example"),
        ("upgrade", "h2c"),
        ("grpc-timeout", "1n"),
        ("grpc-encoding", "snappy"),
        ("grpc-status", "0"),
        ("user-agent", ""),
        ("x-long", &"v".repeat(16 * 1024)),
    ];
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let rx = Receiver::grpc_or_http(protocol, false);
        for (name, value) in collide {
            let Ok(guard) = builder(protocol, &rx.endpoint)
                .with_header(name, value)
                .build()
            else {
                continue;
            };
            guard
                .provider()
                .unwrap()
                .tracer("collide")
                .in_span(format!("with {name}"), |_| {});
            let stats = match guard.shutdown_with_timeout(Duration::from_secs(10)) {
                Ok(r) => r.stats,
                Err(e) => e.report.stats,
            };
            assert_eq!(stats.recorded, 1, "{protocol:?} {name}");
            assert_eq!(
                stats.exported + stats.failed,
                1,
                "{protocol:?} {name}: {stats:?}"
            );
        }
    }
}

/// A header the transport sets itself is refused when the pipeline is built, with
/// an error naming the header and the variable, rather than breaking every export.
#[test]
fn headers_the_transport_owns_are_refused_at_build() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        for name in [
            "Content-Type",
            "content-length",
            "te",
            "grpc-timeout",
            "Host",
        ] {
            let err = builder(protocol, "http://127.0.0.1:4317")
                .with_header(name, "x")
                .build()
                .expect_err(name)
                .to_string();
            assert!(
                err.contains("OTEL_EXPORTER_OTLP_HEADERS") && err.contains(name),
                "{err}"
            );
        }
        assert!(builder(protocol, "http://127.0.0.1:4317")
            .with_header("x-honeycomb-team", "k")
            .build()
            .is_ok());
    }
}
