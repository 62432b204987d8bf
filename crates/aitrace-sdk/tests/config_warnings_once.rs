//! `init()` with values that used to stop it: the application starts, and each
//! problem is printed on stderr exactly once, even though the span API reads
//! `OTEL_SDK_DISABLED` and the `AITRACE_*` settings on its own before `init()`, and
//! a second pipeline is built from the same environment afterwards.
//!
//! The check runs this test binary again as a child process (the test `child`,
//! which does nothing unless `AITRACE_WARNINGS_CHILD` is set), with the values in
//! its real environment; the parent reads what the child wrote.

use std::process::Command;

const CHILD_ENV: &str = "AITRACE_WARNINGS_CHILD";

/// What the child's environment holds, and the warning each must produce (by
/// variable), or none.
const ENV: &[(&str, &str, bool)] = &[
    ("OTEL_SDK_DISABLED", "1", true),
    ("OTEL_PROPAGATORS", "tracecontext,baggage,xray", true),
    ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli", true),
    ("OTEL_TRACES_SAMPLER", "traceidratio", false),
    ("OTEL_TRACES_SAMPLER_ARG", "half", true),
    ("AITRACE_CAPTURE_CONTENT", "yes", true),
    (
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
        "SPAN_ONLY",
        false,
    ),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", false),
    ("OTEL_TRACES_EXPORTER", "none", false),
];

/// The child: spans before `init()` (the span API reads the variables lazily and
/// warns), `init()`, a span, a second pipeline from the environment, shutdown.
#[test]
fn child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let early = aitrace::trace("before init").start();
    assert!(aitrace::is_enabled(), "OTEL_SDK_DISABLED=1 is not true");
    early.end();
    let guard = aitrace_sdk::init().expect("starts despite the invalid values");
    aitrace::trace("after init").start().end();
    let again = aitrace_sdk::Builder::from_env().build().expect("starts");
    assert_eq!(again.config_warnings(), guard.config_warnings());
    eprintln!("child: {} warnings kept", guard.config_warnings().len());
    let _ = again.shutdown();
    let _ = guard.shutdown();
    eprintln!("child: done");
}

#[test]
fn each_warning_is_printed_once() {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new(exe);
    cmd.args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1");
    // Nothing else from the parent's environment may add warnings.
    for (k, _) in std::env::vars() {
        if k.starts_with("OTEL_") || k.starts_with("AITRACE_") {
            cmd.env_remove(k);
        }
    }
    for (k, v, _) in ENV {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "child failed:\n{stderr}");
    assert!(stderr.contains("child: done"), "{stderr}");
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("aitrace: invalid value"))
        .collect();
    let expected: Vec<&str> = ENV.iter().filter(|e| e.2).map(|e| e.0).collect();
    for var in &expected {
        let lines: Vec<&&str> = warnings
            .iter()
            .filter(|l| l.contains(&format!(" for {var}:")))
            .collect();
        assert_eq!(lines.len(), 1, "{var}: {lines:#?}\n{stderr}");
    }
    assert_eq!(warnings.len(), expected.len(), "{warnings:#?}");
    assert!(
        stderr.contains(&format!("child: {} warnings kept", expected.len())),
        "{stderr}"
    );
    // Each names the value and what is accepted.
    for (var, value, warn) in ENV {
        if *warn {
            let line = warnings.iter().find(|l| l.contains(var)).unwrap();
            let shown = if *var == "OTEL_PROPAGATORS" {
                "xray"
            } else {
                value
            };
            assert!(
                line.contains(&format!("{shown:?}")) && line.contains("expected"),
                "{line}"
            );
        }
    }
}
