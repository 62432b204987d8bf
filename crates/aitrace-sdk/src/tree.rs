//! The tree of one trace, line by line, as the console exporter draws it: for
//! any renderer of finished traces (the console tree, a web page, a report).
//!
//! [`TraceTree::new`] puts the spans of a trace in drawing order (depth first,
//! children in start order) and says, for each span, the branches drawn before
//! its name, its error, whether it is on the critical path, and the details that
//! matter for its type ([`Detail`]): model, tokens and cost (or `unpriced`) of a
//! model call, the verdict of a guardrail, the agents of a handoff.
//!
//! ```
//! use aitrace::Usage;
//! use aitrace_sdk::tree::TraceTree;
//!
//! let exporter = aitrace_sdk::testing::install_in_memory();
//! let run = aitrace::trace("support").start();
//! run.in_scope(|| {
//!     let mut call = aitrace::generation("openai", "gpt-4o").start();
//!     call.record_usage(Usage::new(812, 64));
//!     call.end();
//! });
//! let trace_id = run.trace_id();
//! run.end();
//!
//! let spans = exporter.spans_of_trace(trace_id);
//! let tree = TraceTree::new(&spans);
//! let lines: Vec<String> = tree
//!     .lines()
//!     .iter()
//!     .map(|l| format!("{}{} [{}]", l.branches, l.span.name, l.details_text()))
//!     .collect();
//! assert_eq!(
//!     lines,
//!     [
//!         "invoke_workflow support []",
//!         "└── chat gpt-4o [gpt-4o · 812 in / 64 out tokens · $0.0027]",
//!     ]
//! );
//! ```

use crate::summary::{attr_bool, attr_str, duration_of, fmt_usd, one_line, ModelCall};
use aitrace::attributes::ai;
use opentelemetry::trace::{SpanId, SpanKind, Status};
use opentelemetry_sdk::trace::SpanData;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::Duration;

/// Deeper levels are drawn at this indentation, with their depth written out.
pub const MAX_INDENT: usize = 24;

const MID: &str = "├── ";
const LAST: &str = "└── ";

/// The spans of one trace in drawing order. See the [module documentation](self).
#[derive(Debug)]
pub struct TraceTree<'a> {
    lines: Vec<TreeLine<'a>>,
    roots: usize,
}

/// One span of a [`TraceTree`].
#[derive(Debug)]
#[non_exhaustive]
pub struct TreeLine<'a> {
    /// The span.
    pub span: &'a SpanData,
    /// 0 for a local root, 1 for its children, and so on.
    pub depth: usize,
    /// What the console draws before the name: `│   ├── `. Past
    /// [`MAX_INDENT`] levels the indentation stops growing and `[depth N] ` is
    /// appended.
    pub branches: String,
    /// The status message of a span whose status is `Error` (`error` when it
    /// has none); `None` for any other status.
    pub error: Option<String>,
    /// The span was dropped before it ended, without an error (`ai.incomplete`:
    /// a cancelled future, an early return, a dropped stream); never set with
    /// [`TreeLine::error`].
    pub incomplete: bool,
    /// Whether the span is on the critical path: from the main root,
    /// repeatedly the child that lasted longest (as in
    /// [`TraceSummary::critical_path`](crate::summary::TraceSummary::critical_path)).
    pub critical: bool,
    /// What matters for the span's type, in the console's order.
    pub details: Vec<Detail>,
}

impl TreeLine<'_> {
    /// How long the span lasted (zero when it ends before it starts).
    pub fn duration(&self) -> Duration {
        duration_of(self.span)
    }

    /// The details as the console writes them: joined by ` · `.
    pub fn details_text(&self) -> String {
        let parts: Vec<String> = self.details.iter().map(Detail::to_string).collect();
        parts.join(" · ")
    }
}

/// One detail of a span's line.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Detail {
    /// The model of a model call (`unknown model` when it names none), or the
    /// `ai.model` of another typed span.
    Model(String),
    /// Token counts of a model call, when it has any.
    Tokens {
        /// Input tokens.
        input: Option<u64>,
        /// Output tokens.
        output: Option<u64>,
    },
    /// The cost of a priced model call, in US dollars.
    Cost(f64),
    /// A model call with no cost (an unknown model, or no usage).
    Unpriced,
    /// The result of a guardrail check.
    Guardrail(Verdict),
    /// A handoff between two agents (`?` for a missing name).
    Handoff {
        /// The agent handing off.
        from: String,
        /// The agent taking over.
        to: String,
    },
    /// The kind of a span with no AI type, when it is not internal:
    /// `server`, `client`, `producer` or `consumer`.
    Kind(&'static str),
}

