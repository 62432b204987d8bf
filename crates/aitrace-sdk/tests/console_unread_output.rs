//! The console exporter (the default with no endpoint) never makes the
//! application wait for its output. A child process set up with `init()` prints
//! to a stdout pipe that the parent holds open and never reads: it records
//! 3000 traces, each rendered as a tree, far more than the pipe and the
//! exporter's buffer hold, and finishes; its shutdown says output was not
//! written, within its timeout. (Before, the first `end()` after the pipe filled
//! blocked until someone read it: for ever, here.)

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "AITRACE_CONSOLE_CHILD";

#[test]
fn child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let guard = aitrace_sdk::init().expect("init from the environment");
    let t0 = Instant::now();
    for i in 0..3000 {
        let run = aitrace::trace("unread").new_root().start();
        run.in_scope(|| aitrace::tool(format!("tool {i}")).start().end());
        run.end();
    }
    eprintln!("child: recorded in {} ms", t0.elapsed().as_millis());
    let t0 = Instant::now();
    let result = guard.shutdown();
    eprintln!("child: shutdown in {} ms", t0.elapsed().as_millis());
    match result {
        Ok(_) => eprintln!("child: shutdown clean"),
        Err(e) => eprintln!("child: {e}"),
    }
    // Leave now: the test harness would print its result on the full stdout.
    std::process::exit(0);
}

#[test]
fn a_stdout_nobody_reads_never_blocks_the_application() {
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args(["child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, "1")
        .env("NO_COLOR", "1")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .env_remove("OTEL_ENDPOINT")
        .env_remove("OTEL_TRACES_EXPORTER")
        .env_remove("OTEL_SDK_DISABLED")
        .env_remove("AITRACE_SHUTDOWN_TIMEOUT")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child starts");
    // Held open, never read.
    let stdout = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut err, &mut s).ok();
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let finished = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdout);
    let err = err.join().unwrap();
    let status = finished.unwrap_or_else(|| panic!("the child was blocked on its output:\n{err}"));
    assert!(status.success(), "child failed ({status}):\n{err}");
    assert!(err.contains("child: recorded in"), "{err}");
    let shutdown = err
        .lines()
        .find(|l| l.starts_with("child: tracing shut down") || l == &"child: shutdown clean")
        .unwrap_or_else(|| panic!("no shutdown line:\n{err}"));
    assert!(
        shutdown.contains("not written by the deadline: the output is not being read"),
        "{shutdown}"
    );
}
