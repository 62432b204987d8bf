//! A streamed call records its time to the first chunk once and the time
//! between chunks for every chunk after the first, with the call's attributes,
//! however long the stream; a call that is not streamed records neither.

use aitrace::instrumentation::with_instrumentation;
use aitrace::Usage;
use aitrace_sdk::metrics::InMemoryMetrics;
use aitrace_sdk::testing::install_in_memory;
use std::time::Duration;

const FIRST: &str = "gen_ai.client.operation.time_to_first_chunk";
const PER_CHUNK: &str = "gen_ai.client.operation.time_per_output_chunk";

#[test]
fn every_chunk_after_the_first_is_timed() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    with_instrumentation(metrics.instrumentation(), || {
        let mut call = aitrace::generation("anthropic", "claude-sonnet-4-5")
            .with_server("api.anthropic.com", 443)
            .streaming()
            .start();
        std::thread::sleep(Duration::from_millis(20));
        call.record_chunk();
        call.record_response_model("claude-sonnet-4-5-20250929");
        for _ in 0..4 {
            std::thread::sleep(Duration::from_millis(5));
            call.record_chunk();
        }
        call.record_usage(Usage::new(10, 5));
        call.end();
    });
    let m = metrics.collect();
    let series: Vec<_> = m.find(FIRST, &[]).collect();
    assert_eq!(series.len(), 1);
    let first = series[0];
    assert_eq!(first.count(), 1);
    assert!(
        first.total() >= 0.020,
        "time to first chunk {}",
        first.total()
    );
    // The attributes of the call, the model that answered included; no
    // gen_ai.token.type, no error.type.
    let keys: Vec<&str> = first.attributes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "gen_ai.response.model",
            "server.address",
            "server.port"
        ]
    );
    assert_eq!(first.attribute("server.port"), Some("443"));
    let gaps: Vec<_> = m.find(PER_CHUNK, &[]).collect();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].count(), 4, "one per chunk after the first");
    assert!(gaps[0].total() >= 0.020, "{}", gaps[0].total());
    assert_eq!(gaps[0].attributes, first.attributes);
}

#[test]
fn an_endless_stream_is_timed_to_the_last_chunk() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    // Far more chunks than a call holds before recording them.
    const CHUNKS: u64 = 2_000;
    with_instrumentation(metrics.instrumentation(), || {
        let mut call = aitrace::generation("openai", "gpt-4o").streaming().start();
        call.record_first_token();
        for _ in 1..CHUNKS {
            call.record_chunk();
        }
        // Dropped mid-stream (a cancelled request): still counted.
        drop(call);
    });
    let m = metrics.collect();
    assert_eq!(m.count(FIRST, &[]), 1);
    assert_eq!(m.count(PER_CHUNK, &[]), CHUNKS - 1);
    assert_eq!(m.count("gen_ai.client.operation.duration", &[]), 1);
}

#[test]
fn a_call_that_is_not_streamed_records_no_chunk_timing() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    with_instrumentation(metrics.instrumentation(), || {
        let mut call = aitrace::generation("openai", "gpt-4o").start();
        call.record_usage(Usage::new(10, 5));
        call.end();
    });
    let m = metrics.collect();
    assert_eq!(m.count("gen_ai.client.operation.duration", &[]), 1);
    assert_eq!(m.find(FIRST, &[]).count(), 0);
    assert_eq!(m.find(PER_CHUNK, &[]).count(), 0);
}
