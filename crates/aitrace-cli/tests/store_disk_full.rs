//! When the store cannot grow (a full disk, here a file size limit set with
//! prlimit), requests are refused with 503 and a clear message, the server
//! stays up, and every request it acknowledged before is stored; once there
//! is room again, requests are stored again.

mod support;

use prost::Message;
use std::process::{Command, Stdio};
use support::http::post_traces;
use support::otlp::{kv, now_ns, request, span, V};
use support::{query_json, Server, TempDir};

/// A request of one trace carrying about 60 KiB of attributes.
fn heavy(trace: u128) -> Vec<u8> {
    let t = now_ns();
    let spans = (1..=30u64)
        .map(|i| {
            span(
                trace,
                i,
                if i == 1 { 0 } else { 1 },
                "work",
                t,
                1,
                vec![kv("payload", V::O(format!("{i:0>2000}")))],
            )
        })
        .collect();
    request("svc", spans).encode_to_vec()
}

#[test]
fn a_full_disk_refuses_new_spans_and_keeps_acknowledged_ones() {
    let dir = TempDir::new("disk-full");
    // Create the store first, then run the server under a 1.5 MiB file size limit.
    let setup = Server::start(&dir, &[], &[]);
    setup.stop();
    let mut cmd = Command::new("prlimit");
    // Soft limit only, so that it can be lifted again without privileges.
    cmd.arg("--fsize=1572864:unlimited")
        .arg("--")
        .arg(env!("CARGO_BIN_EXE_aitrace"))
        .arg("serve")
        .arg("--db")
        .arg(dir.db())
        .args(["--grpc-port", "0", "--http-port", "0"])
        .env_remove("AITRACE_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let server = Server::spawn(cmd, dir.db()).expect("starts under the limit");

    let mut acknowledged = Vec::new();
    let mut refused = None;
    for i in 0..200u128 {
        let trace = 0xe000 + i;
        let r = post_traces(server.http, "application/x-protobuf", &[], &heavy(trace));
        match r.status {
            200 => acknowledged.push(format!("{trace:032x}")),
            503 => {
                refused = Some(r);
                break;
            }
            other => panic!("unexpected status {other}: {}", r.text()),
        }
    }
    let refused = refused.expect("the limit is reached within 200 requests");
    assert!(
        acknowledged.len() > 3,
        "some requests fit: {}",
        acknowledged.len()
    );
    assert_eq!(refused.header("retry-after"), Some("5"));
    let text = refused.text();
    assert!(
        text.contains(&format!("cannot write to {}", dir.db().display())),
        "{text}"
    );
    assert!(text.contains("free some space"), "{text}");
    // Still serving pages.
    assert_eq!(support::http::get(server.http, "/", &[]).status, 200);

    // Room again: the next request is stored.
    let pid = server.pid().to_string();
    let lifted = Command::new("prlimit")
        .args(["--pid", &pid, "--fsize=unlimited"])
        .status()
        .unwrap();
    assert!(lifted.success());
    let r = post_traces(server.http, "application/x-protobuf", &[], &heavy(0xefff));
    assert_eq!(r.status, 200, "{}", r.text());
    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("refused and not acknowledged"), "{stderr}");

    // Every acknowledged trace is in the store, whole.
    let again = Server::start(&dir, &[], &[]);
    let ids: Vec<&str> = acknowledged.iter().map(String::as_str).collect();
    let found = query_json(&again.db, &ids);
    assert_eq!(found.len(), acknowledged.len());
    assert!(found.iter().all(|t| t["span_count"] == 30));
    again.stop();
}