/// The result of a guardrail check.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// Not triggered.
    Passed,
    /// Triggered, with the reason if one was recorded.
    Tripped(Option<String>),
    /// No result was recorded.
    NoResult,
}

impl fmt::Display for Detail {
    /// The console's text, on one line: `gpt-4o`, `812 in / 64 out tokens`,
    /// `$0.0027`, `unpriced`, `passed`, `TRIPPED: reason`,
    /// `no result`, `triage -> billing`, `server`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Detail::Model(m) => f.write_str(&one_line(m)),
            Detail::Tokens { input, output } => match (input, output) {
                (Some(i), Some(o)) => write!(f, "{i} in / {o} out tokens"),
                (Some(i), None) => write!(f, "{i} in tokens"),
                (None, Some(o)) => write!(f, "{o} out tokens"),
                (None, None) => Ok(()),
            },
            Detail::Cost(usd) => f.write_str(&fmt_usd(*usd)),
            Detail::Unpriced => f.write_str("unpriced"),
            Detail::Guardrail(Verdict::Passed) => f.write_str("passed"),
            Detail::Guardrail(Verdict::Tripped(None)) => f.write_str("TRIPPED"),
            Detail::Guardrail(Verdict::Tripped(Some(r))) => write!(f, "TRIPPED: {}", one_line(r)),
            Detail::Guardrail(Verdict::NoResult) => f.write_str("no result"),
            Detail::Handoff { from, to } => write!(f, "{} -> {}", one_line(from), one_line(to)),
            Detail::Kind(k) => f.write_str(k),
        }
    }
}

impl<'a> TraceTree<'a> {
    /// The tree of the spans of the first span's trace (spans of other traces
    /// are left out). Spans whose parent is not among them are drawn as roots,
    /// in start order. Never panics, whatever the spans hold (missing parents,
    /// cycles, end before start).
    pub fn new(spans: &'a [SpanData]) -> TraceTree<'a> {
        let trace_id = spans.first().map(|s| s.span_context.trace_id());
        let refs: Vec<&SpanData> = spans
            .iter()
            .filter(|s| Some(s.span_context.trace_id()) == trace_id)
            .collect();
        let links = Links::new(&refs);
        let critical: HashSet<SpanId> = links
            .main_root()
            .map(|root| links.critical_path(root))
            .unwrap_or_default()
            .iter()
            .map(|s| s.span_context.span_id())
            .collect();

        // Depth first, children in start order; `indent` is what the span's
        // children draw before their branch.
        struct Item<'a> {
            span: &'a SpanData,
            depth: usize,
            indent: String,
            branch: &'static str,
        }
        let root = |span| Item {
            span,
            depth: 0,
            indent: String::new(),
            branch: "",
        };
        let mut lines = Vec::with_capacity(refs.len());
        let mut drawn: HashSet<SpanId> = HashSet::with_capacity(refs.len());
        let mut roots = links.roots.len();
        let mut stack: Vec<Item<'_>> = links.roots.iter().rev().map(|&s| root(s)).collect();
        // Spans in a parent cycle descend from no root: once the roots are
        // drawn, the earliest of them is drawn as a root, so that none is left out.
        let mut undrawn = {
            let mut all = refs.clone();
            all.sort_by_key(|s| std::cmp::Reverse(s.start_time));
            all
        };
        while let Some(item) = stack.pop().or_else(|| {
            while let Some(s) = undrawn.pop() {
                if !drawn.contains(&s.span_context.span_id()) {
                    roots += 1;
                    return Some(root(s));
                }
            }
            None
        }) {
            if !drawn.insert(item.span.span_context.span_id()) {
                continue;
            }
            let mut branches = format!("{}{}", item.indent, item.branch);
            if item.depth > MAX_INDENT {
                branches.push_str(&format!("[depth {}] ", item.depth));
            }
            let children = links.children(item.span);
            let child_indent = if item.depth == 0 || item.depth >= MAX_INDENT {
                item.indent.clone()
            } else if item.branch == LAST {
                format!("{}    ", item.indent)
            } else {
                format!("{}│   ", item.indent)
            };
            for (i, &child) in children.iter().enumerate().rev() {
                stack.push(Item {
                    span: child,
                    depth: item.depth + 1,
                    indent: child_indent.clone(),
                    branch: if i + 1 == children.len() { LAST } else { MID },
                });
            }
            lines.push(TreeLine {
                span: item.span,
                depth: item.depth,
                branches,
                error: error_of(item.span),
                incomplete: !matches!(item.span.status, Status::Error { .. })
                    && attr_bool(item.span, ai::INCOMPLETE) == Some(true),
                critical: critical.contains(&item.span.span_context.span_id()),
                details: details_of(item.span),
            });
        }
        TraceTree { lines, roots }
    }

