//! Files named by variables (`OTEL_EXPORTER_OTLP_CERTIFICATE`, the client
//! certificate and key, `AITRACE_PRICING_FILE`) that are not regular files of a
//! sane size: `/dev/zero` (endless), a named pipe nobody writes (opening it waits
//! for ever), a 5 GiB sparse file, a directory. Each is refused at once with a
//! warning naming the variable, the default is used, and the pipeline starts;
//! in strict mode the same is an error. Before, `/dev/zero` was read until memory
//! ran out and a named pipe hung `init()`.
//!
//! Every build runs on a thread of its own with a bounded wait, so a hang fails
//! the test instead of hanging it.

use aitrace_sdk::config::ExporterKind;
use aitrace_sdk::{Builder, InitError, TracingGuard};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

const CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
const CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
const CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";
const PRICING_FILE: &str = "AITRACE_PRICING_FILE";

/// A directory of this test's own, with the hostile files in it.
struct Files {
    dir: PathBuf,
    /// A valid certificate and key, for the half of the client pair not under test.
    cert: PathBuf,
    key: PathBuf,
}

impl Files {
    fn new(tag: &str) -> Files {
        let dir = std::env::temp_dir().join(format!(
            "aitrace-hostile-files-{tag}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let cert = dir.join("client.pem");
        let key = dir.join("client-key.pem");
        std::fs::write(&cert, ck.cert.pem()).unwrap();
        std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
        Files { dir, cert, key }
    }

    /// The hostile paths, each with what the warning must say it is.
    fn hostile(&self) -> Vec<(PathBuf, &'static str)> {
        let fifo = self.dir.join("fifo");
        let made = Command::new("mkfifo").arg(&fifo).status();
        assert!(
            made.is_ok_and(|s| s.success()),
            "mkfifo is needed to make a named pipe"
        );
        let huge = self.dir.join("huge.pem");
        std::fs::File::create(&huge)
            .unwrap()
            .set_len(5 << 30)
            .expect("a sparse 5 GiB file");
        vec![
            (PathBuf::from("/dev/zero"), "a character device"),
            (fifo, "a named pipe"),
            (huge, "5368709120 bytes, more than the 4194304 accepted"),
            (self.dir.clone(), "a directory"),
        ]
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Builds a pipeline from `env` (with an OTLP exporter to a port nobody
/// listens on) on another thread; panics if it takes more than 20 s.
fn build(env: Vec<(&'static str, String)>, strict: bool) -> Result<TracingGuard, InitError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let result = Builder::from_lookup(|name| {
            env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone())
        })
        .with_exporters(vec![ExporterKind::Otlp])
        .with_endpoint("https://127.0.0.1:9")
        .with_strict_config(strict)
        .build();
        let _ = tx.send(result);
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("building the pipeline hung on a hostile file")
}

fn env_for(var: &'static str, path: &Path, files: &Files) -> Vec<(&'static str, String)> {
    let mut env = vec![(var, path.display().to_string())];
    match var {
        CLIENT_CERTIFICATE => env.push((CLIENT_KEY, files.key.display().to_string())),
        CLIENT_KEY => env.push((CLIENT_CERTIFICATE, files.cert.display().to_string())),
        _ => {}
    }
    env
}

#[cfg(unix)]
#[test]
fn hostile_files_are_refused_at_once_with_the_variable_named() {
    let files = Files::new("env");
    for (path, what) in files.hostile() {
        for var in [CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY, PRICING_FILE] {
            let label = format!("{var}={}", path.display());
            let guard = build(env_for(var, &path, &files), false)
                .unwrap_or_else(|e| panic!("{label}: the pipeline starts: {e}"));
            let warnings = guard.config_warnings();
            let w = warnings
                .iter()
                .find(|w| w.var == var)
                .unwrap_or_else(|| panic!("{label}: no warning naming {var}: {warnings:?}"));
            let shown = w.to_string();
            assert!(shown.contains(what), "{label}: {shown}");
            assert!(
                shown.contains(&path.display().to_string()),
                "{label}: {shown}"
            );
            // The default is in force.
            let otlp = &guard.config().otlp;
            match var {
                CERTIFICATE => assert_eq!(otlp.certificate, None, "{label}"),
                CLIENT_CERTIFICATE | CLIENT_KEY => {
                    assert_eq!(
                        (&otlp.client_certificate, &otlp.client_key),
                        (&None, &None),
                        "{label}"
                    )
                }
                _ => assert_eq!(
                    guard.config().settings.prices().len(),
                    aitrace::PriceTable::bundled().len(),
                    "{label}: the bundled prices"
                ),
            }
            let _ = guard.shutdown_with_timeout(Duration::from_secs(1));

            let e =
                build(env_for(var, &path, &files), true).expect_err("strict mode refuses the file");
            let shown = e.to_string();
            assert!(
                shown.contains(var) && shown.contains(what),
                "{label}: {shown}"
            );
        }
    }
}

/// The same files given in code go through the same check.
#[cfg(unix)]
#[test]
fn hostile_files_set_in_code_are_refused_too() {
    let files = Files::new("code");
    for (path, what) in files.hostile() {
        let (tx, rx) = mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let guard = Builder::new()
                .with_exporters(vec![ExporterKind::Otlp])
                .with_endpoint("https://127.0.0.1:9")
                .with_certificate(p)
                .build()
                .expect("the pipeline starts");
            let _ = tx.send(guard.config_warnings().to_vec());
            let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
        });
        let warnings = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("building the pipeline hung on a hostile file");
        assert!(
            warnings
                .iter()
                .any(|w| w.var == CERTIFICATE && w.to_string().contains(what)),
            "{}: {warnings:?}",
            path.display()
        );
    }
}

/// The price file read directly: the same refusal, as an error.
#[cfg(unix)]
#[test]
fn a_price_table_refuses_hostile_files() {
    let files = Files::new("prices");
    for (path, what) in files.hostile() {
        let (tx, rx) = mpsc::channel();
        let p = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(aitrace::PriceTable::bundled().with_file(&p).map(|_| ()));
        });
        let e = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("reading the price file hung")
            .expect_err("refused");
        assert!(e.to_string().contains(what), "{}: {e}", path.display());
    }
}
