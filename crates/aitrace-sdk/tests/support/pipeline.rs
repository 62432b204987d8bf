//! Shared steps of the reliability tests: a pipeline built (not installed) for one
//! endpoint, and a bounded wait on its export counters.

use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::{Builder, StatsSnapshot, TracingGuard};
use std::time::{Duration, Instant};

/// Both transports.
pub const PROTOCOLS: [Protocol; 2] = [Protocol::Grpc, Protocol::HttpProtobuf];

/// An OTLP pipeline to `endpoint`, not installed globally.
pub fn pipeline(
    protocol: Protocol,
    endpoint: &str,
    timeout: Duration,
    batch: BatchConfig,
) -> TracingGuard {
    Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(endpoint)
        .with_timeout(timeout)
        .with_batch(batch)
        .build()
        .expect("pipeline builds")
}

/// Polls the counters until `done` holds or `timeout` passes; returns the last ones.
pub fn wait_stats(
    guard: &TracingGuard,
    timeout: Duration,
    done: impl Fn(&StatsSnapshot) -> bool,
) -> StatsSnapshot {
    let deadline = Instant::now() + timeout;
    loop {
        let s = guard.stats();
        if done(&s) || Instant::now() >= deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
