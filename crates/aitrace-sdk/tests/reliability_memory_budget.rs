//! Memory is bounded in bytes, not only in spans. A child process exports to a
//! blackhole collector (it takes the request and never answers, and the export
//! timeout is longer than the run) and records 1000 spans carrying 256 KB each:
//! 250 MB made, with the default queue of 2048 spans, which alone would hold
//! 500 MB. With a byte budget of 16 MiB (`AITRACE_MAX_QUEUE_BYTES`), the bytes
//! held never pass the budget, the rest is dropped and counted, and the peak
//! resident memory grows by at most the budget plus a baseline: the encoded
//! request in flight and its copy in the gRPC stack (at most two request
//! limits, 4 MiB each) and 16 MiB for the runtime, the allocator and the
//! payload being built. (Before, the same run grew past 800 MB.)

mod support;
use opentelemetry::trace::{Span as _, Tracer, TracerProvider};
use opentelemetry::KeyValue;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::receiver::{Behaviour, Receiver};

const CHILD_ENV: &str = "AITRACE_MEMORY_CHILD";
const BUDGET: u64 = 16 * 1024 * 1024;
const PAYLOAD: usize = 256 * 1024;
const SPANS: u64 = 1000;

/// `VmRSS` and `VmHWM` (the peak) of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[test]
fn child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let guard = aitrace_sdk::init().expect("init from the environment");
    let tracer = guard.provider().unwrap().tracer("memory");
    let (base, _) = memory_kib();
    let mut held_max = 0;
    for i in 0..SPANS {
        let mut span = tracer.start(format!("big {i}"));
        // A different payload each time, made here like an application's.
        let fill = char::from(b'a' + (i % 26) as u8);
        span.set_attribute(KeyValue::new("payload", fill.to_string().repeat(PAYLOAD)));
        span.end();
        held_max = held_max.max(guard.stats().queued_bytes);
    }
    let s = guard.stats();
    let (_, peak) = memory_kib();
    println!(
        "memory base_kib={base} peak_kib={peak} held_max={held_max} recorded={} dropped={} exported={}",
        s.recorded, s.dropped, s.exported
    );
    let _ = guard.shutdown_with_timeout(Duration::from_millis(500));
}

fn field(line: &str, name: &str) -> u64 {
    line.split_whitespace()
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {line}"))
}

#[cfg(target_os = "linux")]
#[test]
fn a_blackhole_collector_and_big_payloads_stay_within_the_byte_budget() {
    let rx = Receiver::grpc_with(false, Behaviour::Never);
    let exe = std::env::current_exe().expect("test binary path");
    let child = Command::new(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &rx.endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .env("OTEL_EXPORTER_OTLP_TIMEOUT", "120000")
        .env("OTEL_BSP_SCHEDULE_DELAY", "10")
        .env("AITRACE_MAX_QUEUE_BYTES", BUDGET.to_string())
        .env_remove("OTEL_BSP_MAX_QUEUE_SIZE")
        .env_remove("OTEL_TRACES_EXPORTER")
        .env_remove("OTEL_SDK_DISABLED")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    let done = support::child::finish(child, Duration::from_secs(120), "the child");
    let (out, err) = (done.stdout, done.stderr);
    // The harness may have started the line with the test's name.
    let line = out
        .lines()
        .find_map(|l| l.find("memory base_kib=").map(|at| &l[at..]))
        .unwrap_or_else(|| panic!("no report:\n{out}\n{err}"));
    eprintln!("{line}");
    let held_max = field(line, "held_max");
    assert!(held_max <= BUDGET, "{line}");
    assert!(held_max >= BUDGET / 2, "the budget was used: {line}");
    assert_eq!(field(line, "recorded"), SPANS, "{line}");
    assert_eq!(field(line, "exported"), 0, "{line}");
    let dropped = field(line, "dropped");
    assert!(dropped >= SPANS - BUDGET / PAYLOAD as u64 - 2, "{line}");
    let grown_kib = field(line, "peak_kib").saturating_sub(field(line, "base_kib"));
    let bound_kib = (BUDGET + 2 * 4 * 1024 * 1024 + 16 * 1024 * 1024) / 1024;
    assert!(
        grown_kib <= bound_kib,
        "peak memory grew by {grown_kib} KiB, over {bound_kib} KiB: {line}"
    );
    assert!(
        err.contains("export queue full"),
        "the first drop is said:\n{err}"
    );
}
