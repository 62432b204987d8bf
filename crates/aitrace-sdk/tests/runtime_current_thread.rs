//! Export works under a current-thread tokio runtime, where a shutdown that
//! needed the application's runtime would deadlock, with shutdown inside the
//! runtime or after it.

mod support;
use support::runtime::{check, install, record_run, PROTOCOLS};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn shutdown_inside_and_outside_a_current_thread_runtime() {
    for protocol in PROTOCOLS {
        let rt = runtime();
        let (receiver, report) = rt.block_on(async {
            let (receiver, guard) = install(protocol);
            record_run("ct_inside");
            tokio::task::yield_now().await;
            (receiver, guard.shutdown())
        });
        check(
            &receiver,
            report,
            "ct_inside",
            &format!("current-thread, shutdown inside, {protocol:?}"),
        );

        let rt = runtime();
        let (receiver, guard) = rt.block_on(async {
            let pair = install(protocol);
            record_run("ct_outside");
            pair
        });
        drop(rt);
        check(
            &receiver,
            guard.shutdown(),
            "ct_outside",
            &format!("current-thread, shutdown after the runtime, {protocol:?}"),
        );
    }
}
