//! The console exporter's output: text handed to a thread of its own through a
//! bounded buffer, so that a terminal that does not read (a pipe nobody drains,
//! a paused terminal) never blocks the thread that ended a span.
//!
//! What does not fit in the buffer is dropped and counted, and when the writer
//! can write again it first prints one line saying how much was dropped. A write
//! error is kept: output after it is dropped and counted, and flushes report it.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Instant;

/// Default bound of the text waiting to be written: 1 MiB, several hundred traces.
pub const DEFAULT_MAX_BUFFERED_OUTPUT: usize = 1024 * 1024;

/// Why a flush of the console output did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FlushFailure {
    /// The writer failed (the first error seen).
    Write(String),
    /// The deadline passed with this many bytes still waiting.
    Timeout(usize),
}

/// The shared state of the buffer and its writer thread.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when text arrives, when a write finishes, and when closing.
    changed: Condvar,
}

/// One trace's text, and what was dropped right after it arrived.
struct Chunk {
    text: String,
    dropped_after: (u64, u64),
}

struct Queue {
    chunks: VecDeque<Chunk>,
    bytes: usize,
    max_bytes: usize,
    /// A chunk was taken by the writer and is being written.
    writing: bool,
    /// The writer until the thread starts (it starts with the first output).
    writer: Option<Box<dyn Write + Send>>,
    started: bool,
    /// Traces (chunks) dropped, and their bytes, while nothing was queued: a
    /// notice goes before the next chunk. (Drops while chunks are queued go on
    /// the last of them, so that each notice stands where the loss happened.)
    unreported: (u64, u64),
    /// Every chunk dropped, for [`Output::dropped`].
    dropped: u64,
    error: Option<String>,
    closed: bool,
}

/// The sending side, shared by the clones of one console exporter. Dropping
/// the last one lets the thread write what is left and end.
pub(crate) struct Output {
    shared: Arc<Shared>,
}

impl Drop for Output {
    fn drop(&mut self) {
        self.lock().closed = true;
        self.shared.changed.notify_all();
    }
}

