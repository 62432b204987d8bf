//! The OTLP exporter sends one batch while the next is encoded: its `export`
//! returns once the batch is handed to its runtime. A flush of the provider, and
//! the provider's shutdown, still end only once that send is settled, and the
//! batches arrive one after the other, in order.
//!
//! The collector answers each request 400 ms late: a flush or shutdown that did
//! not wait for the send would return with nothing counted as exported (spans are
//! counted when the collector has answered).

mod support;
use support::pipeline::{pipeline, PROTOCOLS};

use aitrace_sdk::config::{BatchConfig, OtlpConfig, Protocol};
use aitrace_sdk::otlp::OtlpExporter;
use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use std::time::Duration;
use support::receiver::{Behaviour, Receiver};

const LATE: Duration = Duration::from_millis(400);
const SPANS: usize = 10;
const BATCH: usize = 4;

fn late_receiver(protocol: Protocol) -> Receiver {
    match protocol {
        Protocol::Grpc => Receiver::grpc_with(false, Behaviour::Delay(LATE)),
        Protocol::HttpProtobuf | Protocol::HttpJson => {
            Receiver::http_with(false, Behaviour::Delay(LATE))
        }
    }
}

/// Span names in the order the receiver got them.
fn names(receiver: &Receiver) -> Vec<String> {
    receiver.spans().into_iter().map(|s| s.name).collect()
}

fn expected() -> Vec<String> {
    (0..SPANS).map(|i| format!("span {i}")).collect()
}

/// Ten spans in batches of four (three exports), then the SDK provider's own
/// `force_flush` (not the guard's): when it returns, every span has been
/// answered for and counted as exported, and they arrived in the order they
/// ended.
#[test]
fn provider_flush_returns_once_the_last_batch_is_answered() {
    for protocol in PROTOCOLS {
        let receiver = late_receiver(protocol);
        let guard = pipeline(
            protocol,
            &receiver.endpoint,
            Duration::from_secs(10),
            BatchConfig {
                max_export_batch_size: BATCH,
                ..BatchConfig::default()
            },
        );
        let provider = guard.provider().expect("a provider").clone();
        let tracer = provider.tracer("flush");
        for i in 0..SPANS {
            tracer.in_span(format!("span {i}"), |_| {});
        }
        provider.force_flush().expect("the flush succeeds");
        let stats = guard.stats();
        assert_eq!(
            (stats.recorded, stats.exported, stats.failed, stats.dropped),
            (SPANS as u64, SPANS as u64, 0, 0),
            "{protocol:?}: everything answered for when the flush returns: {stats:?}"
        );
        assert_eq!(names(&receiver), expected(), "{protocol:?}: in order");
        guard
            .shutdown_with_timeout(Duration::from_secs(10))
            .expect("nothing lost");
    }
}

/// `OtlpExporter` in a provider set up by hand (the SDK's batch processor, no
/// aitrace guard): the provider's shutdown delivers the batch still being sent
/// before the exporter, and its runtime, are dropped.
#[test]
fn hand_built_provider_shutdown_waits_for_the_send() {
    for protocol in PROTOCOLS {
        let receiver = late_receiver(protocol);
        let exporter = OtlpExporter::from_config(&OtlpConfig {
            endpoint: Some(receiver.endpoint.clone()),
            protocol,
            ..OtlpConfig::default()
        })
        .expect("the exporter builds");
        let stats = exporter.stats();
        let processor = BatchSpanProcessor::builder(exporter)
            .with_batch_config(
                BatchConfigBuilder::default()
                    .with_max_export_batch_size(BATCH)
                    .build(),
            )
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build();
        let tracer = provider.tracer("shutdown");
        for i in 0..SPANS {
            tracer.in_span(format!("span {i}"), |_| {});
        }
        provider.shutdown().expect("the provider shuts down");
        drop(provider);
        let s = stats.snapshot();
        assert_eq!(
            (s.exported, s.failed),
            (SPANS as u64, 0),
            "{protocol:?}: the last batch was sent before shutdown returned: {s:?}"
        );
        assert_eq!(names(&receiver), expected(), "{protocol:?}: in order");
    }
}
