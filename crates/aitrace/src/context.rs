//! Where a span finds its parent, settings and inherited attributes, and how
//! spans follow `.await` and spawned tasks.

use crate::propagation::Identity;
use crate::settings::{global_settings, Settings};
use crate::span::Attrs;
use opentelemetry::trace::{SpanId, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue};
use std::future::Future;
use std::sync::{Arc, OnceLock};

pub use opentelemetry::context::FutureExt;

/// What a trace hands down to every span under it; travels in the [`Context`].
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub(crate) settings: Arc<Settings>,
    /// Attributes copied onto every span below (conversation id, user id, tenant, …).
    pub(crate) inherited: Arc<[KeyValue]>,
    /// The conversation, user and tenant behind `inherited`, as values: what crosses
    /// to other services in baggage.
    pub(crate) identity: Identity,
}

impl Scope {
    /// The scope in `cx`, or the process-wide settings with nothing inherited.
    pub(crate) fn of(cx: &Context) -> Scope {
        match cx.get::<Scope>() {
            Some(s) => s.clone(),
            None => Scope {
                settings: global_settings(),
                inherited: nothing_inherited(),
                identity: Identity::default(),
            },
        }
    }

    /// A scope below this one, with `settings`: the inherited attributes of this
    /// scope, then those `own` adds, then `identity` in each dialect, then `extra`.
    /// A key given twice keeps its newest value; `identity` fills in over this
    /// scope's identity field by field.
    ///
    /// The one place where a conversation id, user id or tenant becomes inherited
    /// attributes: [`crate::TraceBuilder`] and identity restored from a request
    /// ([`Identity::in_context`]) both go through it.
    pub(crate) fn below(
        &self,
        settings: Arc<Settings>,
        own: impl FnOnce(&mut Attrs<'_>),
        identity: &Identity,
        extra: impl IntoIterator<Item = KeyValue>,
    ) -> Scope {
        let mut inherited: Vec<KeyValue> = self.inherited.to_vec();
        let mut a = Attrs {
            out: &mut inherited,
            d: settings.dialects,
        };
        own(&mut a);
        identity.push_attributes(&mut a);
        inherited.extend(extra);
        let mut seen = std::collections::HashSet::new();
        let mut deduped: Vec<KeyValue> = inherited
            .into_iter()
            .rev()
            .filter(|kv| seen.insert(kv.key.clone()))
            .collect();
        deduped.reverse();
        Scope {
            settings,
            inherited: Arc::from(deduped),
            identity: identity.or(&self.identity),
        }
    }
}

/// The attributes every aitrace span started in `cx` inherits from its trace:
/// workflow name, conversation id, user id, tenant, group id and those given to
/// [`crate::TraceBuilder::inherit`], in the enabled dialects. Empty outside a trace.
///
/// For spans made with another tracer that should carry them too, such as the
/// HTTP server and client spans of `aitrace-http`.
///
/// ```
/// let run = aitrace::trace("support").with_conversation_id("conv-42").start();
/// let inherited = aitrace::inherited_attributes(run.context());
/// assert!(inherited
///     .iter()
///     .any(|kv| kv.key.as_str() == "ai.conversation.id" && kv.value.as_str() == "conv-42"));
/// assert!(aitrace::inherited_attributes(&opentelemetry::Context::new()).is_empty());
/// ```
pub fn inherited_attributes(cx: &Context) -> Vec<KeyValue> {
    cx.get::<Scope>()
        .map(|s| s.inherited.to_vec())
        .unwrap_or_default()
}

/// An empty list of inherited attributes, shared (no allocation per call).
fn nothing_inherited() -> Arc<[KeyValue]> {
    static EMPTY: OnceLock<Arc<[KeyValue]>> = OnceLock::new();
    EMPTY.get_or_init(|| Arc::from(Vec::new())).clone()
}

/// The trace id of the current span, if there is a valid one (for log correlation).
///
/// ```
/// let span = aitrace::agent("triage").start();
/// let id = span.in_scope(aitrace::current_trace_id);
/// assert_eq!(id, Some(span.trace_id()).filter(|t| *t != aitrace::TraceId::INVALID));
/// ```
pub fn current_trace_id() -> Option<TraceId> {
    Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| sc.trace_id())
    })
}

/// The span id of the current span, if there is a valid one.
pub fn current_span_id() -> Option<SpanId> {
    Context::map_current(|cx| {
        let sc = cx.span().span_context().clone();
        sc.is_valid().then(|| sc.span_id())
    })
}

/// Wraps `future` so that it runs in the current context wherever it is polled:
/// pass the result to `tokio::spawn` and spans created inside the task keep
/// their parent instead of becoming roots of new traces.
///
/// ```
/// # async fn demo() {
/// let agent = aitrace::agent("triage").start();
/// let task = agent.in_scope(|| aitrace::in_current_span(async {
///     aitrace::tool("search").start().end();
/// }));
/// // tokio::spawn(task).await.unwrap();
/// # task.await;
/// # }
/// ```
pub fn in_current_span<F: Future>(future: F) -> opentelemetry::context::WithContext<F> {
    future.with_current_context()
}
