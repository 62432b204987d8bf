//! SIGTERM while senders are exporting: the server exits cleanly, and every
//! request it acknowledged is in the store, whole. A request it did not answer
//! is the sender's to send again (as OTLP exporters do); none is half stored.

mod support;

use prost::Message;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::http::try_request;
use support::otlp::{kv, now_ns, request, span, V};
use support::{query_json, Server, TempDir};

const SENDERS: u128 = 4;
/// Spans per request: one trace each, a root and its children.
const SPANS: u64 = 40;
/// Acknowledged requests before the signal: enough that requests are in flight.
const BEFORE_SIGNAL: usize = 40;

/// The trace of request `n` of sender `sender`.
fn trace_id(sender: u128, n: u128) -> u128 {
    (0x51a7_u128 << 112) | (sender << 64) | n
}

fn body(trace: u128) -> Vec<u8> {
    let t = now_ns();
    let pad = "x".repeat(2048);
    let spans = (1..=SPANS)
        .map(|id| {
            let parent = if id == 1 { 0 } else { 1 };
            let attrs = vec![kv("pad", V::O(pad.clone()))];
            span(trace, id, parent, &format!("step {id}"), t + id, 1, attrs)
        })
        .collect();
    request("sigterm-svc", spans).encode_to_vec()
}

#[test]
fn a_sigterm_loses_no_acknowledged_request() {
    let dir = TempDir::new("sigterm");
    let server = Server::start(&dir, &[], &[]);
    let addr = server.http;
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Vec::new()));
    let unanswered = Arc::new(AtomicUsize::new(0));
    let senders: Vec<_> = (0..SENDERS)
        .map(|sender| {
            let (stop, acked, unanswered) = (stop.clone(), acked.clone(), unanswered.clone());
            std::thread::spawn(move || {
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let trace = trace_id(sender, n);
                    let headers = [("Content-Type", "application/x-protobuf")];
                    match try_request(addr, "POST", "/v1/traces", &headers, &body(trace)) {
                        Some(r) if r.status == 200 => acked.lock().unwrap().push(trace),
                        // Refused or cut off while stopping (a 503 or no answer):
                        // a sender would send it again.
                        _ => {
                            unanswered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < BEFORE_SIGNAL {
        assert!(Instant::now() < deadline, "the server never acknowledged");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (status, stderr) = server.stop();
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.join().expect("sender");
    }
    assert!(status.success(), "exit {status:?}: {stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");

    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= BEFORE_SIGNAL, "{}", acked.len());
    let ids: Vec<String> = acked.iter().map(|t| format!("{t:032x}")).collect();
    let mut stored = 0;
    for chunk in ids.chunks(100) {
        let args: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for trace in query_json(&dir.db(), &args) {
            assert_eq!(trace["span_count"], SPANS, "{}", trace["trace_id"]);
            stored += 1;
        }
    }
    assert_eq!(
        stored,
        acked.len(),
        "every acknowledged request is stored ({} were not answered)",
        unanswered.load(Ordering::Relaxed)
    );
}
