//! Runs the OpenTelemetry Python propagators (the reference implementation the interop
//! tests compare against) through `tests/fixtures/propagators_ref.py`.
//!
//! The interpreter is the virtual environment that `scripts/install_propagator_ref.sh`
//! makes under `${AITRACE_PEERS_DIR:-$HOME/.cache/aitrace-peers}/otel-venv`; the script is
//! run first every time (it returns at once when the pinned versions are installed, and
//! installs them from PyPI otherwise).

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The installer, in the repository that holds this crate (the published crate has
/// no `scripts/`: these tests run from a clone).
fn installer() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|d| d.join("scripts/install_propagator_ref.sh"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no scripts/install_propagator_ref.sh above {}",
                here.display()
            )
        })
}

/// The venv interpreter, installing it when needed. Panics with the installer's output
/// when it cannot be installed: a skipped interoperability test proves nothing.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let installer = installer();
        let out = Command::new("bash")
            .arg(&installer)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", installer.display()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{} failed ({}):\n{stdout}\n{}",
            installer.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let path = stdout
            .lines()
            .find_map(|l| l.strip_prefix("python="))
            .unwrap_or_else(|| panic!("no python= line from the installer:\n{stdout}"));
        PathBuf::from(path.trim())
    })
}

/// Sends `request` to the reference script and returns its answer.
pub fn run(request: &Value) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/propagators_ref.py");
    let mut child = Command::new(python())
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the reference propagators");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write the request");
    let out = child.wait_with_output().expect("reference propagators");
    assert!(
        out.status.success(),
        "propagators_ref.py failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from propagators_ref.py")
}
