//! API keys given in `OTEL_EXPORTER_OTLP_HEADERS` never show: not in `Debug`
//! output (configuration, builder, guard, exporter), not in configuration
//! warnings or strict-mode errors, not in what aitrace prints on stderr when
//! exports fail. What
//! aitrace prints is printed once, not once per span or batch. TLS verification is
//! on by default and not turned off by the "insecure" setting.
//!
//! The stderr checks run this test binary again as a child process (the test
//! `child`, which does nothing unless `AITRACE_RELIABILITY_CHILD` is set), set up
//! from the environment with `init()`, against a collector that is down, one that
//! answers UNAVAILABLE for ever, and one whose certificate is not trusted; the
//! parent reads everything the child wrote.

mod support;
use aitrace_sdk::config::{
    parse_headers, Config, ExporterKind, OtlpConfig, Protocol, OTEL_EXPORTER_OTLP_HEADERS,
};
use aitrace_sdk::otlp::OtlpExporter;
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::receiver::{dead_endpoint, Behaviour, Receiver};

/// The key as given in the environment (percent-encoded) and the pieces of it
/// that must never show anywhere.
const HEADERS: &str = "x-api-key=sk-live-0123456789abcdef,authorization=Bearer%20tok-SECRET-42";
const SECRETS: [&str; 2] = ["0123456789abcdef", "tok-SECRET-42"];

fn assert_hidden(text: &str, what: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows a header value:\n{text}"
        );
    }
}

fn env_config(endpoint: &str, protocol: &str) -> Config {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
        ("OTEL_EXPORTER_OTLP_HEADERS", HEADERS),
    ];
    let (config, warnings) = Config::from_lookup(|k| {
        env.iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    });
    assert!(warnings.is_empty(), "{warnings:?}");
    config
}

#[test]
fn debug_output_never_shows_header_values() {
    for protocol in ["grpc", "http/protobuf"] {
        let config = env_config(&dead_endpoint(), protocol);
        assert_eq!(config.otlp.headers.len(), 2, "the headers were read");
        assert_hidden(&format!("{config:?}{config:#?}"), "Config");
        assert_hidden(
            &format!("{:?}{:#?}", config.otlp, config.otlp),
            "OtlpConfig",
        );
        let builder = Builder::from_config(config.clone()).with_header("x-extra", "tok-SECRET-42");
        assert_hidden(&format!("{builder:?}{builder:#?}"), "Builder");
        let guard = builder.build().expect("builds");
        assert_hidden(&format!("{guard:?}{guard:#?}"), "TracingGuard");
        assert_hidden(&format!("{:?}", guard.config()), "TracingGuard::config");
        let exporter = OtlpExporter::from_config(&config.otlp).expect("builds");
        assert_hidden(&format!("{exporter:?}{exporter:#?}"), "OtlpExporter");
        let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
    }
}

