//! Calls that other instrumentation recorded as spans (an LLM client's `chat`
//! span, a hand-written `execute_tool` span): counted into the same instruments,
//! with the same attributes and the same rules for bad input, as aitrace's own.

use super::record::{self, ModelCall};
use super::sets::{AgentSet, ModelSet, ToolSet};
use super::Instruments;
use crate::usage::Usage;
use std::time::Duration;

/// What a span of other instrumentation said about a call, for
/// [`Instruments::record_reported`]. `aitrace-sdk`'s `GenAiSpans` processor reads
/// it from the span's `gen_ai.*` attributes when the span ends.
#[derive(Clone, Copy, Debug)]
pub enum ReportedCall<'a> {
    /// A model call (chat, text completion, embeddings, …).
    Model {
        /// `gen_ai.operation.name`.
        operation: &'a str,
        /// `gen_ai.provider.name`, when the span says.
        provider: Option<&'a str>,
        /// `gen_ai.request.model`, when the span says.
        request_model: Option<&'a str>,
        /// `gen_ai.response.model`, when the span says.
        response_model: Option<&'a str>,
        /// `server.address` and `server.port`, when the span says.
        server: Option<(&'a str, u16)>,
        /// Its token usage, when the span says.
        usage: Option<Usage>,
        /// Whether output tokens are counted (not for embeddings).
        output: bool,
        /// Its cost in US dollars, when priced.
        cost_usd: Option<f64>,
    },
    /// A tool call.
    Tool {
        /// `gen_ai.tool.name`.
        name: &'a str,
        /// `gen_ai.tool.type`, when the span says.
        tool_type: Option<&'a str>,
    },
    /// An agent invocation.
    Agent {
        /// `gen_ai.agent.name`.
        name: &'a str,
        /// `gen_ai.provider.name`, when the span says.
        provider: Option<&'a str>,
        /// `gen_ai.request.model`, when the span says.
        model: Option<&'a str>,
    },
}

impl Instruments {
    /// Counts a call that took `duration` and failed with `error_type` (when it
    /// did) as a span of aitrace's of the same kind would count.
    ///
    /// ```
    /// use aitrace::metrics::{Instruments, ReportedCall};
    /// use std::time::Duration;
    ///
    /// # let provider = aitrace::opentelemetry::metrics::NoopMeterProvider::new();
    /// let instruments = Instruments::from_provider(&provider);
    /// let tool = ReportedCall::Tool { name: "search_kb", tool_type: None };
    /// instruments.record_reported(&tool, Duration::from_millis(30), None);
    /// ```
    pub fn record_reported(
        &self,
        call: &ReportedCall<'_>,
        duration: Duration,
        error_type: Option<&str>,
    ) {
        let elapsed = duration.as_secs_f64();
        match *call {
            ReportedCall::Model {
                operation,
                provider,
                request_model,
                response_model,
                server,
                usage,
                output,
                cost_usd,
            } => {
                let call = ModelCall {
                    set: ModelSet {
                        operation,
                        provider,
                        request_model,
                        response_model,
                        server,
                    },
                    usage,
                    output,
                    cost_usd,
                    first_chunk_s: None,
                    chunk_gaps: &[],
                };
                record::model_call(self, &call, elapsed, error_type);
            }
            ReportedCall::Tool { name, tool_type } => {
                record::tool(self, &ToolSet { name, tool_type }, elapsed, error_type);
            }
            ReportedCall::Agent {
                name,
                provider,
                model,
            } => {
                let set = AgentSet {
                    name,
                    provider,
                    model,
                };
                record::agent(self, &set, elapsed, error_type);
            }
        }
    }
}
