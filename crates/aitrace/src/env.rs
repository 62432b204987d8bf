//! Environment variables: every name aitrace reads, the one parser of their
//! values, and the warning an unusable value produces.
//!
//! The rules, shared by every variable (the OpenTelemetry configuration
//! specification's, applied to aitrace's own `AITRACE_*` variables too):
//!
//! - a value that is empty or only whitespace counts as unset; values are trimmed;
//! - names of choices are matched without regard to case;
//! - a boolean is `true` or `false` (any case); nothing else is true;
//! - a value that is invalid or not supported never stops the application: it is
//!   ignored as if unset (so the next variable in precedence, or the default,
//!   applies) and produces one [`ConfigWarning`] naming the variable, the value and
//!   what is accepted. In a list (`OTEL_PROPAGATORS`, `AITRACE_SEMCONV`, …) only the
//!   item at fault is skipped.
//!
//! Where the warnings go is the caller's choice: `aitrace-sdk` prints them once when
//! the pipeline is built (or refuses to start, in strict mode), and exposes them on
//! its guard; the span API alone prints them with [`warn_once`].
//!
//! ```
//! use aitrace::env::{EnvReader, OTEL_SDK_DISABLED};
//!
//! let mut env = EnvReader::new(|name| (name == OTEL_SDK_DISABLED).then(|| "1".to_string()));
//! assert_eq!(env.bool(&[OTEL_SDK_DISABLED]), None); // "1" is not a boolean: as if unset
//! let warnings = env.finish();
//! assert_eq!(warnings.len(), 1);
//! assert_eq!(warnings[0].var, OTEL_SDK_DISABLED);
//! assert!(warnings[0].to_string().contains("expected true or false"));
//! ```

use std::collections::HashSet;
use std::fmt;
use std::sync::{Mutex, OnceLock};

// ---------------------------------------------------------------------------
// Names. Every variable aitrace reads is defined here, once; the modules that
// read them re-export the ones they own.
// ---------------------------------------------------------------------------

