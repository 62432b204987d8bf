//! The shutdown report counts the spans the console exporter printed and the
//! spans the `none` exporter discarded, instead of saying that nothing happened.

use aitrace_sdk::config::ExporterKind;

fn ten_spans() {
    let run = aitrace::trace("report").new_root().start();
    run.in_scope(|| {
        for _ in 0..9 {
            aitrace::tool("step").start().end();
        }
    });
    run.end();
}

#[test]
fn the_report_counts_what_local_exporters_handled() {
    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![ExporterKind::Console])
        .install()
        .expect("pipeline installs");
    ten_spans();
    let report = guard.shutdown().expect("nothing lost");
    assert_eq!(report.stats.printed, 10, "{report:?}");
    assert_eq!(report.stats.discarded, 0);
    assert!(report.is_clean());
    assert_eq!(report.to_string(), "10 printed");

    let guard = aitrace_sdk::Builder::new()
        .with_exporters(vec![])
        .install()
        .expect("pipeline installs");
    ten_spans();
    let report = guard.shutdown().expect("nothing lost");
    assert_eq!(report.stats.discarded, 10, "{report:?}");
    assert_eq!(report.stats.printed, 0);
    assert!(report.is_clean());
    assert_eq!(report.to_string(), "10 discarded (no exporter)");
}
