//! The span of a traced function is current while its body runs: spans started
//! inside it are its children, in nested traced functions, across `.await`, and
//! in tasks spawned with `aitrace::in_current_span`; when it returns, the
//! caller's span is current again.
#![cfg(feature = "macros")]

use aitrace_sdk::testing::{by_name, install_in_memory, tree_shape};
use std::time::Duration;

#[aitrace::traced]
fn outer() -> u32 {
    inner() + inner()
}

#[aitrace::traced]
fn inner() -> u32 {
    aitrace::tool("leaf").start().end();
    1
}

#[test]
fn nested_traced_functions_nest_their_spans() {
    let exporter = install_in_memory();
    let root = aitrace::custom("test_root").start();
    let trace_id = root.trace_id();
    let total = root.in_scope(|| {
        let total = outer();
        // Back in the caller: a sibling of `outer`, not its child.
        aitrace::custom("after").start().end();
        total
    });
    root.end();
    assert_eq!(total, 2);
    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(
        tree_shape(&spans),
        "test_root\n  outer\n    inner\n      execute_tool leaf\n    inner\n      execute_tool leaf\n  after\n"
    );
}

#[aitrace::traced(kind = agent)]
async fn worker() -> usize {
    aitrace::tool("before_await").start().end();
    tokio::time::sleep(Duration::from_millis(2)).await;
    step().await;
    let task = tokio::spawn(aitrace::in_current_span(async {
        tokio::task::yield_now().await;
        step().await;
        aitrace::tool("in_spawned_task").start().end();
    }));
    task.await.expect("the task ran");
    aitrace::tool("after_await").start().end();
    3
}

#[aitrace::traced]
async fn step() {
    tokio::task::yield_now().await;
    aitrace::tool("in_step").start().end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_spans_stay_parents_across_await_and_spawned_tasks() {
    let exporter = install_in_memory();
    let root = aitrace::custom("test_root").start();
    let trace_id = root.trace_id();
    let n = root.wrap(worker()).await;
    root.end();
    assert_eq!(n, 3);
    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 9, "{}", tree_shape(&spans));
    let root = by_name(&spans, "test_root");
    let agent = by_name(&spans, "invoke_agent worker");
    assert_eq!(agent.parent_span_id, root.span_context.span_id());
    for name in [
        "execute_tool before_await",
        "execute_tool in_spawned_task",
        "execute_tool after_await",
    ] {
        assert_eq!(
            by_name(&spans, name).parent_span_id,
            agent.span_context.span_id(),
            "{name} is a child of the agent"
        );
    }
    let steps: Vec<_> = spans.iter().filter(|s| s.name == "step").collect();
    assert_eq!(steps.len(), 2);
    for step in steps {
        assert_eq!(step.parent_span_id, agent.span_context.span_id());
        let leaves = spans
            .iter()
            .filter(|s| s.name == "execute_tool in_step")
            .filter(|s| s.parent_span_id == step.span_context.span_id())
            .count();
        assert_eq!(leaves, 1, "each step span is the parent of its own tool");
    }
    // The agent span covers the whole body: it ends after its last child.
    let last_child_end = spans
        .iter()
        .filter(|s| s.parent_span_id == agent.span_context.span_id())
        .map(|s| s.end_time)
        .max()
        .unwrap();
    assert!(agent.end_time >= last_child_end);
}
