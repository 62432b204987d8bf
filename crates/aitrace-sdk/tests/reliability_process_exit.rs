//! What leaving the process without shutting the guard down loses, and the
//! pattern that loses nothing, as `TracingGuard`'s documentation and
//! `docs/reliability.md` say: a child process records 2000 spans (queued: one
//! batch, due after the 5 s batch delay) and leaves by `std::process::exit` or after
//! `std::mem::forget(guard)`: the collector gets none of them, and nothing is
//! printed. Calling `shutdown()` (or `flush()`) before `process::exit` delivers
//! every one.

mod support;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::receiver::Receiver;

const CHILD_ENV: &str = "AITRACE_EXIT_CHILD";
const SPANS: usize = 2000;

/// The child: `AITRACE_EXIT_CHILD` says how it leaves.
#[test]
fn child() {
    let Ok(how) = std::env::var(CHILD_ENV) else {
        return;
    };
    let guard = aitrace_sdk::init().expect("init from the environment");
    let root = aitrace::trace("exit").new_root().start();
    root.in_scope(|| {
        for i in 0..SPANS - 1 {
            aitrace::tool(format!("tool {i}")).start().end();
        }
    });
    root.end();
    match how.as_str() {
        "exit" => std::process::exit(0),
        "forget" => {
            std::mem::forget(guard);
        }
        "shutdown-then-exit" => {
            let report = guard.shutdown().expect("delivered");
            assert_eq!(report.stats.exported, SPANS as u64);
            std::process::exit(0);
        }
        "flush-then-exit" => {
            let report = guard.flush().expect("delivered");
            assert_eq!(report.stats.exported, SPANS as u64);
            std::process::exit(0);
        }
        other => panic!("unknown way out {other}"),
    }
}

/// Runs the child leaving `how`; returns its stderr.
fn run_child(endpoint: &str, how: &str) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let child = Command::new(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, how)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        // One batch for everything, sent after the 5 s delay: nothing leaves
        // before the child does, unless it shuts down or flushes.
        .env("OTEL_BSP_MAX_QUEUE_SIZE", "4096")
        .env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096")
        .env_remove("OTEL_TRACES_EXPORTER")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("OTEL_BSP_SCHEDULE_DELAY")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    support::child::finish(
        child,
        Duration::from_secs(60),
        &format!("the child ({how})"),
    )
    .stderr
}

#[test]
fn leaving_without_shutdown_loses_the_queue_and_the_pattern_loses_nothing() {
    for how in ["exit", "forget"] {
        let rx = Receiver::grpc(false);
        let err = run_child(&rx.endpoint, how);
        // Nothing was exported yet (the batch delay is 5 s), and nothing says so.
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(rx.spans().len(), 0, "{how}");
        assert!(!err.contains("aitrace:"), "{how}: {err}");
    }
    for how in ["shutdown-then-exit", "flush-then-exit"] {
        let rx = Receiver::grpc(false);
        run_child(&rx.endpoint, how);
        let spans = rx.wait_for_spans(SPANS, Duration::from_secs(5));
        assert_eq!(spans.len(), SPANS, "{how}: every span arrived");
    }
}
