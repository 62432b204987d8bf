//! The trace level: a workflow span that roots one run, and the attributes every
//! span under it inherits.

use super::{shared, span_common, span_name, SpanCore, Start};
use crate::attributes::{ai, gen_ai, openinference as oi};
use crate::context::Scope;
use crate::hooks::{self, TraceInfo};
use crate::propagation::Identity;
use crate::settings::Settings;
use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, Key, KeyValue, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Builds a [`TraceSpan`]. Made by [`crate::trace`].
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct TraceBuilder<'a> {
    workflow: Cow<'static, str>,
    identity: Identity,
    group_id: Option<String>,
    metadata: Vec<(String, String)>,
    inherited: Vec<KeyValue>,
    settings: Option<Settings>,
    parent: Option<&'a Context>,
    new_root: bool,
}

impl<'a> TraceBuilder<'a> {
    pub(crate) fn new(workflow: impl Into<Cow<'static, str>>) -> Self {
        TraceBuilder {
            workflow: workflow.into(),
            identity: Identity::default(),
            group_id: None,
            metadata: Vec::new(),
            inherited: Vec::new(),
            settings: None,
            parent: None,
            new_root: false,
        }
    }

    /// The conversation (session, thread) id; inherited by every span below.
    pub fn with_conversation_id(mut self, id: impl Into<String>) -> Self {
        self.identity = self.identity.with_conversation_id(id);
        self
    }

    /// A group id linking related traces (`ai.group.id`); inherited by every span below.
    pub fn with_group_id(mut self, id: impl Into<String>) -> Self {
        self.group_id = Some(id.into());
        self
    }

    /// The end user's id; inherited by every span below.
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.identity = self.identity.with_user_id(id);
        self
    }

    /// The tenant's id (`ai.tenant.id`); inherited by every span below.
    pub fn with_tenant_id(mut self, id: impl Into<String>) -> Self {
        self.identity = self.identity.with_tenant_id(id);
        self
    }

    /// Metadata of the trace, recorded on the workflow span as `ai.metadata.<key>`.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.push((key.into(), value.into()));
        self
    }

    /// An attribute of yours that every span below carries.
    pub fn inherit(mut self, attribute: KeyValue) -> Self {
        self.inherited.push(attribute);
        self
    }

    /// Settings for this trace only (dialects, content capture, prices), instead of
    /// the process-wide ones.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// The parent of the workflow span, for example a server span or a context
    /// extracted from incoming headers; the current context when not given.
    pub fn child_of(mut self, parent: &'a Context) -> Self {
        self.parent = Some(parent);
        self
    }

    /// Starts a new trace even when a span is current.
    pub fn new_root(mut self) -> Self {
        self.new_root = true;
        self
    }

    /// Starts the workflow span.
    pub fn start(self) -> TraceSpan {
        let base = match (self.new_root, self.parent) {
            (true, _) => Context::new(),
            (false, Some(p)) => p.clone(),
            (false, None) => Context::current(),
        };
        let outer = Scope::of(&base);
        let settings = self
            .settings
            .map(Arc::new)
            .unwrap_or(outer.settings.clone());
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
            group.into_iter().chain(self.inherited),
        );
        let scoped = base.with_value(scope);
        let name = span_name(gen_ai::operation::INVOKE_WORKFLOW, &self.workflow);
        let metadata = self.metadata;
        let core = SpanCore::start(
            Start {
                span_type: ai::span_type::WORKFLOW,
                kind: SpanKind::Internal,
                name,
                parent: Some(&scoped),
                start_time: None,
            },
            |a| a.gen(gen_ai::OPERATION_NAME, gen_ai::operation::INVOKE_WORKFLOW),
            |a| {
                for (k, v) in &metadata {
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
        let info = TraceInfo {
            workflow_name: self.workflow.to_string(),
            span_context: core.cx.span().span_context().clone(),
            conversation_id: self.identity.conversation_id().map(str::to_string),
            group_id: self.group_id,
            metadata,
        };
        if core.is_recording() && hooks::active() {
            hooks::each("on_trace_start", |h| h.on_trace_start(&info));
        }
        TraceSpan { core, info }
    }
}

/// A running workflow: the local root of one agent run. Every span created under
/// it inherits its workflow name, conversation id, user id, tenant and the
/// attributes given with [`TraceBuilder::inherit`].
///
/// ```
/// let run = aitrace::trace("customer_support").with_conversation_id("conv-42").start();
/// run.in_scope(|| aitrace::agent("triage").start().end());
/// println!("trace id for the API response: {}", run.trace_id());
/// run.end();
/// ```
#[derive(Debug)]
pub struct TraceSpan {
    core: SpanCore,
    info: TraceInfo,
}

impl TraceSpan {
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

    fn finish(&mut self, _dropped: bool) {
        if self.core.is_recording() && hooks::active() {
            hooks::each("on_trace_end", |h| h.on_trace_end(&self.info));
        }
    }
}

span_common!(TraceSpan);

impl super::Attrs<'_> {
    /// An `ai` attribute whose key is built at run time (metadata).
    pub(crate) fn ai_dynamic(&mut self, key: String, v: impl Into<Value>) {
        self.out.push(KeyValue::new(Key::from(key), v));
    }
}
