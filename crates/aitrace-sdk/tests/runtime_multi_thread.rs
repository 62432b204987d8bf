//! Export works under a multi-thread tokio runtime, with shutdown inside the
//! runtime (from async code) or after it has stopped.

mod support;
use support::runtime::{check, install, record_run, PROTOCOLS};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn shutdown_inside_and_outside_a_multi_thread_runtime() {
    for protocol in PROTOCOLS {
        let rt = runtime();
        let (receiver, report) = rt.block_on(async {
            let (receiver, guard) = install(protocol);
            tokio::spawn(async { record_run("mt_inside") })
                .await
                .unwrap();
            (receiver, guard.shutdown())
        });
        check(
            &receiver,
            report,
            "mt_inside",
            &format!("multi-thread, shutdown inside, {protocol:?}"),
        );

        let rt = runtime();
        let (receiver, guard) = rt.block_on(async {
            let pair = install(protocol);
            tokio::spawn(async { record_run("mt_outside") })
                .await
                .unwrap();
            pair
        });
        drop(rt);
        check(
            &receiver,
            guard.shutdown(),
            "mt_outside",
            &format!("multi-thread, shutdown after the runtime, {protocol:?}"),
        );
    }
}
