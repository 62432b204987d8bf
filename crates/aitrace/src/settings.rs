//! What aitrace records: dialects, content capture, limits, prices.
//!
//! [`Settings`] is read when a span starts: from the trace it belongs to (see
//! [`crate::TraceBuilder::with_settings`]) or else from the process-wide value set
//! with [`set_global_settings`]. Until one is set, the process-wide value comes from
//! the environment ([`Settings::from_env_lossy`]).

use crate::content::Redactor;
use crate::pricing::PriceTable;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// `AITRACE_SEMCONV`: comma-separated dialects (`ai`, `gen_ai`, `openinference`).
pub const ENV_SEMCONV: &str = "AITRACE_SEMCONV";
/// `AITRACE_CAPTURE_CONTENT`: `true` records prompts, completions and tool I/O.
pub const ENV_CAPTURE_CONTENT: &str = "AITRACE_CAPTURE_CONTENT";
/// The OpenTelemetry GenAI instrumentation variable, honoured like [`ENV_CAPTURE_CONTENT`].
pub const ENV_OTEL_CAPTURE_CONTENT: &str = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
/// `AITRACE_MAX_CONTENT_BYTES`: cut recorded content at this many bytes.
pub const ENV_MAX_CONTENT_BYTES: &str = "AITRACE_MAX_CONTENT_BYTES";
/// `AITRACE_PRICING_FILE`: a JSON price file that overrides or extends the bundled prices.
pub const ENV_PRICING_FILE: &str = "AITRACE_PRICING_FILE";
/// `AITRACE_GEN_AI_SYSTEM_COMPAT`: `true` also emits the deprecated `gen_ai.system`.
pub const ENV_GEN_AI_SYSTEM_COMPAT: &str = "AITRACE_GEN_AI_SYSTEM_COMPAT";

/// Default of [`Settings::max_content_bytes`]: 16 KiB per content attribute.
pub const DEFAULT_MAX_CONTENT_BYTES: usize = 16 * 1024;

/// The attribute dialects to emit. The `ai` dialect is always on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialects {
    /// OpenTelemetry GenAI conventions (`gen_ai.*`). Default: on.
    pub gen_ai: bool,
    /// OpenInference conventions (Arize Phoenix). Default: off.
    pub openinference: bool,
    /// Also emit the deprecated `gen_ai.system` next to `gen_ai.provider.name`. Default: off.
    pub gen_ai_system_compat: bool,
}

impl Default for Dialects {
    fn default() -> Self {
        Dialects {
            gen_ai: true,
            openinference: false,
            gen_ai_system_compat: false,
        }
    }
}

impl Dialects {
    /// Only the `ai` dialect.
    pub const AI_ONLY: Dialects = Dialects {
        gen_ai: false,
        openinference: false,
        gen_ai_system_compat: false,
    };
    /// All three dialects.
    pub const ALL: Dialects = Dialects {
        gen_ai: true,
        openinference: true,
        gen_ai_system_compat: false,
    };

    /// Parses a comma-separated list such as `ai,gen_ai,openinference`.
    ///
    /// `ai` is always on whether listed or not.
    ///
    /// # Errors
    /// [`SettingsError::Invalid`] naming [`ENV_SEMCONV`] for an unknown dialect.
    pub fn parse(value: &str) -> Result<Dialects, SettingsError> {
        let mut d = Dialects::AI_ONLY;
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.to_ascii_lowercase().as_str() {
                "ai" => {}
                "gen_ai" | "genai" => d.gen_ai = true,
                "openinference" => d.openinference = true,
                _ => {
                    return Err(SettingsError::Invalid {
                        var: ENV_SEMCONV,
                        value: value.to_string(),
                        expected: "a comma-separated list of ai, gen_ai, openinference",
                    })
                }
            }
        }
        Ok(d)
    }
}

/// Everything that decides what a span records.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Attribute dialects.
    pub dialects: Dialects,
    /// Record prompts, completions, system instructions and tool I/O. Default: off.
    pub capture_content: bool,
    /// Byte limit of one content attribute; longer content is cut with a visible marker.
    pub max_content_bytes: usize,
    /// Runs on content before it is serialised (only when content is captured).
    pub redactor: Option<Redactor>,
    /// Model prices used to compute cost.
    pub prices: Arc<PriceTable>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dialects: Dialects::default(),
            capture_content: false,
            max_content_bytes: DEFAULT_MAX_CONTENT_BYTES,
            redactor: None,
            prices: Arc::new(PriceTable::bundled().clone()),
        }
    }
}

