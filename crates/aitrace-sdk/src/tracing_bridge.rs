//! One trace with `tracing` (feature `tracing`): the spans of axum, tower-http,
//! reqwest, sqlx and your own `#[tracing::instrument]` functions, and aitrace's
//! spans, in one tree.
//!
//! [`TracingGuard::tracing_layer`](crate::TracingGuard::tracing_layer) hands out
//! a `tracing-opentelemetry` layer on the pipeline's own tracer provider: add it
//! to your subscriber. Parents are right in both directions because the layer
//! makes the OpenTelemetry context of a `tracing` span current while the span is
//! entered, and takes the current OpenTelemetry context (an aitrace span, say) as
//! the parent of a new `tracing` span; aitrace does the same with its spans. So
//! a `tracing` span inside `agent.wrap(fut)` is the agent's child, and an aitrace
//! span inside `#[instrument] fn` is that span's child, across `.await` and
//! `tokio::spawn` (with `Instrument::instrument` or `aitrace::in_current_span`).
//!
//! [`WithTraceIds`] puts the trace and span ids in front of every log line of
//! `tracing_subscriber::fmt`, for finding the trace of a log line.
//!
//! ```
//! use tracing_subscriber::layer::SubscriberExt;
//!
//! let tracing = aitrace_sdk::Builder::new().with_exporters(vec![]).install()?;
//! let subscriber = tracing_subscriber::registry()
//!     .with(tracing.tracing_layer())
//!     .with(
//!         tracing_subscriber::fmt::layer()
//!             .event_format(aitrace_sdk::tracing_bridge::WithTraceIds::new()),
//!     );
//! tracing::subscriber::with_default(subscriber, || {
//!     let request = tracing::info_span!("handle request");
//!     let _entered = request.enter();
//!     let agent = aitrace::agent("triage").start(); // a child of "handle request"
//!     agent.in_scope(|| tracing::info!("picked a tool")); // the line carries the agent's ids
//!     agent.end();
//! });
//! tracing.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::{Sampler, SdkTracer, SdkTracerProvider};
use std::fmt;
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{Format, Full, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The bridge crate, re-exported so that its `OpenTelemetrySpanExt` (a `tracing`
/// span's OpenTelemetry context, explicit parents) is at hand in the version
/// this layer uses.
pub use tracing_opentelemetry;

/// The layer that turns `tracing` spans into spans of the pipeline.
pub type TracingLayer<S> = tracing_opentelemetry::OpenTelemetryLayer<S, SdkTracer>;

/// The instrumentation scope of spans that come from `tracing`.
pub const TRACING_SCOPE: &str = "tracing";

/// A `tracing-opentelemetry` layer on `provider`, with the settings aitrace
/// relies on: the context of an entered `tracing` span is made current (so
/// aitrace spans nest under it), and a new `tracing` span takes the current
/// context as its parent (so it nests under aitrace spans).
///
/// Prefer [`TracingGuard::tracing_layer`](crate::TracingGuard::tracing_layer),
/// which works whether tracing is on or off.
pub fn layer<S>(provider: &SdkTracerProvider) -> TracingLayer<S>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
{
    let scope = InstrumentationScope::builder(TRACING_SCOPE).build();
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer_with_scope(scope))
        .with_context_activation(true)
}

/// A provider that records nothing but gives every span valid ids (its sampler
/// drops everything): what the layer uses when tracing is disabled, so that
/// `tracing` spans keep the trace ids that logs and responses rely on.
pub(crate) fn off_provider() -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOff)
        .build()
}

/// A `tracing_subscriber::fmt` event format that writes
/// `trace_id=<32 hex> span_id=<16 hex> ` in front of each line formatted by
/// `inner` (the default full format unless given), when a span is current.
///
/// The ids are those of the current OpenTelemetry context: the innermost
/// entered span, whether an aitrace span or a `tracing` span bridged by
/// [`layer`]. A line written outside any span has no prefix.
#[derive(Clone, Debug, Default)]
pub struct WithTraceIds<F = Format<Full>> {
    inner: F,
}

impl WithTraceIds {
    /// The ids in front of `tracing_subscriber`'s default (full) format.
    pub fn new() -> WithTraceIds {
        WithTraceIds::default()
    }
}

impl<F> WithTraceIds<F> {
    /// The ids in front of what `inner` formats (for example
    /// `tracing_subscriber::fmt::format().compact()`).
    pub fn around(inner: F) -> WithTraceIds<F> {
        WithTraceIds { inner }
    }
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let ids = opentelemetry::Context::map_current(|cx| {
            let sc = cx.span().span_context().clone();
            sc.is_valid().then(|| (sc.trace_id(), sc.span_id()))
        });
        if let Some((trace_id, span_id)) = ids {
            write!(writer, "trace_id={trace_id} span_id={span_id} ")?;
        }
        self.inner.format_event(ctx, writer, event)
    }
}
