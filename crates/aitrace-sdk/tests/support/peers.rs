//! Real third-party peers on loopback, installed by the project's own scripts:
//! `rotel::Rotel` runs a real OTLP collector and reads back what it received,
//! `reference::run` runs the OpenTelemetry reference propagators, and
//! `mlflow::Mlflow` runs a real MLflow server and reads back what it made of
//! the spans.
//!
//! Part of [`super`] for the aitrace-sdk tests; the tests of other workspace
//! members (examples) include this file alone, as their `support`, with
//! `#[path = ".../crates/aitrace-sdk/tests/support/peers.rs"] mod support;`
//! (which is why its modules name their files).
#![allow(dead_code, unused_imports)]

#[path = "mlflow.rs"]
pub mod mlflow;
#[path = "reference.rs"]
pub mod reference;
#[path = "rotel.rs"]
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
    let found = install_peer_paths(what);
    found
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, path)| path.clone())
        .unwrap_or_else(|| panic!("installer printed no {name}=… line: {found:?}"))
}

/// Runs `scripts/install_peers.sh <what>` and returns every `name=/path` line it
/// printed, as (name, path).
pub fn install_peer_paths(what: &str) -> Vec<(String, String)> {
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
    stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(name, path)| (name.to_owned(), path.to_owned()))
        .collect()
}
