//! A real MLflow tracking server for end-to-end tests: `mlflow server` (installed
//! from PyPI by `scripts/install_peers.sh mlflow`) on a free loopback port, with a
//! throw-away SQLite store, and MLflow's own Python client to read back what it made
//! of the spans it received.
//!
//! ```ignore
//! let mlflow = Mlflow::start();
//! // OTLP/HTTP protobuf to mlflow.endpoint() (+ /v1/traces), with the header
//! // Mlflow::EXPERIMENT_HEADER = Mlflow::DEFAULT_EXPERIMENT
//! let trace = mlflow.read_trace(&trace_id.to_string(), 14, Duration::from_secs(60));
//! ```
//!
//! MLflow accepts OTLP over HTTP only (protobuf or JSON, at `/v1/traces`), and only
//! with an `x-mlflow-experiment-id` header (422 without it). The installer is run once
//! per test process (it returns at once when MLflow is installed; the first install
//! takes minutes and about 850 MB). Every instance has its own temporary directory
//! (store, artifacts, log); the server's process group is killed on [`Mlflow::stop`]
//! and on drop, and a watchdog kills it if the test process dies without running
//! destructors.

use serde_json::Value;
use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long the server may take to answer `/health` (it imports a large Python
/// application: about 10 s on a quiet machine, much more on a loaded one).
const START_TIMEOUT: Duration = Duration::from_secs(180);

/// Runs `mlflow server` in a process group of its own (its workers included), with
/// the shell's stdin tied to the test process: when that pipe closes (on stop, on
/// drop, or because the test process died) the whole group is killed.
const WATCHDOG: &str = r#"exec 3<&0 0</dev/null
setsid "$0" "$@" &
pid=$!
echo "$pid" > "$AITRACE_MLFLOW_PID_FILE"
(read -r _ <&3; kill -TERM -- "-$pid" 2>/dev/null; sleep 3; kill -KILL -- "-$pid" 2>/dev/null) &
wait "$pid""#;

static INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// A running MLflow tracking server owned by one test.
pub struct Mlflow {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    /// Closing it makes the watchdog kill the server's process group.
    lifeline: Option<ChildStdin>,
}

/// One span as MLflow stores it.
#[derive(Debug, Clone)]
pub struct MlflowSpan {
    pub name: String,
    pub span_id: String,
    pub parent_id: Option<String>,
    /// `AGENT`, `LLM`, `CHAT_MODEL`, `TOOL`, `RETRIEVER`, `EMBEDDING`, `CHAIN`,
    /// `GUARDRAIL`, …; `(none)` or `UNKNOWN` when MLflow could not classify the span.
    pub span_type: String,
    pub inputs: Value,
    pub outputs: Value,
    /// `{"input_tokens", "output_tokens", "total_tokens"}` when MLflow found usage.
    pub token_usage: Value,
    /// `{"input_cost", "output_cost", "total_cost"}` when MLflow priced the span.
    pub cost: Value,
    pub model: Value,
    pub provider: Value,
}

/// One trace as MLflow's client reads it back.
#[derive(Debug, Clone)]
pub struct MlflowTrace {
    pub trace_id: String,
    pub state: String,
    pub request_preview: Option<String>,
    pub response_preview: Option<String>,
    pub session: Option<String>,
    pub user: Option<String>,
    pub token_usage: Value,
    pub cost: Value,
    pub spans: Vec<MlflowSpan>,
    /// What the reader printed, for failure messages.
    pub raw: Value,
}

impl MlflowTrace {
    /// The span with this name; panics listing the names when there is none.
    pub fn span(&self, name: &str) -> &MlflowSpan {
        self.spans
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "MLflow has no span named {name:?}; it has {:?}",
                    self.spans.iter().map(|s| &s.name).collect::<Vec<_>>()
                )
            })
    }
}

impl Mlflow {
    /// The header MLflow requires on every OTLP request.
    pub const EXPERIMENT_HEADER: &'static str = "x-mlflow-experiment-id";
    /// The experiment every new store has.
    pub const DEFAULT_EXPERIMENT: &'static str = "0";

