//! What aitrace records: dialects, content capture, limits, prices.
//!
//! [`Settings`] is read when a span starts: from the trace it belongs to (see
//! [`crate::TraceBuilder::with_settings`]) or else from the process-wide value set
//! with [`set_global_settings`]. Until one is set, the process-wide value comes from
//! the environment ([`Settings::from_env_lossy`]).

use crate::content::Redactor;
use crate::env::{ConfigWarning, EnvReader, Name};
use crate::pricing::PriceTable;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

pub use crate::env::AITRACE_CAPTURE_CONTENT as ENV_CAPTURE_CONTENT;
pub use crate::env::AITRACE_GEN_AI_SYSTEM_COMPAT as ENV_GEN_AI_SYSTEM_COMPAT;
pub use crate::env::AITRACE_MAX_CONTENT_BYTES as ENV_MAX_CONTENT_BYTES;
pub use crate::env::AITRACE_PRICING_FILE as ENV_PRICING_FILE;
pub use crate::env::AITRACE_SEMCONV as ENV_SEMCONV;
pub use crate::env::OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT as ENV_OTEL_CAPTURE_CONTENT;

/// Default of [`Settings::max_content_bytes`]: 16 KiB per content attribute.
pub const DEFAULT_MAX_CONTENT_BYTES: usize = 16 * 1024;
/// Smallest accepted [`Settings::max_content_bytes`]: room for the truncation marker.
pub const MIN_CONTENT_BYTES: usize = 64;

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

/// The names of `AITRACE_SEMCONV`, for warnings.
const DIALECTS: &str = "a comma-separated list of ai, gen_ai and openinference";

#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Ai,
    GenAi,
    OpenInference,
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

    /// Parses a comma-separated list such as `ai,gen_ai,openinference` (any case).
    ///
    /// `ai` is always on whether listed or not. A name that is not a dialect is
    /// skipped, with a warning naming [`ENV_SEMCONV`]; the others still apply.
    ///
    /// ```
    /// use aitrace::Dialects;
    /// let (d, warnings) = Dialects::parse("ai, OpenInference, otel");
    /// assert!(d.openinference && !d.gen_ai);
    /// assert_eq!(warnings[0].value, "otel");
    /// ```
    pub fn parse(value: &str) -> (Dialects, Vec<ConfigWarning>) {
        let list = crate::env::parse_names(value, |name| match name {
            "ai" => Name::Known(Dialect::Ai),
            "gen_ai" | "genai" => Name::Known(Dialect::GenAi),
            "openinference" => Name::Known(Dialect::OpenInference),
            _ => Name::Unknown,
        });
        let mut d = Dialects::AI_ONLY;
        for dialect in &list.known {
            match dialect {
                Dialect::Ai => {}
                Dialect::GenAi => d.gen_ai = true,
                Dialect::OpenInference => d.openinference = true,
            }
        }
        (d, list.warnings(ENV_SEMCONV, DIALECTS, "skipped"))
    }
}

/// Everything that decides what a span records.
///
/// Each value comes from the defaults, the environment ([`Settings::from_lookup`])
/// or code (the `with_*` methods), and a `Settings` remembers which values were
/// set, by the environment or in code. Settings given to a trace
/// ([`crate::TraceBuilder::with_settings`]) or to a pipeline
/// (`aitrace_sdk::Builder::with_settings`) override only what they set: the rest
/// keeps its value from the environment and the defaults
/// ([`Settings::overriding`]).
///
/// ```
/// use aitrace::{PriceTable, ModelPrice, Settings};
///
/// // Content capture was turned on by the environment...
/// let from_env = Settings::from_lookup(|v| (v == "AITRACE_CAPTURE_CONTENT").then(|| "true".into())).0;
/// // ...and a trace brings its own prices only.
/// let mut prices = PriceTable::bundled().clone();
/// prices.insert("my-model", ModelPrice::new(1.0, 2.0));
/// let mine = Settings::default().with_prices(prices);
/// let effective = mine.overriding(&from_env);
/// assert!(effective.capture_content(), "kept from the environment");
/// assert!(effective.prices().get("my-model").is_some(), "set in code");
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    pub(crate) dialects: Dialects,
    pub(crate) capture_content: bool,
    pub(crate) max_content_bytes: usize,
    pub(crate) redactor: Option<Redactor>,
    pub(crate) prices: Arc<PriceTable>,
    /// Which of the values above were set (by the environment or in code).
    set: Set,
}

