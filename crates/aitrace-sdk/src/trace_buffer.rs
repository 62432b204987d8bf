//! Spans held per trace until their local root ends: the one buffer behind the
//! console exporter's trees and the keep rules' decisions.
//!
//! Children end before their parents, so whoever needs a whole trace (to print
//! it as a tree, or to decide whether to keep it) holds its spans until the span
//! that started it here, its *local root*, ends. The buffer is bounded in spans,
//! traces and estimated bytes; past a bound the trace that waited longest comes
//! out first, for the owner to print partially or count as evicted.

use crate::span_size;
use opentelemetry::trace::{SpanId, TraceId};
use opentelemetry_sdk::trace::SpanData;
use std::collections::{BTreeMap, HashMap};

/// Whether `span` started its trace in this process: it has no parent, or its
/// parent is in another process (a trace continued from a remote caller).
pub(crate) fn is_local_root(span: &SpanData) -> bool {
    span.parent_span_id == SpanId::INVALID || span.parent_span_is_remote
}

/// How much a [`TraceBuffer`] may hold before its oldest trace comes out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bounds {
    /// Spans held, all traces together.
    pub(crate) spans: usize,
    /// Traces with at least one span held.
    pub(crate) traces: usize,
    /// Estimated encoded bytes held ([`span_size::estimate`]); `usize::MAX`
    /// means not measured, which saves the estimate on every span.
    pub(crate) bytes: usize,
}

/// The spans of one trace, with the order in which the trace first arrived.
struct Held {
    seq: u64,
    /// Each span with its estimated size (0 when bytes are not measured).
    spans: Vec<(SpanData, usize)>,
    bytes: usize,
}

/// Spans waiting for their local root, per trace, oldest trace first.
pub(crate) struct TraceBuffer {
    traces: HashMap<TraceId, Held>,
    /// Arrival order of the traces held: `seq` to trace.
    order: BTreeMap<u64, TraceId>,
    next_seq: u64,
    spans: usize,
    bytes: usize,
    pub(crate) bounds: Bounds,
}

impl TraceBuffer {
    pub(crate) fn new(bounds: Bounds) -> TraceBuffer {
        TraceBuffer {
            traces: HashMap::new(),
            order: BTreeMap::new(),
            next_seq: 0,
            spans: 0,
            bytes: 0,
            bounds,
        }
    }

    /// Spans held.
    pub(crate) fn spans(&self) -> usize {
        self.spans
    }

    /// Traces held.
    pub(crate) fn traces(&self) -> usize {
        self.traces.len()
    }

    /// Holds `span` until its local root ends. Check [`TraceBuffer::over_bounds`]
    /// afterwards.
    pub(crate) fn hold(&mut self, span: SpanData) {
        let size = if self.bounds.bytes == usize::MAX {
            0
        } else {
            span_size::estimate(&span)
        };
        let trace_id = span.span_context.trace_id();
        let held = self.traces.entry(trace_id).or_insert_with(|| {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.order.insert(seq, trace_id);
            Held {
                seq,
                spans: Vec::new(),
                bytes: 0,
            }
        });
        held.spans.push((span, size));
        held.bytes += size;
        self.spans += 1;
        self.bytes += size;
    }

    /// True when a bound is exceeded: take [`TraceBuffer::pop_oldest`] until not.
    pub(crate) fn over_bounds(&self) -> bool {
        self.spans > self.bounds.spans
            || self.traces.len() > self.bounds.traces
            || self.bytes > self.bounds.bytes
    }

    /// Takes `root` with the held spans of its trace that descend from it; the
    /// root comes last. Spans of the trace outside its subtree stay held.
    pub(crate) fn take_tree(&mut self, root: SpanData) -> Vec<SpanData> {
        let trace_id = root.span_context.trace_id();
        let Some(held) = self.traces.get_mut(&trace_id) else {
            return vec![root];
        };
        let mut children: HashMap<SpanId, Vec<usize>> = HashMap::new();
        for (i, (s, _)) in held.spans.iter().enumerate() {
            children.entry(s.parent_span_id).or_default().push(i);
        }
        let mut take = vec![false; held.spans.len()];
        let mut stack = vec![root.span_context.span_id()];
        while let Some(id) = stack.pop() {
            for &i in children.get(&id).map(Vec::as_slice).unwrap_or(&[]) {
                if !take[i] {
                    take[i] = true;
                    stack.push(held.spans[i].0.span_context.span_id());
                }
            }
        }
        let mut tree = Vec::new();
        let mut rest = Vec::new();
        for (entry, t) in std::mem::take(&mut held.spans).into_iter().zip(take) {
            if t {
                held.bytes -= entry.1;
                self.bytes -= entry.1;
                tree.push(entry.0);
            } else {
                rest.push(entry);
            }
        }
        self.spans -= tree.len();
        if rest.is_empty() {
            self.remove(trace_id);
        } else {
            held.spans = rest;
        }
        tree.push(root);
        tree
    }

