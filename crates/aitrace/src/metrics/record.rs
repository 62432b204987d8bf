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

/// A moment on one of the two clocks a span is timed on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Moment {
    /// The wall clock: the times of the span's OpenTelemetry span, read once for
    /// the span and its metrics (or the start time its builder was given).
    Wall(SystemTime),
    /// The monotonic clock, for a span the head sampler dropped (it has no
    /// OpenTelemetry span to agree with) and for a generation's time to first
    /// token without metrics.
    Monotonic(Instant),
}

impl Moment {
    /// Now on the monotonic clock.
    pub(crate) fn monotonic_now() -> Moment {
        Moment::Monotonic(Instant::now())
    }

    /// Now on the clock of `self` (one read).
    pub(crate) fn now(self) -> Moment {
        match self {
            Moment::Wall(_) => Moment::Wall(SystemTime::now()),
            Moment::Monotonic(_) => Moment::monotonic_now(),
        }
    }

    /// The time from `earlier` to `self`, never negative: 0 when `self` is not
    /// after it (a wall clock stepped back, a start time given in the future),
    /// and when the two are on different clocks (never, as aitrace uses them).
    pub(crate) fn since(self, earlier: Moment) -> Duration {
        match (self, earlier) {
            (Moment::Wall(t), Moment::Wall(e)) => t.duration_since(e).unwrap_or(Duration::ZERO),
            (Moment::Monotonic(t), Moment::Monotonic(e)) => t.saturating_duration_since(e),
            _ => Duration::ZERO,
        }
    }
}

/// What a span that records metrics holds from its start to its end: the
/// instruments it started with, when it started and ended, and how it failed,
/// if it did.
///
/// A span that records is timed on its own start and end times: it starts at
/// [`Recorder::started`] and ends at [`Recorder::stop`] (see `SpanCore`), so that
/// the recorded duration is exactly the exported span's end − start, and metrics
/// add no clock read to it (a clock read costs about 20 ns; the SDK would read
/// the wall clock itself at both ends).
#[derive(Debug)]
pub(crate) struct Recorder {
    instruments: Arc<Instruments>,
    started: Moment,
    /// When a span timed on the wall clock ended, once [`Recorder::stop`] said it.
    ended: Option<SystemTime>,
    error_type: Option<Box<str>>,
}

impl Recorder {
    /// Starts timing a span that may record: now on the wall clock (one read,
    /// which the span starts at too), or from `start_time` when its builder was
    /// given one.
    pub(crate) fn start(instruments: Arc<Instruments>, start_time: Option<SystemTime>) -> Recorder {
        Recorder::with(
            instruments,
            Moment::Wall(start_time.unwrap_or_else(SystemTime::now)),
        )
    }

    /// Starts timing a span the head sampler dropped: now on the monotonic
    /// clock, or from `start_time` when its builder was given one.
    pub(crate) fn start_dropped(
        instruments: Arc<Instruments>,
        start_time: Option<SystemTime>,
    ) -> Recorder {
        let started = match start_time {
            Some(t) => Moment::Wall(t),
            None => Moment::monotonic_now(),
        };
        Recorder::with(instruments, started)
    }

    fn with(instruments: Arc<Instruments>, started: Moment) -> Recorder {
        Recorder {
            instruments,
            started,
            ended: None,
            error_type: None,
        }
    }

    /// When the span started on the wall clock: the start time of its
    /// OpenTelemetry span. `None` for a span timed on the monotonic clock.
    pub(crate) fn started(&self) -> Option<SystemTime> {
        match self.started {
            Moment::Wall(t) => Some(t),
            Moment::Monotonic(_) => None,
        }
    }

    /// When the span started, on the clock it is timed on.
    pub(crate) fn start_moment(&self) -> Moment {
        self.started
    }

    /// Stops timing a span timed on the wall clock: it ends now (read once;
    /// later calls return the same time), the end time of its OpenTelemetry
    /// span. `None` for a span timed on the monotonic clock (its duration is
    /// read when its kind records it).
    pub(crate) fn stop(&mut self) -> Option<SystemTime> {
        match self.started {
            Moment::Wall(_) => Some(*self.ended.get_or_insert_with(SystemTime::now)),
            Moment::Monotonic(_) => None,
        }
    }

    /// Notes the span's `error.type` (the last one recorded wins, as on the span).
    pub(crate) fn failed(&mut self, error_type: &str) {
        self.error_type = Some(error_type.into());
    }

    /// Seconds from the span's start to its end (to now, before
    /// [`Recorder::stop`]), never negative: a start time given in the future, or
    /// a wall clock stepped back while the span ran, counts as 0 s.
    pub(crate) fn elapsed(&self) -> f64 {
        let end = match self.ended {
            Some(t) => Moment::Wall(t),
            None => self.started.now(),
        };
        end.since(self.started).as_secs_f64()
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
        let mut r = Recorder::start(instruments.clone(), Some(future));
        assert_eq!(r.elapsed(), 0.0);
        r.stop();
        assert_eq!(r.elapsed(), 0.0);
        let r = Recorder::start_dropped(instruments.clone(), Some(future));
        assert_eq!(r.elapsed(), 0.0);
        assert!(matches!(r.start_moment(), Moment::Wall(t) if t == future));
        let past = SystemTime::now() - Duration::from_secs(2);
        let r = Recorder::start(instruments, Some(past));
        assert_eq!(r.started(), Some(past));
        assert!(r.elapsed() >= 2.0);
    }

    #[test]
    fn a_span_that_may_record_is_timed_from_its_start_to_its_stop_time() {
        let provider = opentelemetry::metrics::NoopMeterProvider::new();
        let instruments = Arc::new(Instruments::from_provider(&provider));
        let start = SystemTime::now() - Duration::from_millis(1500);
        let mut r = Recorder::start(instruments.clone(), Some(start));
        let end = r.stop().expect("on the wall clock");
        // Stopped once: a later stop keeps the first end time.
        assert_eq!(r.stop(), Some(end));
        let exact = end.duration_since(start).expect("after").as_secs_f64();
        assert_eq!(r.elapsed(), exact);
        assert!(exact >= 1.5);
        let r = Recorder::start(instruments, None);
        assert!(r.started().is_some_and(|t| t <= SystemTime::now()));
        assert!(matches!(r.start_moment(), Moment::Wall(_)));
    }

    #[test]
    fn a_moment_is_never_before_an_earlier_one() {
        let wall = Moment::Wall(SystemTime::now());
        let later = Moment::Wall(SystemTime::now() + Duration::from_secs(5));
        assert!(later.since(wall) >= Duration::from_secs(5));
        assert_eq!(wall.since(later), Duration::ZERO, "a clock stepped back");
        let mono = Moment::monotonic_now();
        assert!(matches!(mono.now(), Moment::Monotonic(_)));
        assert!(matches!(wall.now(), Moment::Wall(_)));
        assert_eq!(mono.since(later), Duration::ZERO, "two clocks");
    }

    #[test]
    fn a_dropped_span_is_timed_on_the_monotonic_clock() {
        let provider = opentelemetry::metrics::NoopMeterProvider::new();
        let instruments = Arc::new(Instruments::from_provider(&provider));
        let mut r = Recorder::start_dropped(instruments, None);
        assert!(r.started().is_none());
        assert!(matches!(r.start_moment(), Moment::Monotonic(_)));
        assert_eq!(r.stop(), None);
        assert!(r.elapsed() >= 0.0);
    }
}
