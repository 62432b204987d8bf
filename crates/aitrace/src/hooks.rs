//! Processor hooks: code of yours that runs when traces and spans start and end.
//!
//! Like the trace processors of the OpenAI Agents SDK, a [`TraceProcessor`] sees
//! every aitrace span. A hook that returns an error or panics is isolated: the
//! others still run, the span is still recorded, and the failure is counted
//! ([`hook_failures`]) and reported on stderr once per hook.

use crate::usage::Usage;
use opentelemetry::trace::{SpanContext, SpanId};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::SystemTime;

/// The error a hook may return.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// A span as hooks see it.
#[derive(Clone, Debug)]
pub struct SpanInfo {
    /// The `ai.span.type` value (`agent`, `generation`, …).
    pub span_type: &'static str,
    /// The span name.
    pub name: Cow<'static, str>,
    /// Ids and flags of the span.
    pub span_context: SpanContext,
    /// The parent span id (invalid for a root).
    pub parent_span_id: SpanId,
    /// When the span started.
    pub start_time: SystemTime,
    /// When it ended (`None` in `on_span_start`).
    pub end_time: Option<SystemTime>,
    /// The error it ended with, if any.
    pub error: Option<String>,
    /// The model, for model calls.
    pub model: Option<String>,
    /// Token usage, for model calls.
    pub usage: Option<Usage>,
    /// Cost in USD, for model calls on a priced model.
    pub cost_usd: Option<f64>,
}

/// A trace (workflow) as hooks see it.
#[derive(Clone, Debug)]
pub struct TraceInfo {
    /// The workflow name.
    pub workflow_name: String,
    /// Ids of the workflow's root span.
    pub span_context: SpanContext,
    /// The conversation id, if one was given.
    pub conversation_id: Option<String>,
    /// The group id, if one was given.
    pub group_id: Option<String>,
    /// The metadata given to the trace.
    pub metadata: Vec<(String, String)>,
}

/// Code that runs at trace and span boundaries. Every method defaults to doing nothing.
pub trait TraceProcessor: Send + Sync {
    /// A trace (workflow) started.
    fn on_trace_start(&self, _trace: &TraceInfo) -> Result<(), HookError> {
        Ok(())
    }
    /// A trace (workflow) ended.
    fn on_trace_end(&self, _trace: &TraceInfo) -> Result<(), HookError> {
        Ok(())
    }
    /// A span started.
    fn on_span_start(&self, _span: &SpanInfo) -> Result<(), HookError> {
        Ok(())
    }
    /// A span is about to end.
    fn on_span_end(&self, _span: &SpanInfo) -> Result<(), HookError> {
        Ok(())
    }
}

struct Registered {
    hook: Arc<dyn TraceProcessor>,
    reported: AtomicBool,
}

static ANY: AtomicBool = AtomicBool::new(false);
static FAILURES: AtomicU64 = AtomicU64::new(0);

fn registry() -> &'static RwLock<Vec<Arc<Registered>>> {
    static R: OnceLock<RwLock<Vec<Arc<Registered>>>> = OnceLock::new();
    R.get_or_init(|| RwLock::new(Vec::new()))
}

/// Registers a processor; it sees every trace and span started from now on.
pub fn add_trace_processor(hook: Arc<dyn TraceProcessor>) {
    let mut r = registry().write().unwrap_or_else(|e| e.into_inner());
    r.push(Arc::new(Registered {
        hook,
        reported: AtomicBool::new(false),
    }));
    ANY.store(true, Ordering::Release);
}

/// Removes every registered processor.
pub fn clear_trace_processors() {
    registry()
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .clear();
    ANY.store(false, Ordering::Release);
}

/// How many hook calls have failed (returned an error or panicked) in this process.
pub fn hook_failures() -> u64 {
    FAILURES.load(Ordering::Relaxed)
}

/// True when at least one processor is registered (one atomic load).
#[inline]
pub(crate) fn active() -> bool {
    ANY.load(Ordering::Acquire)
}

pub(crate) fn each(what: &'static str, f: impl Fn(&dyn TraceProcessor) -> Result<(), HookError>) {
    let hooks: Vec<Arc<Registered>> = registry().read().unwrap_or_else(|e| e.into_inner()).clone();
    for r in hooks {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(r.hook.as_ref())));
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e.to_string(),
            Err(panic) => panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into()),
        };
        FAILURES.fetch_add(1, Ordering::Relaxed);
        if !r.reported.swap(true, Ordering::Relaxed) {
            eprintln!("aitrace: a trace processor failed in {what} ({failure}); further failures of this processor are counted, not printed");
        }
    }
}