/// `true` turns the SDK off: nothing is recorded or exported.
pub const OTEL_SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
/// The `service.name` resource attribute.
pub const OTEL_SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
/// Resource attributes as `key1=value1,key2=value2`, values percent-encoded.
pub const OTEL_RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
/// Where spans go: a comma-separated list of `otlp`, `console`, or `none`.
pub const OTEL_TRACES_EXPORTER: &str = "OTEL_TRACES_EXPORTER";
/// Base URL of the OTLP receiver for every signal; `/v1/traces` is appended for HTTP.
pub const OTEL_EXPORTER_OTLP_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";
/// Full URL of the OTLP receiver for traces, used as given.
pub const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
/// aitrace's short alias of [`OTEL_EXPORTER_OTLP_ENDPOINT`], which wins when both are set.
pub const OTEL_ENDPOINT: &str = "OTEL_ENDPOINT";
/// OTLP transport: `grpc`, `http/protobuf` or `http/json`.
pub const OTEL_EXPORTER_OTLP_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_PROTOCOL";
/// OTLP transport for traces; wins over [`OTEL_EXPORTER_OTLP_PROTOCOL`].
pub const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL";
/// Headers sent with every export, `key1=value1,key2=value2`, values percent-encoded.
pub const OTEL_EXPORTER_OTLP_HEADERS: &str = "OTEL_EXPORTER_OTLP_HEADERS";
/// Headers sent with trace exports; replaces [`OTEL_EXPORTER_OTLP_HEADERS`] when set.
pub const OTEL_EXPORTER_OTLP_TRACES_HEADERS: &str = "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
/// Timeout of one export, in milliseconds.
pub const OTEL_EXPORTER_OTLP_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TIMEOUT";
/// Timeout of one trace export, in milliseconds; wins over [`OTEL_EXPORTER_OTLP_TIMEOUT`].
pub const OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT";
/// Payload compression: `gzip`, `zstd` or `none`.
pub const OTEL_EXPORTER_OTLP_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_COMPRESSION";
/// Payload compression of trace exports; wins over [`OTEL_EXPORTER_OTLP_COMPRESSION`].
pub const OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION";
/// PEM file of the CA(s) trusted to sign the collector's certificate.
pub const OTEL_EXPORTER_OTLP_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CERTIFICATE";
/// PEM CA file for trace exports; wins over [`OTEL_EXPORTER_OTLP_CERTIFICATE`].
pub const OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE";
/// PEM file of the client certificate (mutual TLS).
pub const OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE";
/// Client certificate for trace exports; wins over [`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`].
pub const OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE";
/// PEM file of the client's private key (mutual TLS).
pub const OTEL_EXPORTER_OTLP_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_CLIENT_KEY";
/// Client key for trace exports; wins over [`OTEL_EXPORTER_OTLP_CLIENT_KEY`].
pub const OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY";
/// `true`: an endpoint given without a scheme is plaintext `http://` (else `https://`).
pub const OTEL_EXPORTER_OTLP_INSECURE: &str = "OTEL_EXPORTER_OTLP_INSECURE";
/// Like [`OTEL_EXPORTER_OTLP_INSECURE`], for trace exports; wins over it.
pub const OTEL_EXPORTER_OTLP_TRACES_INSECURE: &str = "OTEL_EXPORTER_OTLP_TRACES_INSECURE";
/// Where metrics go: a comma-separated list of `otlp`, `console`, or `none`.
pub const OTEL_METRICS_EXPORTER: &str = "OTEL_METRICS_EXPORTER";
/// Milliseconds between two metric exports (60 000 by default).
pub const OTEL_METRIC_EXPORT_INTERVAL: &str = "OTEL_METRIC_EXPORT_INTERVAL";
/// Longest time one metric export may take, in milliseconds (30 000 by default).
pub const OTEL_METRIC_EXPORT_TIMEOUT: &str = "OTEL_METRIC_EXPORT_TIMEOUT";
/// Full URL of the OTLP receiver for metrics, used as given.
pub const OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: &str = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";
/// OTLP transport for metrics; wins over [`OTEL_EXPORTER_OTLP_PROTOCOL`].
pub const OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: &str = "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL";
/// Headers sent with metric exports; replaces [`OTEL_EXPORTER_OTLP_HEADERS`] when set.
pub const OTEL_EXPORTER_OTLP_METRICS_HEADERS: &str = "OTEL_EXPORTER_OTLP_METRICS_HEADERS";
/// Timeout of one metric export request, in milliseconds; wins over [`OTEL_EXPORTER_OTLP_TIMEOUT`].
pub const OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: &str = "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT";
/// Payload compression of metric exports; wins over [`OTEL_EXPORTER_OTLP_COMPRESSION`].
pub const OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: &str = "OTEL_EXPORTER_OTLP_METRICS_COMPRESSION";
/// PEM CA file for metric exports; wins over [`OTEL_EXPORTER_OTLP_CERTIFICATE`].
pub const OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE: &str = "OTEL_EXPORTER_OTLP_METRICS_CERTIFICATE";
/// Client certificate for metric exports; wins over [`OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE`].
pub const OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE: &str =
    "OTEL_EXPORTER_OTLP_METRICS_CLIENT_CERTIFICATE";
/// Client key for metric exports; wins over [`OTEL_EXPORTER_OTLP_CLIENT_KEY`].
pub const OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY: &str = "OTEL_EXPORTER_OTLP_METRICS_CLIENT_KEY";
/// Like [`OTEL_EXPORTER_OTLP_INSECURE`], for metric exports; wins over it.
pub const OTEL_EXPORTER_OTLP_METRICS_INSECURE: &str = "OTEL_EXPORTER_OTLP_METRICS_INSECURE";
/// Aggregation temporality of metric exports: `cumulative` (the default),
/// `delta` or `lowmemory`.
pub const OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: &str =
    "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
