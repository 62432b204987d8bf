//! What a span records into the instruments when it ends, and the rules that
//! keep bad input from recording anything wrong.

use super::series;
use super::sets::{AgentSet, GuardrailSet, ModelSet, ToolSet, WithError};
use super::Instruments;
use crate::usage::Usage;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// The largest token count one call records (2^32 − 1, about a thousand times
/// the largest context window): larger counts are recorded as this, so that the
/// SDK's sums (unsigned 64-bit) cannot wrap before four billion such calls.
pub const MAX_TOKENS_PER_CALL: u64 = u32::MAX as u64;

/// A token count as recorded: at most [`MAX_TOKENS_PER_CALL`].
pub(crate) fn tokens(n: u64) -> u64 {
    n.min(MAX_TOKENS_PER_CALL)
}

/// A cost as recorded: only a finite, non-negative number of dollars.
pub(crate) fn usd(cost: f64) -> Option<f64> {
    (cost.is_finite() && cost >= 0.0).then_some(cost)
}

/// Where a span's duration is measured from.
#[derive(Clone, Copy, Debug)]
enum Started {
    /// The monotonic clock, read when the span started: never goes back.
    Monotonic(Instant),
    /// The start time the builder was given: measured against the wall clock,
    /// which may be behind it (see [`Recorder::elapsed`]).
    Wall(SystemTime),
}

/// What a span that records metrics holds from its start to its end: the
/// instruments it started with, when it started, and how it failed, if it did.
#[derive(Debug)]
pub(crate) struct Recorder {
    instruments: Arc<Instruments>,
    started: Started,
    error_type: Option<Box<str>>,
}

impl Recorder {
    /// Starts timing now, or from `start_time` when the builder was given one.
    pub(crate) fn start(instruments: Arc<Instruments>, start_time: Option<SystemTime>) -> Recorder {
        Recorder {
            instruments,
            started: match start_time {
                Some(t) => Started::Wall(t),
                None => Started::Monotonic(Instant::now()),
            },
            error_type: None,
        }
    }

    /// When the span started on the monotonic clock, unless it was given a start time.
    pub(crate) fn monotonic_start(&self) -> Option<Instant> {
        match self.started {
            Started::Monotonic(i) => Some(i),
            Started::Wall(_) => None,
        }
    }

    /// Notes the span's `error.type` (the last one recorded wins, as on the span).
    pub(crate) fn failed(&mut self, error_type: &str) {
        self.error_type = Some(error_type.into());
    }

    /// Seconds since the span started, never negative: a start time given in the
    /// future, or a wall clock stepped back since, counts as 0 s.
    pub(crate) fn elapsed(&self) -> f64 {
        let d = match self.started {
            // `Instant::elapsed` saturates at zero.
            Started::Monotonic(i) => i.elapsed(),
            Started::Wall(t) => SystemTime::now()
                .duration_since(t)
                .unwrap_or(Duration::ZERO),
        };
        d.as_secs_f64()
    }

    /// `error.type`, when the span failed.
    fn error_type(&self) -> Option<&str> {
        self.error_type.as_deref()
    }

    /// A tool call: its duration, by tool name and type, and `error.type`.
    pub(crate) fn tool(&self, set: &ToolSet<'_>) {
        tool(&self.instruments, set, self.elapsed(), self.error_type());
    }

    /// An agent invocation: its duration, by agent name, provider and model (when
    /// given), and `error.type`.
    pub(crate) fn agent(&self, set: &AgentSet<'_>) {
        agent(&self.instruments, set, self.elapsed(), self.error_type());
    }

    /// A guardrail check, by name, type (when given) and whether it tripped (when
    /// its result was recorded).
    pub(crate) fn guardrail(&self, set: &GuardrailSet<'_>) {
        series::with(&self.instruments, set, |s| s.guardrail_checks(1));
    }

    /// A model call: duration, tokens, cost, cache and reasoning tokens, and the
    /// chunk timings of a streamed call.
    pub(crate) fn model_call(&self, call: &ModelCall<'_>) {
        model_call(&self.instruments, call, self.elapsed(), self.error_type());
    }