    /// Starts a server on a free loopback port and waits until it answers
    /// `/health`. Panics (with the server's log) when it cannot.
    pub fn start() -> Mlflow {
        let n = INSTANCES.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("aitrace-mlflow-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create MLflow temp dir");
        let mut mlflow = Mlflow {
            dir,
            port: 0,
            child: None,
            lifeline: None,
        };
        // Another process may take the port between probing it and MLflow binding it.
        for attempt in 1..=3 {
            mlflow.port = free_port();
            match mlflow.launch() {
                Ok(()) => return mlflow,
                Err(e) if attempt < 3 && e.contains("in use") => mlflow.stop(),
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    /// `http://127.0.0.1:PORT`: the OTLP/HTTP base endpoint (traces go to
    /// `/v1/traces`) and the tracking URI.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("mlflow.log")
    }

    /// Waits until MLflow holds the trace with OpenTelemetry id `trace_id` (32 hex
    /// digits) and at least `spans` spans, and returns it as MLflow's client reads
    /// it. Panics with the reader's message and the server's log when it does not
    /// arrive within `timeout`.
    pub fn read_trace(&self, trace_id: &str, spans: usize, timeout: Duration) -> MlflowTrace {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mlflow_trace.py");
        let out = Command::new(&peer().python)
            .arg(&script)
            .arg(self.endpoint())
            .arg(trace_id)
            .arg(spans.to_string())
            .arg(timeout.as_secs_f64().to_string())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", peer().python.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{} failed ({}):\n{}\n{stdout}\nserver log ({}):\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr),
            self.log_path().display(),
            tail(&self.log(), 40)
        );
        let raw: Value = serde_json::from_str(stdout.trim())
            .unwrap_or_else(|e| panic!("the reader printed no JSON ({e}):\n{stdout}"));
        parse_trace(raw)
    }

    /// Kills the server's process group and waits for it. Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        drop(self.lifeline.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            sleep(Duration::from_millis(20));
        }
        if matches!(child.try_wait(), Ok(None)) {
            if let Ok(pid) = fs::read_to_string(self.dir.join("mlflow.pid")) {
                let group = format!("-{}", pid.trim());
                let _ = Command::new("kill").args(["-9", "--", &group]).status();
            }
            let _ = child.kill();
        }
        let _ = child.wait();
    }

    /// Spawns the server and waits for `/health`; on failure returns a message
    /// including the log.
    fn launch(&mut self) -> Result<(), String> {
        let log = File::create(self.log_path())
            .map_err(|e| format!("create {}: {e}", self.log_path().display()))?;
        let store = format!("sqlite:///{}", self.dir.join("mlflow.db").display());
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(WATCHDOG).arg(&peer().mlflow);
        cmd.args(["server", "--host", "127.0.0.1", "--port"])
            .arg(self.port.to_string())
            .args(["--workers", "1", "--backend-store-uri"])
            .arg(store)
            .arg("--default-artifact-root")
            .arg(self.dir.join("artifacts"));
        // The job runner (seven worker processes, about 1 GB) serves features the
        // tests do not use.
        cmd.env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .env("AITRACE_MLFLOW_PID_FILE", self.dir.join("mlflow.pid"))
            .stdin(Stdio::piped())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", peer().mlflow.display()))?;
        self.lifeline = child.stdin.take();
        self.child = Some(child);

        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.as_mut().unwrap().try_wait() {
                self.child = None;
                self.lifeline = None;
                return Err(format!(
                    "mlflow server exited ({status}) before answering on 127.0.0.1:{}; its log ({}):\n{}",
                    self.port,
                    self.log_path().display(),
                    tail(&self.log(), 40)
                ));
            }
            if healthy(self.port) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let log = self.log();
                self.stop();
                return Err(format!(
                    "mlflow server not answering /health on 127.0.0.1:{} after {START_TIMEOUT:?}; log:\n{}",
                    self.port,
                    tail(&log, 40)
                ));
            }
            sleep(Duration::from_millis(250));
        }
    }
}

impl Drop for Mlflow {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("MLflow log kept at {}", self.log_path().display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn parse_trace(raw: Value) -> MlflowTrace {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let spans = raw["spans"]
        .as_array()
        .unwrap_or_else(|| panic!("no spans in {raw}"))
        .iter()
        .map(|s| MlflowSpan {
            name: text(&s["name"]).unwrap_or_default(),
            span_id: text(&s["span_id"]).unwrap_or_default(),
            parent_id: text(&s["parent_id"]),
            // MLflow leaves the type empty when nothing told it what the span is.
            span_type: text(&s["span_type"]).unwrap_or_else(|| "(none)".to_owned()),
            inputs: s["inputs"].clone(),
            outputs: s["outputs"].clone(),
            token_usage: s["token_usage"].clone(),
            cost: s["cost"].clone(),
            model: s["model"].clone(),
            provider: s["provider"].clone(),
        })
        .collect();
    MlflowTrace {
        trace_id: text(&raw["trace_id"]).unwrap_or_default(),
        state: text(&raw["state"]).unwrap_or_default(),
        request_preview: text(&raw["request_preview"]),
        response_preview: text(&raw["response_preview"]),
        session: text(&raw["session"]),
        user: text(&raw["user"]),
        token_usage: raw["token_usage"].clone(),
        cost: raw["cost"].clone(),
        spans,
        raw,
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Whether `GET /health` answers 200.
fn healthy(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.") && &head[9..12] == b"200"
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

/// Where the installer put MLflow.
struct Peer {
    mlflow: PathBuf,
    python: PathBuf,
}

/// The paths printed by `scripts/install_peers.sh mlflow` (run once per test
/// process; it returns at once when MLflow is already installed).
fn peer() -> &'static Peer {
    static PEER: OnceLock<Peer> = OnceLock::new();
    PEER.get_or_init(|| {
        let found = super::install_peer_paths("mlflow");
        let path = |name: &str| {
            let p = found
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, p)| PathBuf::from(p))
                .unwrap_or_else(|| panic!("the installer printed no {name}= line: {found:?}"));
            assert!(
                p.exists(),
                "installer reported {}, which is missing",
                p.display()
            );
            p
        };
        Peer {
            mlflow: path("mlflow"),
            python: path("mlflow-python"),
        }
    })
}