/// The head sampler (`parentbased_always_on` by default).
pub const OTEL_TRACES_SAMPLER: &str = "OTEL_TRACES_SAMPLER";
/// The ratio of the `traceidratio` samplers, from 0 to 1 (1 by default).
pub const OTEL_TRACES_SAMPLER_ARG: &str = "OTEL_TRACES_SAMPLER_ARG";
/// Context propagators, in order: `tracecontext`, `baggage`, `b3`, `b3multi`, `jaeger`, `none`.
pub const OTEL_PROPAGATORS: &str = "OTEL_PROPAGATORS";
/// Delay between two batch exports, in milliseconds.
pub const OTEL_BSP_SCHEDULE_DELAY: &str = "OTEL_BSP_SCHEDULE_DELAY";
/// Longest time one batch export may take, in milliseconds.
pub const OTEL_BSP_EXPORT_TIMEOUT: &str = "OTEL_BSP_EXPORT_TIMEOUT";
/// Spans kept waiting for export before new ones are dropped.
pub const OTEL_BSP_MAX_QUEUE_SIZE: &str = "OTEL_BSP_MAX_QUEUE_SIZE";
/// Spans sent in one export; at most [`OTEL_BSP_MAX_QUEUE_SIZE`].
pub const OTEL_BSP_MAX_EXPORT_BATCH_SIZE: &str = "OTEL_BSP_MAX_EXPORT_BATCH_SIZE";
/// The OpenTelemetry GenAI content switch: `true`/`false`, or util-genai's
/// `NO_CONTENT`, `SPAN_ONLY`, `EVENT_ONLY`, `SPAN_AND_EVENT`.
pub const OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: &str =
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";

/// Comma-separated attribute dialects (`ai`, `gen_ai`, `openinference`).
pub const AITRACE_SEMCONV: &str = "AITRACE_SEMCONV";
/// `true` records prompts, completions and tool I/O.
pub const AITRACE_CAPTURE_CONTENT: &str = "AITRACE_CAPTURE_CONTENT";
/// Cut recorded content at this many bytes.
pub const AITRACE_MAX_CONTENT_BYTES: &str = "AITRACE_MAX_CONTENT_BYTES";
/// A JSON price file that overrides or extends the bundled prices.
pub const AITRACE_PRICING_FILE: &str = "AITRACE_PRICING_FILE";
/// `true` also emits the deprecated `gen_ai.system`.
pub const AITRACE_GEN_AI_SYSTEM_COMPAT: &str = "AITRACE_GEN_AI_SYSTEM_COMPAT";
/// Keep rule: keep traces with a span in error.
pub const AITRACE_SAMPLE_ERRORS: &str = "AITRACE_SAMPLE_ERRORS";
/// Keep rule: keep traces where a guardrail tripped.
pub const AITRACE_SAMPLE_GUARDRAILS: &str = "AITRACE_SAMPLE_GUARDRAILS";
/// Keep rule: keep traces whose local root took longer (milliseconds).
pub const AITRACE_SAMPLE_SLOW_MS: &str = "AITRACE_SAMPLE_SLOW_MS";
/// Keep rule: keep traces that cost more (sum of `ai.cost_usd`, in US dollars).
pub const AITRACE_SAMPLE_COST_USD: &str = "AITRACE_SAMPLE_COST_USD";
/// `true` turns every [`ConfigWarning`] into an error when the pipeline is built.
pub const AITRACE_STRICT_CONFIG: &str = "AITRACE_STRICT_CONFIG";
/// Longest wait of the tracing guard's shutdown and flush, in milliseconds.
pub const AITRACE_SHUTDOWN_TIMEOUT: &str = "AITRACE_SHUTDOWN_TIMEOUT";
/// Byte budget of the export queue: estimated bytes of the spans queued or
/// being exported, past which new spans are dropped and counted.
pub const AITRACE_MAX_QUEUE_BYTES: &str = "AITRACE_MAX_QUEUE_BYTES";
/// Largest OTLP request sent, in encoded bytes.
pub const AITRACE_MAX_REQUEST_BYTES: &str = "AITRACE_MAX_REQUEST_BYTES";
/// How the conversation id, user id and tenant cross services in baggage:
/// `always`, `propagators` or `off` (see [`crate::propagation::IdentityBaggage`]).
pub const AITRACE_IDENTITY_BAGGAGE: &str = crate::propagation::ENV_IDENTITY_BAGGAGE;

