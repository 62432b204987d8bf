//! Content capture: prompts, completions, system instructions, tool arguments and results.
//!
//! Nothing here runs unless [`Settings::capture_content`](crate::Settings) is on.
//! When it is, content goes through the user's [`Redactor`], is serialised to JSON,
//! and is cut to [`Settings::max_content_bytes`](crate::Settings) so that the result
//! still parses: long strings are shortened and end with a visible
//! `…[truncated N bytes]` marker; a structure too large even then is replaced by
//! `{"aitrace.truncated": true, "original_bytes": N, "preview": "…"}`.

use serde_json::Value;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// What a piece of content is, as told to the [`Redactor`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContentKind {
    /// Messages sent to a model.
    Input,
    /// Messages returned by a model.
    Output,
    /// The system instructions of a model call.
    SystemInstructions,
    /// Arguments of a tool call.
    ToolArguments,
    /// Result of a tool call.
    ToolResult,
}

/// A hook that edits content before it is recorded (mask emails, drop keys, …).
///
/// A redactor that panics does not take the application down: the content it
/// failed to redact is replaced by `[redaction failed]`, the failure is counted
/// ([`redaction_failures`]) and reported on stderr once per redactor, without the
/// standard panic output.
#[derive(Clone)]
pub struct Redactor(Arc<Inner>);

struct Inner {
    f: Box<RedactFn>,
    /// Whether a failure of this redactor was reported already.
    reported: AtomicBool,
}

type RedactFn = dyn Fn(ContentKind, &mut Value) + Send + Sync;

static FAILURES: AtomicU64 = AtomicU64::new(0);

/// How many redactor calls have panicked in this process.
pub fn redaction_failures() -> u64 {
    FAILURES.load(Ordering::Relaxed)
}

impl Redactor {
    /// Wraps a function that edits content in place.
    pub fn new(f: impl Fn(ContentKind, &mut Value) + Send + Sync + 'static) -> Redactor {
        crate::install_panic_hook();
        Redactor(Arc::new(Inner {
            f: Box::new(f),
            reported: AtomicBool::new(false),
        }))
    }

    fn apply(&self, kind: ContentKind, value: &mut Value) {
        // A redactor that panics must not take the application down, and the
        // content it failed to redact must not be recorded.
        if let Err(panic) = crate::panic_hook::quietly(|| (self.0.f)(kind, value)) {
            *value = Value::String("[redaction failed]".into());
            FAILURES.fetch_add(1, Ordering::Relaxed);
            if !self.0.reported.swap(true, Ordering::Relaxed) {
                eprintln!("aitrace: a redactor panicked ({panic}); its content was replaced by [redaction failed]; further failures of this redactor are counted, not printed");
            }
        }
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor(..)")
    }
}

/// Serialises `content` for a span: redacted, JSON, at most `max_bytes` bytes.
///
/// Strings are recorded as JSON strings too (`"hello"`), so every content
/// attribute parses as JSON.
pub fn render(
    kind: ContentKind,
    content: Value,
    redactor: Option<&Redactor>,
    max_bytes: usize,
) -> String {
    let mut value = content;
    if let Some(r) = redactor {
        r.apply(kind, &mut value);
    }
    let full = value.to_string();
    if full.len() <= max_bytes {
        return full;
    }
    // Find the largest per-string cap for which the whole document fits.
    let (mut lo, mut hi) = (0usize, full.len());
    let mut best: Option<String> = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let candidate = cap_strings(&value, mid).to_string();
        if candidate.len() <= max_bytes {
            best = Some(candidate);
            lo = mid + 1;
        } else if mid == 0 {
            break;
        } else {
            hi = mid - 1;
        }
    }
    best.unwrap_or_else(|| summary_object(&full, max_bytes))
}

fn marker(cut: usize) -> String {
    format!("…[truncated {cut} bytes]")
}

