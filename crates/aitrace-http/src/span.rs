//! The span guard both sides share: started under a parent with the trace's inherited
//! attributes, ended exactly once (on `end` or on drop).

use crate::attributes::{ERROR_TYPE, HTTP_RESPONSE_STATUS_CODE};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer, TracerProvider};
use opentelemetry::{global, Context, InstrumentationScope, KeyValue};
use std::sync::OnceLock;

/// The instrumentation scope of the spans of this crate.
fn scope() -> InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE
        .get_or_init(|| {
            InstrumentationScope::builder("aitrace-http")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build()
        })
        .clone()
}

/// An HTTP span and the context that holds it. When tracing is off
/// ([`aitrace::is_enabled`]) no span is made and the context is the parent's; the
/// guard then changes nothing, and never touches the parent's span.
#[derive(Debug)]
pub(crate) struct HttpSpan {
    cx: Context,
    own: bool,
}

impl HttpSpan {
    /// Starts a span of `kind` under `parent`, with `attributes` (seen by samplers) and
    /// the attributes the trace of `parent` hands down to its spans (conversation id,
    /// user id, tenant, …; see [`aitrace::inherited_attributes`]).
    pub(crate) fn start(
        parent: Context,
        kind: SpanKind,
        name: String,
        mut attributes: Vec<KeyValue>,
    ) -> HttpSpan {
        if !aitrace::is_enabled() {
            return HttpSpan {
                cx: parent,
                own: false,
            };
        }
        attributes.extend(aitrace::inherited_attributes(&parent));
        // Looked up per span, as aitrace does, because the global provider may be replaced.
        let tracer = global::tracer_provider().tracer_with_scope(scope());
        let builder = tracer
            .span_builder(name)
            .with_kind(kind)
            .with_attributes(attributes);
        let span = tracer.build_with_context(builder, &parent);
        HttpSpan {
            cx: parent.with_span(span),
            own: true,
        }
    }

    /// The context holding the span: current while the request is handled, and the one
    /// injected into outgoing headers.
    pub(crate) fn context(&self) -> &Context {
        &self.cx
    }

    /// Sets attributes on the span.
    #[cfg(feature = "client")]
    pub(crate) fn set(&self, attributes: Vec<KeyValue>) {
        if self.own {
            self.cx.span().set_attributes(attributes);
        }
    }

    /// Records the response status; `is_error` decides whether the status code makes
    /// the span an error (servers: 5xx; clients: 4xx and 5xx). The conventions ask for
    /// no status description when the status code explains the error.
    pub(crate) fn record_status(&self, code: u16, is_error: bool) {
        if !self.own {
            return;
        }
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(HTTP_RESPONSE_STATUS_CODE, i64::from(code)));
        if is_error {
            span.set_attribute(KeyValue::new(ERROR_TYPE, code.to_string()));
            span.set_status(Status::error(""));
        }
    }

    /// Marks the span failed with `error_type` and a description.
    pub(crate) fn fail(&self, error_type: &str, description: String) {
        if !self.own {
            return;
        }
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(ERROR_TYPE, error_type.to_string()));
        span.set_status(Status::error(description));
    }

    /// Ends the span; later calls do nothing.
    pub(crate) fn end(&mut self) {
        if std::mem::take(&mut self.own) {
            self.cx.span().end();
        }
    }
}

impl Drop for HttpSpan {
    fn drop(&mut self) {
        self.end();
    }
}
