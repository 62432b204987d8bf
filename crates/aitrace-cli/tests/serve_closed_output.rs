//! A server whose standard output and error are closed (the terminal or the
//! reader went away) keeps serving, and stops cleanly on SIGTERM.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Duration;
use support::{aitrace, wait_exit, TempDir, WAIT};

#[test]
fn closed_output_does_not_stop_the_server() {
    let dir = TempDir::new("closed-output");
    let mut child = aitrace()
        .args(["serve", "--grpc-port", "0", "--http-port", "0", "--db"])
        .arg(dir.db())
        .env_remove("AITRACE_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read the banner up to the first address, then close both pipes.
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut http = None;
    let mut line = String::new();
    while out.read_line(&mut line).unwrap() > 0 {
        if let Some(a) = line.trim_end().strip_prefix("  web view   http://") {
            http = a.trim_end_matches('/').parse::<std::net::SocketAddr>().ok();
            break;
        }
        line.clear();
    }
    drop(out);
    drop(child.stderr.take());
    let http = http.expect("the web address");
    std::thread::sleep(Duration::from_millis(200));
    assert!(child.try_wait().unwrap().is_none(), "still running");
    assert_eq!(support::http::get(http, "/", &[]).status, 200);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = wait_exit(&mut child, WAIT).expect("stops");
    assert!(status.success(), "{status:?}");
}
