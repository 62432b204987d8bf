//! A hook or a redactor that panics is reported once per hook (or redactor), with
//! none of the standard panic output, whatever `RUST_BACKTRACE` says: 2,000 spans
//! with a panicking hook and a panicking redactor print two lines on stderr.
//!
//! The spans run in a child process (this test binary, re-run with an argument),
//! so that its stderr can be read whole.

use aitrace::content::{redaction_failures, Redactor};
use aitrace::hooks::{add_trace_processor, hook_failures, HookError, SpanInfo, TraceProcessor};
use aitrace::Settings;
use std::process::Command;
use std::sync::Arc;

const CHILD: &str = "AITRACE_TEST_HOOKS_PANIC_CHILD";
const SPANS: u64 = 2_000;

struct Panics;
impl TraceProcessor for Panics {
    fn on_span_end(&self, _: &SpanInfo) -> Result<(), HookError> {
        panic!("the hook has a bug");
    }
}

fn child() {
    let _exporter = aitrace_sdk::testing::install_in_memory();
    aitrace::set_global_settings(
        Settings::default()
            .with_capture_content(true)
            .with_redactor(Redactor::new(|_, _| panic!("the redactor has a bug"))),
    );
    add_trace_processor(Arc::new(Panics));
    for _ in 0..SPANS {
        let tool = aitrace::tool("t").start();
        tool.record_arguments(&"secret");
        tool.end();
    }
    assert_eq!(hook_failures(), SPANS);
    assert_eq!(redaction_failures(), SPANS);
    println!("child done");
}

#[test]
fn panicking_hooks_and_redactors_are_reported_once_and_quietly() {
    if std::env::var_os(CHILD).is_some() {
        return child();
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "panicking_hooks_and_redactors_are_reported_once_and_quietly",
            "--nocapture",
        ])
        .env(CHILD, "1")
        .env("RUST_BACKTRACE", "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("child done"), "{stdout}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("a trace processor failed") && l.contains("the hook has a bug")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("a redactor panicked") && l.contains("the redactor has a bug")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
}
