//! A real OTLP collector for end-to-end tests: rotel (`rotel-agent`, installed from
//! PyPI by `scripts/install_peers.sh`) listening on two free loopback ports, with a
//! blackhole exporter and a detailed debug log of every span and metric it receives.
//! The log is parsed back into [`ReceivedSpan`]s (and, by `rotel_metrics.rs`, into
//! metric points).
//!
//! ```ignore
//! let rotel = Rotel::start();
//! // point an exporter at rotel.grpc_endpoint() or rotel.http_endpoint() (+ /v1/traces)
//! let spans = rotel.wait_for_spans(3, Duration::from_secs(10));
//! ```
//!
//! The binary is `$AITRACE_ROTEL_BIN` when set; otherwise the installer is run once per
//! test process (it returns at once when rotel is already installed) and its path used.
//! Every instance has its own temporary directory (log, pid file); the process is
//! killed on [`Rotel::stop`] and on drop, and a watchdog kills it if the test process
//! dies without running destructors.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// How long a start may take before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the log must stay unchanged before a wait returns, so that the last span
/// in it is complete.
const SETTLE: Duration = Duration::from_millis(120);
const POLL: Duration = Duration::from_millis(25);

/// Runs rotel-agent with its stdin tied to the test process: when that pipe closes
/// (on stop, on drop, or because the test process died) the agent is killed.
const WATCHDOG: &str = r#"exec 3<&0 0</dev/null
"$0" "$@" 2>&1 &
pid=$!
echo "$pid" > "$AITRACE_ROTEL_PID_FILE"
(read -r _ <&3; kill -9 "$pid" 2>/dev/null) &
wait "$pid""#;

/// One span as rotel logged it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceivedSpan {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits; empty for a root span.
    pub parent_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    pub name: String,
    /// As logged, e.g. `SPAN_KIND_CLIENT`; see [`ReceivedSpan::kind_short`].
    pub kind: String,
    /// `STATUS_CODE_UNSET`, `STATUS_CODE_OK` or `STATUS_CODE_ERROR` (UNSET when the
    /// request carried no status at all).
    pub status_code: String,
    pub status_message: String,
    pub start_time_unix_nano: u64,
    pub end_time_unix_nano: u64,
    /// Key to the value with its type tag, as logged: `Str(gpt-4o)`, `Int(812)`,
    /// `Double(0.5)`, `Bool(true)`, `Slice(Str(a), Str(b))`, `Map(k:Int(1))`,
    /// `Bytes([1, 2])`, `Empty`. Use the typed getters to read them.
    pub attributes: BTreeMap<String, String>,
    pub events: Vec<ReceivedEvent>,
    pub links: Vec<ReceivedLink>,
    /// Attributes of the resource of the batch the span came in (tagged like
    /// `attributes`).
    pub resource: BTreeMap<String, String>,
    pub scope_name: String,
    pub scope_version: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceivedEvent {
    pub name: String,
    pub time_unix_nano: u64,
    pub attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReceivedLink {
    pub trace_id: String,
    pub span_id: String,
    pub trace_state: String,
    pub attributes: BTreeMap<String, String>,
}

impl ReceivedSpan {
    pub fn is_root(&self) -> bool {
        self.parent_id.is_empty()
    }

    /// `client`, `server`, `internal`, `producer`, `consumer` or `unspecified`.
    pub fn kind_short(&self) -> String {
        self.kind
            .strip_prefix("SPAN_KIND_")
            .unwrap_or(&self.kind)
            .to_ascii_lowercase()
    }

    /// `unset`, `ok` or `error`.
    pub fn status_short(&self) -> String {
        self.status_code
            .strip_prefix("STATUS_CODE_")
            .unwrap_or(&self.status_code)
            .to_ascii_lowercase()
    }

    /// The tagged value, e.g. `Int(812)`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }

    pub fn str_attr(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(|v| untag(v, "Str"))
    }

    pub fn int_attr(&self, key: &str) -> Option<i64> {
        self.attr(key)
            .and_then(|v| untag(v, "Int"))
            .and_then(|v| v.parse().ok())
    }

    pub fn f64_attr(&self, key: &str) -> Option<f64> {
        self.attr(key)
            .and_then(|v| untag(v, "Double"))
            .and_then(|v| v.parse().ok())
    }

    pub fn bool_attr(&self, key: &str) -> Option<bool> {
        self.attr(key)
            .and_then(|v| untag(v, "Bool"))
            .and_then(|v| v.parse().ok())
    }

    /// The tagged items of an array value, e.g. `["Str(a)", "Str(b)"]`. Strings are
    /// not escaped in the log, so items whose text contains `, ` or unbalanced
    /// parentheses cannot be split reliably.
    pub fn array_attr(&self, key: &str) -> Option<Vec<String>> {
        self.attr(key)
            .and_then(|v| untag(v, "Slice"))
            .map(split_items)
    }

    /// The text of each item of a string array.
    pub fn str_array_attr(&self, key: &str) -> Option<Vec<String>> {
        self.array_attr(key)?
            .iter()
            .map(|item| untag(item, "Str").map(str::to_owned))
            .collect()
    }

    pub fn resource_str(&self, key: &str) -> Option<&str> {
        self.resource.get(key).and_then(|v| untag(v, "Str"))
    }

    pub fn service_name(&self) -> Option<&str> {
        self.resource_str("service.name")
    }

    pub fn event_names(&self) -> Vec<&str> {
        self.events.iter().map(|e| e.name.as_str()).collect()
    }

    pub fn event(&self, name: &str) -> Option<&ReceivedEvent> {
        self.events.iter().find(|e| e.name == name)
    }
}

impl ReceivedEvent {
    pub fn str_attr(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).and_then(|v| untag(v, "Str"))
    }
}

