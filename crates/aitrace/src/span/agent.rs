//! Agent spans: `invoke_agent {name}`, INTERNAL.

use super::guard::sealed::Sealed;
use super::{
    shared_cow, span_name, string_array, AiSpan, Base, Ending, Kind, SharedStr, SpanBuilder,
    SpanCore, Start,
};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::metrics::AgentSet;
use opentelemetry::trace::SpanKind;
use std::borrow::Cow;

/// The agent kind: an `invoke_agent {name}` span ([`crate::AgentSpan`]), built by
/// [`crate::agent`].
#[derive(Debug)]
pub struct Agent {
    name: Cow<'static, str>,
    provider: Option<Cow<'static, str>>,
    model: Option<Cow<'static, str>>,
    id: Option<Cow<'static, str>>,
    tools: Vec<Cow<'static, str>>,
    handoffs: Vec<Cow<'static, str>>,
    output_type: Option<Cow<'static, str>>,
}

impl Agent {
    pub(crate) fn new(name: impl Into<Cow<'static, str>>) -> Agent {
        Agent {
            name: name.into(),
            provider: None,
            model: None,
            id: None,
            tools: Vec::new(),
            handoffs: Vec::new(),
            output_type: None,
        }
    }
}

impl SpanBuilder<'_, Agent> {
    /// The provider of the model the agent runs on (`ai.provider`;
    /// `gen_ai.provider.name`, set at start so samplers see it), such as `openai`
    /// or `anthropic` (the values [`crate::generation`] takes).
    ///
    /// The GenAI conventions require it on `invoke_agent` spans; aitrace cannot
    /// know it, so an agent started without it carries no provider rather than a
    /// guessed one.
    ///
    /// ```
    /// let agent = aitrace::agent("triage")
    ///     .with_provider("openai")
    ///     .with_model("gpt-4o-mini")
    ///     .start();
    /// agent.end();
    /// ```
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.kind.provider = Some(provider.into());
        self
    }

    /// The model the agent is configured with (`ai.model`; `gen_ai.request.model`,
    /// set at start so samplers see it).
    pub fn with_model(mut self, model: impl Into<Cow<'static, str>>) -> Self {
        self.kind.model = Some(model.into());
        self
    }

    /// A stable id of the agent (`ai.agent.id`, `gen_ai.agent.id`).
    pub fn with_id(mut self, id: impl Into<Cow<'static, str>>) -> Self {
        self.kind.id = Some(id.into());
        self
    }

    /// The tools the agent may call (`ai.agent.tools`).
    pub fn with_tools<I, S>(mut self, tools: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        self.kind.tools = tools.into_iter().map(Into::into).collect();
        self
    }

    /// The agents it may hand off to (`ai.agent.handoffs`).
    pub fn with_handoffs<I, S>(mut self, handoffs: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<Cow<'static, str>>,
    {
        self.kind.handoffs = handoffs.into_iter().map(Into::into).collect();
        self
    }

    /// The type of the agent's output, such as `text` or `json` (`ai.agent.output_type`).
    pub fn with_output_type(mut self, output_type: impl Into<Cow<'static, str>>) -> Self {
        self.kind.output_type = Some(output_type.into());
        self
    }
}

impl Sealed for Agent {}

impl Kind for Agent {
    fn finish(&mut self, core: &mut SpanCore, _ending: Ending) {
        if let Some(m) = core.metrics() {
            m.agent(&AgentSet {
                name: &self.name,
                provider: self.provider.as_deref(),
                model: self.model.as_deref(),
            });
        }
    }

    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let name = span_name(gen_ai::operation::INVOKE_AGENT, &self.name);
        let agent_name = SharedStr::new(&self.name);
        let provider = self.provider.as_ref().map(SharedStr::new);
        let model = self.model.as_ref().map(SharedStr::new);
        SpanCore::start(
            Start {
                span_type: ai::span_type::AGENT,
                kind: SpanKind::Internal,
                name,
                parent: base.parent,
                start_time: base.start_time,
            },
            |a| {
                a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::INVOKE_AGENT);
                if a.d.gen_ai {
                    a.gen(gen_ai::AGENT_NAME, agent_name.get());
                    if let Some(p) = &provider {
                        a.gen(gen_ai::PROVIDER_NAME, p.get());
                    }
                    if let Some(m) = &model {
                        a.gen(gen_ai::REQUEST_MODEL, m.get());
                    }
                }
            },
            |a| {
                let name = agent_name.get();
                a.ai(ai::AGENT_NAME, name.clone());
                if let Some(p) = &provider {
                    a.ai(ai::PROVIDER, p.get());
                }
                if let Some(m) = &model {
                    a.ai(ai::MODEL, m.get());
                }
                a.oi(oi::AGENT_NAME, name);
                if let Some(id) = &self.id {
                    let id = shared_cow(id);
                    a.ai(ai::AGENT_ID, id.clone());
                    a.gen(gen_ai::AGENT_ID, id.clone());
                    a.oi(oi::GRAPH_NODE_ID, id);
                }
                if !self.tools.is_empty() {
                    a.ai(ai::AGENT_TOOLS, string_array(&self.tools));
                }
                if !self.handoffs.is_empty() {
                    a.ai(ai::AGENT_HANDOFFS, string_array(&self.handoffs));
                }
                if let Some(t) = &self.output_type {
                    let t = shared_cow(t);
                    a.ai(ai::AGENT_OUTPUT_TYPE, t.clone());
                    a.gen(gen_ai::OUTPUT_TYPE, t);
                }
            },
        )
    }
}

/// A running agent ([`crate::AgentSpan`]).
///
/// ```
/// let agent = aitrace::agent("triage").with_tools(["search_kb"]).start();
/// agent.in_scope(|| {
///     let tool = aitrace::tool("search_kb").start();
///     tool.end();
/// });
/// agent.end();
/// ```
impl AiSpan<Agent> {
    /// What this step was given (`ai.input`, and `input.value` with
    /// `input.mime_type` whatever the dialects), as JSON; only when content
    /// capture is on, and through
    /// the redactor and the byte limit like all content.
    ///
    /// ```
    /// let agent = aitrace::agent("triage").start();
    /// agent.record_input("Where is my order?");
    /// agent.record_output(&serde_json::json!({"route": "billing"}));
    /// agent.end();
    /// ```
    pub fn record_input<T: serde::Serialize + ?Sized>(&self, input: &T) {
        self.core.record_input(input);
    }

    /// What this step produced (`ai.output`, and `output.value` with
    /// `output.mime_type` whatever the dialects), as JSON; only when content
    /// capture is on.
    pub fn record_output<T: serde::Serialize + ?Sized>(&self, output: &T) {
        self.core.record_output(output);
    }
}
