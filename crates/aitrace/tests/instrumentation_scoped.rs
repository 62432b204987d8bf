//! The span API's state (on or off, settings, hooks) is one value; a test can put
//! another one in force on its thread while a closure runs, without touching the
//! rest of the process, and what was in force comes back afterwards, also after
//! a panic.

use aitrace::hooks::{HookError, SpanInfo, TraceProcessor};
use aitrace::instrumentation::{current_instrumentation, with_instrumentation, Instrumentation};
use aitrace::Settings;
use aitrace_sdk::testing::{attr_str, install_in_memory};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Default)]
struct Counts(AtomicUsize);
impl TraceProcessor for Counts {
    fn on_span_end(&self, _: &SpanInfo) -> Result<(), HookError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

fn tool_records_input(name: &'static str) -> (bool, Option<String>) {
    let exporter = install_in_memory();
    let tool = aitrace::tool(name).start();
    tool.record_arguments(&"q");
    let recording = tool.is_recording();
    let id = tool.trace_id();
    tool.end();
    let input = exporter
        .spans_of_trace(id)
        .first()
        .and_then(|s| attr_str(s, "ai.tool.input").map(str::to_string));
    (recording, input)
}

#[test]
fn a_scoped_instrumentation_is_in_force_on_its_thread_only() {
    let _ = install_in_memory();
    assert_eq!(tool_records_input("global"), (true, None));

    // Off, on this thread only.
    let off = Instrumentation::new().with_enabled(false);
    with_instrumentation(off, || {
        assert_eq!(tool_records_input("off"), (false, None));
        let other = std::thread::spawn(|| tool_records_input("other thread"));
        assert_eq!(
            other.join().unwrap(),
            (true, None),
            "other threads: the global"
        );
    });

    // Settings and hooks of its own, nested.
    let counts = Arc::new(Counts::default());
    let capture = Instrumentation::new()
        .with_settings(Settings::default().with_capture_content(true))
        .with_trace_processor(counts.clone());
    with_instrumentation(capture, || {
        assert_eq!(tool_records_input("capture"), (true, Some(r#""q""#.into())));
        with_instrumentation(Instrumentation::new().with_enabled(false), || {
            assert!(!current_instrumentation().is_enabled());
            assert_eq!(tool_records_input("nested off"), (false, None));
        });
        assert!(current_instrumentation().settings().capture_content());
        assert_eq!(
            tool_records_input("capture again"),
            (true, Some(r#""q""#.into()))
        );
    });
    assert_eq!(
        counts.0.load(Ordering::Relaxed),
        2,
        "the hook heard its scope only"
    );

    // A panic inside the closure puts the previous value back.
    let caught = std::panic::catch_unwind(|| {
        with_instrumentation(Instrumentation::new().with_enabled(false), || {
            panic!("boom")
        })
    });
    assert!(caught.is_err());
    assert!(current_instrumentation().is_enabled());
    assert_eq!(tool_records_input("after"), (true, None));
}
