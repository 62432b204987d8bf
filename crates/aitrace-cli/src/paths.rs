//! Where the trace store lives when `--db` (or `AITRACE_DB`) does not say.

use std::path::PathBuf;

/// The store's file name inside the data directory.
const FILE: &str = "traces.db";

/// The per-user default: `$XDG_DATA_HOME/aitrace/traces.db`, else
/// `~/.local/share/aitrace/traces.db` on Linux and other Unix systems;
/// `~/Library/Application Support/aitrace/traces.db` on macOS;
/// `%LOCALAPPDATA%\aitrace\traces.db` on Windows. `None` when no home
/// directory is known.
pub fn default_db() -> Option<PathBuf> {
    default_db_from(&|k| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

fn default_db_from(var: &dyn Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    let dir = if cfg!(windows) {
        var("LOCALAPPDATA")?
    } else if cfg!(target_os = "macos") {
        var("HOME")?.join("Library/Application Support")
    } else {
        // The XDG Base Directory specification: a relative value is ignored.
        match var("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
            Some(d) => d,
            None => var("HOME")?.join(".local/share"),
        }
    };
    Some(dir.join("aitrace").join(FILE))
}

#[cfg(all(test, unix, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn xdg_first_then_home() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| PathBuf::from(v))
            }
        };
        assert_eq!(
            default_db_from(&env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/aitrace/traces.db"))
        );
        assert_eq!(
            default_db_from(&env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/share/aitrace/traces.db"))
        );
        assert_eq!(default_db_from(&env(&[])), None);
    }
}