    /// Takes `root` with every held span of its trace; the root comes last.
    pub(crate) fn take_trace(&mut self, root: SpanData) -> Vec<SpanData> {
        let mut spans = self
            .remove(root.span_context.trace_id())
            .unwrap_or_default();
        spans.push(root);
        spans
    }

    /// Takes every held span of the trace that has waited longest.
    pub(crate) fn pop_oldest(&mut self) -> Option<Vec<SpanData>> {
        let (_, trace_id) = self.order.pop_first()?;
        // Put back so that `remove` finds it in both maps.
        let seq = self.traces.get(&trace_id)?.seq;
        self.order.insert(seq, trace_id);
        self.remove(trace_id)
    }

    fn remove(&mut self, trace_id: TraceId) -> Option<Vec<SpanData>> {
        let held = self.traces.remove(&trace_id)?;
        self.order.remove(&held.seq);
        self.spans -= held.spans.len();
        self.bytes -= held.bytes;
        Some(held.spans.into_iter().map(|(s, _)| s).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::test_spans::span;

    fn unbounded() -> TraceBuffer {
        TraceBuffer::new(Bounds {
            spans: usize::MAX,
            traces: usize::MAX,
            bytes: usize::MAX,
        })
    }

    fn names(spans: &[SpanData]) -> Vec<String> {
        spans.iter().map(|s| s.name.to_string()).collect()
    }

    #[test]
    fn a_tree_comes_out_with_its_root_last_and_strangers_stay() {
        let mut b = unbounded();
        b.hold(span(3, 2, "grandchild", 0, 1, vec![]));
        b.hold(span(2, 1, "child", 0, 1, vec![]));
        b.hold(span(5, 4, "elsewhere", 0, 1, vec![]));
        let tree = b.take_tree(span(1, 0, "root", 0, 1, vec![]));
        assert_eq!(names(&tree), ["grandchild", "child", "root"]);
        assert_eq!((b.spans(), b.traces()), (1, 1));
        let all = b.take_trace(span(1, 0, "root again", 0, 1, vec![]));
        assert_eq!(names(&all), ["elsewhere", "root again"]);
        assert_eq!((b.spans(), b.traces()), (0, 0));
    }

    #[test]
    fn the_oldest_trace_comes_out_first_and_bounds_count_bytes() {
        let mut b = TraceBuffer::new(Bounds {
            spans: 10,
            traces: 10,
            bytes: 1000,
        });
        let mut first = span(2, 1, "first", 0, 1, vec![]);
        first.span_context = opentelemetry::trace::SpanContext::new(
            TraceId::from(1),
            SpanId::from(2),
            Default::default(),
            false,
            Default::default(),
        );
        b.hold(first);
        b.hold(span(3, 1, "second", 0, 1, vec![]));
        assert!(!b.over_bounds());
        b.hold(span(
            4,
            1,
            "big",
            0,
            1,
            vec![opentelemetry::KeyValue::new("x", "y".repeat(2000))],
        ));
        assert!(b.over_bounds());
        assert_eq!(names(&b.pop_oldest().unwrap()), ["first"]);
        assert_eq!(names(&b.pop_oldest().unwrap()), ["second", "big"]);
        assert!(!b.over_bounds());
        assert!(b.pop_oldest().is_none());
        assert_eq!(b.bytes, 0);
    }

    #[test]
    fn local_roots() {
        let mut remote = span(2, 9, "server", 0, 1, vec![]);
        assert!(!is_local_root(&remote));
        remote.parent_span_is_remote = true;
        assert!(is_local_root(&remote));
        assert!(is_local_root(&span(1, 0, "root", 0, 1, vec![])));
    }
}
