//! While another process holds the store's write lock, requests are refused
//! with 503 (retryable) and a message saying the file is locked, and nothing
//! of them is stored; once the lock is released the same request is stored.

mod support;

use prost::Message;
use support::http::post_traces;
use support::otlp::{request, small_trace};
use support::{query_json, Server, TempDir};

#[test]
fn a_locked_store_refuses_then_recovers() {
    let dir = TempDir::new("locked");
    let server = Server::start(&dir, &[], &[]);
    let body = request("svc", small_trace(0xd0, "conv-locked", 0)).encode_to_vec();

    let holder = rusqlite::Connection::open(&server.db).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // The server waits for the lock (5 s), then gives up on this request.
    let r = post_traces(server.http, "application/x-protobuf", &[], &body);
    assert_eq!(r.status, 503, "{}", r.text());
    assert_eq!(r.header("retry-after"), Some("5"));
    assert!(
        r.text().contains("is locked by another process"),
        "{}",
        r.text()
    );
    holder.execute_batch("ROLLBACK").unwrap();
    drop(holder);
    assert!(
        query_json(&server.db, &[]).is_empty(),
        "a refused request left nothing behind"
    );

    let r = post_traces(server.http, "application/x-protobuf", &[], &body);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(query_json(&server.db, &[]).len(), 1);
    let (status, stderr) = server.stop();
    assert!(status.success());
    assert!(
        stderr.contains("is locked by another process"),
        "logged: {stderr}"
    );
}