#[test]
fn header_warnings_never_show_header_values() {
    // Malformed in the environment: bad escapes, control characters.
    for bad in [
        "x-api-key=sk-live-0123456789abcdef%ZZ",
        "x-api-key=sk-live-0123456789abcdef%0D%0Ainjected: 1",
        "x-api-key=tok-SECRET-42%C3",
        "tok-SECRET-42",
        "x-api-key=ok,tok-SECRET-42",
    ] {
        let (_, warnings) = parse_headers(OTEL_EXPORTER_OTLP_HEADERS, bad);
        assert_eq!(warnings.len(), 1, "{bad}");
        let w = &warnings[0];
        assert_hidden(&format!("{w} {w:?}"), "ConfigWarning");
        assert!(w.to_string().contains(OTEL_EXPORTER_OTLP_HEADERS), "{w}");
        let (config, warnings) =
            Config::from_lookup(|k| (k == OTEL_EXPORTER_OTLP_HEADERS).then(|| bad.to_string()));
        assert_hidden(
            &format!("{warnings:?} {config:?}"),
            "warnings from the environment",
        );
        // Strict mode turns them into an error that hides the value just as well.
        let e =
            Builder::from_lookup(|k| (k == OTEL_EXPORTER_OTLP_HEADERS).then(|| bad.to_string()))
                .with_strict_config(true)
                .build()
                .expect_err(bad);
        assert_hidden(&format!("{e} {e:?}"), "InitError");
    }
    // Set in code with a value no transport can send (control characters, bytes
    // over 0x7F): dropped with a warning at build that names the header but not
    // its value, or refused in strict mode.
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        for value in [
            "tok-SECRET-42\r\nx: y",
            "tok-SECRET-42\u{0}",
            "tok-SECRET-42\u{7f}",
            "tok-SECRET-42é",
        ] {
            let builder = || {
                Builder::new()
                    .with_exporters(vec![ExporterKind::Otlp])
                    .with_protocol(protocol)
                    .with_endpoint(dead_endpoint())
                    .with_header("x-api-key", value)
            };
            let guard = builder().build().expect("an invalid header is dropped");
            let shown = format!("{:?}", guard.config_warnings());
            assert_hidden(&shown, "ConfigWarning");
            assert!(
                shown.contains("x-api-key") && shown.contains("not shown"),
                "{protocol:?}: {shown}"
            );
            assert!(guard.config().otlp.headers.is_empty());
            let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
            let e = builder()
                .with_strict_config(true)
                .build()
                .expect_err("strict");
            assert_hidden(&format!("{e} {e:?}"), "InitError");
            assert!(e.to_string().contains("x-api-key"), "{e}");
        }
        let exporter = OtlpExporter::from_config(&OtlpConfig {
            endpoint: Some(dead_endpoint()),
            protocol,
            headers: vec![("x-api-key".into(), "tok-SECRET-42é".into())],
            ..OtlpConfig::default()
        })
        .expect("the header is dropped with a warning");
        assert_hidden(&format!("{exporter:?}"), "OtlpExporter");
    }
}

/// The "insecure" setting only chooses `http://` for an endpoint given without a
/// scheme: an `https://` endpoint whose certificate is not trusted still fails,
/// and nothing reaches the receiver.
#[test]
fn insecure_never_turns_off_certificate_verification() {
    for (protocol, name) in [
        (Protocol::Grpc, "grpc"),
        (Protocol::HttpProtobuf, "http/protobuf"),
    ] {
        let rx = Receiver::grpc_or_http(protocol, true);
        for insecure in ["true", "false"] {
            let env = [
                ("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint.as_str()),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", name),
                ("OTEL_EXPORTER_OTLP_INSECURE", insecure),
                ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
            ];
            let (config, _) = Config::from_lookup(|k| {
                env.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            });
            let guard = Builder::from_config(config).build().unwrap();
            guard
                .provider()
                .unwrap()
                .tracer("tls")
                .in_span("untrusted", |_| {});
            let stats = match guard.shutdown_with_timeout(Duration::from_secs(10)) {
                Ok(r) => r.stats,
                Err(e) => e.report.stats,
            };
            assert_eq!(
                (stats.exported, stats.failed),
                (0, 1),
                "{protocol:?} insecure={insecure}"
            );
        }
        assert!(
            rx.spans().is_empty(),
            "{protocol:?}: nothing was sent over an unverified connection"
        );
    }
}

const CHILD_ENV: &str = "AITRACE_RELIABILITY_CHILD";

/// The child process: tracing from the environment, a burst of spans that
/// overflows the queue while every export fails, a second burst, then the guard
/// dropped without an explicit shutdown (which reports the losses on stderr).
#[test]
fn child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let guard = aitrace_sdk::init().expect("init from the environment");
    eprintln!("child: guard {guard:?}");
    eprintln!("child: config {:#?}", guard.config());
    eprintln!("child: builder {:?}", Builder::from_env());
    eprintln!(
        "child: exporter {:?}",
        OtlpExporter::from_config(&guard.config().otlp).unwrap()
    );
    let settle = |label: &str| {
        let deadline = Instant::now() + Duration::from_secs(30);
        while guard.stats().unaccounted() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let s = guard.stats();
        eprintln!("child: {label} {s:?}");
        assert_eq!(s.unaccounted(), 0, "{label}");
        s
    };
    for burst in 0..2 {
        std::thread::scope(|scope| {
            for t in 0..2 {
                scope.spawn(move || {
                    for i in 0..1500 {
                        let agent = aitrace::agent(format!("agent {burst}-{t}-{i}")).start();
                        agent.in_scope(|| {
                            let mut g = aitrace::generation("openai", "gpt-4o").start();
                            g.record_usage(aitrace::Usage::new(10, 5));
                            g.end();
                        });
                        agent.end();
                    }
                });
            }
        });
        settle(&format!("burst {burst}"));
    }
    let s = guard.stats();
    assert!(s.dropped > 0 && s.failed > 0 && s.exported == 0, "{s:?}");
    drop(guard);
}