// ---------------------------------------------------------------------------
// The warning.
// ---------------------------------------------------------------------------

/// A configuration value that could not be used, and what is used instead.
///
/// Its text names the variable, the value and what is accepted; values that may
/// be secret (header values) are never part of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConfigWarning {
    /// The variable at fault (for a value set in code: the variable of that setting).
    pub var: &'static str,
    /// The value, or which part of it, when it may hold a secret (`entry 2 (key x-api-key)`).
    pub value: String,
    /// What is accepted.
    pub expected: String,
    /// What happens instead (`using false`, `skipped`, …).
    pub fallback: String,
}

impl ConfigWarning {
    /// A warning for `value` in `var`.
    pub fn new(
        var: &'static str,
        value: impl Into<String>,
        expected: impl Into<String>,
        fallback: impl Into<String>,
    ) -> ConfigWarning {
        ConfigWarning {
            var,
            value: value.into(),
            expected: expected.into(),
            fallback: fallback.into(),
        }
    }

    /// The problem alone, without what is used instead: for errors in strict mode,
    /// where nothing is used instead.
    pub fn problem(&self) -> String {
        format!(
            "invalid value {:?} for {}: expected {}",
            self.value, self.var, self.expected
        )
    }
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.problem(), self.fallback)
    }
}

/// Prints each warning on stderr (`aitrace: …`), unless the same warning was
/// already printed by this process: the span API, which reads
/// `OTEL_SDK_DISABLED` and the `AITRACE_*` settings lazily, and the SDK, which
/// reads them again when it starts, report each problem once between them.
pub fn warn_once(warnings: &[ConfigWarning]) {
    static PRINTED: OnceLock<Mutex<HashSet<ConfigWarning>>> = OnceLock::new();
    let mut printed = PRINTED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    for w in warnings {
        if printed.insert(w.clone()) {
            eprintln!("aitrace: {w}");
        }
    }
}

// ---------------------------------------------------------------------------
// The reader.
// ---------------------------------------------------------------------------

/// Reads variables through a lookup (a variable name to its value) under the
/// rules of this module, and collects the warnings.
///
/// Injecting the lookup keeps configuration testable without touching the
/// process environment; [`EnvReader::process`] reads the real one.
pub struct EnvReader<F> {
    lookup: F,
    warnings: Vec<ConfigWarning>,
}

impl<F> fmt::Debug for EnvReader<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvReader")
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// The process environment as a lookup. A value that is not valid Unicode is
/// read lossily, so that it is reported as invalid rather than silently unset.
pub fn process_lookup(name: &str) -> Option<String> {
    std::env::var_os(name).map(|v| v.to_string_lossy().into_owned())
}

impl EnvReader<fn(&str) -> Option<String>> {
    /// A reader of the process environment.
    pub fn process() -> Self {
        EnvReader::new(process_lookup as fn(&str) -> Option<String>)
    }
}

impl<F: Fn(&str) -> Option<String>> EnvReader<F> {
    /// A reader over `lookup`.
    pub fn new(lookup: F) -> Self {
        EnvReader {
            lookup,
            warnings: Vec::new(),
        }
    }

