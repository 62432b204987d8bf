//! `aitrace tail` prints each trace as the console tree when its root span
//! arrives, and spans whose root does not come as a partial trace after a
//! grace period, following a running server's store.

mod support;

use prost::Message;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::http::post_traces;
use support::otlp::{request, small_trace, span};
use support::{aitrace, Server, TempDir};

#[test]
fn tail_prints_traces_as_they_arrive() {
    let dir = TempDir::new("tail");
    let server = Server::start(&dir, &[], &[]);
    let mut tail = aitrace()
        .args(["tail", "--color", "never", "--db"])
        .arg(&server.db)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel::<String>();
    let out = tail.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut err = BufReader::new(tail.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    assert!(first.starts_with("aitrace tail: following "), "{first}");

    let lines_until = |end: &str, within: Duration| -> Vec<String> {
        let deadline = Instant::now() + within;
        let mut got = Vec::new();
        while Instant::now() < deadline {
            if let Ok(l) = rx.recv_timeout(Duration::from_millis(100)) {
                let done = l.contains(end);
                got.push(l);
                if done {
                    return got;
                }
            }
        }
        panic!("no line with {end:?} within {within:?}; got {got:#?}");
    };

    let body = request("svc", small_trace(0x7a, "conv-tail", 0)).encode_to_vec();
    assert_eq!(
        post_traces(server.http, "application/x-protobuf", &[], &body).status,
        200
    );
    let lines = lines_until("critical path:", Duration::from_secs(10));
    let id = format!("{:032x}", 0x7a);
    assert!(lines.iter().all(|l| l.starts_with(&id)), "{lines:#?}");
    assert!(lines[0].ends_with(" trace: 4 spans"), "{lines:#?}");
    assert!(
        lines[1].ends_with(" invoke_workflow support  70.00 ms  ✓"),
        "{lines:#?}"
    );
    assert!(
        lines[3]
            .contains("├── chat gpt-4o  40.00 ms  ✓  gpt-4o · 800 in / 60 out tokens · $0.0026"),
        "{lines:#?}"
    );

    // A span whose root never comes: printed after the grace period, partial.
    let orphan = request(
        "svc",
        vec![span(
            0x7b,
            5,
            4,
            "orphan",
            support::otlp::now_ns(),
            1,
            vec![],
        )],
    );
    assert_eq!(
        post_traces(
            server.http,
            "application/x-protobuf",
            &[],
            &orphan.encode_to_vec()
        )
        .status,
        200
    );
    let lines = lines_until("(partial: root span not received)", Duration::from_secs(20));
    assert!(lines.last().unwrap().starts_with(&format!("{:032x}", 0x7b)));

    let _ = tail.kill();
    let _ = tail.wait();
    server.stop();
}
