//! Retrieval spans: `retrieval {source}`, CLIENT.

use super::guard::sealed::Sealed;
use super::{shared_cow, span_name, AiSpan, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::content::ContentKind;
use opentelemetry::trace::SpanKind;
use opentelemetry::StringValue;
use std::borrow::Cow;

/// The retrieval kind: a `retrieval {source}` span ([`crate::RetrievalSpan`]), built by [`crate::retrieval`].
#[derive(Debug)]
pub struct Retrieval {
    source: Cow<'static, str>,
    top_k: Option<usize>,
}

impl Retrieval {
    pub(crate) fn new(source: impl Into<Cow<'static, str>>) -> Retrieval {
        Retrieval {
            source: source.into(),
            top_k: None,
        }
    }
}

impl SpanBuilder<'_, Retrieval> {
    /// How many documents were asked for (`ai.retrieval.top_k`; with the gen_ai
    /// dialect `gen_ai.request.top_k`, a double as the registry types it).
    pub fn with_top_k(mut self, top_k: usize) -> Self {
        self.kind.top_k = Some(top_k);
        self
    }
}

impl Sealed for Retrieval {}

impl Kind for Retrieval {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(gen_ai::operation::RETRIEVAL, &self.source);
        SpanCore::start(
            Start {
                span_type: ai::span_type::RETRIEVAL,
                kind: SpanKind::Client,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::RETRIEVAL);
                a.gen(gen_ai::DATA_SOURCE_ID, self.source.clone());
            },
            |a| {
                a.ai(ai::RETRIEVAL_SOURCE, shared_cow(&self.source));
                if let Some(k) = self.top_k {
                    a.ai(ai::RETRIEVAL_TOP_K, i64::try_from(k).unwrap_or(i64::MAX));
                    // A count far below 2^53, so the double holds it exactly.
                    a.gen(gen_ai::REQUEST_TOP_K, k as f64);
                }
            },
        )
    }
}

/// A running retrieval from a vector store, search index or other data source.
/// An [`AiSpan`] of kind [`Retrieval`].
///
/// ```
/// let search = aitrace::retrieval("kb_articles").with_top_k(5).start();
/// search.record_query("reset my password"); // only with content capture on
/// search.record_documents_count(3);
/// search.end();
/// ```
impl AiSpan<Retrieval> {
    /// How many documents came back (`ai.retrieval.documents_count`; not content).
    pub fn record_documents_count(&self, count: usize) {
        self.core.record(|a| {
            a.ai(
                ai::RETRIEVAL_DOCUMENTS_COUNT,
                i64::try_from(count).unwrap_or(i64::MAX),
            );
        });
    }

    /// The query (`ai.input` as JSON, `gen_ai.retrieval.query.text` and OpenInference
    /// `input.value` as plain text); only when content capture is on.
    pub fn record_query(&self, query: &str) {
        self.core
            .record_content(ContentKind::Input, query, |a, json| {
                // The redacted, size-limited JSON string, back to plain text for the
                // attributes that expect text; anything the redactor made of it stays JSON.
                let text = serde_json::from_str::<String>(json.as_str())
                    .map(StringValue::from)
                    .unwrap_or_else(|_| json.clone());
                a.ai(ai::INPUT, json);
                a.gen(gen_ai::RETRIEVAL_QUERY_TEXT, text.clone());
                a.oi(oi::INPUT_VALUE, text);
            });
    }

    /// The documents found, serialised as JSON (`ai.output`,
    /// `gen_ai.retrieval.documents`, `output.value`); only when content capture is on.
    /// The conventions suggest objects with at least an `id` and a `score`.
    pub fn record_documents<T: serde::Serialize + ?Sized>(&self, documents: &T) {
        self.core
            .record_content(ContentKind::Output, documents, |a, text| {
                a.ai(ai::OUTPUT, text.clone());
                a.gen(gen_ai::RETRIEVAL_DOCUMENTS, text.clone());
                a.oi(oi::OUTPUT_VALUE, text);
                a.oi(oi::OUTPUT_MIME_TYPE, oi::MIME_JSON);
            });
    }
}