impl Output {
    pub(crate) fn new(writer: Box<dyn Write + Send>) -> Output {
        Output {
            shared: Arc::new(Shared {
                queue: Mutex::new(Queue {
                    chunks: VecDeque::new(),
                    bytes: 0,
                    max_bytes: DEFAULT_MAX_BUFFERED_OUTPUT,
                    writing: false,
                    writer: Some(writer),
                    started: false,
                    unreported: (0, 0),
                    dropped: 0,
                    error: None,
                    closed: false,
                }),
                changed: Condvar::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_max_bytes(&self, bytes: usize) {
        self.lock().max_bytes = bytes.max(1);
    }

    /// Pieces of output (one trace each) dropped so far.
    pub(crate) fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// The first write error, if any.
    pub(crate) fn error(&self) -> Option<String> {
        self.lock().error.clone()
    }

    /// Queues `text` for the writer; never waits. Text that does not fit, or
    /// that comes after a write error, is dropped and counted.
    pub(crate) fn send(&self, text: String) {
        if text.is_empty() {
            return;
        }
        let mut q = self.lock();
        if q.error.is_some() || q.bytes + text.len() > q.max_bytes {
            q.dropped += 1;
            let n = text.len() as u64;
            let slot = match q.chunks.back_mut() {
                Some(last) => &mut last.dropped_after,
                None => &mut q.unreported,
            };
            slot.0 += 1;
            slot.1 += n;
            return;
        }
        q.bytes += text.len();
        q.chunks.push_back(Chunk {
            text,
            dropped_after: (0, 0),
        });
        if !q.started {
            q.started = true;
            if let Some(writer) = q.writer.take() {
                let shared = self.shared.clone();
                let spawned = std::thread::Builder::new()
                    .name("aitrace-console".into())
                    .spawn(move || write_loop(&shared, writer));
                if let Err(e) = spawned {
                    q.error = Some(format!("cannot start the console writer thread: {e}"));
                    q.dropped += q.chunks.len() as u64;
                    q.chunks.clear();
                    q.bytes = 0;
                }
            }
        }
        drop(q);
        self.shared.changed.notify_all();
    }

    /// Waits until everything queued before the call is written, or `deadline`.
    pub(crate) fn flush(&self, deadline: Instant) -> Result<(), FlushFailure> {
        let mut q = self.lock();
        loop {
            if let Some(e) = &q.error {
                return Err(FlushFailure::Write(e.clone()));
            }
            if q.chunks.is_empty() && !q.writing {
                return Ok(());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(FlushFailure::Timeout(q.bytes));
            }
            q = self
                .shared
                .changed
                .wait_timeout(q, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}

/// The writer thread: writes chunks in order until closed and empty.
fn write_loop(shared: &Shared, mut writer: Box<dyn Write + Send>) {
    let lock = || shared.queue.lock().unwrap_or_else(|e| e.into_inner());
    let mut q = lock();
    loop {
        let Some(chunk) = q.chunks.pop_front() else {
            if q.closed {
                return;
            }
            q = shared.changed.wait(q).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        q.writing = true;
        let before = std::mem::take(&mut q.unreported);
        drop(q);
        let result = notice(&mut writer, before)
            .and_then(|()| writer.write_all(chunk.text.as_bytes()))
            .and_then(|()| notice(&mut writer, chunk.dropped_after))
            .and_then(|()| writer.flush());
        q = lock();
        q.writing = false;
        q.bytes -= chunk.text.len();
        if let Err(e) = result {
            q.error.get_or_insert_with(|| e.to_string());
            // What waits now cannot be written either.
            q.dropped += q.chunks.len() as u64;
            q.chunks.clear();
            q.bytes = 0;
        }
        shared.changed.notify_all();
    }
}

/// One line saying how much output was dropped at this point, if any was.
fn notice(writer: &mut Box<dyn Write + Send>, (traces, bytes): (u64, u64)) -> std::io::Result<()> {
    if traces == 0 {
        return Ok(());
    }
    let s = if traces == 1 { "" } else { "s" };
    writeln!(
        writer,
        "aitrace: {traces} trace{s} of console output ({bytes} bytes) not printed here: the output was not read fast enough"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A writer that blocks until its gate opens, then keeps what it wrote.
    #[derive(Clone, Default)]
    struct Gate {
        open: Arc<(Mutex<bool>, Condvar)>,
        out: Arc<Mutex<Vec<u8>>>,
    }

    impl Gate {
        fn open(&self) {
            *self.open.0.lock().unwrap() = true;
            self.open.1.notify_all();
        }
        fn text(&self) -> String {
            String::from_utf8(self.out.lock().unwrap().clone()).unwrap()
        }
    }

    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut open = self.open.0.lock().unwrap();
            while !*open {
                open = self.open.1.wait(open).unwrap();
            }
            self.out.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_blocked_writer_costs_dropped_output_not_a_blocked_sender() {
        let gate = Gate::default();
        let output = Output::new(Box::new(gate.clone()));
        output.set_max_bytes(100);
        // The first chunk is taken by the writer, which blocks on it; the next
        // ones fill the buffer, and the rest are dropped, without waiting.
        for i in 0..50 {
            output.send(format!("trace {i:02} ......\n"));
        }
        let dropped = output.dropped();
        assert!(dropped > 30, "{dropped}");
        let deadline = Instant::now() + Duration::from_millis(50);
        assert!(matches!(
            output.flush(deadline),
            Err(FlushFailure::Timeout(_))
        ));
        gate.open();
        output
            .flush(Instant::now() + Duration::from_secs(10))
            .unwrap();
        output.send("after\n".into());
        output
            .flush(Instant::now() + Duration::from_secs(10))
            .unwrap();
        let text = gate.text();
        let kept = 50 - dropped as usize;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), kept + 2, "{text}");
        for (i, line) in lines[..kept].iter().enumerate() {
            assert_eq!(*line, format!("trace {i:02} ......"));
        }
        assert!(
            lines[kept].starts_with(&format!("aitrace: {dropped} traces of console output")),
            "{text}"
        );
        assert_eq!(lines[kept + 1], "after");
    }

    #[test]
    fn a_write_error_is_kept_and_later_output_dropped() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(
                    std::io::ErrorKind::BrokenPipe,
                    "pipe closed",
                ))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let output = Output::new(Box::new(Broken));
        output.send("one\n".into());
        let e = output.flush(Instant::now() + Duration::from_secs(10));
        assert!(
            matches!(&e, Err(FlushFailure::Write(m)) if m.contains("pipe closed")),
            "{e:?}"
        );
        output.send("two\n".into());
        assert_eq!(output.dropped(), 1);
    }
}