/// `Str(abc)` with tag `Str` gives `abc`.
pub fn untag<'a>(value: &'a str, tag: &str) -> Option<&'a str> {
    value
        .strip_prefix(tag)?
        .strip_prefix('(')?
        .strip_suffix(')')
}

/// Splits `Str(a), Int(2)` at top-level `, `.
fn split_items(list: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let bytes = list.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b',' if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                items.push(list[start..i].to_owned());
                start = i + 2;
            }
            _ => {}
        }
    }
    if start < list.len() {
        items.push(list[start..].to_owned());
    }
    items
}

const VALUE_TAGS: [&str; 7] = [
    "Str(", "Int(", "Double(", "Bool(", "Slice(", "Map(", "Bytes(",
];

/// Splits `key: Tag(value)` where the key itself may contain `: `.
fn split_attribute(item: &str) -> Option<(String, String)> {
    let mut from = 0;
    while let Some(pos) = item[from..].find(": ") {
        let at = from + pos;
        let value = &item[at + 2..];
        if value == "Empty" || VALUE_TAGS.iter().any(|t| value.starts_with(t)) {
            return Some((item[..at].to_owned(), value.to_owned()));
        }
        from = at + 2;
    }
    None
}

/// Removes terminal colour sequences (`ESC [ ... letter`).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A line of rotel's own log (`2026-01-02T03:04:05.678Z  INFO ...`).
fn is_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    b.len() > 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    None,
    Resource,
    Span,
    SpanAttrs,
    Event,
    EventAttrs,
    Link,
    LinkAttrs,
    /// Inside a block of metrics: nothing of a span.
    Metrics,
}

/// Which attribute map the last attribute line went to, so that continuation lines
/// of a multi-line string value can be appended to it.
#[derive(Clone, Copy)]
enum Last {
    Nothing,
    Resource,
    Span,
    Event,
    Link,
}

