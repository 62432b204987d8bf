//! The exporter's conversion of configured headers into gRPC metadata and HTTP
//! headers, on hostile names and values (set in code with `Builder::with_header`,
//! or decoded from `OTEL_EXPORTER_OTLP_HEADERS`): building never panics and never
//! fails; a header a transport cannot send is dropped at build with a warning that
//! names the variable and the header but never shows its value (an error in
//! strict mode); a header that is kept is sent without panicking, even one that
//! collides with the protocol's own headers.
//!
//! `config_fuzz.rs` covers the parser of the variable itself.

mod support;
use aitrace_sdk::config::{parse_headers, ExporterKind, Protocol, OTEL_EXPORTER_OTLP_HEADERS};
use aitrace_sdk::{Builder, InitError};
use opentelemetry::trace::{Tracer, TracerProvider};
use proptest::prelude::*;
use std::time::Duration;
use support::receiver::{dead_endpoint, Receiver};

/// Marks every generated value, so that a warning can be searched for it.
const MARK: &str = "V4LU3";

fn builder(protocol: Protocol, endpoint: &str) -> Builder {
    Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(2))
}

/// Builds with one header; checks the warning if there is one. True when the
/// header was kept.
fn builds(protocol: Protocol, name: &str, value: &str) -> bool {
    let endpoint = dead_endpoint();
    let guard = match builder(protocol, &endpoint)
        .with_header(name, value)
        .build()
    {
        Ok(guard) => guard,
        Err(e) => panic!("{protocol:?} {name:?}: building failed: {e:?}"),
    };
    let kept = !guard.config().otlp.headers.is_empty();
    let warnings = guard.config_warnings().to_vec();
    let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
    let shown = format!(
        "{warnings:?} {}",
        warnings.iter().map(|w| w.to_string()).collect::<String>()
    );
    assert!(
        !shown.contains(MARK),
        "{protocol:?} {name:?}: the warning shows the value: {shown}"
    );
    if kept {
        assert!(warnings.is_empty(), "{protocol:?} {name:?}: {shown}");
    } else {
        assert_eq!(warnings.len(), 1, "{protocol:?} {name:?}: {shown}");
        assert_eq!(warnings[0].var, OTEL_EXPORTER_OTLP_HEADERS);
        match builder(protocol, &endpoint)
            .with_header(name, value)
            .with_strict_config(true)
            .build()
        {
            Err(InitError::Config(e)) => assert!(!format!("{e} {e:?}").contains(MARK), "{e:?}"),
            other => panic!("{protocol:?} {name:?}: strict mode should refuse it: {other:?}"),
        }
    }
    kept
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

    /// What the variable's parser accepts, both transports can send (but gRPC
    /// keeps `-bin` names for binary metadata).
    #[test]
    fn headers_from_the_variable(entries in prop::collection::vec((name(), value()), 1..4)) {
        let text: Vec<String> = entries.iter().map(|(k, v)| format!("{k}={}", v.replace(',', "%2C"))).collect();
        let (list, _) = parse_headers(OTEL_EXPORTER_OTLP_HEADERS, &text.join(","));
        for (k, v) in &list {
            prop_assert!(builds(Protocol::HttpProtobuf, k, v), "{k:?} was parsed but dropped by the HTTP exporter");
            let grpc = builds(Protocol::Grpc, k, v);
            prop_assert_eq!(grpc, !k.to_ascii_lowercase().ends_with("-bin"), "{:?} over gRPC", k);
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
            let guard = builder(protocol, &rx.endpoint)
                .with_header(name, value)
                .build()
                .expect("builds");
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

/// A header the transport sets itself is dropped when the pipeline is built, with
/// a warning naming the header and the variable, rather than breaking every
/// export; strict mode refuses it.
#[test]
fn headers_the_transport_owns_are_dropped_at_build() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        for name in [
            "Content-Type",
            "content-length",
            "te",
            "grpc-timeout",
            "Host",
        ] {
            let guard = builder(protocol, "http://127.0.0.1:4317")
                .with_header(name, "x")
                .with_header("x-honeycomb-team", "k")
                .build()
                .expect(name);
            let headers: Vec<&str> = guard
                .config()
                .otlp
                .headers
                .iter()
                .map(|(k, _)| k.as_str())
                .collect();
            assert_eq!(headers, ["x-honeycomb-team"], "the other header is kept");
            let warning = guard.config_warnings()[0].to_string();
            assert!(
                warning.contains("OTEL_EXPORTER_OTLP_HEADERS") && warning.contains(name),
                "{warning}"
            );
            let err = builder(protocol, "http://127.0.0.1:4317")
                .with_header(name, "x")
                .with_strict_config(true)
                .build()
                .expect_err(name)
                .to_string();
            assert!(
                err.contains("OTEL_EXPORTER_OTLP_HEADERS") && err.contains(name),
                "{err}"
            );
        }
    }
}
