//! The names, units, descriptions and bucket boundaries of every instrument
//! aitrace records, and the attribute keys they carry: the one place to change
//! when the GenAI conventions rename a metric (see the per-direction token
//! proposal upstream).
//!
//! The `gen_ai.client.*` instruments follow the GenAI metric conventions of
//! [`SEMCONV_VERSION`] (`model/gen-ai/metrics.yaml` and
//! `docs/gen-ai/gen-ai-metrics.md` of that version); their names, units and
//! boundaries are checked against `crates/aitrace/data/gen_ai_metrics.txt` by
//! `tests/metrics_names.rs`. The `ai.*` instruments are aitrace's own.

pub use crate::attributes::gen_ai::SEMCONV_VERSION;

/// One instrument: what `docs/metrics.md` lists for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstrumentName {
    /// The metric name.
    pub name: &'static str,
    /// Its UCUM unit.
    pub unit: &'static str,
    /// Its description.
    pub description: &'static str,
    /// `histogram` or `counter`.
    pub instrument: &'static str,
    /// Explicit bucket boundaries of a histogram; empty for a counter.
    pub boundaries: &'static [f64],
}

/// Token counts: 1, 4, 16, … 67 108 864 (powers of 4), as the conventions say.
pub const TOKEN_BOUNDARIES: &[f64] = &[
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// Durations of GenAI operations in seconds: 0.01 to 81.92, doubling, as the
/// conventions say for operation duration and both chunk timings. aitrace uses
/// them for agent runs too.
pub const DURATION_BOUNDARIES: &[f64] = &[
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// Durations of tool calls in seconds: from 1 ms (a local function) to 100 s (a
/// slow API), finer at the low end than the model-call boundaries.
pub const TOOL_DURATION_BOUNDARIES: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0,
];

/// `gen_ai.client.token.usage`: input and output tokens of each model call,
/// by `gen_ai.token.type`.
pub const TOKEN_USAGE: InstrumentName = InstrumentName {
    name: "gen_ai.client.token.usage",
    unit: "{token}",
    description: "Number of input and output tokens used.",
    instrument: "histogram",
    boundaries: TOKEN_BOUNDARIES,
};

/// `gen_ai.client.operation.duration`: how long each model call took.
pub const OPERATION_DURATION: InstrumentName = InstrumentName {
    name: "gen_ai.client.operation.duration",
    unit: "s",
    description: "GenAI operation duration.",
    instrument: "histogram",
    boundaries: DURATION_BOUNDARIES,
};

/// `gen_ai.client.operation.time_to_first_chunk`: streamed calls only.
pub const TIME_TO_FIRST_CHUNK: InstrumentName = InstrumentName {
    name: "gen_ai.client.operation.time_to_first_chunk",
    unit: "s",
    description: "Time to receive the first chunk, measured from when the client issues the \
                  generation request to when the first chunk is received in the response stream.",
    instrument: "histogram",
    boundaries: DURATION_BOUNDARIES,
};

/// `gen_ai.client.operation.time_per_output_chunk`: streamed calls only, one
/// value per chunk after the first.
pub const TIME_PER_OUTPUT_CHUNK: InstrumentName = InstrumentName {
    name: "gen_ai.client.operation.time_per_output_chunk",
    unit: "s",
    description: "Time per output chunk, recorded for each chunk received after the first \
                  one, measured as the time elapsed from the end of the previous chunk to the \
                  end of the current chunk.",
    instrument: "histogram",
    boundaries: DURATION_BOUNDARIES,
};

/// `ai.client.cost`: what model calls cost, in US dollars, from the price table
/// (unpriced calls add nothing).
pub const COST: InstrumentName = InstrumentName {
    name: "ai.client.cost",
    unit: "USD",
    description: "Cost of model calls in US dollars, from aitrace's price table; calls to \
                  models without a price add nothing.",
    instrument: "counter",
    boundaries: &[],
};

/// `ai.client.token.cache_read`: prompt tokens served from the provider's cache
/// (part of the input tokens).
pub const CACHE_READ_TOKENS: InstrumentName = InstrumentName {
    name: "ai.client.token.cache_read",
    unit: "{token}",
    description: "Prompt tokens read from the provider's cache (part of the input tokens).",
    instrument: "counter",
    boundaries: &[],
};

/// `ai.client.token.cache_creation`: prompt tokens written to the provider's
/// cache (part of the input tokens).
pub const CACHE_CREATION_TOKENS: InstrumentName = InstrumentName {
    name: "ai.client.token.cache_creation",
    unit: "{token}",
    description: "Prompt tokens written to the provider's cache (part of the input tokens).",
    instrument: "counter",
    boundaries: &[],
};

/// `ai.client.token.reasoning`: completion tokens spent on reasoning (part of
/// the output tokens).
pub const REASONING_TOKENS: InstrumentName = InstrumentName {
    name: "ai.client.token.reasoning",
    unit: "{token}",
    description: "Completion tokens spent on reasoning (part of the output tokens).",
    instrument: "counter",
    boundaries: &[],
};

/// `ai.tool.duration`: how long each tool call took; its count is the number of
/// tool calls.
pub const TOOL_DURATION: InstrumentName = InstrumentName {
    name: "ai.tool.duration",
    unit: "s",
    description: "Duration of tool calls; its count is the number of calls.",
    instrument: "histogram",
    boundaries: TOOL_DURATION_BOUNDARIES,
};

/// `ai.agent.duration`: how long each agent invocation took; its count is the
/// number of invocations.
pub const AGENT_DURATION: InstrumentName = InstrumentName {
    name: "ai.agent.duration",
    unit: "s",
    description: "Duration of agent invocations; its count is the number of invocations.",
    instrument: "histogram",
    boundaries: DURATION_BOUNDARIES,
};

/// `ai.guardrail.checks`: guardrail checks, by whether they tripped.
pub const GUARDRAIL_CHECKS: InstrumentName = InstrumentName {
    name: "ai.guardrail.checks",
    unit: "{check}",
    description: "Guardrail checks; ai.guardrail.triggered says whether each tripped.",
    instrument: "counter",
    boundaries: &[],
};

/// Every instrument, in the order `docs/metrics.md` lists them.
pub const ALL: &[InstrumentName] = &[
    TOKEN_USAGE,
    OPERATION_DURATION,
    TIME_TO_FIRST_CHUNK,
    TIME_PER_OUTPUT_CHUNK,
    COST,
    CACHE_READ_TOKENS,
    CACHE_CREATION_TOKENS,
    REASONING_TOKENS,
    TOOL_DURATION,
    AGENT_DURATION,
    GUARDRAIL_CHECKS,
];

/// Attribute keys of the metrics. The `gen_ai.*` and general ones are those of
/// the conventions ([`crate::attributes::gen_ai`]); the `ai.*` ones are aitrace's.
pub mod attr {
    pub use crate::attributes::ai::{GUARDRAIL_NAME, GUARDRAIL_TRIGGERED, GUARDRAIL_TYPE};
    pub use crate::attributes::gen_ai::{
        AGENT_NAME, ERROR_TYPE, OPERATION_NAME, PROVIDER_NAME, REQUEST_MODEL, RESPONSE_MODEL,
        SERVER_ADDRESS, SERVER_PORT, TOOL_NAME, TOOL_TYPE,
    };

    /// `gen_ai.token.type` of [`super::TOKEN_USAGE`]: [`INPUT`] or [`OUTPUT`].
    pub const TOKEN_TYPE: &str = "gen_ai.token.type";
    /// [`TOKEN_TYPE`] of input (prompt) tokens.
    pub const INPUT: &str = "input";
    /// [`TOKEN_TYPE`] of output (completion) tokens.
    pub const OUTPUT: &str = "output";
}
