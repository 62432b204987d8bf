//! Shared helpers for the aitrace-cli integration tests: the `aitrace`
//! binary started on ephemeral loopback ports with a store of its own, a
//! plain HTTP/1.1 client, OTLP requests built by hand, and `aitrace query`.
//!
//! Include from a test file with `mod support;`.
#![allow(dead_code)]

pub mod grpc;
pub mod http;
pub mod otlp;

use serde_json::Value as Json;
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a server gets to start, or a wait to come true.
pub const WAIT: Duration = Duration::from_secs(30);

/// The `aitrace` binary under test.
pub fn aitrace() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aitrace"))
}

/// The repository root (the nearest ancestor holding `scripts/test.sh`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|d| d.join("scripts/test.sh").is_file())
        .unwrap_or_else(|| panic!("no scripts/test.sh above {}", here.display()))
        .to_path_buf()
}

/// A directory of its own under the system's temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new, empty directory named after `name`.
    pub fn new(name: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "aitrace-cli-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary directory");
        TempDir(dir)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The trace store's path inside it.
    pub fn db(&self) -> PathBuf {
        self.0.join("traces.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `aitrace serve`.
pub struct Server {
    child: Option<Child>,
    /// The OTLP/gRPC address.
    pub grpc: SocketAddr,
    /// The OTLP/HTTP and web address.
    pub http: SocketAddr,
    /// The store.
    pub db: PathBuf,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

/// What a server that did not start said.
#[derive(Debug)]
pub struct Failed {
    /// Its exit status, if it exited.
    pub status: Option<ExitStatus>,
    /// What it printed on stderr.
    pub stderr: String,
}

impl Server {
    /// Starts a server with a store in `dir`, on ephemeral ports, with `args`
    /// and `env` added.
    ///
    /// # Panics
    /// If it does not start: use [`Server::try_start`] for that.
    pub fn start(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> Server {
        Server::try_start(dir, args, env)
            .unwrap_or_else(|f| panic!("aitrace serve did not start: {f:?}"))
    }

    /// Starts a server, or says how it failed.
    pub fn try_start(dir: &TempDir, args: &[&str], env: &[(&str, &str)]) -> Result<Server, Failed> {
        let mut cmd = aitrace();
        cmd.arg("serve")
            .arg("--db")
            .arg(dir.db())
            .args(["--grpc-port", "0", "--http-port", "0"])
            .args(args)
            .env_remove("AITRACE_TOKEN")
            .env_remove("AITRACE_DB")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Server::spawn(cmd, dir.db())
    }

    /// Starts `cmd` (an `aitrace serve` command line) and waits for its banner.
    pub fn spawn(mut cmd: Command, db: PathBuf) -> Result<Server, Failed> {
        let mut child = cmd.spawn().expect("aitrace starts");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<(Option<SocketAddr>, Option<SocketAddr>)>();
        let out = child.stdout.take().expect("stdout");
        let keep = stdout.clone();
        std::thread::spawn(move || {
            let mut grpc = None;
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                keep.lock().unwrap().push_str(&format!("{line}\n"));
                if let Some(a) = line.strip_prefix("  OTLP/gRPC  http://") {
                    grpc = a.trim().parse().ok();
                }
                if let Some(a) = line.strip_prefix("  web view   http://") {
                    let http = a.trim().trim_end_matches('/').parse().ok();
                    let _ = tx.send((grpc, http));
                }
            }
        });
        let err = child.stderr.take().expect("stderr");
        let keep = stderr.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(err);
            let mut buf = [0u8; 4096];
            while let Ok(n) = r.read(&mut buf) {
                if n == 0 {
                    break;
                }
                keep.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok((Some(grpc), Some(http))) = rx.try_recv() {
                return Ok(Server {
                    child: Some(child),
                    grpc,
                    http,
                    db,
                    stdout,
                    stderr,
                });
            }
            if let Ok(Some(status)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                return Err(Failed {
                    status: Some(status),
                    stderr: stderr.lock().unwrap().clone(),
                });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Failed {
                    status: None,
                    stderr: stderr.lock().unwrap().clone(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The OTLP/HTTP base URL (`http://127.0.0.1:port`).
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http)
    }

    /// The OTLP/gRPC URL.
    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// What it printed on stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Stops it with SIGTERM, as a user's Ctrl-C would, and returns its exit
    /// status and stderr.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let status =
            wait_exit(&mut child, WAIT).expect("aitrace serve stops within 30 s of SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
        (status, self.stderr())
    }

    /// Kills it at once (SIGKILL), as a crash would.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits up to `timeout` for `child` to exit.
pub fn wait_exit(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(s)) = child.try_wait() {
            return Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits up to [`WAIT`] for `cond` to hold; false if it never did.
pub fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

/// `aitrace query --db <db> --format json <args>`: the traces it printed.
///
/// # Panics
/// If the command fails or prints something else than a JSON array.
pub fn query_json(db: &Path, args: &[&str]) -> Vec<Json> {
    let out = aitrace()
        .args(["query", "--format", "json", "--db"])
        .arg(db)
        .args(args)
        .env_remove("AITRACE_DB")
        .output()
        .expect("aitrace query runs");
    assert!(
        out.status.success(),
        "aitrace query {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_slice(&out.stdout) {
        Ok(Json::Array(a)) => a,
        other => panic!("aitrace query printed no JSON array: {other:?}"),
    }
}

/// The one trace `aitrace query <trace_id>` prints.
pub fn stored_trace(db: &Path, trace_id: &str) -> Json {
    let mut traces = query_json(db, &[trace_id]);
    assert_eq!(traces.len(), 1, "{traces:?}");
    traces.remove(0)
}

/// The spans of a stored trace as `(indent, name)`: its tree shape.
pub fn shape(trace: &Json) -> Vec<String> {
    trace["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|s| {
            format!(
                "{}{}",
                "  ".repeat(s["depth"].as_u64().unwrap_or(0) as usize),
                s["name"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// The span named `name` of a stored trace.
pub fn span<'a>(trace: &'a Json, name: &str) -> &'a Json {
    trace["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no span {name} in {trace}"))
}