    /// The spans in drawing order.
    pub fn lines(&self) -> &[TreeLine<'a>] {
        &self.lines
    }

    /// How many spans are drawn at depth 0: those whose parent is not among the
    /// spans (1 for a complete trace), and one span of each parent cycle.
    pub fn roots(&self) -> usize {
        self.roots
    }

    /// The only local root, when there is exactly one.
    pub fn single_root(&self) -> Option<&'a SpanData> {
        match (self.roots, self.lines.first()) {
            (1, Some(line)) => Some(line.span),
            _ => None,
        }
    }
}

fn error_of(span: &SpanData) -> Option<String> {
    match &span.status {
        Status::Error { description } if description.is_empty() => Some("error".to_string()),
        Status::Error { description } => Some(description.to_string()),
        _ => None,
    }
}

/// What matters for the span's type, as the console shows it.
fn details_of(span: &SpanData) -> Vec<Detail> {
    let mut details = Vec::new();
    if let Some(call) = ModelCall::of(span) {
        details.push(Detail::Model(
            call.model.unwrap_or("unknown model").to_string(),
        ));
        if call.input_tokens.is_some() || call.output_tokens.is_some() {
            details.push(Detail::Tokens {
                input: call.input_tokens,
                output: call.output_tokens,
            });
        }
        details.push(call.cost_usd.map_or(Detail::Unpriced, Detail::Cost));
        return details;
    }
    match attr_str(span, ai::SPAN_TYPE) {
        Some(ai::span_type::GUARDRAIL) => details.push(Detail::Guardrail(
            match attr_bool(span, ai::GUARDRAIL_TRIGGERED) {
                Some(true) => {
                    Verdict::Tripped(attr_str(span, ai::GUARDRAIL_REASON).map(str::to_string))
                }
                Some(false) => Verdict::Passed,
                None => Verdict::NoResult,
            },
        )),
        Some(ai::span_type::HANDOFF) => details.push(Detail::Handoff {
            from: attr_str(span, ai::HANDOFF_FROM).unwrap_or("?").to_string(),
            to: attr_str(span, ai::HANDOFF_TO).unwrap_or("?").to_string(),
        }),
        Some(_) => {
            if let Some(model) = attr_str(span, ai::MODEL) {
                details.push(Detail::Model(model.to_string()));
            }
        }
        None => match span.span_kind {
            SpanKind::Server => details.push(Detail::Kind("server")),
            SpanKind::Client => details.push(Detail::Kind("client")),
            SpanKind::Producer => details.push(Detail::Kind("producer")),
            SpanKind::Consumer => details.push(Detail::Kind("consumer")),
            SpanKind::Internal => {}
        },
    }
    details
}

/// Parent links of one trace's spans.
pub(crate) struct Links<'a> {
    /// Spans whose parent is not among the spans, in start order.
    pub(crate) roots: Vec<&'a SpanData>,
    children: HashMap<SpanId, Vec<&'a SpanData>>,
}

