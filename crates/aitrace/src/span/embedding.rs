//! Embedding spans: `embeddings {model}`, CLIENT.

use super::guard::sealed::Sealed;
use super::{shared_cow, span_name, AiSpan, Base, Ending, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::metrics::{ModelCall, ModelSet};
use crate::usage::Usage;
use opentelemetry::trace::SpanKind;
use std::borrow::Cow;

/// The embeddings kind: an `embeddings {model}` span ([`crate::EmbeddingSpan`]),
/// built by [`crate::embeddings`].
#[derive(Debug)]
pub struct Embedding {
    provider: Cow<'static, str>,
    model: Cow<'static, str>,
    server: Option<(Cow<'static, str>, u16)>,
    input_tokens: Option<u64>,
}

impl Embedding {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Embedding {
        Embedding {
            provider: provider.into(),
            model: model.into(),
            server: None,
            input_tokens: None,
        }
    }
}

impl SpanBuilder<'_, Embedding> {
    /// The server called (`server.address`, `server.port`, with the gen_ai dialect).
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.kind.server = Some((address.into(), port));
        self
    }
}

impl Sealed for Embedding {}

impl Kind for Embedding {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(gen_ai::operation::EMBEDDINGS, &self.model);
        SpanCore::start(
            Start {
                span_type: ai::span_type::EMBEDDING,
                kind: SpanKind::Client,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::EMBEDDINGS);
                a.gen(gen_ai::PROVIDER_NAME, self.provider.clone());
                a.gen(gen_ai::REQUEST_MODEL, self.model.clone());
                if let Some((addr, port)) = &self.server {
                    a.gen(gen_ai::SERVER_ADDRESS, addr.clone());
                    a.gen(gen_ai::SERVER_PORT, i64::from(*port));
                }
            },
            |a| {
                let provider = shared_cow(&self.provider);
                let model = shared_cow(&self.model);
                a.ai(ai::PROVIDER, provider.clone());
                a.ai(ai::MODEL, model.clone());
                if a.d.gen_ai_system_compat {
                    a.gen(gen_ai::SYSTEM, provider);
                }
                a.oi(oi::EMBEDDING_MODEL_NAME, model);
            },
        )
    }

    fn finish(&mut self, core: &mut SpanCore, _ending: Ending) {
        // Hooks only see recording spans, metrics count every call: a dropped
        // span with no metrics installed skips the price lookup.
        let recording = core.is_recording();
        if !recording && core.metrics().is_none() {
            return;
        }
        let usage = self.input_tokens.map(|n| Usage::new(n, 0));
        let cost =
            usage.and_then(|u| crate::pricing::cost_of(&core.settings.prices, &self.model, &u));
        if let Some(m) = core.metrics() {
            m.model_call(&ModelCall {
                set: ModelSet {
                    operation: gen_ai::operation::EMBEDDINGS,
                    provider: Some(&self.provider),
                    request_model: Some(&self.model),
                    response_model: None,
                    server: self.server.as_ref().map(|(a, port)| (&**a, *port)),
                },
                usage,
                // An embedding has input tokens only.
                output: false,
                cost_usd: cost.map(|c| c.total_usd()),
                first_chunk_s: None,
                chunk_gaps: &[],
            });
        }
        if !recording {
            return;
        }
        core.note_for_hooks(Some(&self.model), usage, cost.map(|c| c.total_usd()));
        core.record(|a| {
            if let Some(u) = usage {
                let n = i64::try_from(u.input_tokens).unwrap_or(i64::MAX);
                a.ai(ai::PROMPT_TOKENS, n);
                a.gen(gen_ai::USAGE_INPUT_TOKENS, n);
                a.oi(oi::LLM_TOKEN_COUNT_PROMPT, n);
            }
            if let Some(c) = cost {
                // An embedding has no completion side.
                a.cost(&c, false);
            }
        });
    }
}

/// A running embeddings call ([`crate::EmbeddingSpan`]); usage and cost (input
/// tokens only, when the model is priced) are written when it ends.
///
/// ```
/// let mut call = aitrace::embeddings("openai", "text-embedding-3-small").start();
/// call.record_dimensions(1536);
/// call.record_usage(42);
/// call.end();
/// ```
impl AiSpan<Embedding> {
    /// The tokens embedded (`ai.prompt_tokens`, `gen_ai.usage.input_tokens`),
    /// replacing any recorded before.
    pub fn record_usage(&mut self, input_tokens: u64) {
        self.kind.input_tokens = Some(input_tokens);
    }

    /// The number of dimensions of the embeddings (`ai.embedding.dimensions`,
    /// `gen_ai.embeddings.dimension.count`).
    pub fn record_dimensions(&self, dimensions: usize) {
        self.core.record(|a| {
            let n = i64::try_from(dimensions).unwrap_or(i64::MAX);
            a.ai(ai::EMBEDDING_DIMENSIONS, n);
            a.gen(gen_ai::EMBEDDINGS_DIMENSION_COUNT, n);
        });
    }
}
