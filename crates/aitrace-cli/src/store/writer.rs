//! The one thread that writes the store. Requests queue on a bounded channel
//! (a full queue holds senders back: backpressure, not loss); the thread takes
//! what is waiting, up to [`MAX_SPANS_PER_TRANSACTION`], stores it in one
//! transaction, and only after the commit answers each request. A failed
//! transaction answers every request of it with the error, so a span is never
//! acknowledged unless it is on disk.

use super::ingest::{self, ResourceIds, Stored};
use super::retention;
use super::{StoreError, StoreOptions};
use crate::otlp::Batch;
use rusqlite::{Connection, TransactionBehavior};
use std::fs::File;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Requests waiting for the writer, at most.
const QUEUE: usize = 256;
/// Spans stored in one transaction, at most (a bigger one holds readers' view
/// of new data back longer, and its failure fails more requests).
pub const MAX_SPANS_PER_TRANSACTION: usize = 50_000;
/// Storage errors are printed at most this often (the count of the others is kept).
const ERROR_EVERY: Duration = Duration::from_secs(10);

enum Msg {
    Store(Job),
    Retention,
}

struct Job {
    batch: Batch,
    reply: oneshot::Sender<Result<Stored, StoreError>>,
}

/// Sends batches to the writer. Cheap to clone.
#[derive(Clone, Debug)]
pub struct WriterHandle {
    tx: mpsc::Sender<Msg>,
}

impl std::fmt::Debug for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Msg::Store(_) => "Store",
            Msg::Retention => "Retention",
        })
    }
}

impl WriterHandle {
    /// Stores `batch` and returns once it is committed.
    ///
    /// # Errors
    /// The [`StoreError`] that failed its transaction; nothing of the batch
    /// was stored.
    pub async fn store(&self, batch: Batch) -> Result<Stored, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send(Msg::Store(Job { batch, reply }))
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Asks the writer to apply retention now.
    pub async fn run_retention(&self) {
        let _ = self.tx.send(Msg::Retention).await;
    }
}

/// The writer thread. It ends, after storing what was queued, when every
/// [`WriterHandle`] is dropped; [`Writer::join`] waits for that.
pub struct Writer {
    thread: JoinHandle<()>,
}

impl Writer {
    /// Starts the writer on `conn` (holding `lock` until it ends).
    pub fn start(conn: Connection, lock: File, options: StoreOptions) -> (Writer, WriterHandle) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("aitrace-store".into())
            .spawn(move || {
                run(conn, rx, &options);
                drop(lock);
            })
            .expect("the writer thread starts");
        (Writer { thread }, WriterHandle { tx })
    }

    /// Waits for the writer to finish (after every handle is dropped).
    pub fn join(self) {
        let _ = self.thread.join();
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Msg>, options: &StoreOptions) {
    let mut resources = ResourceIds::default();
    let mut errors = ErrorLog::default();
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = Vec::new();
        let mut retention_due = false;
        let mut spans = 0;
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                Msg::Store(job) => {
                    spans += job.batch.spans.len();
                    jobs.push(job);
                }
                Msg::Retention => retention_due = true,
            }
            if spans < MAX_SPANS_PER_TRANSACTION {
                next = rx.try_recv().ok();
            }
        }
        if !jobs.is_empty() {
            store(&mut conn, jobs, &mut resources, &mut errors, options);
        }
        if retention_due {
            match retention::run(&conn, options) {
                Ok(report) if report.traces > 0 => note!("aitrace serve: {report}"),
                Ok(_) => {}
                Err(e) => errors.report(&StoreError::from_sqlite(&options.path, &e), 0),
            }
        }
    }
    // The last writer out folds the WAL into the database file.
    let _ = conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);");
}

/// Stores `jobs` in one transaction and answers each of them: with what was
/// stored once it is committed, or with the error that failed it.
fn store(
    conn: &mut Connection,
    jobs: Vec<Job>,
    resources: &mut ResourceIds,
    errors: &mut ErrorLog,
    options: &StoreOptions,
) {
    let (batches, replies): (Vec<Batch>, Vec<_>) =
        jobs.into_iter().map(|j| (j.batch, j.reply)).unzip();
    let spans: usize = batches.iter().map(|b| b.spans.len()).sum();
    // A bug must fail these requests, not end the writer (and with it every
    // later request): the transaction rolls back as it unwinds.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        transaction(conn, batches, resources)
    }))
    .unwrap_or_else(|panic| {
        resources.rollback();
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERNAL),
            Some(format!("internal error while storing: {what}")),
        ))
    });
    match outcome {
        Ok(stored) => {
            for (reply, s) in replies.into_iter().zip(stored) {
                let _ = reply.send(Ok(s));
            }
        }
        Err(e) => {
            let e = StoreError::from_sqlite(&options.path, &e);
            errors.report(&e, spans);
            for reply in replies {
                let _ = reply.send(Err(e.clone()));
            }
        }
    }
}

fn transaction(
    conn: &mut Connection,
    batches: Vec<Batch>,
    resources: &mut ResourceIds,
) -> rusqlite::Result<Vec<Stored>> {
    let outcome = (|| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored = ingest::apply(&tx, batches, resources)?;
        tx.commit()?;
        Ok(stored)
    })();
    match outcome {
        Ok(stored) => {
            resources.commit();
            Ok(stored)
        }
        Err(e) => {
            resources.rollback();
            Err(e)
        }
    }
}

/// Prints storage errors on stderr, at most one line per [`ERROR_EVERY`],
/// with the number of spans refused since the last line.
#[derive(Default)]
struct ErrorLog {
    last: Option<Instant>,
    refused: usize,
}

impl ErrorLog {
    fn report(&mut self, e: &StoreError, spans: usize) {
        self.refused += spans;
        if self.last.is_some_and(|t| t.elapsed() < ERROR_EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        note!(
            "aitrace serve: {e} ({} span{} refused and not acknowledged; senders retry)",
            self.refused,
            if self.refused == 1 { "" } else { "s" }
        );
        self.refused = 0;
    }
}
