//! Which aitrace model call spans (generation, embeddings, transcription, speech)
//! are open right now, for pipelines that must not count one call twice.
//!
//! When an LLM client library that emits its own `gen_ai.*` span is called inside
//! an aitrace generation, the same request is described twice; the aitrace span
//! is the one that counts. `aitrace-sdk` turns tracking on ([`track`]) and, when a
//! span starts whose parent is an open model call ([`is_open`]), or is itself
//! below one, leaves that span's usage uncounted.
//!
//! Tracking is off until a pipeline asks for it, and then costs a recording
//! model call span one insert and one remove in a small sharded set — far less
//! than a marker in the OpenTelemetry context, which would copy the context's
//! map for every model call (about 800 instructions, measured with callgrind).
//!
//! ```
//! # let _ = aitrace_sdk::testing::install_in_memory();
//! aitrace::model_calls::track();
//! let call = aitrace::generation("openai", "gpt-4o").start();
//! assert!(aitrace::model_calls::is_open(call.span_id()));
//! let id = call.span_id();
//! call.end();
//! assert!(!aitrace::model_calls::is_open(id));
//! ```

use opentelemetry::trace::SpanId;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

static TRACKING: AtomicBool = AtomicBool::new(false);
/// How many model calls are open: lets a lookup skip the locks when none is.
static OPEN_COUNT: AtomicUsize = AtomicUsize::new(0);

/// Open model calls, in shards chosen by span id so that threads rarely share a
/// lock; a shard holds the few calls open at once, searched in order.
const SHARDS: usize = 16;
static OPEN: [Mutex<Vec<SpanId>>; SHARDS] = [const { Mutex::new(Vec::new()) }; SHARDS];

fn shard(id: SpanId) -> &'static Mutex<Vec<SpanId>> {
    let bytes = id.to_bytes();
    &OPEN[usize::from(bytes[7]) % SHARDS]
}

/// Starts tracking open model calls, for the rest of the process. Model call
/// spans already open are not known.
pub fn track() {
    TRACKING.store(true, Ordering::Release);
}

/// Whether open model calls are tracked.
#[inline]
pub fn is_tracked() -> bool {
    TRACKING.load(Ordering::Acquire)
}

/// Whether `span_id` is an aitrace model call span that started while tracking
/// was on and has not ended.
pub fn is_open(span_id: SpanId) -> bool {
    if OPEN_COUNT.load(Ordering::Acquire) == 0 {
        return false;
    }
    shard(span_id)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&span_id)
}

/// Notes a recording model call span that started; true when noted.
pub(crate) fn opened(span_id: SpanId) -> bool {
    if !is_tracked() {
        return false;
    }
    shard(span_id)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(span_id);
    OPEN_COUNT.fetch_add(1, Ordering::AcqRel);
    true
}

/// Notes that a model call span noted by [`opened`] ended.
pub(crate) fn closed(span_id: SpanId) {
    let mut open = shard(span_id).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(at) = open.iter().position(|id| *id == span_id) {
        open.swap_remove(at);
        OPEN_COUNT.fetch_sub(1, Ordering::AcqRel);
    }
}
