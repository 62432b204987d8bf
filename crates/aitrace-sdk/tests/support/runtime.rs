//! Shared steps of the runtime-situation tests: install a pipeline to an
//! in-process receiver, record a small agent run, check what arrived.

use super::receiver::Receiver;
use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::{Builder, ShutdownReport, TracingGuard};
use std::time::Duration;

/// Starts a receiver for `protocol` and installs a global pipeline exporting to it.
pub fn install(protocol: Protocol) -> (Receiver, TracingGuard) {
    let receiver = Receiver::grpc_or_http(protocol, false);
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(receiver.endpoint.clone())
        .with_timeout(Duration::from_secs(5))
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(50),
            ..BatchConfig::default()
        })
        .install()
        .expect("pipeline installs");
    (receiver, guard)
}

/// Records a workflow with an agent and a tool: three spans.
pub fn record_run(tag: &'static str) {
    let run = aitrace::trace(tag).start();
    run.in_scope(|| {
        let agent = aitrace::agent("a").start();
        agent.in_scope(|| aitrace::tool("t").start().end());
        agent.end();
    });
    run.end();
}

/// Checks that the three spans of `record_run(run)` were delivered; `label` names the case.
pub fn check(
    receiver: &Receiver,
    report: Result<ShutdownReport, aitrace_sdk::ShutdownError>,
    run: &str,
    label: &str,
) {
    let tag = label;
    let report = report.unwrap_or_else(|e| panic!("{tag}: {e}"));
    assert_eq!(report.stats.exported, 3, "{tag}: {report:?}");
    let spans = receiver.wait_for_spans(3, Duration::from_secs(5));
    let names: Vec<String> = spans.iter().map(|s| s.name.clone()).collect();
    assert!(
        names.contains(&format!("invoke_workflow {run}")),
        "{tag}: {names:?}"
    );
    assert_eq!(spans.len(), 3, "{tag}: {names:?}");
}

/// Both transports.
pub const PROTOCOLS: [Protocol; 2] = [Protocol::Grpc, Protocol::HttpProtobuf];
