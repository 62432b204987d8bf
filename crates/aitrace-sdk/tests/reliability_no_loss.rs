//! Nothing is lost on a clean shutdown: 100 000 spans recorded by four threads
//! against a live collector (rotel) arrive exactly once each.
//!
//! The batch queue holds all of them (`max_queue_size` = N): this test is about
//! shutdown delivering everything that was accepted, not about queue overflow
//! (`reliability_drop_accounting.rs` and `reliability_collector_down.rs` cover
//! drops), and a queue that cannot overflow makes "exactly N" a fixed target
//! however fast the machine is, where pacing the producers would depend on timing.
//!
//! Rotel writes a detailed debug log of every span; parsing 100 000 spans with the
//! full log parser is slow, so the log is scanned for `Span #` lines and span
//! `ID` lines only.

mod support;

use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use support::Rotel;

const THREADS: usize = 4;
const N: usize = 100_000;

/// Spans in the log and their distinct span ids.
fn scan(log: &str) -> (usize, HashSet<u64>) {
    let mut spans = 0;
    let mut ids = HashSet::with_capacity(N);
    for line in log.lines() {
        if line.starts_with("Span #") {
            spans += 1;
        } else if let Some(rest) = line.strip_prefix("    ID ") {
            let hex = rest.trim_start().trim_start_matches(':').trim();
            ids.insert(u64::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("span id {hex:?}")));
        }
    }
    (spans, ids)
}

#[test]
fn every_span_recorded_before_a_clean_shutdown_arrives_once() {
    let rotel = Rotel::start();
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(Protocol::Grpc)
        .with_endpoint(rotel.grpc_endpoint())
        .with_timeout(Duration::from_secs(10))
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(100),
            max_queue_size: N,
            max_export_batch_size: 2048,
            ..BatchConfig::default()
        })
        .build()
        .expect("pipeline builds");
    let tracer = guard.provider().unwrap().tracer("no-loss");
    let t0 = Instant::now();
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let tracer = tracer.clone();
            scope.spawn(move || {
                for i in 0..N / THREADS {
                    tracer.in_span(format!("n{t}-{i}"), |_| {});
                }
            });
        }
    });
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(60))
        .expect("a clean shutdown");
    let s = report.stats;
    assert_eq!(
        (s.recorded, s.exported, s.failed, s.dropped),
        (N as u64, N as u64, 0, 0),
        "{report:?}"
    );
    eprintln!("{N} spans recorded and exported in {:?}", t0.elapsed());

    // Wait until rotel has logged them all and its log stops growing.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut size, mut since) = (0, Instant::now());
    let (spans, ids) = loop {
        std::thread::sleep(Duration::from_millis(250));
        let len = std::fs::metadata(rotel.log_path())
            .map(|m| m.len())
            .unwrap_or(0);
        if len != size {
            (size, since) = (len, Instant::now());
        }
        let settled = since.elapsed() >= Duration::from_millis(750);
        if settled || Instant::now() >= deadline {
            let found = scan(&rotel.log());
            if found.0 >= N || Instant::now() >= deadline {
                break found;
            }
        }
    };
    assert_eq!(spans, N, "spans logged by the collector");
    assert_eq!(
        ids.len(),
        N,
        "distinct span ids: no duplicates, none missing"
    );
    eprintln!("the collector logged all {N} in {:?}", t0.elapsed());
}