    /// The trimmed value of `var`; `None` when unset, empty or only whitespace.
    pub fn value(&self, var: &str) -> Option<String> {
        (self.lookup)(var)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The first of `vars` that is set, with its name.
    pub fn first(&self, vars: &[&'static str]) -> Option<(&'static str, String)> {
        vars.iter()
            .find_map(|var| self.value(var).map(|v| (*var, v)))
    }

    /// The first of `vars` (in precedence order) whose value `parse` accepts. A set
    /// value that `parse` refuses (its error says what is accepted) becomes a
    /// warning, and the next variable is tried: an invalid value counts as unset.
    /// `fallback` says what is used when every variable fails or is unset.
    pub fn parse<T>(
        &mut self,
        vars: &[&'static str],
        fallback: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.parse_from(vars, fallback, parse).map(|(_, v)| v)
    }

    /// Like [`EnvReader::parse`], with the variable the value came from.
    pub fn parse_from<T>(
        &mut self,
        vars: &[&'static str],
        fallback: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<(&'static str, T)> {
        for (i, var) in vars.iter().enumerate() {
            let Some(value) = self.value(var) else {
                continue;
            };
            match parse(&value) {
                Ok(v) => return Some((var, v)),
                Err(expected) => {
                    let instead = self.instead(&vars[i + 1..], fallback);
                    self.warn(ConfigWarning::new(var, value, expected, instead));
                }
            }
        }
        None
    }

    /// What is used instead of a refused value: the next of `rest` that is set,
    /// else `fallback`.
    pub fn instead(&self, rest: &[&'static str], fallback: &str) -> String {
        match rest.iter().find(|v| self.value(v).is_some()) {
            Some(next) => format!("ignored; {next} applies"),
            None => fallback.to_string(),
        }
    }

    /// A boolean from the first of `vars` that holds one (see [`parse_bool`]).
    /// Anything else is a warning and counts as unset, so the default (false for
    /// every boolean the specification defines) applies.
    pub fn bool(&mut self, vars: &[&'static str]) -> Option<bool> {
        self.parse(vars, "using false", |v| {
            parse_bool(v).ok_or_else(|| "true or false".to_string())
        })
    }

    /// `OTEL_SDK_DISABLED`: true only for a case-insensitive `true`. Anything else
    /// but `false` is a warning, and tracing stays on. The span API and the SDK
    /// both read it through here, so that their warnings are the same one.
    pub fn sdk_disabled(&mut self) -> bool {
        self.parse(&[OTEL_SDK_DISABLED], "using false: tracing stays on", |v| {
            parse_bool(v).ok_or_else(|| "true or false".to_string())
        })
        .unwrap_or(false)
    }

    /// Records a warning, once: a generic variable read for two signals
    /// (`OTEL_EXPORTER_OTLP_HEADERS` for traces and metrics) is reported once.
    pub fn warn(&mut self, warning: ConfigWarning) {
        if !self.warnings.contains(&warning) {
            self.warnings.push(warning);
        }
    }

    /// The warnings so far.
    pub fn warnings(&self) -> &[ConfigWarning] {
        &self.warnings
    }

    /// Ends the reading, handing back the warnings.
    pub fn finish(self) -> Vec<ConfigWarning> {
        self.warnings
    }
}

// ---------------------------------------------------------------------------
// Files named by variables.
// ---------------------------------------------------------------------------

/// The largest file a variable may name (`AITRACE_PRICING_FILE`, the TLS
/// certificate and key files): 4 MiB, twenty times a full system CA bundle.
pub const MAX_CONFIG_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a file named in the configuration, refusing at once what could not end
/// well: anything but a regular file (`/dev/zero`, a named pipe, which would make
/// the read wait for a writer for ever, a socket, a directory) and a file larger
/// than `max_bytes`. The file is read up to `max_bytes` even if it grows while
/// being read.
///
/// # Errors
/// An [`std::io::Error`] whose message says what the path is, or how large,
/// and what is accepted.
///
/// ```
/// use aitrace::env::{read_config_file, MAX_CONFIG_FILE_BYTES};
///
/// let dir = std::env::temp_dir();
/// let e = read_config_file(&dir, MAX_CONFIG_FILE_BYTES).unwrap_err();
/// assert!(e.to_string().contains("a directory"), "{e}");
/// # #[cfg(target_os = "linux")]
/// # {
/// let e = read_config_file("/dev/zero".as_ref(), MAX_CONFIG_FILE_BYTES).unwrap_err();
/// assert!(e.to_string().contains("a character device"), "{e}");
/// # }
/// ```
pub fn read_config_file(path: &std::path::Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    let check = |meta: &std::fs::Metadata| -> std::io::Result<()> {
        if !meta.is_file() {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("not a regular file: it is {}", file_kind(meta)),
            ));
        }
        if meta.len() > max_bytes {
            return Err(Error::new(
                ErrorKind::InvalidInput,
                format!("{} bytes, more than the {max_bytes} accepted", meta.len()),
            ));
        }
        Ok(())
    };
    // Checked before opening: opening a named pipe waits for a writer.
    check(&std::fs::metadata(path)?)?;
    let file = std::fs::File::open(path)?;
    check(&file.metadata()?)?;
    let mut bytes = Vec::new();
    file.take(max_bytes + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("grew past the {max_bytes} bytes accepted while being read"),
        ));
    }
    Ok(bytes)
}

/// What a path that is not a regular file is, for messages.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

// ---------------------------------------------------------------------------
// Value parsers.
// ---------------------------------------------------------------------------

/// A boolean as the OpenTelemetry specification defines it: `true` or `false`,
/// in any case, surrounding whitespace ignored. `None` for anything else
/// (`1`, `yes`, `on` included).
///
/// ```
/// assert_eq!(aitrace::env::parse_bool(" TRUE "), Some(true));
/// assert_eq!(aitrace::env::parse_bool("False"), Some(false));
/// assert_eq!(aitrace::env::parse_bool("1"), None);
/// ```
pub fn parse_bool(value: &str) -> Option<bool> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A whole number written with ASCII digits only (no sign, no separators).
pub fn parse_u64(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// A whole number of milliseconds; `positive` refuses 0. The error says what is accepted.
pub fn parse_millis(value: &str, positive: bool) -> Result<std::time::Duration, String> {
    match parse_u64(value) {
        Some(ms) if ms > 0 || !positive => Ok(std::time::Duration::from_millis(ms)),
        _ if positive => Err("a whole number of milliseconds greater than 0".into()),
        _ => Err("a whole number of milliseconds (0 or more)".into()),
    }
}

/// A whole number greater than 0. The error says what is accepted.
pub fn parse_count(value: &str) -> Result<usize, String> {
    match parse_u64(value).and_then(|n| usize::try_from(n).ok()) {
        Some(n) if n > 0 => Ok(n),
        _ => Err("a whole number greater than 0".into()),
    }
}

/// The non-empty items of a comma-separated list, trimmed and lower-cased.
pub fn list_items(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_ascii_lowercase)
}

/// A comma-separated list of names (`OTEL_PROPAGATORS`, `OTEL_TRACES_EXPORTER`,
/// `AITRACE_SEMCONV`), sorted by what each name is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameList<K> {
    /// The names understood, in order, each once.
    pub known: Vec<K>,
    /// Whether `none` was given.
    pub none: bool,
    /// Names a specification defines that aitrace does not implement, as given.
    pub unsupported: Vec<String>,
    /// Names nobody defines (typos), as given.
    pub unknown: Vec<String>,
}

/// What one name of a [`NameList`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Name<K> {
    /// A name aitrace implements.
    Known(K),
    /// `none`.
    None,
    /// A name defined elsewhere that aitrace does not implement.
    Unsupported,
    /// Not a name at all.
    Unknown,
}

/// Sorts the items of `value` with `classify` (which receives them lower-cased).
pub fn parse_names<K: PartialEq>(value: &str, classify: impl Fn(&str) -> Name<K>) -> NameList<K> {
    let mut list = NameList {
        known: Vec::new(),
        none: false,
        unsupported: Vec::new(),
        unknown: Vec::new(),
    };
    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        match classify(&item.to_ascii_lowercase()) {
            Name::Known(k) if !list.known.contains(&k) => list.known.push(k),
            Name::Known(_) => {}
            Name::None => list.none = true,
            Name::Unsupported => list.unsupported.push(item.to_string()),
            Name::Unknown => list.unknown.push(item.to_string()),
        }
    }
    list
}