/// Parses rotel's detailed debug log of traces into spans, in log order. Lines it
/// does not recognise (rotel's own log lines, blank lines) are skipped.
pub fn parse_rotel_log(text: &str) -> Vec<ReceivedSpan> {
    let mut spans = Vec::new();
    let mut resource = BTreeMap::new();
    let (mut scope_name, mut scope_version) = (String::new(), String::new());
    let mut span: Option<ReceivedSpan> = None;
    let mut section = Section::None;
    let mut last = (Last::Nothing, String::new());

    for raw in text.lines() {
        let owned;
        let line = if raw.contains('\u{1b}') {
            owned = strip_ansi(raw);
            owned.as_str()
        } else {
            raw
        };
        let mut continuation = false;

        let in_metrics = section == Section::Metrics && !line.starts_with("ResourceSpans #");
        if is_log_line(line) || in_metrics {
            // rotel's own output, or metrics (read by `rotel_metrics.rs`): not
            // part of any span
        } else if line.starts_with("ResourceMetrics #") {
            spans.extend(span.take());
            resource.clear();
            section = Section::Metrics;
        } else if line.starts_with("ResourceSpans #") {
            spans.extend(span.take());
            resource.clear();
            section = Section::None;
        } else if line == "Resource attributes:" {
            section = Section::Resource;
        } else if line.starts_with("Resource SchemaURL:")
            || line.starts_with("ScopeSpans SchemaURL:")
        {
        } else if line.starts_with("ScopeSpans #") {
            spans.extend(span.take());
            section = Section::None;
        } else if let Some(scope) = line.strip_prefix("InstrumentationScope ") {
            let (name, version) = scope.split_once(' ').unwrap_or((scope, ""));
            scope_name = name.to_owned();
            scope_version = version.trim().to_owned();
        } else if line.starts_with("Span #") {
            spans.extend(span.take());
            span = Some(ReceivedSpan {
                status_code: "STATUS_CODE_UNSET".to_owned(),
                resource: resource.clone(),
                scope_name: scope_name.clone(),
                scope_version: scope_version.clone(),
                ..Default::default()
            });
            section = Section::Span;
        } else if let (Some(s), Some((key, value))) = (
            span.as_mut(),
            line.strip_prefix("    ")
                .filter(|_| section == Section::Span)
                .and_then(|l| l.split_once(" : ")),
        ) {
            let value = value.to_owned();
            match key.trim_end() {
                "Trace ID" => s.trace_id = value,
                "Parent ID" => s.parent_id = value,
                "ID" => s.span_id = value,
                "Name" => s.name = value,
                "Kind" => s.kind = value,
                "Status code" => s.status_code = value,
                "Status message" => s.status_message = value,
                _ => {}
            }
        } else if let (Some(s), Some(t)) = (span.as_mut(), line.strip_prefix("Start time: ")) {
            s.start_time_unix_nano = t.trim().parse().unwrap_or_default();
        } else if let (Some(s), Some(t)) = (span.as_mut(), line.strip_prefix("End time: ")) {
            s.end_time_unix_nano = t.trim().parse().unwrap_or_default();
        } else if line == "Attributes:" && span.is_some() {
            section = Section::SpanAttrs;
        } else if line == "Events:" && span.is_some() {
            section = Section::Event;
        } else if line.starts_with("SpanEvent #") {
            if let Some(s) = span.as_mut() {
                s.events.push(ReceivedEvent::default());
            }
            section = Section::Event;
        } else if line == "Links:" && span.is_some() {
            section = Section::Link;
        } else if line.starts_with("SpanLink #") {
            if let Some(s) = span.as_mut() {
                s.links.push(ReceivedLink::default());
            }
            section = Section::Link;
        } else if let Some(item) = line.strip_prefix("          -> ") {
            // attribute of an event or a link
            if let Some((key, value)) = split_attribute(item) {
                let s = span.as_mut();
                match (section, s) {
                    (Section::EventAttrs, Some(s)) => {
                        if let Some(e) = s.events.last_mut() {
                            e.attributes.insert(key.clone(), value);
                            last = (Last::Event, key);
                            continuation = true;
                        }
                    }
                    (Section::LinkAttrs, Some(s)) => {
                        if let Some(l) = s.links.last_mut() {
                            l.attributes.insert(key.clone(), value);
                            last = (Last::Link, key);
                            continuation = true;
                        }
                    }
                    _ => {}
                }
            }
        } else if let Some(item) = line.strip_prefix("     -> ") {
            match (section, span.as_mut()) {
                (Section::Resource, _) => {
                    if let Some((key, value)) = split_attribute(item) {
                        resource.insert(key.clone(), value);
                        last = (Last::Resource, key);
                        continuation = true;
                    }
                }
                (Section::SpanAttrs, Some(s)) => {
                    if let Some((key, value)) = split_attribute(item) {
                        s.attributes.insert(key.clone(), value);
                        last = (Last::Span, key);
                        continuation = true;
                    }
                }
                (Section::Event | Section::EventAttrs, Some(s)) => {
                    if item == "Attributes::" {
                        section = Section::EventAttrs;
                    } else if let Some(e) = s.events.last_mut() {
                        if let Some(name) = item.strip_prefix("Name: ") {
                            e.name = name.to_owned();
                        } else if let Some(t) = item.strip_prefix("Timestamp: ") {
                            e.time_unix_nano = t.trim().parse().unwrap_or_default();
                        }
                    }
                }
                (Section::Link | Section::LinkAttrs, Some(s)) => {
                    if item == "Attributes::" {
                        section = Section::LinkAttrs;
                    } else if let Some(l) = s.links.last_mut() {
                        if let Some(v) = item.strip_prefix("Trace ID: ") {
                            l.trace_id = v.to_owned();
                        } else if let Some(v) = item.strip_prefix("ID: ") {
                            l.span_id = v.to_owned();
                        } else if let Some(v) = item.strip_prefix("TraceState: ") {
                            l.trace_state = v.to_owned();
                        }
                    }
                }
                _ => {}
            }
        } else if !matches!(last.0, Last::Nothing) {
            // the next line of a string value that contains a newline
            let (target, key) = &last;
            let value = match (target, span.as_mut()) {
                (Last::Resource, _) => resource.get_mut(key),
                (Last::Span, Some(s)) => s.attributes.get_mut(key),
                (Last::Event, Some(s)) => {
                    s.events.last_mut().and_then(|e| e.attributes.get_mut(key))
                }
                (Last::Link, Some(s)) => s.links.last_mut().and_then(|l| l.attributes.get_mut(key)),
                _ => None,
            };
            if let Some(value) = value {
                value.push('\n');
                value.push_str(line);
            }
            continuation = true;
        }

        if !continuation {
            last = (Last::Nothing, String::new());
        }
    }
    spans.extend(span);
    spans
}

static INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// A running (or stopped) rotel-agent owned by one test.
pub struct Rotel {
    bin: PathBuf,
    dir: PathBuf,
    log_path: PathBuf,
    pid_path: PathBuf,
    grpc_port: u16,
    http_port: u16,
    child: Option<Child>,
    /// Closing it makes the watchdog kill the agent.
    lifeline: Option<ChildStdin>,
    started_in: Duration,
}

impl Rotel {
    /// Starts rotel on two free loopback ports and waits until both accept
    /// connections. Panics (with the log) when it cannot.
    pub fn start() -> Rotel {
        let n = INSTANCES.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("aitrace-rotel-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create rotel temp dir");
        let mut rotel = Rotel {
            bin: rotel_bin().clone(),
            log_path: dir.join("rotel.log"),
            pid_path: dir.join("rotel.pid"),
            dir,
            grpc_port: 0,
            http_port: 0,
            child: None,
            lifeline: None,
            started_in: Duration::ZERO,
        };
        // Another process may take a port between probing it and rotel binding it.
        for attempt in 1..=3 {
            (rotel.grpc_port, rotel.http_port) = two_free_ports();
            match rotel.launch() {
                Ok(()) => return rotel,
                Err(e) if attempt < 3 && e.contains("in use") => continue,
                Err(e) => panic!("{e}"),
            }
        }
        unreachable!()
    }

