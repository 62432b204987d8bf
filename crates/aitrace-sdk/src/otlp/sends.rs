//! The sends an exporter has handed to its runtime and not yet settled, for the
//! waits that cannot await them: a flush or a shutdown called from any thread,
//! inside or outside an async runtime.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// A count of sends in progress, and a way to wait for none.
#[derive(Debug, Default)]
pub(crate) struct Sends {
    running: Mutex<usize>,
    idle: Condvar,
}

/// One send in progress; settled when dropped (also when its task is cancelled
/// or panics, so that a wait never outlives it).
#[derive(Debug)]
pub(crate) struct Running(Arc<Sends>);

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.0.running.lock().unwrap_or_else(|e| e.into_inner());
        *running = running.saturating_sub(1);
        if *running == 0 {
            self.0.idle.notify_all();
        }
    }
}

impl Sends {
    /// Counts a send as running until the returned value is dropped.
    pub(crate) fn begin(self: &Arc<Self>) -> Running {
        *self.running.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        Running(self.clone())
    }

    /// Waits until no send is running, at most `timeout`; true if none is.
    pub(crate) fn wait_idle(&self, timeout: Duration) -> bool {
        let end = Instant::now().checked_add(timeout);
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        while *running > 0 {
            let left = match end {
                Some(end) => end.saturating_duration_since(Instant::now()),
                // A timeout too long to add to the clock: no end.
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return false;
            }
            running = self
                .idle
                .wait_timeout(running, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_the_last_send_and_no_longer_than_asked() {
        let sends = Arc::new(Sends::default());
        assert!(sends.wait_idle(Duration::ZERO), "nothing running");
        let running = sends.begin();
        assert!(!sends.wait_idle(Duration::from_millis(20)), "one running");
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            drop(running);
        });
        assert!(sends.wait_idle(Duration::from_secs(10)), "settled");
        t.join().unwrap();
    }
}