impl<K> NameList<K> {
    /// One warning per name skipped (unsupported or unknown), for `var`, whose
    /// accepted names are `accepted`.
    pub fn warnings(
        &self,
        var: &'static str,
        accepted: &str,
        fallback: &str,
    ) -> Vec<ConfigWarning> {
        let unsupported = self.unsupported.iter().map(|name| {
            ConfigWarning::new(
                var,
                name.as_str(),
                format!("{accepted} ({name} is not supported by aitrace)"),
                fallback,
            )
        });
        let unknown = self.unknown.iter().map(|name| {
            ConfigWarning::new(
                var,
                name.as_str(),
                format!("{accepted} ({name} is not one of them)"),
                fallback,
            )
        });
        unsupported.chain(unknown).collect()
    }
}

/// Why one `key=value` entry of a list could not be read. Its description never
/// includes the entry's text, which may be a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryError {
    /// The entry has no `=`.
    NoEquals,
    /// Nothing before `=`.
    EmptyKey,
    /// The key could not be percent-decoded.
    Key(DecodeError),
    /// The value of `key` could not be percent-decoded.
    Value {
        /// The decoded key.
        key: String,
        /// Why.
        error: DecodeError,
    },
}

impl EntryError {
    /// What went wrong, in words that never repeat the entry's text.
    pub fn describe(&self) -> String {
        match self {
            EntryError::NoEquals => "this entry has no '='".into(),
            EntryError::EmptyKey => "the key is empty".into(),
            EntryError::Key(e) => format!("the key {}", e.describe()),
            EntryError::Value { error, .. } => format!("the value {}", error.describe()),
        }
    }