impl<'a> Links<'a> {
    pub(crate) fn new(spans: &[&'a SpanData]) -> Links<'a> {
        let ids: HashSet<SpanId> = spans.iter().map(|s| s.span_context.span_id()).collect();
        let mut roots = Vec::new();
        let mut children: HashMap<SpanId, Vec<&'a SpanData>> = HashMap::new();
        for &s in spans {
            if ids.contains(&s.parent_span_id) && s.parent_span_id != s.span_context.span_id() {
                children.entry(s.parent_span_id).or_default().push(s);
            } else {
                roots.push(s);
            }
        }
        let order = |a: &&SpanData, b: &&SpanData| {
            a.start_time
                .cmp(&b.start_time)
                .then_with(|| a.name.cmp(&b.name))
        };
        roots.sort_by(order);
        for c in children.values_mut() {
            c.sort_by(order);
        }
        Links { roots, children }
    }

    /// The children of `span`, in start order.
    pub(crate) fn children(&self, span: &SpanData) -> &[&'a SpanData] {
        self.children
            .get(&span.span_context.span_id())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The root to report on: a true root (no parent, or a remote one) if any,
    /// else the longest local root.
    pub(crate) fn main_root(&self) -> Option<&'a SpanData> {
        let true_root = |s: &&&SpanData| crate::trace_buffer::is_local_root(s);
        let pool: Vec<&'a SpanData> = if self.roots.iter().any(|s| true_root(&s)) {
            self.roots.iter().filter(true_root).copied().collect()
        } else {
            self.roots.clone()
        };
        // Longest first; the earliest start wins a tie (roots are in start order).
        pool.into_iter().rev().max_by_key(|s| duration_of(s))
    }

    /// From `root`, repeatedly the child that lasted longest.
    pub(crate) fn critical_path(&self, root: &'a SpanData) -> Vec<&'a SpanData> {
        let mut path = vec![root];
        let mut seen = HashSet::from([root.span_context.span_id()]);
        let mut at = root;
        // Longest child; the earliest start wins a tie.
        while let Some(next) = self
            .children(at)
            .iter()
            .rev()
            .max_by_key(|s| duration_of(s))
        {
            if !seen.insert(next.span_context.span_id()) {
                break;
            }
            path.push(next);
            at = next;
        }
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::test_spans::{generation, span, typed};
    use opentelemetry::KeyValue;

    #[test]
    fn lines_come_in_drawing_order_with_branches_and_the_critical_path() {
        let spans = vec![
            span(
                3,
                2,
                "chat",
                10,
                80,
                generation("gpt-4o", 5, 6, Some(0.001)),
            ),
            span(4, 2, "tool", 80, 85, typed("tool")),
            span(2, 1, "agent", 5, 90, typed("agent")),
            span(5, 1, "check", 91, 95, typed("guardrail")),
            span(1, 0, "root", 0, 100, typed("workflow")),
        ];
        let tree = TraceTree::new(&spans);
        let got: Vec<(&str, usize, &str, bool)> = tree
            .lines()
            .iter()
            .map(|l| (&*l.span.name, l.depth, l.branches.as_str(), l.critical))
            .collect();
        assert_eq!(
            got,
            [
                ("root", 0, "", true),
                ("agent", 1, "├── ", true),
                ("chat", 2, "│   ├── ", true),
                ("tool", 2, "│   └── ", false),
                ("check", 1, "└── ", false),
            ]
        );
        assert_eq!(tree.roots(), 1);
        assert_eq!(tree.single_root().map(|s| &*s.name), Some("root"));
        assert_eq!(
            tree.lines()[2].details,
            [
                Detail::Model("gpt-4o".into()),
                Detail::Tokens {
                    input: Some(5),
                    output: Some(6)
                },
                Detail::Cost(0.001)
            ]
        );
        assert_eq!(
            tree.lines()[4].details,
            [Detail::Guardrail(Verdict::NoResult)]
        );
    }

    #[test]
    fn spans_in_a_parent_cycle_are_still_drawn() {
        // 2 and 3 are each other's parent; 4 is a true root.
        let spans = vec![
            span(2, 3, "a", 0, 50, vec![]),
            span(3, 2, "b", 10, 20, vec![]),
            span(4, 0, "c", 100, 130, vec![]),
        ];
        let tree = TraceTree::new(&spans);
        let names: Vec<&str> = tree.lines().iter().map(|l| &*l.span.name).collect();
        assert_eq!(names, ["c", "a", "b"]);
        assert_eq!(tree.roots(), 2);
    }

    #[test]
    fn errors_and_incomplete_calls() {
        let mut failed = span(1, 0, "x", 0, 1, vec![]);
        failed.status = Status::error("");
        let mut streamed = generation("gpt-4o", 5, 6, None);
        streamed.push(KeyValue::new("ai.incomplete", true));
        let spans = vec![failed, span(2, 1, "y", 0, 1, streamed)];
        let tree = TraceTree::new(&spans);
        assert_eq!(tree.lines()[0].error.as_deref(), Some("error"));
        assert!(!tree.lines()[0].incomplete);
        assert!(tree.lines()[1].incomplete);
        assert_eq!(tree.lines()[1].error, None);
        assert_eq!(
            tree.lines()[1].details_text(),
            "gpt-4o · 5 in / 6 out tokens · unpriced"
        );
    }
}
