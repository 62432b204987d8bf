//! The OpenTelemetry reference propagators, Python and JavaScript, that the interop tests
//! compare against: `tests/fixtures/propagators_ref.py` and `propagators_ref.js`, which
//! take the same JSON request on stdin and answer with the same JSON shape.
//!
//! `scripts/install_propagator_ref.sh` installs them (the pinned PyPI packages in a
//! virtual environment, the npm packages of its lock file) under
//! `${AITRACE_PEERS_DIR:-$HOME/.cache/aitrace-peers}`; it is run once per test binary
//! and returns at once when they are installed. When it cannot install them the test
//! fails with its output: a skipped interoperability test proves nothing.

use super::repo_root;
use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// One of the two reference implementations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// opentelemetry-api and the B3 and Jaeger propagator packages, from PyPI.
    Python,
    /// @opentelemetry/api, core and the B3 and Jaeger propagator packages, from npm.
    Js,
}

impl Reference {
    /// Both, Python first.
    pub const BOTH: [Reference; 2] = [Reference::Python, Reference::Js];
}

/// `name=value` lines printed by the installer for `what`.
fn install(what: &str) -> Vec<(String, String)> {
    let script = repo_root().join("scripts/install_propagator_ref.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(what)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} {what} failed ({}):\n{stdout}\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.trim().to_string()))
        .collect()
}

fn line(lines: &[(String, String)], name: &str) -> String {
    lines
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("the installer printed no {name}= line: {lines:?}"))
}

/// The command that runs `reference`'s script, installing it first when needed.
fn command(reference: Reference) -> Command {
    static PYTHON: OnceLock<String> = OnceLock::new();
    static JS: OnceLock<(String, String)> = OnceLock::new();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    match reference {
        Reference::Python => {
            let python = PYTHON.get_or_init(|| line(&install("python"), "python"));
            let mut c = Command::new(python);
            c.arg(fixtures.join("propagators_ref.py"));
            c
        }
        Reference::Js => {
            let (node, node_path) = JS.get_or_init(|| {
                let lines = install("js");
                (line(&lines, "node"), line(&lines, "node_path"))
            });
            let mut c = Command::new(node);
            c.arg(fixtures.join("propagators_ref.js"))
                .env("NODE_PATH", node_path);
            c
        }
    }
}

/// Sends `request` to `reference`'s script and returns its answer.
pub fn run(reference: Reference, request: &Value) -> Value {
    let mut child = command(reference)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {reference:?} reference: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write the request");
    let out = child.wait_with_output().expect("reference propagators");
    assert!(
        out.status.success(),
        "the {reference:?} reference failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON from the {reference:?} reference: {e}"))
}
