//! With no endpoint, `init()` prints the trace tree and, at shutdown, after the
//! last trace, a summary of the run's metrics: model calls by provider and model
//! (calls, errors, tokens, cost), tools, agents and guardrails. With
//! `OTEL_METRICS_EXPORTER=none` there is no summary.

use std::process::Command;

const CHILD_ENV: &str = "AITRACE_METRICS_SUMMARY_CHILD";

/// The child: a small agent run under `init()`, with the console exporter.
#[test]
fn child() {
    if std::env::var(CHILD_ENV).is_err() {
        return;
    }
    let guard = aitrace_sdk::init().expect("init from the environment");
    let run = aitrace::agent("triage").start();
    run.in_scope(|| {
        for _ in 0..2 {
            let mut call = aitrace::generation("openai", "gpt-4o").start();
            call.record_usage(aitrace::Usage::new(1000, 200));
            call.end();
        }
        let tool = aitrace::tool("lookup_order").start();
        tool.end_with_error(&std::io::Error::other("timed out"));
        let check = aitrace::guardrail("pii_check").start();
        check.trip("an email address");
        check.end();
    });
    run.end();
    guard.shutdown().expect("printed");
}

/// Runs the child with `env`; returns its standard output.
fn run_child(env: &[(&str, &str)]) -> String {
    let exe = std::env::current_exe().expect("test binary path");
    let mut cmd = Command::new(exe);
    cmd.args(["child", "--exact", "--nocapture", "--test-threads=1"]);
    for (k, _) in std::env::vars() {
        if k.starts_with("OTEL_") || k.starts_with("AITRACE_") {
            cmd.env_remove(k);
        }
    }
    cmd.env(CHILD_ENV, "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("child runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn the_console_shows_the_runs_metrics_after_the_last_trace() {
    let out = run_child(&[]);
    let at = out
        .find("metrics of this run")
        .unwrap_or_else(|| panic!("no summary in:\n{out}"));
    assert!(
        out[..at].contains("summary of trace"),
        "after the trace: {out}"
    );
    let summary: Vec<&str> = out[at..].lines().map(str::trim_end).collect();
    let row = |first: &str| {
        summary
            .iter()
            .find(|l| l.trim_start().starts_with(first))
            .unwrap_or_else(|| panic!("no {first} row in {summary:#?}"))
            .split_whitespace()
            .collect::<Vec<_>>()
    };
    // provider, model, calls, errors, input, output, cost, p50, p95
    let price = aitrace::PriceTable::bundled()
        .cost("gpt-4o", &aitrace::Usage::new(2000, 400))
        .unwrap()
        .total_usd();
    let model = row("openai gpt-4o");
    assert_eq!(&model[2..6], ["2", "0", "2000", "400"], "{model:?}");
    assert_eq!(model[6], format!("{price:.6}"));
    // name, calls, errors
    assert_eq!(&row("lookup_order")[1..3], ["1", "1"]);
    assert_eq!(&row("triage")[1..3], ["1", "0"]);
    // name, checks, tripped
    assert_eq!(&row("pii_check")[1..3], ["1", "1"]);

    let out = run_child(&[("OTEL_METRICS_EXPORTER", "none")]);
    assert!(out.contains("summary of trace"), "{out}");
    assert!(!out.contains("metrics of this run"), "{out}");
}