    /// `http://127.0.0.1:PORT` for OTLP/gRPC.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// `http://127.0.0.1:PORT`, the base URL for OTLP/HTTP (traces go to
    /// [`Rotel::http_traces_url`]).
    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// `http://127.0.0.1:PORT/v1/traces`.
    pub fn http_traces_url(&self) -> String {
        format!("{}/v1/traces", self.http_endpoint())
    }

    pub fn grpc_port(&self) -> u16 {
        self.grpc_port
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// Time from spawning to both ports accepting, for the last start.
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Everything rotel wrote so far (across restarts).
    pub fn log(&self) -> String {
        fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The spans logged so far; the last one may still be being written, see
    /// [`Rotel::wait_for_spans`].
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        parse_rotel_log(&self.log())
    }

    /// Waits until at least `n` spans were logged and the log stopped growing, and
    /// returns all of them. Panics with what arrived when `timeout` passes first.
    pub fn wait_for_spans(&self, n: usize, timeout: Duration) -> Vec<ReceivedSpan> {
        self.wait_until(timeout, |spans| spans.len() >= n)
            .unwrap_or_else(|spans| {
                panic!(
                    "rotel logged {} span(s) within {timeout:?}, expected at least {n}: {:?}\nlog: {}",
                    spans.len(),
                    spans.iter().map(|s| &s.name).collect::<Vec<_>>(),
                    self.log_path.display()
                )
            })
    }

    /// Waits until a span with this name was logged and returns it.
    pub fn wait_for_span_named(&self, name: &str, timeout: Duration) -> ReceivedSpan {
        let spans = self
            .wait_until(timeout, |spans| spans.iter().any(|s| s.name == name))
            .unwrap_or_else(|spans| {
                panic!(
                    "no span named {name:?} within {timeout:?}; got {:?}",
                    spans.iter().map(|s| &s.name).collect::<Vec<_>>()
                )
            });
        spans.into_iter().find(|s| s.name == name).unwrap()
    }

    /// Polls the log until `done` holds for the parsed spans and the log has been
    /// unchanged for a moment. `Err` carries the spans seen at the deadline.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&[ReceivedSpan]) -> bool,
    ) -> Result<Vec<ReceivedSpan>, Vec<ReceivedSpan>> {
        let deadline = Instant::now() + timeout;
        let mut seen = (usize::MAX, Instant::now());
        loop {
            let text = self.log();
            if text.len() != seen.0 {
                seen = (text.len(), Instant::now());
            }
            let spans = parse_rotel_log(&text);
            let now = Instant::now();
            if done(&spans) && now.duration_since(seen.1) >= SETTLE {
                return Ok(spans);
            }
            if now >= deadline {
                return Err(spans);
            }
            sleep(POLL);
        }
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.as_mut().map(|c| c.try_wait()), Some(Ok(None)))
    }

    /// Kills rotel and waits for it to exit. The log and ports are kept, so
    /// [`Rotel::restart`] brings it back at the same endpoints. Idempotent.
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        drop(self.lifeline.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            sleep(Duration::from_millis(10));
        }
        if matches!(child.try_wait(), Ok(None)) {
            if let Ok(pid) = fs::read_to_string(&self.pid_path) {
                let _ = Command::new("kill").args(["-9", pid.trim()]).status();
            }
            let _ = child.kill();
        }
        let _ = child.wait();
        // Wait for the listeners to be gone so a restart can bind again.
        let deadline = Instant::now() + Duration::from_secs(5);
        while (accepts(self.grpc_port) || accepts(self.http_port)) && Instant::now() < deadline {
            sleep(Duration::from_millis(10));
        }
    }

    /// Stops rotel if it runs and starts it again on the same ports, appending to the
    /// same log (spans received before the restart stay visible).
    pub fn restart(&mut self) {
        self.stop();
        let mut last = String::new();
        for _ in 0..20 {
            match self.launch() {
                Ok(()) => return,
                Err(e) if e.contains("in use") => {
                    last = e;
                    sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("{e}"),
            }
        }
        panic!("{last}");
    }

    /// Spawns the agent and waits for both ports; on failure returns a message
    /// including the log.
    fn launch(&mut self) -> Result<(), String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| format!("open {}: {e}", self.log_path.display()))?;
        let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = fs::remove_file(&self.pid_path);
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(WATCHDOG).arg(&self.bin);
        cmd.args(["start", "--exporter", "blackhole"]);
        cmd.args(["--debug-log", "traces", "--debug-log", "metrics"]);
        cmd.args(["--debug-log-verbosity", "detailed"]);
        cmd.arg("--otlp-grpc-endpoint")
            .arg(format!("127.0.0.1:{}", self.grpc_port));
        cmd.arg("--otlp-http-endpoint")
            .arg(format!("127.0.0.1:{}", self.http_port));
        // Only used with --daemon, but keep them out of the shared /tmp defaults.
        cmd.arg("--pid-file").arg(self.dir.join("rotel-agent.pid"));
        cmd.arg("--log-file").arg(self.dir.join("rotel-agent.log"));
        // rotel reads ROTEL_* settings from the environment; ignore the caller's.
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ROTEL_") {
                cmd.env_remove(key);
            }
        }
        cmd.env("NO_COLOR", "1")
            .env("AITRACE_ROTEL_PID_FILE", &self.pid_path)
            .stdin(Stdio::piped())
            .stdout(log)
            // the agent's stderr goes to the log too (see WATCHDOG); the shell's own
            // messages ("Killed") must not
            .stderr(Stdio::null());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        self.lifeline = child.stdin.take();
        self.child = Some(child);

        let deadline = started + START_TIMEOUT;
        loop {
            let exited = self.child.as_mut().unwrap().try_wait();
            if let Ok(Some(status)) = exited {
                self.child = None;
                self.lifeline = None;
                let log = self.log();
                let tail = log.get(log_start as usize..).unwrap_or(&log);
                return Err(format!(
                    "rotel-agent exited ({status}) before listening on 127.0.0.1:{} and :{}; its log ({}):\n{tail}",
                    self.grpc_port,
                    self.http_port,
                    self.log_path.display()
                ));
            }
            if accepts(self.grpc_port) && accepts(self.http_port) {
                self.started_in = started.elapsed();
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.stop();
                return Err(format!(
                    "rotel-agent not listening on 127.0.0.1:{} and :{} after {START_TIMEOUT:?}; log:\n{}",
                    self.grpc_port,
                    self.http_port,
                    self.log()
                ));
            }
            sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Rotel {
    fn drop(&mut self) {
        self.stop();
        if std::thread::panicking() {
            eprintln!("rotel log kept at {}", self.log_path.display());
        } else {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
}

fn two_free_ports() -> (u16, u16) {
    // Hold both listeners at once so the two ports differ.
    let a = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let b = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    )
}

/// `$AITRACE_ROTEL_BIN`, or the path printed by `scripts/install_peers.sh rotel`
/// (run once per test process; it is quick when rotel is already installed).
fn rotel_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("AITRACE_ROTEL_BIN") {
            let bin = PathBuf::from(bin);
            assert!(
                bin.is_file(),
                "AITRACE_ROTEL_BIN={} is not a file",
                bin.display()
            );
            return bin;
        }
        let bin = PathBuf::from(super::install_peer("rotel", "rotel-agent"));
        assert!(
            bin.is_file(),
            "installer reported {}, which is missing",
            bin.display()
        );
        bin
    })
}
