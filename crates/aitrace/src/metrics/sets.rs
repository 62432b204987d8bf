//! The attribute set of each kind of measurement, described once: the same
//! description builds the attributes (when a series is bound, or for unbound
//! instruments) and compares a kept set with a span's (when looking a bound
//! series up), so that a span that finds its series allocates nothing.

use super::names::attr;
use opentelemetry::{Key, KeyValue, StringValue, Value};
use std::sync::Arc;

/// What a description is told, item by item, in order.
pub(crate) trait Visit {
    /// A string the span borrows.
    fn str(&mut self, key: &'static str, value: &str);
    /// A string known for the life of the program.
    fn static_str(&mut self, key: &'static str, value: &'static str);
    fn int(&mut self, key: &'static str, value: i64);
    fn bool(&mut self, key: &'static str, value: bool);
}

/// An attribute set, described item by item.
pub(crate) trait AttributeSet {
    fn describe<V: Visit>(&self, v: &mut V);

    /// The attributes.
    fn attributes(&self) -> Vec<KeyValue> {
        let mut b = Build(Vec::with_capacity(8));
        self.describe(&mut b);
        b.0
    }

    /// Whether `attrs` are these attributes, in this order.
    fn is(&self, attrs: &[KeyValue]) -> bool {
        let mut c = Compare {
            attrs,
            at: 0,
            same: true,
        };
        self.describe(&mut c);
        c.same && c.at == attrs.len()
    }
}

struct Build(Vec<KeyValue>);

impl Visit for Build {
    fn str(&mut self, key: &'static str, value: &str) {
        let value = StringValue::from(Arc::<str>::from(value));
        self.0.push(KeyValue::new(Key::from_static_str(key), value));
    }
    fn static_str(&mut self, key: &'static str, value: &'static str) {
        self.0.push(KeyValue::new(Key::from_static_str(key), value));
    }
    fn int(&mut self, key: &'static str, value: i64) {
        self.0.push(KeyValue::new(Key::from_static_str(key), value));
    }
    fn bool(&mut self, key: &'static str, value: bool) {
        self.0.push(KeyValue::new(Key::from_static_str(key), value));
    }
}

struct Compare<'a> {
    attrs: &'a [KeyValue],
    at: usize,
    same: bool,
}

impl Compare<'_> {
    /// Compares the next kept attribute (stops at the first difference).
    #[inline(always)]
    fn next(&mut self, key: &'static str, same_value: impl FnOnce(&Value) -> bool) {
        if !self.same {
            return;
        }
        self.same = match self.attrs.get(self.at) {
            Some(kv) => same_key(kv.key.as_str(), key) && same_value(&kv.value),
            None => false,
        };
        self.at += 1;
    }
}

/// Whether a kept key is `key`: kept keys are made from the same static strings
/// (`Key::from_static_str`), so the address decides at once; the bytes otherwise.
fn same_key(kept: &str, key: &'static str) -> bool {
    std::ptr::eq(kept, key) || kept == key
}

/// Whether two strings are the same, compared in place for up to 32 bytes
/// (provider, model and server names are short): a call to `memcmp` for each
/// attribute value of a span cost more than the comparison itself, about 100
/// instructions a model call.
#[inline(always)]
fn same_str(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // Eight (or four) bytes at `at`, one load each.
    let word = |s: &[u8], at: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&s[at..at + 8]);
        u64::from_ne_bytes(w)
    };
    let half = |s: &[u8], at: usize| {
        let mut w = [0u8; 4];
        w.copy_from_slice(&s[at..at + 4]);
        u32::from_ne_bytes(w)
    };
    let same = |at: usize| word(a, at) == word(b, at);
    match n {
        // Words that overlap when n is not a multiple of their size.
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        8..=16 => same(0) && same(n - 8),
        17..=32 => same(0) && same(8) && same(n - 16) && same(n - 8),
        0..=3 => a == b,
        _ => a == b,
    }
}

impl Visit for Compare<'_> {
    #[inline(always)]
    fn str(&mut self, key: &'static str, value: &str) {
        self.next(
            key,
            |v| matches!(v, Value::String(s) if same_str(s.as_str(), value)),
        );
    }
    fn static_str(&mut self, key: &'static str, value: &'static str) {
        self.str(key, value);
    }
    // Matched, not compared with a `Value` built for the purpose: building and
    // dropping one costs more than the comparison.
    fn int(&mut self, key: &'static str, value: i64) {
        self.next(key, |v| matches!(v, Value::I64(i) if *i == value));
    }
    fn bool(&mut self, key: &'static str, value: bool) {
        self.next(key, |v| matches!(v, Value::Bool(b) if *b == value));
    }
}

/// The attributes of a model call's metrics.
pub(crate) struct ModelSet<'a> {
    pub(crate) operation: &'a str,
    /// Always given by aitrace's spans; other instrumentation may not say.
    pub(crate) provider: Option<&'a str>,
    pub(crate) request_model: Option<&'a str>,
    pub(crate) response_model: Option<&'a str>,
    pub(crate) server: Option<(&'a str, u16)>,
}

