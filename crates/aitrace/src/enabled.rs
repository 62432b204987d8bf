//! Turning tracing off: in code with [`set_enabled`], or with `OTEL_SDK_DISABLED=true`.
//!
//! When tracing is off, no span is recorded and no hook runs, but the code path of
//! the application is the same: every span guard still exists, and still has a
//! valid trace id and span id (inherited from the parent when there is one), so
//! ids promised to logs and API responses are still there. Nothing is sampled.

pub use crate::env::OTEL_SDK_DISABLED as ENV_SDK_DISABLED;

/// Turns tracing on or off for the whole process; overrides `OTEL_SDK_DISABLED`.
/// (Part of the process-wide [`crate::instrumentation::Instrumentation`].)
pub fn set_enabled(enabled: bool) {
    crate::instrumentation::update_global(|i| i.clone().with_enabled(enabled));
}

/// Whether spans are recorded (on this thread: see
/// [`crate::instrumentation::with_instrumentation`]). Read from
/// `OTEL_SDK_DISABLED` the first time: per the specification, only `true` (any
/// case) disables; anything else but `false` is a warning, printed once.
#[inline]
pub fn is_enabled() -> bool {
    crate::instrumentation::with_current(|i| i.enabled)
}

/// A random 64-bit value: SipHash, keyed per thread from the OS, of a per-thread
/// counter. Ids of spans that are not recorded come from here (no dependency on a
/// random number crate in the API crate). Nothing is shared between threads: a
/// process-wide counter would be one cache line written by every span of every
/// thread.
fn random_word(salt: u64) -> u64 {
    use std::cell::Cell;
    use std::hash::{BuildHasher, Hasher};
    thread_local! {
        static STATE: (std::collections::hash_map::RandomState, Cell<u64>) =
            (std::collections::hash_map::RandomState::new(), Cell::new(0));
    }
    STATE.with(|(key, counter)| {
        let n = counter.get().wrapping_add(1);
        counter.set(n);
        let mut h = key.build_hasher();
        h.write_u64(n ^ salt);
        h.finish()
    })
}

/// A random, non-zero span id.
pub(crate) fn random_u64() -> u64 {
    random_word(0) | 1
}

/// A random, non-zero trace id.
pub(crate) fn random_u128() -> u128 {
    (u128::from(random_word(0x5bd1_e995)) << 64) | u128::from(random_word(!0)) | 1
}