/// A set of [`Settings`] values, one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Set(u8);

impl Set {
    const DIALECTS: u8 = 1;
    const CAPTURE: u8 = 1 << 1;
    const MAX_BYTES: u8 = 1 << 2;
    const REDACTOR: u8 = 1 << 3;
    const PRICES: u8 = 1 << 4;
    const SYSTEM_COMPAT: u8 = 1 << 5;

    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            dialects: Dialects::default(),
            capture_content: false,
            max_content_bytes: DEFAULT_MAX_CONTENT_BYTES,
            redactor: None,
            prices: Arc::new(PriceTable::bundled().clone()),
            set: Set::default(),
        }
    }
}

/// What `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` accepts, for warnings.
const CAPTURE_MODES: &str = "true, false, or one of NO_CONTENT, SPAN_ONLY, SPAN_AND_EVENT \
                             (EVENT_ONLY is understood, but aitrace records content on spans \
                             only, so it records no content)";

/// Reads `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`: the booleans, and
/// the content-capturing modes of OpenTelemetry's util-genai (any case). aitrace
/// records content as span attributes and emits no content events, so `SPAN_ONLY`
/// and `SPAN_AND_EVENT` record content on spans, and `EVENT_ONLY`, which asks for
/// content on events only, records none: it is refused with a warning rather than
/// read as a request to put content on spans.
fn parse_capture_mode(value: &str) -> Result<bool, String> {
    if let Some(b) = crate::env::parse_bool(value) {
        return Ok(b);
    }
    match value.to_ascii_uppercase().as_str() {
        "NO_CONTENT" => Ok(false),
        "SPAN_ONLY" | "SPAN_AND_EVENT" => Ok(true),
        _ => Err(CAPTURE_MODES.to_string()),
    }
}

impl Settings {
    /// Reads settings from the process environment. An invalid value keeps its
    /// default and is reported on stderr (once per process, see
    /// [`crate::env::warn_once`]).
    pub fn from_env_lossy() -> Settings {
        let (settings, warnings) = Settings::from_lookup(crate::env::process_lookup);
        crate::env::warn_once(&warnings);
        settings
    }

    /// Reads settings through `lookup` (a variable name to its value), so that
    /// configuration can be tested without touching the process environment.
    ///
    /// Reading never fails: an invalid value keeps its default, and is described
    /// in the returned warnings (variable, value, what is accepted).
    ///
    /// ```
    /// use aitrace::Settings;
    /// let env = [("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY"),
    ///            ("AITRACE_MAX_CONTENT_BYTES", "lots")];
    /// let (settings, warnings) = Settings::from_lookup(|name| {
    ///     env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    /// });
    /// assert!(settings.capture_content());
    /// assert_eq!(settings.max_content_bytes(), aitrace::settings::DEFAULT_MAX_CONTENT_BYTES);
    /// assert_eq!(warnings[0].var, "AITRACE_MAX_CONTENT_BYTES");
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> (Settings, Vec<ConfigWarning>) {
        let mut env = EnvReader::new(lookup);
        let settings = Settings::read(&mut env);
        (settings, env.finish())
    }

    /// Reads the settings' variables through `env`, which collects the warnings.
    pub fn read<F: Fn(&str) -> Option<String>>(env: &mut EnvReader<F>) -> Settings {
        let mut s = Settings::default();
        if let Some(value) = env.value(ENV_SEMCONV) {
            let (d, warnings) = Dialects::parse(&value);
            s.dialects = d;
            s.set.0 |= Set::DIALECTS;
            for w in warnings {
                env.warn(w);
            }
        }
        // AITRACE_CAPTURE_CONTENT wins; the OpenTelemetry variable is read when it is
        // unset (or invalid).
        if let Some(on) = env.bool(&[ENV_CAPTURE_CONTENT]) {
            s = s.with_capture_content(on);
        } else if let Some(on) = env.parse(
            &[ENV_OTEL_CAPTURE_CONTENT],
            "content is not recorded",
            parse_capture_mode,
        ) {
            s = s.with_capture_content(on);
        }
        if let Some(on) = env.bool(&[ENV_GEN_AI_SYSTEM_COMPAT]) {
            s.dialects.gen_ai_system_compat = on;
            s.set.0 |= Set::SYSTEM_COMPAT;
        }
        let default_bytes = format!("using the default {DEFAULT_MAX_CONTENT_BYTES}");
        if let Some(n) =
            env.parse(
                &[ENV_MAX_CONTENT_BYTES],
                &default_bytes,
                |v| match crate::env::parse_u64(v).and_then(|n| usize::try_from(n).ok()) {
                    Some(n) if n >= MIN_CONTENT_BYTES => Ok(n),
                    _ => Err(format!(
                        "a whole number of bytes, at least {MIN_CONTENT_BYTES}"
                    )),
                },
            )
        {
            s = s.with_max_content_bytes(n);
        }
        if let Some(table) = env.parse(&[ENV_PRICING_FILE], "using the bundled prices", |path| {
            PriceTable::bundled()
                .with_file(path)
                .map_err(|e| format!("a readable JSON price file ({e})"))
        }) {
            s = s.with_prices(table);
        }
        s
    }

