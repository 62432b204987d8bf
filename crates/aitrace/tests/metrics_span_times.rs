//! The duration a recorded span gives its metrics is the exported span's own
//! end − start, exactly: a dashboard's latency and the trace of the same call
//! agree to the nanosecond, whether the span ends with `end()`, in error, by
//! being dropped, or was given its start time; through the global provider and
//! through the span pipeline an SDK installs. A streamed call's chunk timings
//! are measured from the same start: they fall within the span.

use aitrace::instrumentation::with_instrumentation;
use aitrace::opentelemetry::Value;
use aitrace::Usage;
use aitrace_sdk::config::SamplerConfig;
use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::metrics::InMemoryMetrics;
use aitrace_sdk::pipeline::{PipelineIds, SpanPipeline};
use aitrace_sdk::sampler::head_sampler;
use aitrace_sdk::testing::install_in_memory;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Some time for a span to last (not a timed assertion: the durations compared
/// are both read from the spans).
fn work() {
    std::thread::sleep(Duration::from_millis(2));
}

/// The exported span named `name`: its end − start in seconds.
fn span_seconds(spans: &[SpanData], name: &str) -> f64 {
    let found: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
    assert_eq!(found.len(), 1, "one span named {name}");
    let s = found[0];
    s.end_time
        .duration_since(s.start_time)
        .expect("ends after it starts")
        .as_secs_f64()
}

/// Calls of each kind, ended each way, under distinct names (`tag` keeps the
/// tests of this file apart in the shared exporter).
fn calls(tag: &str) {
    let mut ended = aitrace::generation("openai", format!("{tag}-ended")).start();
    ended.record_usage(Usage::new(10, 2));
    work();
    ended.end();

    let dropped = aitrace::generation("openai", format!("{tag}-dropped"))
        .streaming()
        .start();
    work();
    drop(dropped);

    let mut failed = aitrace::generation("openai", format!("{tag}-failed")).start();
    work();
    failed.record_error_type("timeout", "no answer in time");
    failed.end();

    let given = SystemTime::now() - Duration::from_millis(1500);
    let late = aitrace::generation("openai", format!("{tag}-given"))
        .with_start_time(given)
        .start();
    late.end();

    let mut streamed = aitrace::generation("openai", format!("{tag}-streamed"))
        .streaming()
        .start();
    work();
    streamed.record_chunk();
    work();
    streamed.record_chunk();
    streamed.end();

    let tool = aitrace::tool(format!("{tag}-tool")).start();
    work();
    tool.end();

    let agent = aitrace::agent(format!("{tag}-agent")).start();
    work();
    agent.end();
}

/// The metric durations of [`calls`] equal the span durations in `spans`.
fn assert_same_durations(metrics: &InMemoryMetrics, spans: &[SpanData], tag: &str) {
    let m = metrics.collect();
    for how in ["ended", "dropped", "failed", "given"] {
        let model = format!("{tag}-{how}");
        let series = [("gen_ai.request.model", model.as_str())];
        assert_eq!(
            m.count("gen_ai.client.operation.duration", &series),
            1,
            "{model}"
        );
        let recorded = m.sum("gen_ai.client.operation.duration", &series);
        let span = span_seconds(spans, &format!("chat {model}"));
        assert_eq!(recorded, span, "{model}: metric and span durations");
        assert!(recorded > 0.0, "{model}");
    }
    let given = [("gen_ai.request.model", &*format!("{tag}-given"))];
    assert!(m.sum("gen_ai.client.operation.duration", &given) >= 1.5);
    let failed = [
        ("gen_ai.request.model", &*format!("{tag}-failed")),
        ("error.type", "timeout"),
    ];
    assert_eq!(
        m.count("gen_ai.client.operation.duration", &failed),
        1,
        "the failed call's duration carries its error.type"
    );
    // The first chunk of a streamed call came after its span started and
    // before it ended: timed from the span's own start.
    let model = format!("{tag}-streamed");
    let series = [("gen_ai.request.model", model.as_str())];
    let first = m.sum("gen_ai.client.operation.time_to_first_chunk", &series);
    let span = spans
        .iter()
        .find(|s| s.name == format!("chat {model}"))
        .expect("the streamed call's span");
    let attribute = span
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "gen_ai.response.time_to_first_chunk")
        .map(|kv| kv.value.clone());
    assert_eq!(attribute, Some(Value::F64(first)), "metric and span agree");
    let whole = span_seconds(spans, &format!("chat {model}"));
    assert!(first > 0.0 && first < whole, "{first} within {whole}");
    assert_eq!(
        m.count("gen_ai.client.operation.time_per_output_chunk", &series),
        1
    );
    let gap = m.sum("gen_ai.client.operation.time_per_output_chunk", &series);
    assert!(
        gap > 0.0 && first + gap <= whole,
        "{first} + {gap} within {whole}"
    );
    let tool = format!("{tag}-tool");
    assert_eq!(
        m.sum("ai.tool.duration", &[("gen_ai.tool.name", &tool)]),
        span_seconds(spans, &format!("execute_tool {tool}"))
    );
    let agent = format!("{tag}-agent");
    assert_eq!(
        m.sum("ai.agent.duration", &[("gen_ai.agent.name", &agent)]),
        span_seconds(spans, &format!("invoke_agent {agent}"))
    );
}

#[test]
fn through_the_global_provider_a_metric_duration_is_its_span_duration() {
    let exporter = install_in_memory();
    let metrics = InMemoryMetrics::new();
    with_instrumentation(metrics.instrumentation(), || calls("global"));
    assert_same_durations(&metrics, &exporter.spans(), "global");
}

#[test]
fn through_the_span_pipeline_a_metric_duration_is_its_span_duration() {
    let exporter = InMemoryExporter::new();
    let sampler = head_sampler(SamplerConfig::AlwaysOn);
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler.clone())
        .with_id_generator(PipelineIds::default())
        .with_simple_exporter(exporter.clone())
        .build();
    let pipeline = Arc::new(SpanPipeline::for_head_sampler(&provider, sampler));
    let metrics = InMemoryMetrics::new();
    let instrumentation = metrics.instrumentation().with_pipeline(Some(pipeline));
    with_instrumentation(instrumentation, || calls("pipeline"));
    assert_same_durations(&metrics, &exporter.spans(), "pipeline");
}
