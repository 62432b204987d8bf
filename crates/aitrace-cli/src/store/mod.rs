//! The trace store: one SQLite file in WAL mode, written by one thread
//! ([`writer`]) in batched transactions, read by any number of connections
//! ([`read`]), pruned by age and size ([`retention`]).

pub mod ingest;
pub mod read;
pub mod retention;
pub mod schema;
pub mod writer;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a statement waits for a lock held by another connection before
/// it fails with "locked".
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the store cannot be opened or written. Each message names the file and
/// says what to do.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum StoreError {
    /// Another `aitrace serve` holds the store.
    #[error("another aitrace serve is already using {path} (it holds {lock}); stop it, or give this one another file with --db")]
    InUse {
        /// The database file.
        path: String,
        /// The lock file.
        lock: String,
    },
    /// No database at the path (readers only).
    #[error("no trace store at {path}: start `aitrace serve` first, or name the file with --db")]
    Missing {
        /// The database file.
        path: String,
    },
    /// The file is not an SQLite database, or is damaged.
    #[error("{path} is not an SQLite database or is damaged ({detail}); move it aside, or give another file with --db")]
    Corrupt {
        /// The database file.
        path: String,
        /// SQLite's message.
        detail: String,
    },
    /// The file is some other program's database.
    #[error(
        "{path} is an SQLite database but not an aitrace trace store; give another file with --db"
    )]
    Foreign {
        /// The database file.
        path: String,
    },
    /// The file was made by a later aitrace.
    #[error("{path} was written by a newer aitrace (schema version {found}; this one reads version {known}); upgrade aitrace, or give another file with --db")]
    Newer {
        /// The database file.
        path: String,
        /// Its schema version.
        found: i64,
        /// The version this program knows.
        known: i64,
    },
    /// Another process holds a lock on the database for too long.
    #[error("{path} is locked by another process ({detail}); close the program holding it")]
    Locked {
        /// The database file.
        path: String,
        /// SQLite's message.
        detail: String,
    },
    /// The disk is full (or a file size limit was reached).
    #[error("cannot write to {path}: {detail}; free some space (or lower --max-size), the spans will be accepted again once there is room")]
    Full {
        /// The database file.
        path: String,
        /// What failed.
        detail: String,
    },
    /// Anything else SQLite or the file system reported.
    #[error("trace store {path}: {detail}")]
    Other {
        /// The database file.
        path: String,
        /// What failed.
        detail: String,
    },
    /// The writer has stopped (the server is shutting down).
    #[error("the trace store is shutting down")]
    Closed,
}

impl StoreError {
    /// Classifies an SQLite error on the file at `path`.
    pub fn from_sqlite(path: &Path, e: &rusqlite::Error) -> StoreError {
        let path = path.display().to_string();
        let detail = e.to_string();
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt { path, detail }
            }
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Locked { path, detail }
            }
            Some(ErrorCode::DiskFull) => StoreError::Full { path, detail },
            // A write refused by the file system: a full disk or a file size
            // limit (EFBIG) are reported as I/O errors by SQLite.
            Some(ErrorCode::SystemIoFailure) => StoreError::Full {
                path,
                detail: format!("{detail} (a full disk, a file size limit, or a failing disk)"),
            },
            _ => StoreError::Other { path, detail },
        }
    }

    /// Whether the sender should try again later (the spans were not stored,
    /// and may be once the condition clears).
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Locked { .. } | StoreError::Full { .. } | StoreError::Closed
        )
    }
}

/// The store's file and its retention.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// The database file.
    pub path: PathBuf,
    /// Traces that started longer ago than this are deleted (`None`: kept).
    pub max_age: Option<Duration>,
    /// The oldest traces are deleted while the data is larger than this many
    /// bytes (`None`: no limit).
    pub max_bytes: Option<u64>,
}

