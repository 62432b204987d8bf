//! `tracing` spans and aitrace spans form one trace with correct parents in
//! both directions, in sync and async code and across `tokio::spawn`, with
//! `tracing::Instrument` in scope (aitrace's `span.wrap(fut)` still compiles).

use aitrace_sdk::exporter::InMemoryExporter;
use aitrace_sdk::testing::by_name;
use opentelemetry::trace::SpanId;
use opentelemetry_sdk::trace::{SimpleSpanProcessor, SpanData};
use tracing::Instrument;
use tracing_subscriber::layer::SubscriberExt;

#[tracing::instrument]
fn lookup(query: &str) -> usize {
    let call = aitrace::generation("openai", "gpt-4o").start();
    call.end();
    query.len()
}

#[tracing::instrument]
async fn plan() {
    tokio::task::yield_now().await;
    let call = aitrace::generation("openai", "gpt-4o-mini").start();
    call.end();
}

async fn handler() {
    let agent = aitrace::agent("triage").start();
    agent
        .wrap(async {
            plan().await;
            // A spawned task: tracing's own propagation and aitrace's.
            let traced = tokio::spawn(
                async {
                    tokio::task::yield_now().await;
                    aitrace::tool("in_traced_task").start().end();
                }
                .instrument(tracing::info_span!("traced task")),
            );
            let carried = tokio::spawn(aitrace::in_current_span(async {
                tokio::task::yield_now().await;
                let span = tracing::info_span!("tracing in aitrace task");
                let _g = span.enter();
                aitrace::tool("deepest").start().end();
            }));
            traced.await.expect("task");
            carried.await.expect("task");
        })
        .await;
    agent.end();
}

fn parent_of<'a>(spans: &'a [SpanData], name: &str) -> &'a str {
    let child = by_name(spans, name);
    spans
        .iter()
        .find(|s| s.span_context.span_id() == child.parent_span_id)
        .map(|s| s.name.as_ref())
        .unwrap_or("<none>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_and_aitrace_spans_nest_both_ways() {
    let memory = InMemoryExporter::default();
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .with_span_processor(SimpleSpanProcessor::new(memory.clone()))
        .install()
        .expect("pipeline installs");
    tracing::subscriber::set_global_default(
        tracing_subscriber::registry().with(guard.tracing_layer()),
    )
    .expect("first subscriber");

    // Sync: tracing → aitrace → tracing (#[instrument]) → aitrace.
    let request = tracing::info_span!("GET /chat");
    let trace_id = request.in_scope(|| {
        let run = aitrace::trace("support").start();
        let agent = run.in_scope(|| aitrace::agent("triage").start());
        assert_eq!(agent.in_scope(|| lookup("refund")), 6);
        agent.end();
        let id = run.trace_id();
        run.end();
        id
    });
    drop(request);
    let spans = memory.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 5, "{:?}", names(&spans));
    assert_eq!(parent_of(&spans, "invoke_workflow support"), "GET /chat");
    assert_eq!(
        parent_of(&spans, "invoke_agent triage"),
        "invoke_workflow support"
    );
    assert_eq!(parent_of(&spans, "lookup"), "invoke_agent triage");
    assert_eq!(parent_of(&spans, "chat gpt-4o"), "lookup");
    assert_eq!(by_name(&spans, "GET /chat").parent_span_id, SpanId::INVALID);

    // Async, across .await and tokio::spawn.
    let request = tracing::info_span!("POST /agent");
    let trace_id = {
        let _g = request.enter();
        aitrace::current_trace_id().expect("the tracing span is current")
    };
    handler().instrument(request).await;
    let spans = memory.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 8, "{:?}", names(&spans));
    assert_eq!(parent_of(&spans, "invoke_agent triage"), "POST /agent");
    assert_eq!(parent_of(&spans, "plan"), "invoke_agent triage");
    assert_eq!(parent_of(&spans, "chat gpt-4o-mini"), "plan");
    assert_eq!(parent_of(&spans, "traced task"), "invoke_agent triage");
    assert_eq!(
        parent_of(&spans, "execute_tool in_traced_task"),
        "traced task"
    );
    assert_eq!(
        parent_of(&spans, "tracing in aitrace task"),
        "invoke_agent triage"
    );
    assert_eq!(
        parent_of(&spans, "execute_tool deepest"),
        "tracing in aitrace task"
    );
    guard.shutdown().expect("clean shutdown");
}

fn names(spans: &[SpanData]) -> Vec<&str> {
    spans.iter().map(|s| s.name.as_ref()).collect()
}
