//! Where a span's measurements go: straight to the instruments with their
//! attributes, or, for instruments made with [`super::Instruments::with_bound_series`],
//! to series bound once per attribute set and kept per thread.
//!
//! Why: the SDK finds the series of a measurement by hashing its attributes
//! (SipHash over every key and value) and comparing them, about 3,000
//! instructions per measurement with a model call's seven attributes; a model
//! call makes five or more. A bound series is found once; after that a
//! measurement is a lock and an add. Each thread keeps the series of the
//! attribute sets it recorded last ([`MAX_SETS`]), found by comparing the
//! attributes (a few short string comparisons), so that a span pays about a
//! tenth of the unbound cost (figures in `docs/performance.md`).

use super::names::attr;
use super::sets::AttributeSet;
use super::Instruments;
use opentelemetry::metrics::{BoundCounter, BoundHistogram};
use opentelemetry::{Key, KeyValue};
use std::cell::RefCell;

/// Attribute sets whose series a thread keeps bound: enough for the models,
/// tools, agents and guardrails an application uses at once. Past it the
/// oldest set is let go (its series stay in the SDK; only the binding goes).
pub(crate) const MAX_SETS: usize = 32;

/// The series of one attribute set, each bound the first time it is recorded
/// (an instrument never recorded with these attributes gets no series, so
/// that no empty series is exported).
#[derive(Default)]
struct Bound {
    operation_duration: Option<BoundHistogram<f64>>,
    input_tokens: Option<BoundHistogram<u64>>,
    output_tokens: Option<BoundHistogram<u64>>,
    time_to_first_chunk: Option<BoundHistogram<f64>>,
    time_per_output_chunk: Option<BoundHistogram<f64>>,
    cost: Option<BoundCounter<f64>>,
    cache_read_tokens: Option<BoundCounter<u64>>,
    cache_creation_tokens: Option<BoundCounter<u64>>,
    reasoning_tokens: Option<BoundCounter<u64>>,
    tool_duration: Option<BoundHistogram<f64>>,
    agent_duration: Option<BoundHistogram<f64>>,
    guardrail_checks: Option<BoundCounter<u64>>,
}

/// One attribute set of one set of instruments, and its bound series.
struct Entry {
    instruments: u64,
    attrs: Vec<KeyValue>,
    bound: Bound,
}

thread_local! {
    static SETS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
}

/// The measurements of one span with one attribute set.
pub(crate) struct Series<'a> {
    instruments: &'a Instruments,
    attrs: &'a [KeyValue],
    bound: Option<&'a mut Bound>,
}

/// `attrs` and `gen_ai.token.type` = `token_type`.
fn with_token_type(attrs: &[KeyValue], token_type: &'static str) -> Vec<KeyValue> {
    let mut v = Vec::with_capacity(attrs.len() + 1);
    v.extend_from_slice(attrs);
    v.push(KeyValue::new(
        Key::from_static_str(attr::TOKEN_TYPE),
        token_type,
    ));
    v
}

macro_rules! record {
    ($(#[$doc:meta])* $fn:ident, $field:ident, $ty:ty, $method:ident) => {
        $(#[$doc])*
        pub(crate) fn $fn(&mut self, value: $ty) {
            let (instruments, attrs) = (self.instruments, self.attrs);
            match &mut self.bound {
                Some(b) => b
                    .$field
                    .get_or_insert_with(|| instruments.$field.bind(attrs))
                    .$method(value),
                None => instruments.$field.$method(value, attrs),
            }
        }
    };
}

macro_rules! record_tokens {
    ($(#[$doc:meta])* $fn:ident, $field:ident, $token_type:expr) => {
        $(#[$doc])*
        pub(crate) fn $fn(&mut self, value: u64) {
            let (instruments, attrs) = (self.instruments, self.attrs);
            match &mut self.bound {
                Some(b) => b
                    .$field
                    .get_or_insert_with(|| {
                        instruments.token_usage.bind(&with_token_type(attrs, $token_type))
                    })
                    .record(value),
                None => instruments
                    .token_usage
                    .record(value, &with_token_type(attrs, $token_type)),
            }
        }
    };
}

impl Series<'_> {
    record!(operation_duration, operation_duration, f64, record);
    record_tokens!(input_tokens, input_tokens, attr::INPUT);
    record_tokens!(output_tokens, output_tokens, attr::OUTPUT);
    record!(time_to_first_chunk, time_to_first_chunk, f64, record);
    record!(time_per_output_chunk, time_per_output_chunk, f64, record);
    record!(cost, cost, f64, add);
    record!(cache_read_tokens, cache_read_tokens, u64, add);
    record!(cache_creation_tokens, cache_creation_tokens, u64, add);
    record!(reasoning_tokens, reasoning_tokens, u64, add);
    record!(tool_duration, tool_duration, f64, record);
    record!(agent_duration, agent_duration, f64, record);
    record!(guardrail_checks, guardrail_checks, u64, add);
}

/// Runs `f` with the series of `set` on `instruments`: bound ones kept by this
/// thread when the instruments bind, else the instruments themselves.
pub(crate) fn with<R>(
    instruments: &Instruments,
    set: &impl AttributeSet,
    f: impl FnOnce(&mut Series<'_>) -> R,
) -> R {
    if !instruments.bind {
        return f(&mut Series {
            instruments,
            attrs: &set.attributes(),
            bound: None,
        });
    }
    let mut f = Some(f);
    let done = SETS.try_with(|sets| {
        // Busy (a measurement that reentered through the SDK): unbound.
        let mut sets = sets.try_borrow_mut().ok()?;
        let at = match sets
            .iter()
            .position(|e| e.instruments == instruments.id && set.is(&e.attrs))
        {
            Some(i) => i,
            None => {
                if sets.len() >= MAX_SETS {
                    sets.remove(0);
                }
                sets.push(Entry {
                    instruments: instruments.id,
                    attrs: set.attributes(),
                    bound: Bound::default(),
                });
                sets.len() - 1
            }
        };
        let entry = &mut sets[at];
        let f = f.take().expect("called once");
        Some(f(&mut Series {
            instruments,
            attrs: &entry.attrs,
            bound: Some(&mut entry.bound),
        }))
    });
    match done {
        Ok(Some(r)) => r,
        // The thread is exiting, or the sets are busy: straight to the instruments.
        _ => (f.take().expect("not called"))(&mut Series {
            instruments,
            attrs: &set.attributes(),
            bound: None,
        }),
    }
}
