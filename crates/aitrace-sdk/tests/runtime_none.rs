//! Export works in an application with no async runtime at all.

mod support;
use support::runtime::{check, install, record_run, PROTOCOLS};

#[test]
fn exports_without_any_runtime() {
    for protocol in PROTOCOLS {
        let (receiver, guard) = install(protocol);
        record_run("no_runtime");
        check(
            &receiver,
            guard.shutdown(),
            "no_runtime",
            &format!("no runtime, {protocol:?}"),
        );
    }
}
