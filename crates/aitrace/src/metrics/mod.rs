//! GenAI metrics: tokens, cost, latency and time to first token of every model
//! call, and the duration of every tool call and agent run and the outcome of
//! every guardrail check, as OpenTelemetry metrics.
//!
//! # Every call counts
//! Metrics are recorded where a span ends, for every span of those kinds,
//! whether or not its trace is sampled: a dashboard of cost or latency is right
//! at any sampling ratio. (They are not recorded while tracing is disabled,
//! `OTEL_SDK_DISABLED=true` or [`crate::set_enabled`]`(false)`, which turns the
//! whole SDK off.)
//!
//! # Installed, or free
//! The span API holds the [`Instruments`] in its
//! [`Instrumentation`](crate::instrumentation::Instrumentation), read once per
//! span start with the settings. With none installed (the default), a span pays
//! one check of an `Option`: no meter, no instrument, no clock read. `aitrace-sdk`
//! installs them when it builds a meter provider (`OTEL_METRICS_EXPORTER`); an
//! application with a meter provider of its own installs them with
//! [`set_global_instruments`]:
//!
//! ```
//! use aitrace::metrics::{set_global_instruments, Instruments};
//! use aitrace::opentelemetry::metrics::MeterProvider;
//!
//! # let provider = aitrace::opentelemetry::metrics::NoopMeterProvider::new();
//! // `provider`: any OpenTelemetry meter provider, such as an `SdkMeterProvider`.
//! set_global_instruments(Some(Instruments::new(&provider.meter("aitrace"))));
//! let mut call = aitrace::generation("openai", "gpt-4o").start();
//! call.record_usage(aitrace::Usage::new(812, 64));
//! call.end(); // counted, sampled or not
//! # set_global_instruments(None);
//! ```
//!
//! # What is recorded
//! The instruments and their attributes are listed in [`names`] and in
//! `docs/metrics.md`:
//! - generations and embeddings: [`names::OPERATION_DURATION`],
//!   [`names::TOKEN_USAGE`] (input and output), [`names::COST`], the cache and
//!   reasoning token counters, and for streamed calls
//!   [`names::TIME_TO_FIRST_CHUNK`] and [`names::TIME_PER_OUTPUT_CHUNK`], with
//!   `gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
//!   `gen_ai.response.model` (when known), `server.address` and `server.port`
//!   (when given), and `error.type` on the duration of a failed call;
//! - tools: [`names::TOOL_DURATION`]; agents: [`names::AGENT_DURATION`];
//!   guardrails: [`names::GUARDRAIL_CHECKS`].
//!
//! # Spans of other instrumentation
//! A `gen_ai` span that aitrace did not make (an LLM client's, a hand-written
//! one) counts through [`Instruments::record_reported`], which `aitrace-sdk`'s
//! `GenAiSpans` processor calls when such a span ends. A span processor sees
//! only spans that record, so those count only when sampled; aitrace's own
//! spans count always.
//!
//! # Bad input records nothing wrong
//! Nothing here panics, whatever a provider or a clock reports:
//! - a token count above [`MAX_TOKENS_PER_CALL`] is recorded as that number, so
//!   that no sum can wrap (it would take four billion such calls);
//! - a cost that is not a finite, non-negative number (a price set in code as
//!   `f64::MAX`, say) is not added, as for an unpriced call;
//! - a duration that would be negative (an explicit start time in the future, or
//!   a wall clock stepped back while the span ran) is recorded as 0 s, so that
//!   the call still counts.
//!
//! # Durations are the spans' own
//! A span that records is timed on its own start and end times (the wall
//! clock, read once at each end for the span and its metrics): its recorded
//! duration is exactly the exported span's end − start, and metrics add no
//! clock read to it. A span the span pipeline's head sampler dropped before
//! building it is timed on the monotonic clock. A streamed generation's chunk
//! timings are measured from the same start on the same clock.

pub mod names;
mod record;
mod reported;
mod series;
mod sets;

pub use record::MAX_TOKENS_PER_CALL;
pub(crate) use record::{ModelCall, Moment, Recorder};
pub use reported::ReportedCall;
pub(crate) use sets::{AgentSet, GuardrailSet, ModelSet, ToolSet};

