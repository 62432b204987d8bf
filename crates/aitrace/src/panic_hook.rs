//! Panics as aitrace sees them: the message a span that ends in a panic records,
//! and quiet isolation of code of yours that aitrace runs (hooks, redactors).
//!
//! [`install_panic_hook`] adds a panic hook in front of the one in place (the
//! standard one prints the message and, with `RUST_BACKTRACE`, a backtrace). For
//! every panic it notes the message and where it happened, and which span was
//! current, then hands over to the previous hook — except for panics inside a
//! hook or redactor of yours, which aitrace catches and reports once per hook
//! itself, so they print nothing. `aitrace_sdk::init()` installs it; without it,
//! a span that ends in a panic still ends in error, with a generic message.
//!
//! A hook installed later by the application replaces this one (Rust keeps one
//! hook); spans then record the generic message.

use opentelemetry::trace::{SpanId, TraceContextExt};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

/// What a span records when the hook did not see its panic.
pub(crate) const UNKNOWN_PANIC: &str =
    "the thread panicked while the span was open (no message: aitrace's panic hook is not installed)";

thread_local! {
    /// The message of the last panic of this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
    /// Above zero while code of the user's runs under [`quietly`].
    static QUIET: Cell<u32> = const { Cell::new(0) };
}

/// Spans that were current when a panic began, with its message, newest last;
/// bounded, since a span whose guard is never dropped never collects its entry.
/// A guard dropped after the panic was caught (an executor dropping a task's
/// future) finds its span here.
static PANICKED: Mutex<VecDeque<(SpanId, String)>> = Mutex::new(VecDeque::new());
/// How many entries `PANICKED` holds: lets a guard skip the lock in the common case.
static PANICKED_LEN: AtomicUsize = AtomicUsize::new(0);
const MAX_PANICKED: usize = 256;

/// Installs aitrace's panic hook in front of the current one, once per process.
///
/// ```
/// aitrace::install_panic_hook();
/// let caught = std::panic::catch_unwind(|| {
///     let _tool = aitrace::tool("explode").start();
///     panic!("the tool exploded");
/// });
/// assert!(caught.is_err()); // the span ended in error, with "the tool exploded"
/// ```
pub fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            note(info);
            if QUIET.try_with(Cell::get).unwrap_or(0) == 0 {
                previous(info);
            }
        }));
    });
}

/// Notes the message of a panic, and the span current where it began.
fn note(info: &PanicHookInfo<'_>) {
    let any = info.payload();
    let payload = any
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| any.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("Box<dyn Any>");
    let message = match info.location() {
        Some(at) => format!("{payload} (at {}:{})", at.file(), at.line()),
        None => payload.to_string(),
    };
    let current = opentelemetry::Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| sc.span_id())
    });
    if let Some(span_id) = current {
        let mut panicked = PANICKED.lock().unwrap_or_else(|e| e.into_inner());
        if panicked.len() == MAX_PANICKED {
            panicked.pop_front();
        }
        panicked.push_back((span_id, message.clone()));
        PANICKED_LEN.store(panicked.len(), Ordering::Release);
    }
    let _ = LAST.try_with(|l| *l.borrow_mut() = Some(message));
}

/// The message of the panic this thread is unwinding from.
pub(crate) fn message_of_current_panic() -> String {
    LAST.try_with(|l| l.borrow().clone())
        .ok()
        .flatten()
        .unwrap_or_else(|| UNKNOWN_PANIC.to_string())
}

/// The message of a panic that began while `span_id` was the current span, if
/// the hook saw one; the entry is taken.
pub(crate) fn take_panic_of(span_id: SpanId) -> Option<String> {
    if PANICKED_LEN.load(Ordering::Acquire) == 0 {
        return None;
    }
    let mut panicked = PANICKED.lock().unwrap_or_else(|e| e.into_inner());
    let at = panicked.iter().rposition(|(id, _)| *id == span_id)?;
    let message = panicked.remove(at).map(|(_, message)| message);
    PANICKED_LEN.store(panicked.len(), Ordering::Release);
    message
}

/// Runs code of the user's (a hook, a redactor) and catches its panic, which the
/// panic hook does not print; returns the panic's message instead.
pub(crate) fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    let _ = QUIET.try_with(|q| q.set(q.get() + 1));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
    let _ = QUIET.try_with(|q| q.set(q.get().saturating_sub(1)));
    outcome.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic with a payload that is not text".to_string())
    })
}
