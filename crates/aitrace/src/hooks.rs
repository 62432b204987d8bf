//! Processor hooks: code of yours that runs when traces and spans start and end.
//!
//! Like the trace processors of the OpenAI Agents SDK, a [`TraceProcessor`] sees
//! every aitrace span that records, in this order for a run: trace start, root
//! span start, the spans below (each start, then its end), root span end, trace
//! end.
//!
//! A hook that returns an error or panics is isolated: the others still run, the
//! span is still recorded, and the failure is counted ([`hook_failures`]) and
//! reported on stderr once per hook — a panic without the standard panic message
//! or backtrace, whatever `RUST_BACKTRACE` says. Spans that a hook starts are
//! recorded but do not run hooks again (no recursion); they are counted in
//! [`spans_started_in_hooks`].

use crate::usage::Usage;
use opentelemetry::trace::{SpanContext, SpanId};
use opentelemetry::{KeyValue, Value};
use std::borrow::Cow;
use std::cell::Cell;
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
    /// The attributes the span carries so far, in the order they were set (those
    /// it inherits from its trace included); see also [`SpanInfo::attribute`].
    pub attributes: Vec<KeyValue>,
    /// The conversation the span belongs to, if its trace has one.
    pub conversation_id: Option<String>,
    /// The end user of the span's trace, if known.
    pub user_id: Option<String>,
    /// The tenant of the span's trace, if known.
    pub tenant_id: Option<String>,
    /// The error it ended with, if any (a panic included).
    pub error: Option<String>,
    /// Whether it ended without `end()` and without a panic (`ai.incomplete`).
    pub incomplete: bool,
    /// For a guardrail: whether its tripwire fired, once recorded.
    pub guardrail_triggered: Option<bool>,
    /// The model, for model calls.
    pub model: Option<String>,
    /// Token usage, for model calls.
    pub usage: Option<Usage>,
    /// Cost in USD, for model calls on a priced model.
    pub cost_usd: Option<f64>,
}

impl SpanInfo {
    /// The value of attribute `key` (the last one set), if the span carries it.
    pub fn attribute(&self, key: &str) -> Option<&Value> {
        self.attributes
            .iter()
            .rev()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }
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
    /// The end user's id, if one was given.
    pub user_id: Option<String>,
    /// The tenant's id, if one was given.
    pub tenant_id: Option<String>,
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
static STARTED_IN_HOOKS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Above zero while a hook runs on this thread.
    static IN_HOOK: Cell<u32> = const { Cell::new(0) };
}

fn registry() -> &'static RwLock<Vec<Arc<Registered>>> {
    static R: OnceLock<RwLock<Vec<Arc<Registered>>>> = OnceLock::new();
    R.get_or_init(|| RwLock::new(Vec::new()))
}

/// Registers a processor; it sees every trace and span started from now on.
pub fn add_trace_processor(hook: Arc<dyn TraceProcessor>) {
    // A hook's panic is caught and reported once, without the standard output.
    crate::install_panic_hook();
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

/// How many spans were started by hooks (recorded, without running hooks again).
pub fn spans_started_in_hooks() -> u64 {
    STARTED_IN_HOOKS.load(Ordering::Relaxed)
}

/// Whether this span start comes from inside a hook; counts it when it does.
pub(crate) fn entered_from_hook() -> bool {
    let inside = IN_HOOK.try_with(Cell::get).unwrap_or(0) > 0;
    if inside {
        STARTED_IN_HOOKS.fetch_add(1, Ordering::Relaxed);
    }
    inside
}

/// True when at least one processor is registered (one atomic load).
#[inline]
pub(crate) fn active() -> bool {
    ANY.load(Ordering::Acquire)
}

pub(crate) fn each(what: &'static str, f: impl Fn(&dyn TraceProcessor) -> Result<(), HookError>) {
    let hooks: Vec<Arc<Registered>> = registry().read().unwrap_or_else(|e| e.into_inner()).clone();
    for r in hooks {
        let _ = IN_HOOK.try_with(|n| n.set(n.get() + 1));
        let outcome = crate::panic_hook::quietly(|| f(r.hook.as_ref()));
        let _ = IN_HOOK.try_with(|n| n.set(n.get().saturating_sub(1)));
        let failure = match outcome {
            Ok(Ok(())) => continue,
            Ok(Err(e)) => e.to_string(),
            Err(panic) => format!("panicked: {panic}"),
        };
        FAILURES.fetch_add(1, Ordering::Relaxed);
        if !r.reported.swap(true, Ordering::Relaxed) {
            eprintln!("aitrace: a trace processor failed in {what} ({failure}); further failures of this processor are counted, not printed");
        }
    }
}
