//! Shared by the `attributes_*` tests: run spans under a trace of their own with
//! chosen settings, and compare a span's attributes with the exact expected set.
#![allow(dead_code)]

use aitrace::{Dialects, Settings};
use aitrace_sdk::testing::install_in_memory;
use opentelemetry::{Array, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::collections::BTreeMap;

/// The workflow name of the traces [`run`] starts; every span inherits it.
pub const WORKFLOW: &str = "attribute_checks";

/// The three dialect configurations every span type is checked in.
pub fn configs() -> [(&'static str, Dialects); 3] {
    [
        ("ai only", Dialects::AI_ONLY),
        ("default", Dialects::default()),
        ("all", Dialects::ALL),
    ]
}

/// Runs `f` inside a new trace with `dialects` and content capture as given, and
/// returns the spans of that trace (the workflow span included).
pub fn run(dialects: Dialects, capture: bool, f: impl FnOnce()) -> Vec<SpanData> {
    run_with(
        Settings::default()
            .with_dialects(dialects)
            .with_capture_content(capture),
        f,
    )
}

/// Like [`run`], with full settings.
pub fn run_with(settings: Settings, f: impl FnOnce()) -> Vec<SpanData> {
    let exporter = install_in_memory();
    let root = aitrace::trace(WORKFLOW)
        .with_settings(settings)
        .new_root()
        .start();
    let trace_id = root.trace_id();
    root.in_scope(f);
    root.end();
    exporter.spans_of_trace(trace_id)
}

/// A string value.
pub fn s(v: &str) -> Value {
    Value::String(StringValue::from(v.to_string()))
}

/// A string-array value.
pub fn strings(items: &[&str]) -> Value {
    Value::Array(Array::String(
        items
            .iter()
            .map(|i| StringValue::from(i.to_string()))
            .collect(),
    ))
}

/// What an attribute must hold.
#[derive(Clone, Debug)]
pub enum Want {
    /// Exactly this value.
    Exact(Value),
    /// A string that parses as this JSON (key order free).
    Json(serde_json::Value),
    /// Any float (the caller checks it further).
    AnyF64,
}

/// The exact attribute set expected on one span, built per dialect.
#[derive(Clone, Debug)]
pub struct Expect {
    d: Dialects,
    items: BTreeMap<&'static str, Want>,
}

impl Expect {
    /// `ai.span.type` plus what every span of a [`run`] trace inherits.
    pub fn span(d: Dialects, span_type: &str) -> Expect {
        Expect::bare(d)
            .ai("ai.span.type", s(span_type))
            .ai("ai.workflow.name", s(WORKFLOW))
            .gen("gen_ai.workflow.name", s(WORKFLOW))
    }

    /// Nothing expected yet.
    pub fn bare(d: Dialects) -> Expect {
        Expect {
            d,
            items: BTreeMap::new(),
        }
    }

    fn put(mut self, on: bool, key: &'static str, want: Want) -> Self {
        if on {
            let before = self.items.insert(key, want);
            assert!(before.is_none(), "test bug: {key} expected twice");
        }
        self
    }

    /// Expected in every dialect configuration.
    pub fn ai(self, key: &'static str, v: Value) -> Self {
        self.put(true, key, Want::Exact(v))
    }

    /// Expected only with the gen_ai dialect.
    pub fn gen(self, key: &'static str, v: Value) -> Self {
        let on = self.d.gen_ai;
        self.put(on, key, Want::Exact(v))
    }

    /// Expected only with the OpenInference dialect.
    pub fn oi(self, key: &'static str, v: Value) -> Self {
        let on = self.d.openinference;
        self.put(on, key, Want::Exact(v))
    }

    /// The kind marker `openinference.span.kind`, expected whatever the dialects.
    pub fn kind(self, kind: &str) -> Self {
        self.put(true, "openinference.span.kind", Want::Exact(s(kind)))
    }

    /// A name the gen_ai and OpenInference dialects share (`user.id`,
    /// `session.id`): expected, once, when either is on.
    pub fn shared(self, key: &'static str, v: Value) -> Self {
        let on = self.d.gen_ai || self.d.openinference;
        self.put(on, key, Want::Exact(v))
    }

    /// Expected when `on`.
    pub fn when(self, on: bool, key: &'static str, v: Value) -> Self {
        self.put(on, key, Want::Exact(v))
    }

    /// A JSON string expected when `on`.
    pub fn json_when(self, on: bool, key: &'static str, v: serde_json::Value) -> Self {
        self.put(on, key, Want::Json(v))
    }

    /// Any float expected when `on`.
    pub fn any_f64_when(self, on: bool, key: &'static str) -> Self {
        self.put(on, key, Want::AnyF64)
    }

    /// The dialects this expectation was built for.
    pub fn dialects(&self) -> Dialects {
        self.d
    }
}

/// The OpenInference names aitrace may emit (whole keys, or prefixes ending in `.`).
const OPENINFERENCE: &[&str] = &[
    "openinference.span.kind",
    "session.id",
    "user.id",
    "metadata",
    "agent.name",
    "graph.node.id",
    "llm.",
    "input.",
    "output.",
    "tool.",
    "embedding.",
    "retrieval.",
];

fn is_openinference(key: &str) -> bool {
    OPENINFERENCE
        .iter()
        .any(|p| key == *p || (p.ends_with('.') && key.starts_with(p)))
}

/// Keys of other conventions that only the gen_ai dialect brings.
fn is_gen_ai_only(key: &str) -> bool {
    key.starts_with("gen_ai.")
        || key.starts_with("server.")
        || key.starts_with("mcp.")
        || key.starts_with("network.")
}

/// Names of the general conventions that OpenInference shares: either dialect
/// brings them.
fn is_shared(key: &str) -> bool {
    key == "user.id" || key == "session.id"
}

/// OpenInference names emitted whatever the dialects: the kind marker on every
/// span, and a step's input and output on workflow, agent and custom spans.
fn is_interop(span: &SpanData, key: &str) -> bool {
    const STEP_IO: [&str; 4] = [
        "input.value",
        "input.mime_type",
        "output.value",
        "output.mime_type",
    ];
    let step = matches!(
        aitrace_sdk::testing::attr_str(span, "ai.span.type"),
        Some("workflow" | "agent" | "custom")
    );
    key == "openinference.span.kind" || (step && STEP_IO.contains(&key))
}

/// Checks the dialect rules on any span, whatever its type: without gen_ai no
/// `gen_ai.*`, `server.*`, `mcp.*` or `network.*` key; without OpenInference none
/// of its keys but the kind marker and a step's input and output; `user.id` and
/// `session.id` only with one of the two.
pub fn assert_dialects_respected(span: &SpanData, d: Dialects) {
    for kv in &span.attributes {
        let k = kv.key.as_str();
        assert!(
            d.gen_ai || !is_gen_ai_only(k),
            "{}: {k} emitted without the gen_ai dialect",
            span.name
        );
        if is_shared(k) {
            assert!(
                d.gen_ai || d.openinference,
                "{}: {k} emitted without the gen_ai or OpenInference dialect",
                span.name
            );
        } else {
            assert!(
                d.openinference || !is_openinference(k) || is_interop(span, k),
                "{}: {k} emitted without the OpenInference dialect",
                span.name
            );
        }
    }
}

/// Asserts that `span` carries exactly the attributes of `expect`: each once, with
/// the expected value, and nothing else. Also checks the dialect rules.
pub fn assert_attrs(span: &SpanData, expect: &Expect) {
    assert_dialects_respected(span, expect.d);
    let mut actual: BTreeMap<&str, &Value> = BTreeMap::new();
    for kv in &span.attributes {
        let before = actual.insert(kv.key.as_str(), &kv.value);
        assert!(
            before.is_none(),
            "{}: attribute {} set more than once",
            span.name,
            kv.key
        );
    }
    let mut problems = Vec::new();
    for (key, want) in &expect.items {
        match (actual.get(key), want) {
            (None, _) => problems.push(format!("missing {key} (want {want:?})")),
            (Some(got), Want::Exact(v)) if *got != v => {
                problems.push(format!("{key}: got {got:?}, want {v:?}"))
            }
            (Some(got), Want::Json(v)) => {
                let parsed = match got {
                    Value::String(t) => serde_json::from_str::<serde_json::Value>(t.as_str()).ok(),
                    _ => None,
                };
                if parsed.as_ref() != Some(v) {
                    problems.push(format!("{key}: got {got:?}, want JSON {v}"));
                }
            }
            (Some(got), Want::AnyF64) if !matches!(got, Value::F64(_)) => {
                problems.push(format!("{key}: got {got:?}, want a float"))
            }
            _ => {}
        }
    }
    for key in actual.keys() {
        if !expect.items.contains_key(key) {
            problems.push(format!("unexpected {key} = {:?}", actual[key]));
        }
    }
    assert!(
        problems.is_empty(),
        "span {:?} with {:?}:\n  {}",
        span.name,
        expect.d,
        problems.join("\n  ")
    );
}
