//! Attribute building blocks shared by every span kind: one writer per dialect,
//! strings shared between dialects without copies, span names.

use crate::attributes::{ai, gen_ai};
use crate::settings::Dialects;
use opentelemetry::{Key, KeyValue, StringValue, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Collects attributes for the enabled dialects.
pub(crate) struct Attrs<'a> {
    pub(crate) out: &'a mut Vec<KeyValue>,
    pub(crate) d: Dialects,
}

impl Attrs<'_> {
    #[inline]
    pub(crate) fn ai(&mut self, key: &'static str, v: impl Into<Value>) {
        self.out.push(KeyValue::new(Key::from_static_str(key), v));
    }
    #[inline]
    pub(crate) fn gen(&mut self, key: &'static str, v: impl Into<Value>) {
        if self.d.gen_ai {
            self.out.push(KeyValue::new(Key::from_static_str(key), v));
        }
    }
    #[inline]
    pub(crate) fn oi(&mut self, key: &'static str, v: impl Into<Value>) {
        if self.d.openinference {
            self.out.push(KeyValue::new(Key::from_static_str(key), v));
        }
    }
    /// A name of the general conventions that OpenInference shares (`user.id`,
    /// `session.id`): once, when either dialect is on.
    #[inline]
    pub(crate) fn shared_name(&mut self, key: &'static str, v: impl Into<Value>) {
        if self.d.gen_ai || self.d.openinference {
            self.out.push(KeyValue::new(Key::from_static_str(key), v));
        }
    }
    /// A name every AI backend reads (the span kind, a step's input and output),
    /// emitted whatever the dialects; see [`crate::attributes::openinference`].
    #[inline]
    pub(crate) fn interop(&mut self, key: &'static str, v: impl Into<Value>) {
        self.out.push(KeyValue::new(Key::from_static_str(key), v));
    }

    /// The cost attributes of a model call, in every enabled dialect: the one
    /// place their names are chosen (also for spans made by other
    /// instrumentation, through [`crate::Cost::attributes`]). `completion` adds
    /// the completion side where a dialect has one (not for embeddings).
    pub(crate) fn cost(&mut self, c: &crate::Cost, completion: bool) {
        use crate::attributes::openinference as oi;
        self.ai(ai::COST_USD, c.total_usd());
        self.ai(ai::COST_MICROCENTS, c.total_microcents());
        self.gen(gen_ai::USAGE_COST, c.total_usd());
        self.oi(oi::LLM_COST_TOTAL, c.total_usd());
        self.oi(oi::LLM_COST_PROMPT, c.input_usd);
        if completion {
            self.oi(oi::LLM_COST_COMPLETION, c.output_usd);
        }
    }
}

/// A string shared by several dialects without copying it for each.
pub(crate) fn shared(s: &str) -> StringValue {
    StringValue::from(Arc::<str>::from(s))
}

/// Like [`shared`], but a `'static` string is used as it is, without allocating.
// The variant matters (borrowed strings are not copied), so `&Cow`, not `&str`.
#[allow(clippy::ptr_arg)]
#[inline]
pub(crate) fn shared_cow(s: &Cow<'static, str>) -> StringValue {
    match s {
        Cow::Borrowed(s) => StringValue::from(*s),
        Cow::Owned(s) => shared(s),
    }
}

/// A string value made on first use, then shared by every attribute that
/// carries it (see [`shared_cow`]): the sampling attributes and, only if the span
/// records, the others.
pub(crate) struct SharedStr<'a> {
    src: &'a Cow<'static, str>,
    value: std::cell::OnceCell<StringValue>,
}

impl<'a> SharedStr<'a> {
    #[allow(clippy::ptr_arg)]
    pub(crate) fn new(src: &'a Cow<'static, str>) -> Self {
        SharedStr {
            src,
            value: std::cell::OnceCell::new(),
        }
    }

    /// The value (a cheap copy after the first call).
    pub(crate) fn get(&self) -> StringValue {
        self.value.get_or_init(|| shared_cow(self.src)).clone()
    }
}

/// A span name made of `first`, a space and `second` (`chat gpt-4o`), in one
/// allocation of the exact size.
pub(crate) fn span_name(first: &str, second: &str) -> Cow<'static, str> {
    let mut name = String::with_capacity(first.len() + 1 + second.len());
    name.push_str(first);
    name.push(' ');
    name.push_str(second);
    Cow::Owned(name)
}

/// A list of strings as an attribute value.
pub(crate) fn string_array(items: &[Cow<'static, str>]) -> Value {
    Value::Array(opentelemetry::Array::String(
        items.iter().map(|s| StringValue::from(s.clone())).collect(),
    ))
}

/// The full type name of `E` (`my_crate::tools::ToolError`), for `error.type` and
/// `exception.type`, as the conventions ask for a fully qualified exception type.
pub(crate) fn type_name_of<E: ?Sized>() -> &'static str {
    std::any::type_name::<E>()
}

impl Attrs<'_> {
    /// An `ai` attribute whose key is built at run time (metadata).
    pub(crate) fn ai_dynamic(&mut self, key: String, v: impl Into<Value>) {
        self.out.push(KeyValue::new(Key::from(key), v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_names_join_with_one_space() {
        assert_eq!(span_name("chat", "gpt-4o"), "chat gpt-4o");
        assert_eq!(span_name("invoke_agent", ""), "invoke_agent ");
    }
}
