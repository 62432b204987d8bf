//! Embedding spans: `embeddings {model}`, CLIENT.

use super::{builder_common, shared_cow, span_common, span_name, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::usage::Usage;
use opentelemetry::trace::SpanKind;
use opentelemetry::Context;
use std::borrow::Cow;
use std::time::SystemTime;

/// Builds an [`EmbeddingSpan`]. Made by [`crate::embeddings`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct EmbeddingBuilder<'a> {
    provider: Cow<'static, str>,
    model: Cow<'static, str>,
    server: Option<(Cow<'static, str>, u16)>,
    parent: Option<&'a Context>,
    start_time: Option<SystemTime>,
}

builder_common!(EmbeddingBuilder);

impl<'a> EmbeddingBuilder<'a> {
    pub(crate) fn new(
        provider: impl Into<Cow<'static, str>>,
        model: impl Into<Cow<'static, str>>,
    ) -> Self {
        EmbeddingBuilder {
            provider: provider.into(),
            model: model.into(),
            server: None,
            parent: None,
            start_time: None,
        }
    }

    /// The server called (`server.address`, `server.port`, with the gen_ai dialect).
    pub fn with_server(mut self, address: impl Into<Cow<'static, str>>, port: u16) -> Self {
        self.server = Some((address.into(), port));
        self
    }

    /// Starts the span.
    pub fn start(self) -> EmbeddingSpan {
        let name = span_name(gen_ai::operation::EMBEDDINGS, &self.model);
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::EMBEDDING,
                kind: SpanKind::Client,
                name,
                parent: self.parent,
                start_time: self.start_time,
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
        );
        EmbeddingSpan {
            core,
            model: self.model,
            input_tokens: None,
        }
    }
}

/// A running embeddings call. Ends on [`EmbeddingSpan::end`] or when dropped;
/// usage and cost (input tokens only, when the model is priced) are written when
/// it ends.
///
/// ```
/// let mut call = aitrace::embeddings("openai", "text-embedding-3-small").start();
/// call.record_dimensions(1536);
/// call.record_usage(42);
/// call.end();
/// ```
#[derive(Debug)]
pub struct EmbeddingSpan {
    core: SpanCore,
    model: Cow<'static, str>,
    input_tokens: Option<u64>,
}

impl EmbeddingSpan {
    /// The tokens embedded (`ai.prompt_tokens`, `gen_ai.usage.input_tokens`),
    /// replacing any recorded before.
    pub fn record_usage(&mut self, input_tokens: u64) {
        self.input_tokens = Some(input_tokens);
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

    fn finish(&mut self, _dropped: bool) {
        // Hooks only see recording spans: a dropped span skips the price lookup.
        if !self.core.is_recording() {
            return;
        }
        let usage = self.input_tokens.map(|n| Usage::new(n, 0));
        let cost = usage.and_then(|u| super::cost_of(&self.core.settings.prices, &self.model, &u));
        self.core
            .note_for_hooks(Some(&self.model), usage, cost.map(|c| c.total_usd()));
        self.core.record(|a| {
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

span_common!(EmbeddingSpan);
