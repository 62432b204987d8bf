//! Dropping the tracing guard inside async code (for example at the end of
//! `#[tokio::main]`) flushes without panicking or blocking the runtime forever.

mod support;
use support::runtime::{install, record_run};

#[tokio::test(flavor = "current_thread")]
async fn dropping_the_guard_inside_tokio_main_does_not_panic() {
    let (receiver, guard) = install(aitrace_sdk::config::Protocol::Grpc);
    record_run("ct_drop");
    drop(guard); // flushes on drop, inside the runtime
    assert_eq!(
        receiver
            .wait_for_spans(3, std::time::Duration::from_secs(5))
            .len(),
        3
    );
}