/// Runs the child with `endpoint` and `protocol`; returns its stderr (and checks
/// that it succeeded and its stdout shows no secret either).
fn run_child(endpoint: &str, protocol: &str) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let child = Command::new(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
        .env("OTEL_EXPORTER_OTLP_HEADERS", HEADERS)
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "300")
        .env("OTEL_BSP_SCHEDULE_DELAY", "10")
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "32")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "16")
        .env("OTEL_SERVICE_NAME", "secrets-child")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_TRACES_EXPORTER")
        .env_remove("OTEL_SDK_DISABLED")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    let done = support::child::finish(child, Duration::from_secs(90), "the child");
    let (out, err) = (done.stdout, done.stderr);
    assert!(
        out.contains("test child ... ok"),
        "the child test ran:\n{out}"
    );
    assert_hidden(&out, "the child's stdout");
    err
}

fn check_stderr(err: &str, label: &str) {
    assert_hidden(err, &format!("{label}: stderr"));
    assert!(
        err.contains("child: guard") && err.contains("x-api-key"),
        "{label}: header names may show:\n{err}"
    );
    let ours: Vec<&str> = err.lines().filter(|l| l.starts_with("aitrace:")).collect();
    let count = |needle: &str| ours.iter().filter(|l| l.contains(needle)).count();
    assert_eq!(
        count("export queue full"),
        1,
        "{label}: queue overflow logged once:\n{err}"
    );
    let shutdown = |l: &&&str| l.contains("shut down with losses");
    // Once per signal: the spans, and the metrics recorded from them.
    let metrics = |l: &&&str| l.contains("/v1/metrics") || l.contains("data points");
    assert_eq!(
        ours.iter()
            .filter(|l| l.contains("failed:") && !shutdown(l) && !metrics(l))
            .count(),
        1,
        "{label}: export failures logged once:\n{err}"
    );
    let metric_lines = ours
        .iter()
        .filter(|l| l.contains("failed:") && !shutdown(l) && metrics(l))
        .count();
    assert!(
        metric_lines <= 1,
        "{label}: metric export failures logged at most once:\n{err}"
    );
    assert_eq!(
        ours.iter().filter(shutdown).count(),
        1,
        "{label}: losses reported at shutdown:\n{err}"
    );
    assert_eq!(
        ours.len(),
        3 + metric_lines,
        "{label}: nothing else printed per span or per batch:\n{err}"
    );
}

#[test]
fn failing_exports_log_once_and_never_show_header_values() {
    let unavailable_grpc = Receiver::grpc_with(false, Behaviour::Unavailable(u32::MAX));
    let unavailable_http = Receiver::http_with(false, Behaviour::Unavailable(u32::MAX));
    let untrusted_grpc = Receiver::grpc(true);
    let untrusted_http = Receiver::http(true);
    let cases = [
        ("grpc, collector down", dead_endpoint(), "grpc"),
        ("http, collector down", dead_endpoint(), "http/protobuf"),
        (
            "grpc, unavailable",
            unavailable_grpc.endpoint.clone(),
            "grpc",
        ),
        (
            "http, unavailable",
            unavailable_http.endpoint.clone(),
            "http/protobuf",
        ),
        (
            "grpc, untrusted certificate",
            untrusted_grpc.endpoint.clone(),
            "grpc",
        ),
        (
            "http, untrusted certificate",
            untrusted_http.endpoint.clone(),
            "http/protobuf",
        ),
    ];
    for (label, endpoint, protocol) in cases {
        let err = run_child(&endpoint, protocol);
        check_stderr(&err, label);
    }
    // The collectors that answered saw the key (it is sent, only never shown);
    // the untrusted ones got nothing.
    let sent = unavailable_grpc.attempts();
    let key = sent[0]
        .headers
        .iter()
        .find(|(k, _)| k == "x-api-key")
        .map(|(_, v)| v.as_str());
    assert_eq!(key, Some("sk-live-0123456789abcdef"));
    assert!(unavailable_http.attempt_count() > 0);
    assert_eq!(
        untrusted_grpc.attempt_count() + untrusted_http.attempt_count(),
        0
    );
}