    /// Like [`EntryError::describe`], naming the entry by its `position`
    /// (`entry 2 has no '='`, `the value of entry 3 does not decode to UTF-8`).
    pub fn describe_at(&self, position: usize) -> String {
        match self {
            EntryError::NoEquals => format!("entry {position} has no '='"),
            EntryError::EmptyKey => format!("entry {position} has an empty key"),
            EntryError::Key(e) => format!("the key of entry {position} {}", e.describe()),
            EntryError::Value { error, .. } => {
                format!("the value of entry {position} {}", error.describe())
            }
        }
    }
}

/// One entry of a `key=value` list: its position (from 1), and the decoded key
/// and value or why they could not be decoded.
pub type Entry = (usize, Result<(String, String), EntryError>);

/// The entries of `key1=value1,key2=value2` (`OTEL_RESOURCE_ATTRIBUTES`,
/// `OTEL_EXPORTER_OTLP_HEADERS`): keys and values trimmed and percent-decoded
/// (RFC 3986 `%XX`; `+` stays a plus); a value may hold `=`. Empty entries are
/// skipped, but still counted in positions.
///
/// ```
/// let entries = aitrace::env::key_values("team=ai%20platform,, broken");
/// assert_eq!(entries[0], (1, Ok(("team".into(), "ai platform".into()))));
/// assert_eq!(entries[1].0, 3);
/// assert!(entries[1].1.is_err());
/// ```
pub fn key_values(value: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for (index, entry) in value.split(',').enumerate() {
        let position = index + 1;
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let parsed = match entry.split_once('=') {
            None => Err(EntryError::NoEquals),
            Some((raw_key, raw_value)) => match percent_decode(raw_key.trim()) {
                Err(e) => Err(EntryError::Key(e)),
                Ok(key) if key.is_empty() => Err(EntryError::EmptyKey),
                Ok(key) => match percent_decode(raw_value.trim()) {
                    Ok(value) => Ok((key, value)),
                    Err(error) => Err(EntryError::Value { key, error }),
                },
            },
        };
        out.push((position, parsed));
    }
    out
}

/// Why [`percent_decode`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// A `%` not followed by two hexadecimal digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

impl DecodeError {
    /// A phrase completing "the value …".
    pub fn describe(self) -> &'static str {
        match self {
            DecodeError::BadEscape => "has a '%' not followed by two hexadecimal digits",
            DecodeError::NotUtf8 => "does not decode to UTF-8",
        }
    }
}