/// `text` cut on a character boundary so that, with its `…[truncated N bytes]` marker,
/// it holds in `max_bytes`; unchanged when it already fits. Every value aitrace cuts
/// (user attributes, identity from baggage, the URLs of HTTP spans) ends with this
/// marker. The marker itself takes up to 41 bytes, so a limit below that is exceeded
/// by the marker alone.
///
/// ```
/// let long = "x".repeat(100);
/// let cut = aitrace::content::cut(&long, 64);
/// assert!(cut.len() <= 64);
/// assert!(cut.ends_with("…[truncated 77 bytes]"));
/// assert_eq!(aitrace::content::cut("short", 64), "short");
/// ```
pub fn cut(text: &str, max_bytes: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max_bytes {
        return std::borrow::Cow::Borrowed(text);
    }
    // The marker is at most 41 bytes: "…" (3), "[truncated " (11), 20 digits, " bytes]" (7).
    let end = floor_char_boundary(text, max_bytes.saturating_sub(41));
    std::borrow::Cow::Owned(format!("{}{}", &text[..end], marker(text.len() - end)))
}

/// A copy of `v` with every string longer than `cap` bytes cut and marked.
fn cap_strings(v: &Value, cap: usize) -> Value {
    match v {
        Value::String(s) if s.len() > cap => {
            let end = floor_char_boundary(s, cap);
            Value::String(format!("{}{}", &s[..end], marker(s.len() - end)))
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| cap_strings(x, cap)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), cap_strings(x, cap)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn summary_object(full: &str, max_bytes: usize) -> String {
    let mut keep = max_bytes;
    loop {
        let end = floor_char_boundary(full, keep);
        let obj = serde_json::json!({
            "aitrace.truncated": true,
            "original_bytes": full.len(),
            "preview": format!("{}{}", &full[..end], marker(full.len() - end)),
        })
        .to_string();
        if obj.len() <= max_bytes || end == 0 {
            return obj;
        }
        keep = end.saturating_sub((obj.len() - max_bytes).max(1));
    }
}

/// The largest index `<= i` that is a char boundary of `s`.
fn floor_char_boundary(s: &str, i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    let mut i = i;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The rendered content for a span, or `None` when content capture is off
/// (in which case `content` is never serialised).
pub(crate) fn for_span<T: serde::Serialize + ?Sized>(
    settings: &crate::Settings,
    kind: ContentKind,
    content: &T,
) -> Option<String> {
    if !settings.capture_content {
        return None;
    }
    let value = serde_json::to_value(content)
        .unwrap_or_else(|e| Value::String(format!("[content could not be serialised: {e}]")));
    Some(render(
        kind,
        value,
        settings.redactor.as_ref(),
        settings.max_content_bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small_content_is_unchanged_json() {
        let s = render(
            ContentKind::Input,
            json!([{"role": "user", "content": "hi"}]),
            None,
            1024,
        );
        // Key order depends on serde_json's `preserve_order` feature, which
        // another crate of the build may turn on: compare values.
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&s).unwrap(),
            json!([{"role": "user", "content": "hi"}])
        );
        assert_eq!(s.len(), r#"[{"content":"hi","role":"user"}]"#.len(), "{s}");
    }

    #[test]
    fn long_strings_are_cut_with_a_marker_and_stay_json() {
        let long = "é".repeat(5000);
        let s = render(
            ContentKind::Output,
            json!({"role": "assistant", "content": long}),
            None,
            500,
        );
        assert!(s.len() <= 500, "{}", s.len());
        let v: Value = serde_json::from_str(&s).unwrap();
        let c = v["content"].as_str().unwrap();
        assert!(c.contains("…[truncated "), "{c}");
        assert_eq!(v["role"], "assistant");
    }

    #[test]
    fn huge_structures_become_a_parseable_summary() {
        let many: Vec<Value> = (0..2000).map(|i| json!({"n": i})).collect();
        let s = render(ContentKind::Input, Value::Array(many), None, 200);
        assert!(s.len() <= 200, "{}", s.len());
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["aitrace.truncated"], true);
    }

    #[test]
    fn redactor_runs_first_and_a_panicking_one_hides_the_content() {
        let r = Redactor::new(|_, v| {
            if let Some(s) = v.as_str() {
                *v = Value::String(s.replace("secret", "[REDACTED]"));
            }
        });
        assert_eq!(
            render(ContentKind::Input, json!("my secret"), Some(&r), 100),
            r#""my [REDACTED]""#
        );
        let bad = Redactor::new(|_, _| panic!("boom"));
        assert_eq!(
            render(ContentKind::Input, json!("my secret"), Some(&bad), 100),
            r#""[redaction failed]""#
        );
    }
}
