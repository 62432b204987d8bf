//! Shared helpers for the aitrace-sdk integration tests.
//!
//! Include from a test file with `mod support;` and use `support::rotel::Rotel`
//! to run a real OTLP collector on loopback and read back what it received, or
//! `support::reference::run` to run the OpenTelemetry reference propagators.
#![allow(dead_code, unused_imports)]

pub mod reference;
pub mod rotel;

use std::path::Path;
use std::process::{Command, Stdio};

pub use rotel::{parse_rotel_log, ReceivedEvent, ReceivedLink, ReceivedSpan, Rotel};

/// The repository root: the nearest ancestor of the crate holding `scripts/install_peers.sh`
/// (this module is also included by tests of other workspace members).
pub fn repo_root() -> std::path::PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|d| d.join("scripts/install_peers.sh").is_file())
        .unwrap_or_else(|| panic!("no scripts/install_peers.sh above {}", here.display()))
        .to_path_buf()
}

/// Runs `scripts/install_peers.sh <what>` and returns the path it printed for
/// `name` (`name=/path` on stdout).
pub fn install_peer(what: &str, name: &str) -> String {
    let script = repo_root().join("scripts/install_peers.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(what)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} {what} failed ({}); stdout:\n{stdout}",
        script.display(),
        out.status
    );
    let prefix = format!("{name}=");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("installer printed no {prefix}… line:\n{stdout}"))
}
