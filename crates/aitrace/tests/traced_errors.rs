//! A traced function that returns `Err` records it as the span's error (status
//! Error, an `exception` event, `error.type`), whatever the error type implements
//! and whatever the `Result` is called; `Ok`, `no_err` and functions that cannot
//! fail record none; a panic is recorded and still ends the span.
#![cfg(feature = "macros")]

use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;
use std::fmt;
use std::num::ParseIntError;

#[derive(Debug)]
struct QuotaExceeded;
impl fmt::Display for QuotaExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("quota exceeded")
    }
}
impl std::error::Error for QuotaExceeded {}

/// Like `anyhow::Error`: `Display` and `Debug`, not `std::error::Error`.
#[derive(Debug)]
struct DisplayOnly(String);
impl fmt::Display for DisplayOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "display: {}", self.0)
    }
}

#[derive(Debug)]
struct DebugOnly {
    #[allow(dead_code)]
    code: u16,
}

struct Opaque;

/// An alias under another name: recognised by its type.
type Outcome<T> = Result<T, DisplayOnly>;

#[aitrace::traced]
fn fails() -> Result<u8, QuotaExceeded> {
    Err(QuotaExceeded)
}

#[aitrace::traced]
fn succeeds() -> Result<u8, QuotaExceeded> {
    Ok(1)
}

#[aitrace::traced]
fn parse(text: &str) -> Result<u32, ParseIntError> {
    let n: u32 = text.parse()?;
    Ok(n * 2)
}

#[aitrace::traced]
fn display_only() -> Outcome<()> {
    Err(DisplayOnly("rate limited".into()))
}

#[aitrace::traced]
fn debug_only() -> Result<(), DebugOnly> {
    Err(DebugOnly { code: 429 })
}

#[aitrace::traced]
fn opaque() -> Result<(), Opaque> {
    Err(Opaque)
}

#[aitrace::traced]
fn io_alias() -> std::io::Result<()> {
    Err(std::io::Error::other("disk full"))
}

#[aitrace::traced]
fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Err("no route".into())
}

/// `Err` is an answer here, not a failure.
#[aitrace::traced(no_err)]
fn lookup() -> Result<u8, QuotaExceeded> {
    Err(QuotaExceeded)
}

#[aitrace::traced(kind = tool)]
async fn async_tool() -> Result<u8, QuotaExceeded> {
    tokio::task::yield_now().await;
    Err(QuotaExceeded)
}

#[aitrace::traced]
fn never_fails() -> u8 {
    7
}

#[aitrace::traced]
fn panics() -> u8 {
    panic!("boom")
}

fn error_of(span: &SpanData) -> Option<(String, String, String)> {
    let Status::Error { description } = &span.status else {
        assert!(
            span.events.is_empty(),
            "{}: events without an error",
            span.name
        );
        assert!(attr_str(span, "error.type").is_none(), "{}", span.name);
        return None;
    };
    let event = span
        .events
        .iter()
        .find(|e| e.name == "exception")
        .unwrap_or_else(|| panic!("{}: no exception event", span.name));
    let get = |k: &str| {
        event
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == k)
            .map(|kv| kv.value.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        attr_str(span, "error.type").map(str::to_string),
        Some(get("exception.type")),
        "{}: error.type is the exception type",
        span.name
    );
    assert_eq!(
        description.to_string(),
        get("exception.message"),
        "{}",
        span.name
    );
    Some((
        get("exception.type"),
        get("exception.message"),
        span.name.to_string(),
    ))
}

#[tokio::test]
async fn errors_are_recorded_and_successes_are_not() {
    let exporter = install_in_memory();
    let root = aitrace::custom("test_root").start();
    let trace_id = root.trace_id();
    root.wrap(async {
        assert!(fails().is_err());
        assert_eq!(succeeds().unwrap(), 1);
        assert!(parse("x1").is_err());
        assert_eq!(parse("21").unwrap(), 42);
        assert!(display_only().is_err());
        assert!(debug_only().is_err());
        assert!(opaque().is_err());
        assert!(io_alias().is_err());
        assert!(boxed().is_err());
        assert!(lookup().is_err());
        assert!(async_tool().await.is_err());
        assert_eq!(never_fails(), 7);
    })
    .await;
    root.end();
    let spans = exporter.spans_of_trace(trace_id);
    let one = |name: &str| error_of(by_name(&spans, name)).map(|(t, m, _)| (t, m));
    let s = |t: &str, m: &str| Some((t.to_string(), m.to_string()));

    assert_eq!(
        one("fails"),
        s("traced_errors::QuotaExceeded", "quota exceeded")
    );
    assert_eq!(one("succeeds"), None);
    assert_eq!(
        one("display_only"),
        s("traced_errors::DisplayOnly", "display: rate limited")
    );
    assert_eq!(
        one("debug_only"),
        s("traced_errors::DebugOnly", "DebugOnly { code: 429 }")
    );
    assert_eq!(
        one("opaque"),
        s("traced_errors::Opaque", "traced_errors::Opaque")
    );
    assert_eq!(one("io_alias"), s("std::io::error::Error", "disk full"));
    let (t, m) = one("boxed").unwrap();
    assert!(
        t.starts_with("alloc::boxed::Box<dyn core::error::Error"),
        "{t}"
    );
    assert_eq!(m, "no route");
    assert_eq!(one("lookup"), None, "no_err records no error");
    assert_eq!(one("never_fails"), None);
    assert_eq!(
        one("execute_tool async_tool"),
        s("traced_errors::QuotaExceeded", "quota exceeded")
    );

    // The `Err` of `?` is recorded; the successful call records nothing.
    let parses: Vec<_> = spans.iter().filter(|s| s.name == "parse").collect();
    assert_eq!(parses.len(), 2);
    let errors: Vec<_> = parses.iter().filter_map(|s| error_of(s)).collect();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, "core::num::error::ParseIntError");
    assert_eq!(errors[0].1, "invalid digit found in string");
}

#[test]
fn a_panic_is_recorded_and_ends_the_span() {
    let exporter = install_in_memory();
    aitrace::install_panic_hook();
    let root = aitrace::custom("panic_root").start();
    let trace_id = root.trace_id();
    let caught = root.in_scope(|| std::panic::catch_unwind(panics));
    assert!(caught.is_err());
    // The caller's span is current again after the unwinding.
    root.in_scope(|| aitrace::custom("after").start().end());
    root.end();
    let spans = exporter.spans_of_trace(trace_id);
    assert_eq!(spans.len(), 3, "the panicking function's span ended");
    let (t, m, _) = error_of(by_name(&spans, "panics")).expect("an error");
    assert_eq!(t, "panic");
    assert!(m.starts_with("boom (at "), "{m}");
    assert_eq!(
        by_name(&spans, "after").parent_span_id,
        by_name(&spans, "panic_root").span_context.span_id()
    );
}
