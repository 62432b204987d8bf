//! Trace processors see trace and span boundaries; one that fails or panics does
//! not stop the others, the span, or the application.

use aitrace::hooks::{
    add_trace_processor, hook_failures, HookError, SpanInfo, TraceInfo, TraceProcessor,
};
use aitrace::Usage;
use aitrace_sdk::testing::install_in_memory;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl TraceProcessor for Recorder {
    fn on_trace_start(&self, t: &TraceInfo) -> Result<(), HookError> {
        self.0
            .lock()
            .unwrap()
            .push(format!("trace_start {}", t.workflow_name));
        Ok(())
    }
    fn on_trace_end(&self, t: &TraceInfo) -> Result<(), HookError> {
        self.0.lock().unwrap().push(format!(
            "trace_end {} {:?}",
            t.workflow_name, t.conversation_id
        ));
        Ok(())
    }
    fn on_span_start(&self, s: &SpanInfo) -> Result<(), HookError> {
        self.0
            .lock()
            .unwrap()
            .push(format!("start {} {}", s.span_type, s.name));
        Ok(())
    }
    fn on_span_end(&self, s: &SpanInfo) -> Result<(), HookError> {
        let extra = match (&s.model, s.usage, s.cost_usd) {
            (Some(m), Some(u), Some(c)) => format!(" {m} {} {c:.6}", u.total_tokens()),
            _ => String::new(),
        };
        let err = s
            .error
            .as_deref()
            .map(|e| format!(" error={e}"))
            .unwrap_or_default();
        self.0
            .lock()
            .unwrap()
            .push(format!("end {}{extra}{err}", s.name));
        Ok(())
    }
}

struct Panics;
impl TraceProcessor for Panics {
    fn on_span_start(&self, _: &SpanInfo) -> Result<(), HookError> {
        panic!("hook bug")
    }
}

struct Fails;
impl TraceProcessor for Fails {
    fn on_span_end(&self, _: &SpanInfo) -> Result<(), HookError> {
        Err("backend unreachable".into())
    }
}

#[derive(Debug)]
struct Boom;
impl std::fmt::Display for Boom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("boom")
    }
}
impl std::error::Error for Boom {}

#[test]
fn failing_hooks_are_isolated_and_the_others_see_everything() {
    let exporter = install_in_memory();
    let recorder = Arc::new(Recorder::default());
    add_trace_processor(Arc::new(Panics));
    add_trace_processor(recorder.clone());
    add_trace_processor(Arc::new(Fails));

    let run = aitrace::trace("hooked").with_conversation_id("c1").start();
    let id = run.trace_id();
    run.in_scope(|| {
        let mut g = aitrace::generation("openai", "gpt-4o-mini").start();
        g.record_usage(Usage::new(1_000_000, 0));
        g.end();
        aitrace::tool("t").start().end_with_error(&Boom);
    });
    run.end();

    let log = recorder.0.lock().unwrap().clone();
    assert_eq!(
        log,
        vec![
            // The trace starts before its root span and ends after it.
            "trace_start hooked".to_string(),
            "start workflow invoke_workflow hooked".into(),
            "start generation chat gpt-4o-mini".into(),
            "end chat gpt-4o-mini gpt-4o-mini 1000000 0.150000".into(),
            "start tool execute_tool t".into(),
            "end execute_tool t error=boom".into(),
            "end invoke_workflow hooked".into(),
            "trace_end hooked Some(\"c1\")".into(),
        ]
    );
    // 4 spans started (each a panic in Panics) + 3 ended... counted, not fatal.
    assert!(hook_failures() >= 6, "{}", hook_failures());
    assert_eq!(
        exporter.spans_of_trace(id).len(),
        3,
        "every span was still recorded"
    );
}
