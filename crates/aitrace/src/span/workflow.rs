//! The trace level: a workflow span that roots one run, and the attributes every
//! span under it inherits.

use super::guard::sealed::Sealed;
use super::{shared, span_name, AiSpan, Base, Kind, SpanBuilder, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::context::Scope;
use crate::hooks::{self, TraceInfo};
use crate::propagation::Identity;
use crate::settings::Settings;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;
use std::sync::Arc;

/// The workflow kind: the local root of one run, `invoke_workflow {name}`
/// ([`crate::TraceSpan`]), built by [`crate::trace`].
#[derive(Debug)]
pub struct Workflow {
    workflow: Cow<'static, str>,
    identity: Identity,
    group_id: Option<String>,
    metadata: Vec<(String, String)>,
    inherited: Vec<KeyValue>,
    settings: Option<Settings>,
    new_root: bool,
    /// What hooks are told of the trace; made when it starts.
    info: Option<TraceInfo>,
}

impl Workflow {
    pub(crate) fn new(workflow: impl Into<Cow<'static, str>>) -> Workflow {
        Workflow {
            workflow: workflow.into(),
            identity: Identity::default(),
            group_id: None,
            metadata: Vec::new(),
            inherited: Vec::new(),
            settings: None,
            new_root: false,
            info: None,
        }
    }
}

impl SpanBuilder<'_, Workflow> {
    /// The conversation (session, thread) id; inherited by every span below.
    pub fn with_conversation_id(mut self, id: impl Into<String>) -> Self {
        self.kind.identity = self.kind.identity.with_conversation_id(id);
        self
    }

    /// A group id linking related traces (`ai.group.id`); inherited by every span below.
    pub fn with_group_id(mut self, id: impl Into<String>) -> Self {
        self.kind.group_id = Some(id.into());
        self
    }

    /// The end user's id; inherited by every span below.
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.kind.identity = self.kind.identity.with_user_id(id);
        self
    }

    /// The tenant's id (`ai.tenant.id`); inherited by every span below.
    pub fn with_tenant_id(mut self, id: impl Into<String>) -> Self {
        self.kind.identity = self.kind.identity.with_tenant_id(id);
        self
    }

    /// Metadata of the trace, recorded on the workflow span as `ai.metadata.<key>`.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.kind.metadata.push((key.into(), value.into()));
        self
    }

    /// An attribute of yours that every span below carries.
    pub fn inherit(mut self, attribute: KeyValue) -> Self {
        self.kind.inherited.push(attribute);
        self
    }

    /// Settings for this trace only (dialects, content capture, prices). Each value
    /// set in `settings` overrides the one of the process (or of the enclosing
    /// trace); the values it does not set keep theirs (see
    /// [`Settings::overriding`]).
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.kind.settings = Some(settings);
        self
    }

    /// Starts a new trace even when a span is current.
    pub fn new_root(mut self) -> Self {
        self.kind.new_root = true;
        self
    }
}

impl Sealed for Workflow {}

impl Kind for Workflow {
    fn start(&mut self, base: Base<'_>) -> SpanCore {
        let base_cx = match (self.new_root, base.parent) {
            (true, _) => Context::new(),
            (false, Some(p)) => p.clone(),
            (false, None) => Context::current(),
        };
        let outer = Scope::of(&base_cx);
        // The trace's own settings override only what they set; the rest is
        // what the enclosing trace (or the process) records with.
        let settings = match self.settings.take() {
            Some(own) => Arc::new(own.overriding(&outer.settings)),
            None => outer.settings.clone(),
        };
        let workflow = &self.workflow;
        let group = self
            .group_id
            .as_deref()
            .map(|id| KeyValue::new(ai::GROUP_ID, shared(id)));
        let scope = outer.below(
            settings,
            |a| {
                let wf = shared(workflow);
                a.ai(ai::WORKFLOW_NAME, wf.clone());
                a.gen(gen_ai::WORKFLOW_NAME, wf);
            },
            &self.identity,
            group.into_iter().chain(std::mem::take(&mut self.inherited)),
        );
        let scoped = base_cx.with_value(scope);
        let name = span_name(gen_ai::operation::INVOKE_WORKFLOW, &self.workflow);
        let metadata = &self.metadata;
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::WORKFLOW,
                kind: SpanKind::Internal,
                name,
                parent: Some(&scoped),
                start_time: base.start_time,
            },
            |a| a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::INVOKE_WORKFLOW),
            |a| {
                for (k, v) in metadata {
                    a.ai_dynamic(format!("{}{k}", ai::METADATA_PREFIX), v.clone());
                }
                if !metadata.is_empty() && a.d.openinference {
                    let m: serde_json::Map<String, serde_json::Value> = metadata
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone().into()))
                        .collect();
                    a.oi(oi::METADATA, serde_json::Value::Object(m).to_string());
                }
            },
        );
        self.info = Some(TraceInfo {
            workflow_name: self.workflow.to_string(),
            span_context: core.cx.span().span_context().clone(),
            conversation_id: self.identity.conversation_id().map(str::to_string),
            user_id: self.identity.user_id().map(str::to_string),
            tenant_id: self.identity.tenant_id().map(str::to_string),
            group_id: self.group_id.take(),
            metadata: std::mem::take(&mut self.metadata),
        });
        core
    }

    /// The trace starts before its root span, as hooks hear it.
    fn started(&mut self, core: &SpanCore) {
        if let Some(info) = self.info.as_ref().filter(|_| core.hooked()) {
            hooks::each("on_trace_start", |h| h.on_trace_start(info));
        }
    }

    /// The trace ends after its root span, as hooks hear it.
    fn ended(&mut self, core: &SpanCore) {
        if let Some(info) = self.info.as_ref().filter(|_| core.hooked()) {
            hooks::each("on_trace_end", |h| h.on_trace_end(info));
        }
    }
}

/// A running workflow ([`crate::TraceSpan`]): the local root of one agent run.
/// Every span created under it inherits its workflow name, conversation id, user
/// id, tenant and the attributes given with `inherit`.
///
/// ```
/// let run = aitrace::trace("customer_support").with_conversation_id("conv-42").start();
/// run.in_scope(|| aitrace::agent("triage").start().end());
/// println!("trace id for the API response: {}", run.trace_id());
/// run.end();
/// ```
impl AiSpan<Workflow> {
    /// What this run was given (`ai.input`, and `input.value` with
    /// `input.mime_type` whatever the dialects: MLflow's request preview of the
    /// trace), as JSON; only when content capture is on, and through
    /// the redactor and the byte limit like all content.
    ///
    /// ```
    /// let run = aitrace::trace("customer_support").start();
    /// run.record_input("Where is my order?");
    /// run.record_output("It ships tomorrow.");
    /// run.end();
    /// ```
    pub fn record_input<T: serde::Serialize + ?Sized>(&self, input: &T) {
        self.core.record_input(input);
    }

    /// What this run produced (`ai.output`, and `output.value` with
    /// `output.mime_type` whatever the dialects), as JSON; only when content
    /// capture is on.
    pub fn record_output<T: serde::Serialize + ?Sized>(&self, output: &T) {
        self.core.record_output(output);
    }
}