/// Decodes `%XX` escapes (RFC 3986). Everything else, `+` included, is kept as is.
///
/// # Errors
/// [`DecodeError`] for a malformed escape or bytes that are not UTF-8.
pub fn percent_decode(s: &str) -> Result<String, DecodeError> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => return Err(DecodeError::BadEscape),
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::NotUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader<'a>(
        pairs: &'a [(&'a str, &'a str)],
    ) -> EnvReader<impl Fn(&str) -> Option<String> + 'a> {
        EnvReader::new(move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn spec_booleans() {
        for (v, b) in [
            ("true", true),
            ("TRUE", true),
            (" True ", true),
            ("false", false),
            ("FaLsE", false),
        ] {
            assert_eq!(parse_bool(v), Some(b), "{v}");
        }
        for v in ["1", "0", "yes", "no", "on", "off", "", "tru", "\"true\""] {
            assert_eq!(parse_bool(v), None, "{v}");
        }
    }

    #[test]
    fn an_invalid_value_counts_as_unset_and_the_next_applies() {
        let mut env = reader(&[("A", "maybe"), ("B", "true")]);
        assert_eq!(env.bool(&["A", "B"]), Some(true));
        let w = env.finish();
        assert_eq!(w.len(), 1);
        assert_eq!((w[0].var, w[0].value.as_str()), ("A", "maybe"));
        assert_eq!(w[0].fallback, "ignored; B applies");

        let mut env = reader(&[("A", "maybe"), ("B", " ")]);
        assert_eq!(env.bool(&["A", "B"]), None);
        assert_eq!(env.finish()[0].fallback, "using false");
    }

    #[test]
    fn blank_values_are_unset_without_warnings() {
        let mut env = reader(&[("A", " \t"), ("B", "")]);
        assert_eq!(env.bool(&["A", "B"]), None);
        assert!(env.finish().is_empty());
    }

    #[test]
    fn names_are_sorted() {
        let list = parse_names("B, a,,x,none,a,zz", |n| match n {
            "a" => Name::Known(1),
            "b" => Name::Known(2),
            "none" => Name::None,
            "x" => Name::Unsupported,
            _ => Name::Unknown,
        });
        assert_eq!(list.known, vec![2, 1]);
        assert!(list.none);
        assert_eq!(list.unsupported, vec!["x"]);
        assert_eq!(list.unknown, vec!["zz"]);
        let w = list.warnings("V", "a or b", "skipped");
        assert_eq!(w.len(), 2);
        assert!(w[0].expected.contains("x is not supported"), "{}", w[0]);
        let list = parse_names(" XRay ", |_| Name::<u8>::Unsupported);
        assert_eq!(list.unsupported, vec!["XRay"], "kept as given");
    }

    #[test]
    fn decodes_escapes_and_keeps_plus() {
        assert_eq!(percent_decode("a%20b+c").unwrap(), "a b+c");
        assert_eq!(percent_decode("%E2%9C%93").unwrap(), "\u{2713}");
        assert_eq!(percent_decode("%2c%3D").unwrap(), ",=");
        assert_eq!(percent_decode("100%"), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%4"), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%zz"), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%FF"), Err(DecodeError::NotUtf8));
        assert_eq!(percent_decode("é%"), Err(DecodeError::BadEscape));
    }

    #[test]
    fn key_value_entries() {
        let got = key_values(" a = 1 ,b=x=y,,=v,nokey,c=%ZZ,%FF=1");
        assert_eq!(got[0], (1, Ok(("a".into(), "1".into()))));
        assert_eq!(got[1], (2, Ok(("b".into(), "x=y".into()))));
        assert_eq!(got[2], (4, Err(EntryError::EmptyKey)));
        assert_eq!(got[3], (5, Err(EntryError::NoEquals)));
        assert_eq!(
            got[4],
            (
                6,
                Err(EntryError::Value {
                    key: "c".into(),
                    error: DecodeError::BadEscape
                })
            )
        );
        assert_eq!(got[5], (7, Err(EntryError::Key(DecodeError::NotUtf8))));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u64(" 42 "), Some(42));
        for v in ["-1", "+1", "1.5", "1_000", "", "18446744073709551616"] {
            assert_eq!(parse_u64(v), None, "{v}");
        }
        assert!(parse_millis("0", true).is_err());
        assert_eq!(parse_millis("0", false), Ok(std::time::Duration::ZERO));
        assert!(parse_count("0").is_err());
    }

    #[test]
    fn the_warning_names_variable_value_and_what_is_accepted() {
        let w = ConfigWarning::new("V", "x", "a or b", "using a");
        assert_eq!(
            w.to_string(),
            "invalid value \"x\" for V: expected a or b; using a"
        );
        assert_eq!(w.problem(), "invalid value \"x\" for V: expected a or b");
    }
}
