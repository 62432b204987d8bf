//! The budget of the user's attributes on a span, and the byte limit of their
//! values: aitrace's own attributes must never be pushed out by the user's.

use super::core::SpanCore;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{KeyValue, StringValue, Value};
use std::borrow::Cow;

/// Attributes of the user's a span keeps. With every dialect and content capture
/// on, a model call carries about 80 attributes of aitrace's own (some written at
/// its end); 40 more of the user's, the drop count, and a few inherited ones still
/// fit in the SDK's default limit of 128.
pub(crate) const MAX_USER_ATTRIBUTES: usize = 40;

/// The attribute counting user attributes dropped over [`MAX_USER_ATTRIBUTES`].
pub(crate) use crate::attributes::ai::DROPPED_ATTRIBUTES;

/// How many attributes the user set on a span (atomic: spans are `Sync` and
/// `set_attribute` takes `&self`).
#[derive(Debug, Default)]
pub(crate) struct UserAttributes(std::sync::atomic::AtomicUsize);

impl SpanCore {
    /// Sets an attribute of the user's within the budget (see `AiSpan::set_attribute`); over it, only counts it.
    pub(crate) fn set_user_attribute(&self, attribute: KeyValue) {
        use std::sync::atomic::Ordering;
        if !self.is_recording() {
            return;
        }
        let before = self
            .user_attributes
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(1))
            })
            .unwrap_or(usize::MAX);
        if before >= MAX_USER_ATTRIBUTES {
            return;
        }
        let KeyValue { key, value, .. } = attribute;
        let value = cap_user_value(value, self.settings.max_content_bytes);
        let attribute = KeyValue::new(key, value);
        self.for_hooks(|info| info.attributes.push(attribute.clone()));
        self.cx.span().set_attribute(attribute);
    }

    /// Records how many attributes of the user's were dropped, if any; run just
    /// before the span ends.
    pub(crate) fn note_dropped_user_attributes(&self) {
        use std::sync::atomic::Ordering;
        let set = self.user_attributes.0.load(Ordering::Relaxed);
        if set > MAX_USER_ATTRIBUTES && self.is_recording() {
            let dropped = i64::try_from(set - MAX_USER_ATTRIBUTES).unwrap_or(i64::MAX);
            self.cx
                .span()
                .set_attribute(KeyValue::new(DROPPED_ATTRIBUTES, dropped));
        }
    }
}

/// A user attribute value with every string (alone or in an array) longer than
/// `max_bytes` cut, on a character boundary, so that with its
/// `…[truncated N bytes]` marker it holds in `max_bytes`.
fn cap_user_value(value: Value, max_bytes: usize) -> Value {
    match value {
        Value::String(s) => Value::String(cap(s, max_bytes)),
        Value::Array(opentelemetry::Array::String(items)) => Value::Array(
            opentelemetry::Array::String(items.into_iter().map(|s| cap(s, max_bytes)).collect()),
        ),
        other => other,
    }
}

/// `s` cut with the marker of [`crate::content::cut`]; unchanged (not copied) when it
/// already fits.
pub(crate) fn cap(s: StringValue, max_bytes: usize) -> StringValue {
    match crate::content::cut(s.as_str(), max_bytes) {
        Cow::Borrowed(_) => s,
        Cow::Owned(cut) => StringValue::from(cut),
    }
}