    /// Checks the values set in code as reading checks those of the environment:
    /// each invalid one is reset to its default and described in the result.
    pub fn validate(&mut self) -> Vec<ConfigWarning> {
        let mut warnings = Vec::new();
        if self.max_content_bytes < MIN_CONTENT_BYTES {
            warnings.push(ConfigWarning::new(
                ENV_MAX_CONTENT_BYTES,
                self.max_content_bytes.to_string(),
                format!("a whole number of bytes, at least {MIN_CONTENT_BYTES}"),
                format!("using the default {DEFAULT_MAX_CONTENT_BYTES}"),
            ));
            self.max_content_bytes = DEFAULT_MAX_CONTENT_BYTES;
        }
        warnings
    }

    /// Turns content capture on or off.
    pub fn with_capture_content(mut self, on: bool) -> Self {
        self.capture_content = on;
        self.set.0 |= Set::CAPTURE;
        self
    }

    /// Chooses the dialects (the `gen_ai.system` compatibility switch included).
    pub fn with_dialects(mut self, dialects: Dialects) -> Self {
        self.dialects = dialects;
        self.set.0 |= Set::DIALECTS | Set::SYSTEM_COMPAT;
        self
    }

    /// Sets the byte limit of one content attribute.
    pub fn with_max_content_bytes(mut self, bytes: usize) -> Self {
        self.max_content_bytes = bytes;
        self.set.0 |= Set::MAX_BYTES;
        self
    }

    /// Sets the redaction hook run on content before it is recorded.
    pub fn with_redactor(mut self, redactor: Redactor) -> Self {
        // A redactor that panics is reported once, without the standard output.
        crate::install_panic_hook();
        self.redactor = Some(redactor);
        self.set.0 |= Set::REDACTOR;
        self
    }

    /// Replaces the price table.
    pub fn with_prices(mut self, prices: PriceTable) -> Self {
        self.prices = Arc::new(prices);
        self.set.0 |= Set::PRICES;
        self
    }

    /// These settings over `base`: each value set here (by the environment or in
    /// code) wins; every other one is `base`'s.
    pub fn overriding(self, base: &Settings) -> Settings {
        let set = self.set;
        let pick = |bit| set.has(bit);
        let mut dialects = if pick(Set::DIALECTS) {
            self.dialects
        } else {
            base.dialects
        };
        dialects.gen_ai_system_compat = if pick(Set::SYSTEM_COMPAT) {
            self.dialects.gen_ai_system_compat
        } else {
            base.dialects.gen_ai_system_compat
        };
        Settings {
            dialects,
            capture_content: if pick(Set::CAPTURE) {
                self.capture_content
            } else {
                base.capture_content
            },
            max_content_bytes: if pick(Set::MAX_BYTES) {
                self.max_content_bytes
            } else {
                base.max_content_bytes
            },
            redactor: if pick(Set::REDACTOR) {
                self.redactor
            } else {
                base.redactor.clone()
            },
            prices: if pick(Set::PRICES) {
                self.prices
            } else {
                base.prices.clone()
            },
            set: Set(set.0 | base.set.0),
        }
    }

    /// The attribute dialects.
    pub fn dialects(&self) -> Dialects {
        self.dialects
    }

    /// Whether prompts, completions, system instructions and tool I/O are
    /// recorded. Default: off.
    pub fn capture_content(&self) -> bool {
        self.capture_content
    }

    /// The byte limit of one content attribute (and of one user attribute's
    /// string value); longer values are cut with a visible marker.
    pub fn max_content_bytes(&self) -> usize {
        self.max_content_bytes
    }

    /// The hook run on content before it is serialised, if any.
    pub fn redactor(&self) -> Option<&Redactor> {
        self.redactor.as_ref()
    }

