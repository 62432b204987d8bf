//! Metrics to a collector that is down: recording never waits for it, shutdown
//! returns by its deadline, and the report and its message say how many metric
//! data points were not delivered and why.

mod support;
use aitrace::Usage;
use aitrace_sdk::config::{ExporterKind, Protocol};
use aitrace_sdk::Builder;
use std::time::{Duration, Instant};
use support::receiver::dead_endpoint;

#[test]
fn a_dead_collector_blocks_nothing_and_the_report_counts_the_lost_points() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let guard = Builder::new()
            .with_exporters(vec![ExporterKind::Otlp])
            .with_protocol(protocol)
            .with_endpoint(dead_endpoint())
            .with_timeout(Duration::from_millis(300))
            // Exports every 50 ms while the application records.
            .with_metric_export_interval(Duration::from_millis(50))
            .install()
            .expect("pipeline installs");
        let t0 = Instant::now();
        for _ in 0..200 {
            let mut call = aitrace::generation("openai", "gpt-4o").start();
            call.record_usage(Usage::new(10, 2));
            call.end();
        }
        std::thread::sleep(Duration::from_millis(120));
        // A hang guard, not a performance figure: recording never waits for
        // an export.
        assert!(t0.elapsed() < Duration::from_secs(20), "{protocol:?}");
        let t0 = Instant::now();
        let err = guard
            .shutdown_with_timeout(Duration::from_secs(2))
            .expect_err("nothing was delivered");
        assert!(
            t0.elapsed() < Duration::from_secs(20),
            "{protocol:?}: shutdown is bounded: {:?}",
            t0.elapsed()
        );
        let m = err.report.metrics.as_ref().expect("metrics went over OTLP");
        assert_eq!(m.stats.exported, 0, "{protocol:?}: {m:?}");
        assert!(m.lost() > 0, "{protocol:?}: {m:?}");
        let message = err.to_string();
        assert!(
            message.contains(&format!(
                "metrics: 0 data points exported, {} not delivered",
                m.lost()
            )),
            "{protocol:?}: {message}"
        );
        assert!(m.last_failure.is_some(), "{protocol:?}: {m:?}");
    }
}
