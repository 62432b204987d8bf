//! Nothing secret or hostile reaches the terminal. A child process, set up from
//! the environment with an API key in a header, exports to:
//!
//! - an endpoint whose query string holds a key (`?api_key=…`), where nothing
//!   listens: the endpoint is printed without its query;
//! - a collector (gRPC, then HTTP) that refuses every request with a message
//!   repeating the request's headers, key included, wrapped in terminal escape
//!   sequences and line breaks.
//!
//! Everything the child prints on stderr (aitrace's messages, and the `Debug`
//! output and last failure it prints itself) is searched: no key, no query
//! secret, no control character in aitrace's lines, and the collector's text cut
//! short. (Before, the query was printed verbatim and the collector's text raw.)

mod support;
use aitrace_sdk::FailureKind;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::receiver::{dead_endpoint, Behaviour, Receiver, Refusal};

const CHILD_ENV: &str = "AITRACE_REDACTION_CHILD";
const KEY: &str = "sk-live-REDACTION-0123456789";
const QUERY_SECRET: &str = "QUERY-SECRET-987";

/// The child: init from the environment, spans until an export failed, then
/// print what a user would look at.
#[test]
fn child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let guard = aitrace_sdk::init().expect("init from the environment");
    eprintln!("child: guard {guard:?}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while guard.stats().failed == 0 && Instant::now() < deadline {
        aitrace::tool("lookup").start().end();
        std::thread::sleep(Duration::from_millis(20));
    }
    let failure = guard.last_failure().expect("an export failed");
    eprintln!("child: kind {:?}", failure.kind);
    eprintln!("child: last failure {failure}");
    drop(guard);
}

fn run_child(endpoint: &str, protocol: &str) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let child = Command::new(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", protocol)
        .env("OTEL_EXPORTER_OTLP_HEADERS", format!("x-api-key={KEY}"))
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "500")
        .env("OTEL_BSP_SCHEDULE_DELAY", "10")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_TRACES_EXPORTER")
        .env_remove("OTEL_SDK_DISABLED")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    support::child::finish(child, Duration::from_secs(60), "the child").stderr
}

fn check(err: &str, label: &str, kind: FailureKind) {
    for secret in [KEY, "0123456789", QUERY_SECRET] {
        assert!(!err.contains(secret), "{label}: {secret} shown:\n{err}");
    }
    assert!(
        err.contains(&format!("child: kind {kind:?}")),
        "{label}:\n{err}"
    );
    let ours: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("aitrace:") || l.starts_with("child: last failure"))
        .collect();
    assert!(ours.len() >= 2, "{label}:\n{err}");
    for line in ours {
        assert!(
            !line.chars().any(|c| c.is_control()),
            "{label}: a control character: {line:?}"
        );
        assert!(line.len() < 1200, "{label}: {} bytes: {line}", line.len());
    }
}

#[test]
fn endpoints_and_collector_text_are_printed_safe() {
    let dead = dead_endpoint();
    let with_query = format!("{dead}/v1/traces?api_key={QUERY_SECRET}");
    let err = run_child(&with_query, "http/protobuf");
    check(&err, "query", FailureKind::Refused);
    assert!(
        err.contains(&format!("{dead}/v1/traces?***")),
        "the endpoint is shown without its query:\n{err}"
    );

    let echo = Behaviour::Refuse {
        times: u32::MAX,
        refusal: Refusal::EchoHeaders,
    };
    let grpc = Receiver::grpc_with(false, echo);
    let err = run_child(&grpc.endpoint, "grpc");
    check(&err, "grpc echo", FailureKind::Status);
    assert!(err.contains("x-api-key: ***"), "{err}");
    let http = Receiver::http_with(false, echo);
    let err = run_child(&format!("{}/v1/traces", http.endpoint), "http/protobuf");
    check(&err, "http echo", FailureKind::Status);
    assert!(
        err.contains("HTTP status 400") && err.contains("x-api-key: ***"),
        "{err}"
    );
    // The collectors did get the key: it is sent, only never shown.
    let sent = grpc.attempts();
    assert!(sent[0]
        .headers
        .iter()
        .any(|(k, v)| k == "x-api-key" && v == KEY));
}