    /// The model prices used to compute cost.
    pub fn prices(&self) -> &Arc<PriceTable> {
        &self.prices
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

    fn read(pairs: &[(&str, &str)]) -> (Settings, Vec<ConfigWarning>) {
        Settings::from_lookup(|k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn defaults_have_content_off_and_gen_ai_on() {
        let (s, w) = read(&[]);
        assert!(w.is_empty());
        assert!(!s.capture_content);
        assert_eq!(s.dialects, Dialects::default());
        assert_eq!(s.max_content_bytes, DEFAULT_MAX_CONTENT_BYTES);
    }

    #[test]
    fn semconv_list_is_parsed() {
        let (s, w) = read(&[(ENV_SEMCONV, "ai, openinference")]);
        assert!(w.is_empty());
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
    fn bad_values_warn_naming_the_variable_and_keep_the_default() {
        let (s, w) = read(&[(ENV_SEMCONV, "ai,otel")]);
        assert_eq!(s.dialects, Dialects::AI_ONLY, "the known names still apply");
        assert_eq!((w[0].var, w[0].value.as_str()), (ENV_SEMCONV, "otel"));
        let (s, w) = read(&[(ENV_CAPTURE_CONTENT, "maybe")]);
        assert!(!s.capture_content);
        assert!(
            w[0].to_string().contains("AITRACE_CAPTURE_CONTENT")
                && w[0].to_string().contains("maybe")
        );
        let (s, w) = read(&[(ENV_MAX_CONTENT_BYTES, "lots")]);
        assert_eq!(s.max_content_bytes, DEFAULT_MAX_CONTENT_BYTES);
        assert_eq!(w[0].var, ENV_MAX_CONTENT_BYTES);
        let (s, w) = read(&[(ENV_PRICING_FILE, "/nonexistent/prices.json")]);
        assert_eq!(*s.prices, *PriceTable::bundled());
        assert_eq!(w[0].var, ENV_PRICING_FILE);
        assert!(
            w[0].expected.contains("/nonexistent/prices.json"),
            "{}",
            w[0]
        );
    }

    #[test]
    fn one_boolean_rule_for_every_variable() {
        for v in ["1", "yes", "on"] {
            let (s, w) = read(&[(ENV_CAPTURE_CONTENT, v)]);
            assert!(!s.capture_content, "{v} is not true");
            assert_eq!(w.len(), 1, "{v}");
        }
        let (s, w) = read(&[(ENV_CAPTURE_CONTENT, "TRUE")]);
        assert!(s.capture_content && w.is_empty());
    }

    #[test]
    fn otel_capture_variable_is_honoured_and_ours_wins() {
        let (s, _) = read(&[(ENV_OTEL_CAPTURE_CONTENT, "true")]);
        assert!(s.capture_content);
        let (s, _) = read(&[
            (ENV_OTEL_CAPTURE_CONTENT, "true"),
            (ENV_CAPTURE_CONTENT, "false"),
        ]);
        assert!(!s.capture_content);
    }

    #[test]
    fn util_genai_capture_modes() {
        for (value, on) in [
            ("NO_CONTENT", false),
            ("no_content", false),
            ("SPAN_ONLY", true),
            ("Span_Only", true),
            ("SPAN_AND_EVENT", true),
            ("False", false),
        ] {
            let (s, w) = read(&[(ENV_OTEL_CAPTURE_CONTENT, value)]);
            assert_eq!(s.capture_content, on, "{value}");
            assert!(w.is_empty(), "{value}: {w:?}");
        }
        // Content on events only: aitrace has no content events, so nothing is
        // recorded, and the warning says why.
        let (s, w) = read(&[(ENV_OTEL_CAPTURE_CONTENT, "EVENT_ONLY")]);
        assert!(!s.capture_content);
        assert_eq!(w.len(), 1);
        assert!(w[0].expected.contains("on spans only"), "{}", w[0]);
        let (s, w) = read(&[(ENV_OTEL_CAPTURE_CONTENT, "SPANS")]);
        assert!(!s.capture_content);
        assert!(w[0].expected.contains("SPAN_ONLY"), "{}", w[0]);
    }

    #[test]
    fn values_set_in_code_are_validated() {
        let mut s = Settings::default().with_max_content_bytes(10);
        let w = s.validate();
        assert_eq!(w[0].var, ENV_MAX_CONTENT_BYTES);
        assert_eq!(s.max_content_bytes, DEFAULT_MAX_CONTENT_BYTES);
        assert!(s.validate().is_empty());
    }
}