/// Opens the store for writing, creating the file and its directory if need
/// be, and holds `<file>.lock` so that one `aitrace serve` writes it at a time.
/// Returns the connection and the lock (held while it lives).
///
/// # Errors
/// A [`StoreError`] naming the file and what to do.
pub fn open_for_writing(path: &Path) -> Result<(Connection, File), StoreError> {
    let other = |detail: String| StoreError::Other {
        path: path.display().to_string(),
        detail,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)
            .map_err(|e| other(format!("cannot create {}: {e}", dir.display())))?;
    }
    let lock_path = lock_path(path);
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| other(format!("cannot open {}: {e}", lock_path.display())))?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            return Err(StoreError::InUse {
                path: path.display().to_string(),
                lock: lock_path.display().to_string(),
            })
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(other(format!("cannot lock {}: {e}", lock_path.display())))
        }
    }
    let sqlite = |e: rusqlite::Error| StoreError::from_sqlite(path, &e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    restrict_permissions(path);
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    match schema::inspect(&conn).map_err(sqlite)? {
        schema::Found::Empty => {
            // Before the first table: incremental, so that retention can give
            // freed pages back to the file system.
            conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL")
                .map_err(sqlite)?;
            set_wal(&conn, path)?;
            schema::create(&conn).map_err(sqlite)?;
        }
        schema::Found::Current => set_wal(&conn, path)?,
        schema::Found::Newer(found) => {
            return Err(StoreError::Newer {
                path: path.display().to_string(),
                found,
                known: schema::SCHEMA_VERSION,
            })
        }
        schema::Found::Foreign => {
            return Err(StoreError::Foreign {
                path: path.display().to_string(),
            })
        }
    }
    // FULL: a commit is on disk (the WAL is synced) before the spans are
    // acknowledged, so an acknowledged span survives a power cut too. It costs
    // one fsync per transaction, and transactions are batched.
    conn.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA cache_size = -16000; PRAGMA temp_store = MEMORY;",
    )
    .map_err(sqlite)?;
    Ok((conn, lock))
}

/// Opens the store for reading (queries, `aitrace tail`, the web view), beside
/// a running writer.
///
/// # Errors
/// [`StoreError::Missing`] when there is no file; others as for writing.
pub fn open_for_reading(path: &Path) -> Result<Connection, StoreError> {
    if !path.exists() {
        return Err(StoreError::Missing {
            path: path.display().to_string(),
        });
    }
    let sqlite = |e: rusqlite::Error| StoreError::from_sqlite(path, &e);
    // Read-write without create: a reader of a WAL database may need to create
    // its shared-memory file; `query_only` keeps it from writing anything else.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sqlite)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite)?;
    match schema::inspect(&conn).map_err(sqlite)? {
        schema::Found::Current => {}
        schema::Found::Empty => {
            return Err(StoreError::Missing {
                path: path.display().to_string(),
            })
        }
        schema::Found::Newer(found) => {
            return Err(StoreError::Newer {
                path: path.display().to_string(),
                found,
                known: schema::SCHEMA_VERSION,
            })
        }
        schema::Found::Foreign => {
            return Err(StoreError::Foreign {
                path: path.display().to_string(),
            })
        }
    }
    // A small page cache: readers are several, and the file's pages are in the
    // system's cache anyway.
    conn.execute_batch("PRAGMA query_only = 1; PRAGMA cache_size = -2000;")
        .map_err(sqlite)?;
    Ok(conn)
}

fn set_wal(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(path, &e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Other {
            path: path.display().to_string(),
            detail: format!("cannot switch to WAL mode (the journal mode stays {mode}); is the file on a network file system?"),
        });
    }
    Ok(())
}

/// `<file>.lock`, beside the database.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// Creates `dir` (and its parents); a directory it creates is private to the
/// user on Unix (traces can hold prompts and answers).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Makes the database file readable by its owner only, on Unix.
fn restrict_permissions(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// Nanoseconds since the Unix epoch, as SQLite stores them (saturating).
pub fn ns(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
