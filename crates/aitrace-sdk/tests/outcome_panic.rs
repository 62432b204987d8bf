//! A span whose guard is dropped because its code panicked ends in error: status
//! Error, an `exception` event with the panic's message, `error.type` `panic`. The
//! console shows ✗, and the error keep rule keeps the trace the head sampler
//! dropped. This holds under `catch_unwind` and in spawned tasks, whether the
//! guard unwinds with the panic or the executor drops it afterwards.

mod support;
use aitrace_sdk::config::SamplerConfig;
use aitrace_sdk::exporter::{ConsoleExporter, InMemoryExporter};
use aitrace_sdk::keep_rules::KeepRules;
use aitrace_sdk::opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData};
use aitrace_sdk::testing::{attr_str, by_name};
use opentelemetry::trace::Status;
use support::console::SharedBuf;

fn assert_panicked(span: &SpanData, message: &str) {
    let Status::Error { description } = &span.status else {
        panic!("{} ended with status {:?}", span.name, span.status);
    };
    assert!(description.starts_with(message), "{description}");
    assert_eq!(attr_str(span, "error.type"), Some("panic"));
    let event = span
        .events
        .iter()
        .find(|e| e.name == "exception")
        .expect("an exception event");
    let text = event
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "exception.message")
        .map(|kv| kv.value.to_string())
        .unwrap_or_default();
    assert!(text.starts_with(message), "{text}");
    assert_eq!(attr_str(span, "ai.incomplete"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panicking_code_ends_its_span_in_error_and_the_trace_is_kept() {
    let memory = InMemoryExporter::default();
    let console = SharedBuf::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_sampler(SamplerConfig::AlwaysOff)
        .with_keep_rules(KeepRules {
            errors: true,
            ..KeepRules::default()
        })
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .with_span_processor(SimpleSpanProcessor::new(ConsoleExporter::with_writer(
            console.clone(),
        )))
        .install()
        .expect("pipeline installs");

    let run = aitrace::trace("explosions").start();
    let trace_id = run.trace_id();
    // 1. Under catch_unwind: the guard unwinds with the panic.
    let caught = run.in_scope(|| {
        std::panic::catch_unwind(|| {
            let _tool = aitrace::tool("explode").start();
            panic!("the tool exploded");
        })
    });
    assert!(caught.is_err());
    // 2. In a spawned task, the guard on the task's stack.
    let task = tokio::spawn(run.in_scope(|| {
        aitrace::in_current_span(async {
            let _tool = aitrace::tool("explode_in_task").start();
            panic!("the task exploded");
        })
    }));
    assert!(task.await.unwrap_err().is_panic());
    // 3. In a spawned task, the guard held across an await: the executor drops
    // it after catching the panic, but the span was current when it began.
    let task = tokio::spawn(run.in_scope(|| {
        aitrace::in_current_span(async {
            let tool = aitrace::tool("explode_after_await").start();
            tool.wrap(async {
                tokio::task::yield_now().await;
                panic!("exploded after an await");
            })
            .await;
            tool.end();
        })
    }));
    assert!(task.await.unwrap_err().is_panic());
    run.end();

    let spans = memory.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 4, "the error rule kept the dropped trace");
    assert_panicked(
        by_name(&spans, "execute_tool explode"),
        "the tool exploded (at ",
    );
    assert_panicked(
        by_name(&spans, "execute_tool explode_in_task"),
        "the task exploded (at ",
    );
    assert_panicked(
        by_name(&spans, "execute_tool explode_after_await"),
        "exploded after an await (at ",
    );
    assert_eq!(guard.keep_rule_stats().unwrap().traces_kept, 1);
    // The console writes from a thread of its own: shut down to read it all.
    guard.shutdown().expect("clean shutdown");
    let out = console.text();
    assert!(out.contains("execute_tool explode  "), "{out}");
    assert!(out.contains("✗ the tool exploded (at "), "{out}");
    assert!(out.contains("errors: 3"), "{out}");
}