impl AttributeSet for ModelSet<'_> {
    fn describe<V: Visit>(&self, v: &mut V) {
        v.str(attr::OPERATION_NAME, self.operation);
        if let Some(p) = self.provider {
            v.str(attr::PROVIDER_NAME, p);
        }
        if let Some(m) = self.request_model {
            v.str(attr::REQUEST_MODEL, m);
        }
        if let Some(m) = self.response_model {
            v.str(attr::RESPONSE_MODEL, m);
        }
        if let Some((address, port)) = self.server {
            v.str(attr::SERVER_ADDRESS, address);
            v.int(attr::SERVER_PORT, i64::from(port));
        }
    }
}

/// A set with `error.type` after it, when there is one.
pub(crate) struct WithError<'a, S> {
    pub(crate) set: &'a S,
    pub(crate) error_type: Option<&'a str>,
}

impl<S: AttributeSet> AttributeSet for WithError<'_, S> {
    fn describe<V: Visit>(&self, v: &mut V) {
        self.set.describe(v);
        if let Some(e) = self.error_type {
            v.str(attr::ERROR_TYPE, e);
        }
    }
}

/// The attributes of a tool call's duration (without `error.type`).
pub(crate) struct ToolSet<'a> {
    pub(crate) name: &'a str,
    pub(crate) tool_type: Option<&'a str>,
}

impl AttributeSet for ToolSet<'_> {
    fn describe<V: Visit>(&self, v: &mut V) {
        v.str(attr::TOOL_NAME, self.name);
        if let Some(t) = self.tool_type {
            v.str(attr::TOOL_TYPE, t);
        }
    }
}

/// The attributes of an agent run's duration (without `error.type`).
pub(crate) struct AgentSet<'a> {
    pub(crate) name: &'a str,
    pub(crate) provider: Option<&'a str>,
    pub(crate) model: Option<&'a str>,
}

impl AttributeSet for AgentSet<'_> {
    fn describe<V: Visit>(&self, v: &mut V) {
        v.str(attr::AGENT_NAME, self.name);
        if let Some(p) = self.provider {
            v.str(attr::PROVIDER_NAME, p);
        }
        if let Some(m) = self.model {
            v.str(attr::REQUEST_MODEL, m);
        }
    }
}

/// The attributes of a guardrail check.
pub(crate) struct GuardrailSet<'a> {
    pub(crate) name: &'a str,
    pub(crate) guardrail_type: Option<&'static str>,
    pub(crate) triggered: Option<bool>,
}

impl AttributeSet for GuardrailSet<'_> {
    fn describe<V: Visit>(&self, v: &mut V) {
        v.str(attr::GUARDRAIL_NAME, self.name);
        if let Some(t) = self.guardrail_type {
            v.static_str(attr::GUARDRAIL_TYPE, t);
        }
        if let Some(t) = self.triggered {
            v.bool(attr::GUARDRAIL_TRIGGERED, t);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_the_same_only_when_every_byte_is() {
        let text = "gpt-4o-2024-08-06.api.openai.com:443/v1/chat/completions";
        for n in 0..=text.len() {
            let a = &text[..n];
            let b = String::from(a);
            assert!(same_str(a, &b), "{a}");
            for at in 0..n {
                let mut c = b.clone().into_bytes();
                c[at] ^= 1;
                let c = String::from_utf8(c).expect("ascii");
                assert!(!same_str(a, &c), "{a} and {c}");
            }
            assert!(!same_str(a, &text[..n.saturating_sub(1)]) || n == 0);
        }
        assert!(same_str("é", "é") && !same_str("é", "è"));
    }

    #[test]
    fn a_set_is_its_own_attributes_and_nothing_else() {
        let call = ModelSet {
            operation: "chat",
            provider: Some("openai"),
            request_model: Some("gpt-4o"),
            response_model: Some("gpt-4o-2024-08-06"),
            server: Some(("api.openai.com", 443)),
        };
        let attrs = call.attributes();
        assert_eq!(attrs.len(), 6);
        assert!(call.is(&attrs));
        let other = ModelSet {
            response_model: None,
            ..call
        };
        assert!(!other.is(&attrs), "a shorter set");
        assert!(!call.is(&other.attributes()), "a longer set");
        let failed = WithError {
            set: &call,
            error_type: Some("timeout"),
        };
        assert!(!failed.is(&attrs));
        assert!(failed.is(&failed.attributes()));
        let tripped = GuardrailSet {
            name: "pii",
            guardrail_type: None,
            triggered: Some(true),
        };
        let passed = GuardrailSet {
            triggered: Some(false),
            ..tripped
        };
        assert!(!tripped.is(&passed.attributes()));
    }
}