/// Why settings could not be read.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum SettingsError {
    /// A variable held a value that is not accepted.
    #[error("invalid value {value:?} for {var}: expected {expected}")]
    Invalid {
        /// The variable.
        var: &'static str,
        /// What it held.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
    /// The pricing file could not be used.
    #[error("{var}: {source}")]
    Pricing {
        /// The variable that named the file.
        var: &'static str,
        /// What went wrong.
        source: crate::pricing::PricingError,
    },
}

/// Parses a boolean variable: `true/false`, `1/0`, `yes/no`, `on/off` (any case).
///
/// # Errors
/// [`SettingsError::Invalid`] naming `var` for anything else.
pub fn parse_bool(var: &'static str, value: &str) -> Result<bool, SettingsError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" | "" => Ok(false),
        _ => Err(SettingsError::Invalid {
            var,
            value: value.to_string(),
            expected: "true or false",
        }),
    }
}

impl Settings {
    /// Reads settings from the process environment.
    ///
    /// # Errors
    /// The first variable with an invalid value, named in the error.
    pub fn from_env() -> Result<Settings, SettingsError> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    /// Like [`Settings::from_env`], but an invalid value is reported on stderr and
    /// its default is used instead.
    pub fn from_env_lossy() -> Settings {
        let (settings, errors) = Settings::collect(|k| std::env::var(k).ok());
        for e in errors {
            eprintln!("aitrace: {e}; using the default");
        }
        settings
    }

    /// Reads settings through `lookup` (a variable name to its value), so that
    /// configuration can be tested without touching the process environment.
    ///
    /// # Errors
    /// The first variable with an invalid value, named in the error.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let (settings, mut errors) = Settings::collect(lookup);
        match errors.is_empty() {
            true => Ok(settings),
            false => Err(errors.remove(0)),
        }
    }

    fn collect(lookup: impl Fn(&str) -> Option<String>) -> (Settings, Vec<SettingsError>) {
        let mut s = Settings::default();
        let mut errors = Vec::new();
        if let Some(v) = lookup(ENV_SEMCONV).filter(|v| !v.trim().is_empty()) {
            match Dialects::parse(&v) {
                Ok(d) => {
                    s.dialects = Dialects {
                        gen_ai_system_compat: false,
                        ..d
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        for var in [ENV_OTEL_CAPTURE_CONTENT, ENV_CAPTURE_CONTENT] {
            if let Some(v) = lookup(var) {
                match parse_bool(var, &v) {
                    Ok(b) => s.capture_content = b,
                    Err(e) => errors.push(e),
                }
            }
        }
        if let Some(v) = lookup(ENV_GEN_AI_SYSTEM_COMPAT) {
            match parse_bool(ENV_GEN_AI_SYSTEM_COMPAT, &v) {
                Ok(b) => s.dialects.gen_ai_system_compat = b,
                Err(e) => errors.push(e),
            }
        }
        if let Some(v) = lookup(ENV_MAX_CONTENT_BYTES) {
            match v.trim().parse::<usize>() {
                Ok(n) if n >= 64 => s.max_content_bytes = n,
                _ => errors.push(SettingsError::Invalid {
                    var: ENV_MAX_CONTENT_BYTES,
                    value: v,
                    expected: "a whole number of bytes, at least 64",
                }),
            }
        }
        if let Some(path) = lookup(ENV_PRICING_FILE).filter(|v| !v.trim().is_empty()) {
            match PriceTable::bundled().with_file(path.trim()) {
                Ok(t) => s.prices = Arc::new(t),
                Err(source) => errors.push(SettingsError::Pricing {
                    var: ENV_PRICING_FILE,
                    source,
                }),
            }
        }
        (s, errors)
    }

    /// Turns content capture on or off.
    pub fn with_capture_content(mut self, on: bool) -> Self {
        self.capture_content = on;
        self
    }

    /// Chooses the dialects.
    pub fn with_dialects(mut self, dialects: Dialects) -> Self {
        self.dialects = dialects;
        self
    }

    /// Sets the byte limit of one content attribute.
    pub fn with_max_content_bytes(mut self, bytes: usize) -> Self {
        self.max_content_bytes = bytes;
        self
    }

    /// Sets the redaction hook run on content before it is recorded.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        self.redactor = Some(redactor);
        self
    }

    /// Replaces the price table.
    pub fn with_prices(mut self, prices: PriceTable) -> Self {
        self.prices = Arc::new(prices);
        self
    }
}

fn global_cell() -> &'static RwLock<Option<Arc<Settings>>> {
    static GLOBAL: OnceLock<RwLock<Option<Arc<Settings>>>> = OnceLock::new();
    GLOBAL.get_or_init(|| RwLock::new(None))
}

/// Bumped (under the write lock) each time the process-wide settings change, so
/// that each thread can keep the settings it last read until they do.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The settings this thread last read, and the generation they belong to.
    static CACHED: RefCell<Option<(u64, Arc<Settings>)>> = const { RefCell::new(None) };
}

