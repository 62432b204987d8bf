//! `aitrace`: a local OTLP receiver with a SQLite trace store and a web view
//! of agent runs (`aitrace serve`), and the commands that read the store
//! (`aitrace query`, `aitrace tail`). See `docs/viewer.md`.

/// Writes a line on standard error, as `eprintln!` does, but carries on if
/// it is closed: a server must not stop because nobody reads its log.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;
mod otlp;
mod paths;
mod query;
mod serve;
mod store;
mod tail;
mod trace_json;
mod units;
mod web;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            note!("aitrace: {e}");
            ExitCode::FAILURE
        }
    }
}
