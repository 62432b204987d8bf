//! Retention: traces older than --max-age are deleted, and the oldest traces
//! while the store is larger than --max-size, the newest kept; the file gives
//! the space back.

mod support;

use prost::Message;
use support::http::post_traces;
use support::otlp::{kv, now_ns, request, small_trace, span, V};
use support::{query_json, wait_until, Server, TempDir};

const DAY_NS: u64 = 86_400 * 1_000_000_000;

fn post(server: &Server, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[],
        &request("svc", spans).encode_to_vec(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

fn ids(db: &std::path::Path) -> Vec<String> {
    query_json(db, &["--limit", "1000"])
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn traces_older_than_the_maximum_age_are_deleted() {
    let dir = TempDir::new("retention-age");
    let server = Server::start(&dir, &["--max-age", "none"], &[]);
    post(&server, small_trace(0x01, "old", 40 * DAY_NS));
    post(&server, small_trace(0x02, "recent", DAY_NS));
    assert_eq!(ids(&server.db).len(), 2);
    server.stop();

    // Retention runs at start-up, then every minute.
    let server = Server::start(&dir, &["--max-age", "30d"], &[]);
    assert!(
        wait_until(|| ids(&server.db) == [format!("{:032x}", 0x02)]),
        "{:?}",
        ids(&server.db)
    );
    let (_, stderr) = server.stop();
    assert!(
        stderr.contains("retention deleted 1 trace (1 for age, 0 for size)"),
        "{stderr}"
    );
}

#[test]
fn the_oldest_traces_go_when_the_store_is_too_large() {
    let dir = TempDir::new("retention-size");
    let server = Server::start(&dir, &["--max-size", "none"], &[]);
    let t = now_ns();
    // 40 traces of about 64 KiB, one minute apart, oldest first.
    for i in 0..40u64 {
        let trace = 0x100 + u128::from(i);
        let start = t - (40 - i) * 60_000_000_000;
        let spans = (1..=32u64)
            .map(|s| {
                let parent = if s == 1 { 0 } else { 1 };
                span(
                    trace,
                    s,
                    parent,
                    "work",
                    start,
                    1,
                    vec![kv("payload", V::O("x".repeat(2000)))],
                )
            })
            .collect();
        post(&server, spans);
    }
    server.stop();
    let before = std::fs::metadata(dir.db()).unwrap().len();
    assert!(before > 2_500_000, "{before}");

    let server = Server::start(&dir, &["--max-size", "1MB"], &[]);
    assert!(wait_until(|| ids(&server.db).len() < 40));
    let kept = ids(&server.db);
    let (_, stderr) = server.stop();
    assert!(stderr.contains(" for size); the store holds "), "{stderr}");
    // The newest are kept, the oldest gone.
    assert!(!kept.is_empty() && kept.len() < 20, "{}", kept.len());
    assert_eq!(kept[0], format!("{:032x}", 0x100 + 39));
    assert!(!kept.contains(&format!("{:032x}", 0x100)));
    let after = std::fs::metadata(dir.db()).unwrap().len();
    assert!(
        after < 1_300_000,
        "the file shrank from {before} to {after}"
    );
}