    /// The time between chunks of a streamed call noted so far, recorded before
    /// the call ends (when too many are waiting), with the attributes known now.
    pub(crate) fn chunk_gaps(&self, call: &ModelCall<'_>) {
        series::with(&self.instruments, &call.set, |s| {
            for gap in call.chunk_gaps {
                s.time_per_output_chunk(*gap);
            }
        });
    }
}

/// A tool call that took `elapsed` seconds.
pub(crate) fn tool(
    instruments: &Instruments,
    set: &ToolSet<'_>,
    elapsed: f64,
    error_type: Option<&str>,
) {
    let set = WithError { set, error_type };
    series::with(instruments, &set, |s| s.tool_duration(elapsed));
}

/// An agent invocation that took `elapsed` seconds.
pub(crate) fn agent(
    instruments: &Instruments,
    set: &AgentSet<'_>,
    elapsed: f64,
    error_type: Option<&str>,
) {
    let set = WithError { set, error_type };
    series::with(instruments, &set, |s| s.agent_duration(elapsed));
}

/// A model call that took `elapsed` seconds: duration, tokens, cost, cache and
/// reasoning tokens, and the chunk timings of a streamed call.
pub(crate) fn model_call(
    instruments: &Instruments,
    call: &ModelCall<'_>,
    elapsed: f64,
    error_type: Option<&str>,
) {
    series::with(instruments, &call.set, |s| {
        // `error.type` is an attribute of the duration only.
        if error_type.is_none() {
            s.operation_duration(elapsed);
        }
        if let Some(u) = &call.usage {
            s.input_tokens(tokens(u.input_tokens));
            if call.output {
                s.output_tokens(tokens(u.output_tokens));
            }
            if u.cache_read_tokens > 0 {
                s.cache_read_tokens(tokens(u.cache_read_tokens));
            }
            if u.cache_creation_tokens > 0 {
                s.cache_creation_tokens(tokens(u.cache_creation_tokens));
            }
            if u.reasoning_tokens > 0 {
                s.reasoning_tokens(tokens(u.reasoning_tokens));
            }
        }
        if let Some(c) = call.cost_usd.and_then(usd) {
            s.cost(c);
        }
        if let Some(first) = call.first_chunk_s {
            s.time_to_first_chunk(first);
        }
        for gap in call.chunk_gaps {
            s.time_per_output_chunk(*gap);
        }
    });
    if error_type.is_some() {
        let failed = WithError {
            set: &call.set,
            error_type,
        };
        series::with(instruments, &failed, |s| s.operation_duration(elapsed));
    }
}

/// What a model call (generation, embeddings) records.
pub(crate) struct ModelCall<'a> {
    /// The attributes of its metrics.
    pub(crate) set: ModelSet<'a>,
    pub(crate) usage: Option<Usage>,
    /// Whether the call has output tokens to report (not embeddings).
    pub(crate) output: bool,
    pub(crate) cost_usd: Option<f64>,
    /// Seconds to the first chunk of a streamed answer.
    pub(crate) first_chunk_s: Option<f64>,
    /// Seconds between chunks after the first, not yet recorded.
    pub(crate) chunk_gaps: &'a [f64],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_counts_are_capped_and_costs_must_be_finite_and_non_negative() {
        assert_eq!(tokens(812), 812);
        assert_eq!(tokens(u64::MAX), MAX_TOKENS_PER_CALL);
        assert_eq!(usd(0.25), Some(0.25));
        assert_eq!(usd(0.0), Some(0.0));
        assert_eq!(usd(f64::INFINITY), None);
        assert_eq!(usd(f64::NAN), None);
        assert_eq!(usd(-1.0), None);
    }

    #[test]
    fn a_start_time_in_the_future_times_zero_seconds() {
        let provider = opentelemetry::metrics::NoopMeterProvider::new();
        let instruments = Arc::new(Instruments::from_provider(&provider));
        let future = SystemTime::now() + Duration::from_secs(3600);
        let r = Recorder::start(instruments.clone(), Some(future));
        assert_eq!(r.elapsed(), 0.0);
        assert!(r.monotonic_start().is_none());
        let past = SystemTime::now() - Duration::from_secs(2);
        let r = Recorder::start(instruments.clone(), Some(past));
        assert!(r.elapsed() >= 2.0);
        let r = Recorder::start(instruments, None);
        assert!(r.monotonic_start().is_some() && r.elapsed() >= 0.0);
    }
}