use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider};
use opentelemetry::InstrumentationScope;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The instruments aitrace records into, made once from a meter (see the
/// [module documentation](self)).
#[derive(Clone, Debug)]
pub struct Instruments {
    /// Tells these instruments (and their clones) from others.
    id: u64,
    /// Whether measurements go to series bound per attribute set (see
    /// [`Instruments::with_bound_series`]).
    pub(crate) bind: bool,
    pub(crate) token_usage: Histogram<u64>,
    pub(crate) operation_duration: Histogram<f64>,
    pub(crate) time_to_first_chunk: Histogram<f64>,
    pub(crate) time_per_output_chunk: Histogram<f64>,
    pub(crate) cost: Counter<f64>,
    pub(crate) cache_read_tokens: Counter<u64>,
    pub(crate) cache_creation_tokens: Counter<u64>,
    pub(crate) reasoning_tokens: Counter<u64>,
    pub(crate) tool_duration: Histogram<f64>,
    pub(crate) agent_duration: Histogram<f64>,
    pub(crate) guardrail_checks: Counter<u64>,
}

impl Instruments {
    /// Makes every instrument of [`names::ALL`] on `meter`, with its unit,
    /// description and bucket boundaries.
    pub fn new(meter: &Meter) -> Instruments {
        use names::InstrumentName;
        let histogram_f64 = |n: InstrumentName| {
            meter
                .f64_histogram(n.name)
                .with_unit(n.unit)
                .with_description(n.description)
                .with_boundaries(n.boundaries.to_vec())
                .build()
        };
        let counter_u64 = |n: InstrumentName| {
            meter
                .u64_counter(n.name)
                .with_unit(n.unit)
                .with_description(n.description)
                .build()
        };
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Instruments {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            bind: false,
            token_usage: meter
                .u64_histogram(names::TOKEN_USAGE.name)
                .with_unit(names::TOKEN_USAGE.unit)
                .with_description(names::TOKEN_USAGE.description)
                .with_boundaries(names::TOKEN_USAGE.boundaries.to_vec())
                .build(),
            operation_duration: histogram_f64(names::OPERATION_DURATION),
            time_to_first_chunk: histogram_f64(names::TIME_TO_FIRST_CHUNK),
            time_per_output_chunk: histogram_f64(names::TIME_PER_OUTPUT_CHUNK),
            cost: meter
                .f64_counter(names::COST.name)
                .with_unit(names::COST.unit)
                .with_description(names::COST.description)
                .build(),
            cache_read_tokens: counter_u64(names::CACHE_READ_TOKENS),
            cache_creation_tokens: counter_u64(names::CACHE_CREATION_TOKENS),
            reasoning_tokens: counter_u64(names::REASONING_TOKENS),
            tool_duration: histogram_f64(names::TOOL_DURATION),
            agent_duration: histogram_f64(names::AGENT_DURATION),
            guardrail_checks: counter_u64(names::GUARDRAIL_CHECKS),
        }
    }

    /// Records through series bound once per attribute set and kept per thread,
    /// instead of handing the attributes to the instruments with every
    /// measurement: about ten times cheaper per span (the SDK's lookup of a
    /// series hashes every attribute; see `docs/performance.md`).
    ///
    /// Only for a meter whose instruments implement binding: the
    /// `opentelemetry_sdk` meter provider built with its
    /// `experimental_metrics_bound_instruments` feature, which `aitrace-sdk`
    /// turns on (and uses this for). Another implementation may drop what is
    /// recorded through a binding it does not implement.
    pub fn with_bound_series(mut self) -> Instruments {
        self.bind = true;
        self
    }

    /// The instruments on `provider`'s meter of scope `aitrace` (with this
    /// crate's version), the scope aitrace's spans have too.
    pub fn from_provider(provider: &(impl MeterProvider + ?Sized)) -> Instruments {
        let scope = InstrumentationScope::builder("aitrace")
            .with_version(env!("CARGO_PKG_VERSION"))
            .build();
        Instruments::new(&provider.meter_with_scope(scope))
    }
}

/// Installs `instruments` process-wide (`None`: records no metrics), in the
/// [`Instrumentation`](crate::instrumentation::Instrumentation) every span start
/// reads; spans already running keep what they started with.
pub fn set_global_instruments(instruments: Option<Instruments>) {
    let instruments = instruments.map(Arc::new);
    crate::instrumentation::update_global(|i| {
        let mut next = i.clone();
        next.metrics = instruments;
        next
    });
}

/// Whether spans started on this thread now record metrics.
pub fn is_recording_metrics() -> bool {
    crate::instrumentation::with_current(|i| i.metrics.is_some())
}

/// Removes `instruments` from the process-wide state if they are the ones in
/// force (a pipeline shutting down leaves another one's alone).
pub fn remove_global_instruments(instruments: &Instruments) {
    crate::instrumentation::update_global(|i| {
        let mut next = i.clone();
        if next
            .metrics
            .as_deref()
            .is_some_and(|m| m.id == instruments.id)
        {
            next.metrics = None;
        }
        next
    });
}
