//! Spans follow `.await` and cross into spawned tasks without becoming orphans;
//! the current trace and span ids can be read anywhere.

use aitrace_sdk::testing::{by_name, install_in_memory};

async fn step(name: &'static str) {
    tokio::task::yield_now().await;
    aitrace::tool(name).start().end();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_follow_await_and_spawned_tasks() {
    let exporter = install_in_memory();
    let run = aitrace::trace("async").start();
    let id = run.trace_id();
    let agent = run.in_scope(|| aitrace::agent("worker").start());
    let agent_id = agent.span_id();
    agent
        .wrap(async {
            step("before_await").await;
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            step("after_await").await;
            let handle = tokio::spawn(aitrace::in_current_span(async {
                step("in_spawned_task").await;
                aitrace::current_trace_id()
            }));
            let seen = handle.await.unwrap();
            assert_eq!(seen, Some(id), "the spawned task sees the trace id");
        })
        .await;
    agent.end();
    run.end();

    let spans = exporter.spans_of_trace(id);
    assert_eq!(spans.len(), 5);
    for n in [
        "execute_tool before_await",
        "execute_tool after_await",
        "execute_tool in_spawned_task",
    ] {
        assert_eq!(
            by_name(&spans, n).parent_span_id,
            agent_id,
            "{n} is a child of the agent"
        );
    }
}

#[test]
fn current_ids_are_readable_inside_a_span_and_absent_outside() {
    install_in_memory();
    assert_eq!(aitrace::current_trace_id(), None);
    let agent = aitrace::agent("ids").start();
    let (t, s) = agent.in_scope(|| (aitrace::current_trace_id(), aitrace::current_span_id()));
    assert_eq!(t, Some(agent.trace_id()));
    assert_eq!(s, Some(agent.span_id()));
}
