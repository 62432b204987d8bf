//! A deadline set on the exporter from outside: by the guard's shutdown or
//! flush, so that exports in progress (retrying a dead collector, waiting on a
//! silent one) end by the caller's deadline instead of the export timeout.

use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::Notify;

/// Shared by the guard (which sets it) and the exporter (which obeys it).
#[derive(Clone, Default)]
pub(crate) struct Deadline(Arc<Inner>);

#[derive(Default)]
struct Inner {
    at: Mutex<Option<Instant>>,
    changed: Notify,
}

impl std::fmt::Debug for Deadline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Deadline({:?})", self.get())
    }
}

impl Deadline {
    /// Every export, in progress or to come, ends by `at`.
    pub(crate) fn set(&self, at: Instant) {
        *self.0.at.lock().unwrap_or_else(|e| e.into_inner()) = Some(at);
        self.0.changed.notify_waiters();
    }

    /// Exports are bounded by their own timeout only again (after a flush).
    pub(crate) fn clear(&self) {
        *self.0.at.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.0.changed.notify_waiters();
    }

    pub(crate) fn get(&self) -> Option<Instant> {
        *self.0.at.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Resolves once the deadline, as set now or later, has passed.
    pub(crate) async fn reached(&self) {
        loop {
            let changed = self.0.changed.notified();
            tokio::pin!(changed);
            // Registered before reading, so that a change in between is seen.
            changed.as_mut().enable();
            match self.get() {
                Some(at) => tokio::select! {
                    () = tokio::time::sleep_until(at.into()) => {
                        // Cleared or moved meanwhile? Look again.
                        if self.get().is_some_and(|now| now <= Instant::now()) {
                            return;
                        }
                    }
                    () = &mut changed => {}
                },
                None => changed.await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn waits_until_set_and_passed() {
        let d = Deadline::default();
        let waiting = tokio::spawn({
            let d = d.clone();
            async move { d.reached().await }
        });
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(!waiting.is_finished(), "no deadline yet");
        d.set(Instant::now() + Duration::from_millis(30));
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the deadline was reached")
            .unwrap();
        d.clear();
        assert_eq!(d.get(), None);
    }
}