/// The process-wide settings: those set with [`set_global_settings`], else read
/// once from the environment.
///
/// Every span start reads them. A thread reuses what it read last until
/// [`set_global_settings`] runs again (one atomic load), rather than taking the
/// process-wide lock each time.
pub fn global_settings() -> Arc<Settings> {
    let generation = GENERATION.load(Ordering::Acquire);
    let cached = CACHED
        .try_with(|c| match &*c.borrow() {
            Some((g, s)) if *g == generation => Some(s.clone()),
            _ => None,
        })
        .ok()
        .flatten();
    if let Some(s) = cached {
        return s;
    }
    let (generation, settings) = read_global_settings();
    let _ = CACHED.try_with(|c| *c.borrow_mut() = Some((generation, settings.clone())));
    settings
}

/// The settings and their generation, read under the lock (where both agree).
fn read_global_settings() -> (u64, Arc<Settings>) {
    {
        let slot = global_cell().read().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = slot.as_ref() {
            return (GENERATION.load(Ordering::Acquire), s.clone());
        }
    }
    let mut slot = global_cell().write().unwrap_or_else(|e| e.into_inner());
    let s = slot
        .get_or_insert_with(|| Arc::new(Settings::from_env_lossy()))
        .clone();
    (GENERATION.load(Ordering::Acquire), s)
}

/// Sets the process-wide settings used by spans outside a trace with its own settings.
pub fn set_global_settings(settings: Settings) {
    let mut slot = global_cell().write().unwrap_or_else(|e| e.into_inner());
    *slot = Some(Arc::new(settings));
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn defaults_have_content_off_and_gen_ai_on() {
        let s = Settings::from_lookup(|_| None).unwrap();
        assert!(!s.capture_content);
        assert_eq!(s.dialects, Dialects::default());
        assert_eq!(s.max_content_bytes, DEFAULT_MAX_CONTENT_BYTES);
    }

    #[test]
    fn semconv_list_is_parsed() {
        let s = Settings::from_lookup(lookup(&[(ENV_SEMCONV, "ai, openinference")])).unwrap();
        assert_eq!(
            s.dialects,
            Dialects {
                gen_ai: false,
                openinference: true,
                gen_ai_system_compat: false
            }
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = Settings::from_lookup(lookup(&[(ENV_SEMCONV, "ai,otel")])).unwrap_err();
        assert!(e.to_string().contains("AITRACE_SEMCONV"), "{e}");
        let e = Settings::from_lookup(lookup(&[(ENV_CAPTURE_CONTENT, "maybe")])).unwrap_err();
        assert!(
            e.to_string().contains("AITRACE_CAPTURE_CONTENT") && e.to_string().contains("maybe")
        );
        let e = Settings::from_lookup(lookup(&[(ENV_MAX_CONTENT_BYTES, "lots")])).unwrap_err();
        assert!(e.to_string().contains("AITRACE_MAX_CONTENT_BYTES"), "{e}");
        let e = Settings::from_lookup(lookup(&[(ENV_PRICING_FILE, "/nonexistent/prices.json")]))
            .unwrap_err();
        assert!(e.to_string().contains("AITRACE_PRICING_FILE"), "{e}");
    }

    #[test]
    fn otel_capture_variable_is_honoured_and_ours_wins() {
        let s = Settings::from_lookup(lookup(&[(ENV_OTEL_CAPTURE_CONTENT, "true")])).unwrap();
        assert!(s.capture_content);
        let s = Settings::from_lookup(lookup(&[
            (ENV_OTEL_CAPTURE_CONTENT, "true"),
            (ENV_CAPTURE_CONTENT, "false"),
        ]))
        .unwrap();
        assert!(!s.capture_content);
    }
}
