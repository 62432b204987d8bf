//! A traced function serialises and formats nothing (arguments, return value,
//! error message) when its span does not record (not sampled, or tracing
//! disabled), and with content capture off only its error message (errors are
//! recorded whatever the content policy, as `record_error` does). With both on,
//! everything is used, so this test would see a regression. Changes global settings and the enabled switch:
//! its own test binary, one test.
#![cfg(feature = "macros")]

use aitrace::Settings;
use aitrace_sdk::testing::install_in_memory;
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;
use serde::{Serialize, Serializer};
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts every time it is serialised or formatted.
struct Loud;
static USED: AtomicUsize = AtomicUsize::new(0);

impl Serialize for Loud {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        USED.fetch_add(1, Ordering::SeqCst);
        s.serialize_str("loud")
    }
}
impl fmt::Debug for Loud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        USED.fetch_add(1, Ordering::SeqCst);
        f.write_str("Loud")
    }
}
impl fmt::Display for Loud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        USED.fetch_add(1, Ordering::SeqCst);
        f.write_str("loud failure")
    }
}

#[aitrace::traced]
fn echo(input: Loud) -> Loud {
    input
}

#[aitrace::traced(kind = tool)]
fn fail(input: Loud) -> Result<Loud, Loud> {
    Err(input)
}

#[aitrace::traced(kind = tool, no_err)]
fn fail_quietly(input: Loud) -> Result<Loud, Loud> {
    Err(input)
}

#[aitrace::traced(kind = agent)]
async fn echo_async(input: Loud) -> Result<Loud, Loud> {
    Ok(input)
}

/// Calls every traced function once; how many times a `Loud` was used.
fn uses() -> usize {
    USED.store(0, Ordering::SeqCst);
    let _ = echo(Loud);
    let _ = fail(Loud);
    let _ = block_on(echo_async(Loud));
    USED.load(Ordering::SeqCst)
}

/// Runs a future to completion on a runtime of its own.
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

/// A context whose span comes from upstream, not sampled: children do not record.
fn unsampled_parent() -> Context {
    let sc = SpanContext::new(
        TraceId::from_bytes([7; 16]),
        SpanId::from_bytes([9; 8]),
        TraceFlags::default(),
        true,
        TraceState::default(),
    );
    Context::new().with_remote_span_context(sc)
}

#[test]
fn nothing_is_serialised_or_formatted_unless_the_span_records_content() {
    let exporter = install_in_memory();

    // Capture off (the default): spans record, content is not touched; the
    // error of `fail` is described (once) for its exception event.
    aitrace::set_global_settings(Settings::default());
    assert_eq!(uses(), 1, "capture off: the error message only");
    assert!(exporter.spans().iter().any(|s| s.name == "echo"));

    aitrace::set_global_settings(Settings::default().with_capture_content(true));

    // Capture on, span not sampled.
    let before = exporter.spans().len();
    let used = {
        let _parent = unsampled_parent().attach();
        uses()
    };
    assert_eq!(used, 0, "span not sampled");
    assert_eq!(exporter.spans().len(), before, "nothing was recorded");

    // Capture on, tracing disabled.
    aitrace::set_enabled(false);
    assert_eq!(uses(), 0, "tracing disabled");
    aitrace::set_enabled(true);

    // Capture on, span recording: arguments, outputs and the error are used.
    // echo: argument + output; fail: argument + error message; echo_async:
    // argument + Ok value.
    assert_eq!(uses(), 6, "capture on and recording");

    // Capture on, recording, but the error is not recorded: one use fewer.
    aitrace::set_global_settings(Settings::default().with_capture_content(true));
    USED.store(0, Ordering::SeqCst);
    let _ = fail_quietly(Loud);
    assert_eq!(USED.load(Ordering::SeqCst), 1, "no_err: the argument only");
}
