//! A test binary run again as a child process (with its own environment, as
//! `init()` reads it), its output read while it runs and its end waited for
//! within a bound.

use std::io::Read;
use std::process::{Child, ExitStatus};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a child printed, and how it ended.
pub struct Finished {
    pub status: ExitStatus,
    /// Standard output (empty unless it was piped).
    pub stdout: String,
    /// Standard error (empty unless it was piped).
    pub stderr: String,
}

/// Reads a pipe to its end on a thread, so that the child never blocks on a
/// full pipe.
fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(mut p) = pipe {
            p.read_to_string(&mut s).ok();
        }
        s
    })
}

/// Waits for `child` at most `within`, reading its piped output meanwhile.
///
/// # Panics
/// If it has not ended by then (it is killed first), or if it failed: both
/// messages name `what` and show what it printed.
pub fn finish(mut child: Child, within: Duration, what: &str) -> Finished {
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let deadline = Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not finish within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    assert!(
        status.success(),
        "{what} failed ({status}):\n{stdout}\n{stderr}"
    );
    Finished {
        status,
        stdout,
        stderr,
    }
}
