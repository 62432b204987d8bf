//! An exporter that prints each trace as a tree, for reading in a terminal.

use super::console_writer::{FlushFailure, Output};
use crate::summary::{fmt_ms, one_line, TraceSummary};
use crate::trace_buffer::{is_local_root, Bounds, TraceBuffer};
use crate::tree::{Detail, TraceTree, TreeLine, Verdict};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::fmt::{self, Write as _};
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Default bound of [`ConsoleExporter`]'s buffer: 10 000 spans waiting for their root.
pub const DEFAULT_MAX_PENDING_SPANS: usize = 10_000;
/// Default bound of [`ConsoleExporter`]'s buffer: 1 000 traces waiting for their root.
pub const DEFAULT_MAX_PENDING_TRACES: usize = 1_000;

/// Prints every trace as a tree when its local root span ends, followed by its
/// [`TraceSummary`].
///
/// Children end before their parents, so spans are held per trace until the
/// local root arrives: a span with no parent, or with a remote parent (a trace
/// continued from another service). Then the root and everything under it is
/// printed. The buffer is bounded ([`DEFAULT_MAX_PENDING_SPANS`],
/// [`DEFAULT_MAX_PENDING_TRACES`]): past either bound the oldest pending trace is
/// printed as it stands, marked partial. [`SpanExporter::force_flush`] and
/// shutdown print everything still pending, marked partial. A span that ends
/// after its root was printed waits for the next flush.
///
/// # Format
/// Every line starts with the full 32-hex trace id, so `grep <trace id>` (or any
/// prefix of it) finds every line of a trace. Then come the tree branches, the
/// span name, its duration, `✓`, `✗ <error message>` or `◌ incomplete` (a span
/// dropped before it ended), and what matters for
/// the span's type: model, tokens and cost (or `unpriced`) on generations,
/// `passed` / `TRIPPED` on guardrails, `from -> to` on handoffs. A blank line
/// ends each trace.
///
/// ```text
/// 4bf92f3577b34da6a3ce929d0e0e4736 trace: 6 spans
/// 4bf92f3577b34da6a3ce929d0e0e4736 invoke_workflow support  400.0 ms  ✓
/// 4bf92f3577b34da6a3ce929d0e0e4736 └── invoke_agent triage  390.0 ms  ✓
/// 4bf92f3577b34da6a3ce929d0e0e4736     ├── apply_guardrail pii_check  10.00 ms  ✓  passed
/// 4bf92f3577b34da6a3ce929d0e0e4736     ├── chat gpt-4o  280.0 ms  ✓  gpt-4o · 812 in / 64 out tokens · $0.0027
/// 4bf92f3577b34da6a3ce929d0e0e4736     ├── execute_tool search_kb  40.00 ms  ✗ connection reset
/// 4bf92f3577b34da6a3ce929d0e0e4736     └── execute_tool transfer_to_billing  50.00 ms  ✓  triage -> billing
/// 4bf92f3577b34da6a3ce929d0e0e4736 summary of trace 4bf92f3577b34da6a3ce929d0e0e4736
/// 4bf92f3577b34da6a3ce929d0e0e4736   root: invoke_workflow support, 400.0 ms, 6 spans
/// …
/// ```
///
/// Colour: none, except from [`ConsoleExporter::stdout`] when standard output
/// is a terminal and `NO_COLOR` is unset or empty; [`ConsoleExporter::with_color`]
/// decides explicitly.
///
/// # Output never blocks the application
/// Rendering happens where the span ends; writing happens on a thread of the
/// exporter's own, fed through a bounded buffer ([`DEFAULT_MAX_BUFFERED_OUTPUT`](super::DEFAULT_MAX_BUFFERED_OUTPUT),
/// [`ConsoleExporter::with_max_buffered_output`]). When the output is not read
/// (standard output is a pipe nobody drains, or a paused terminal), ending a span
/// still returns at once: traces that do not fit in the buffer are not printed,
/// and are counted ([`ConsoleExporter::dropped_output`]); when writing resumes, a
/// line says how many were left out at that point. After a write error, output
/// is dropped and counted, and exports, flushes and shutdown return the error.
///
/// [`SpanExporter::force_flush`], [`ConsoleExporter::flush_with_timeout`] and
/// shutdown wait (up to their timeout) until everything is written. Clones share
/// the buffer and the writer, so a clone kept aside can flush what is pending (a
/// simple span processor does not pass `force_flush` on; `TracingGuard::flush`
/// and shutdown do flush the console exporter they installed).
///
/// ```
/// use aitrace_sdk::exporter::ConsoleExporter;
/// use aitrace_sdk::opentelemetry_sdk::trace::SdkTracerProvider;
///
/// let provider = SdkTracerProvider::builder()
///     .with_simple_exporter(ConsoleExporter::stdout())
///     .build();
/// aitrace::opentelemetry::global::set_tracer_provider(provider.clone());
///
/// let run = aitrace::trace("support").start();
/// run.in_scope(|| aitrace::tool("search_kb").start().end());
/// run.end(); // the tree of this trace is rendered and handed to the writer now
/// provider.shutdown().unwrap(); // waits until it is written
/// ```
#[derive(Clone)]
pub struct ConsoleExporter {
    state: Arc<Mutex<State>>,
    output: Arc<Output>,
}

struct State {
    summary: bool,
    color: bool,
    buffer: TraceBuffer,
    shut_down: bool,
}

impl Default for ConsoleExporter {
    fn default() -> Self {
        ConsoleExporter::stdout()
    }
}

impl fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ConsoleExporter");
        if let Ok(st) = self.state.try_lock() {
            d.field("summary", &st.summary)
                .field("color", &st.color)
                .field("max_pending_spans", &st.buffer.bounds.spans)
                .field("max_pending_traces", &st.buffer.bounds.traces)
                .field("pending_traces", &st.buffer.traces())
                .field("pending_spans", &st.buffer.spans());
        }
        d.field("dropped_output", &self.output.dropped())
            .finish_non_exhaustive()
    }
}

impl ConsoleExporter {
    /// Prints to standard output (the same as [`ConsoleExporter::stdout`]).
    pub fn new() -> Self {
        ConsoleExporter::stdout()
    }

    /// Prints to standard output, in colour when it is a terminal and `NO_COLOR`
    /// is unset or empty.
    pub fn stdout() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = !no_color && std::io::stdout().is_terminal();
        ConsoleExporter::with_writer(std::io::stdout()).with_color(color)
    }

    /// Prints to `writer`, without colour. The writer is used from a thread of
    /// the exporter's own (see [the type's documentation](ConsoleExporter)).
    ///
    /// ```
    /// use aitrace_sdk::exporter::ConsoleExporter;
    /// let exporter = ConsoleExporter::with_writer(std::io::stderr()).without_summary();
    /// # drop(exporter);
    /// ```
    pub fn with_writer(writer: impl Write + Send + 'static) -> Self {
        ConsoleExporter {
            state: Arc::new(Mutex::new(State {
                summary: true,
                color: false,
                buffer: TraceBuffer::new(Bounds {
                    spans: DEFAULT_MAX_PENDING_SPANS,
                    traces: DEFAULT_MAX_PENDING_TRACES,
                    bytes: usize::MAX,
                }),
                shut_down: false,
            })),
            output: Arc::new(Output::new(Box::new(writer))),
        }
    }

    /// Leaves out the [`TraceSummary`] after each trace.
    pub fn without_summary(self) -> Self {
        self.lock().summary = false;
        self
    }

    /// Colours the output with ANSI escapes (`true`) or not (`false`).
    pub fn with_color(self, color: bool) -> Self {
        self.lock().color = color;
        self
    }

    /// Holds at most `spans` spans (at least one) waiting for their root.
    pub fn with_max_pending_spans(self, spans: usize) -> Self {
        self.lock().buffer.bounds.spans = spans.max(1);
        self
    }

    /// Holds spans of at most `traces` traces (at least one) waiting for their root.
    pub fn with_max_pending_traces(self, traces: usize) -> Self {
        self.lock().buffer.bounds.traces = traces.max(1);
        self
    }

    /// Keeps at most `bytes` bytes of text (at least one) waiting to be written
    /// (default [`DEFAULT_MAX_BUFFERED_OUTPUT`](super::DEFAULT_MAX_BUFFERED_OUTPUT)); past it, traces are not printed
    /// and are counted in [`ConsoleExporter::dropped_output`].
    pub fn with_max_buffered_output(self, bytes: usize) -> Self {
        self.output.set_max_bytes(bytes);
        self
    }

    /// How many spans are waiting for their root.
    pub fn pending_spans(&self) -> usize {
        self.lock().buffer.spans()
    }

    /// How many traces (or partial traces) were not printed because the output
    /// was not read fast enough, or after the writer failed.
    pub fn dropped_output(&self) -> u64 {
        self.output.dropped()
    }

    /// Prints every trace still waiting for its root, marked partial, and waits
    /// until all output is written or `timeout` passes.
    ///
    /// # Errors
    /// The writer failed, or the output was not all written in time.
    pub fn flush_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let mut st = self.lock();
        let mut out = String::new();
        st.drain_all(&mut out);
        drop(st);
        self.output.send(out);
        self.wait_written(deadline_after(timeout))
    }

    /// Hands `text` to the writer, after what is already waiting (the metrics
    /// summary goes after the last trace this way).
    #[cfg(feature = "otlp")]
    pub(crate) fn print(&self, text: String) {
        self.output.send(text);
    }

    fn wait_written(&self, deadline: Instant) -> OTelSdkResult {
        match self.output.flush(deadline) {
            Ok(()) => Ok(()),
            Err(FlushFailure::Write(e)) => Err(OTelSdkError::InternalFailure(format!(
                "console exporter: {e}"
            ))),
            Err(FlushFailure::Timeout(bytes)) => Err(OTelSdkError::InternalFailure(format!(
                "console exporter: {bytes} bytes of output not written by the deadline: the output is not being read"
            ))),
        }
    }

    /// Prints the spans of one trace now, as [`SpanExporter::export`] prints a
    /// trace when its root arrives, and waits until it is written: for spans that
    /// come from elsewhere (a trace store, a file) rather than from a pipeline.
    /// Spans waiting for their root stay where they are. With no span whose
    /// parent is absent or remote, the trace is marked `(partial: root span not
    /// received)`.
    ///
    /// ```
    /// use aitrace_sdk::exporter::ConsoleExporter;
    ///
    /// let exporter = aitrace_sdk::testing::install_in_memory();
    /// let run = aitrace::trace("support").start();
    /// let trace_id = run.trace_id();
    /// run.end();
    ///
    /// let console = ConsoleExporter::with_writer(std::io::stderr());
    /// console.print_trace(&exporter.spans_of_trace(trace_id)).unwrap();
    /// ```
    ///
    /// # Errors
    /// The writer failed, or the output was not written within 5 s.
    pub fn print_trace(&self, spans: &[SpanData]) -> std::io::Result<()> {
        let rooted = spans.iter().any(is_local_root);
        let mut out = String::new();
        self.lock().render(
            &mut out,
            spans,
            (!rooted && !spans.is_empty()).then_some("root span not received"),
        );
        self.output.send(out);
        self.wait_written(deadline_after(FLUSH_TIMEOUT))
            .map_err(|e| std::io::Error::other(e.to_string()))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `timeout` from now, or far away when that cannot be represented.
fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600))
}

/// How long [`SpanExporter::force_flush`] waits for the output to be written.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

impl State {
    /// Renders every pending trace, oldest first, marked partial.
    fn drain_all(&mut self, out: &mut String) {
        while let Some(spans) = self.buffer.pop_oldest() {
            self.render(out, &spans, Some("root span not ended"));
        }
    }

    fn render(&self, out: &mut String, spans: &[SpanData], partial: Option<&str>) {
        let style = Style { color: self.color };
        render_trace(out, spans, partial, self.summary, style);
    }
}

impl SpanExporter for ConsoleExporter {
    /// Renders the traces whose local root is in `batch` and hands the text to
    /// the writer thread; never waits for the writer.
    ///
    /// # Errors
    /// After shutdown, or once the writer has failed (the output is dropped).
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut st = self.lock();
        if st.shut_down {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        for span in batch {
            let mut out = String::new();
            if is_local_root(&span) {
                let tree = st.buffer.take_tree(span);
                st.render(&mut out, &tree, None);
            } else {
                st.buffer.hold(span);
                while st.buffer.over_bounds() {
                    match st.buffer.pop_oldest() {
                        Some(spans) => st.render(&mut out, &spans, Some("buffer full")),
                        None => break,
                    }
                }
            }
            // One piece of output per trace, so that a full buffer drops
            // whole traces.
            self.output.send(out);
        }
        drop(st);
        match self.output.error() {
            Some(e) => Err(OTelSdkError::InternalFailure(format!(
                "console exporter: {e}"
            ))),
            None => Ok(()),
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.flush_with_timeout(FLUSH_TIMEOUT)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let deadline = deadline_after(timeout);
        let mut st = self.lock();
        if st.shut_down {
            return Ok(());
        }
        st.shut_down = true;
        let mut out = String::new();
        st.drain_all(&mut out);
        drop(st);
        self.output.send(out);
        self.wait_written(deadline)
    }
}

/// ANSI colouring, or none.
#[derive(Clone, Copy)]
struct Style {
    color: bool,
}

impl Style {
    fn paint(self, out: &mut String, code: &str, text: &str) {
        if self.color {
            let _ = write!(out, "\x1b[{code}m{text}\x1b[0m");
        } else {
            out.push_str(text);
        }
    }
}

const DIM: &str = "2";
const GREEN: &str = "32";
const RED: &str = "31";
const YELLOW: &str = "33";
const BOLD_RED: &str = "1;31";

/// Renders one trace (or the part of it at hand) and, if asked, its summary.
fn render_trace(
    out: &mut String,
    spans: &[SpanData],
    partial: Option<&str>,
    summary: bool,
    style: Style,
) {
    let Some(first) = spans.first() else {
        return;
    };
    let trace_id = first.span_context.trace_id().to_string();
    let prefix = |out: &mut String| {
        style.paint(out, DIM, &trace_id);
        out.push(' ');
    };

    let tree = TraceTree::new(spans);

    prefix(out);
    let _ = write!(
        out,
        "trace: {} span{}",
        spans.len(),
        if spans.len() == 1 { "" } else { "s" }
    );
    if let Some(why) = partial {
        out.push_str(" (partial: ");
        out.push_str(why);
        out.push(')');
    }
    if let Some(root) = tree.single_root() {
        if root.parent_span_is_remote {
            let _ = write!(out, ", continues remote parent {}", root.parent_span_id);
        }
    }
    out.push('\n');

    for line in tree.lines() {
        prefix(out);
        out.push_str(&line.branches);
        span_line(out, line, style);
        out.push('\n');
    }

    if summary {
        let text = TraceSummary::from_spans(spans).to_string();
        for line in text.lines() {
            prefix(out);
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
}

/// Name, duration, status and the details of the span's type.
fn span_line(out: &mut String, line: &TreeLine<'_>, style: Style) {
    out.push_str(&one_line(&line.span.name));
    out.push_str("  ");
    out.push_str(&fmt_ms(line.duration()));
    out.push_str("  ");
    match &line.error {
        Some(msg) => style.paint(out, RED, &format!("✗ {}", one_line(msg))),
        // Dropped before it ended (a cancelled future, an early return): not a
        // success, and not an error either.
        None if line.incomplete => style.paint(out, YELLOW, "◌ incomplete"),
        None => style.paint(out, GREEN, "✓"),
    }
    for (i, d) in line.details.iter().enumerate() {
        out.push_str(if i == 0 { "  " } else { " · " });
        match d {
            Detail::Guardrail(Verdict::Tripped(reason)) => {
                style.paint(out, BOLD_RED, "TRIPPED");
                if let Some(reason) = reason {
                    out.push_str(": ");
                    out.push_str(&one_line(reason));
                }
            }
            d => {
                let _ = write!(out, "{d}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::test_spans::{generation, span, typed};
    use opentelemetry::trace::{SpanKind, Status};
    use opentelemetry::KeyValue;

    fn plain(spans: &[SpanData], partial: Option<&str>) -> String {
        let mut out = String::new();
        render_trace(&mut out, spans, partial, false, Style { color: false });
        out
    }

    #[test]
    fn draws_branches_in_start_order() {
        let mut guard = typed("guardrail");
        guard.push(KeyValue::new("ai.guardrail.triggered", true));
        guard.push(KeyValue::new("ai.guardrail.reason", "email\naddress"));
        let mut handoff = typed("handoff");
        handoff.push(KeyValue::new("ai.handoff.from_agent", "triage"));
        handoff.push(KeyValue::new("ai.handoff.to_agent", "billing"));
        let mut failed = span(4, 2, "execute_tool search", 40, 50, typed("tool"));
        failed.status = Status::error("boom");
        let spans = vec![
            span(
                3,
                2,
                "chat gpt-4o",
                10,
                30,
                generation("gpt-4o", 812, 64, Some(0.0027)),
            ),
            failed,
            span(6, 5, "invoke_agent billing", 61, 70, typed("agent")),
            span(5, 2, "execute_tool transfer_to_billing", 60, 80, handoff),
            span(7, 1, "apply_guardrail out", 90, 95, guard),
            span(2, 1, "invoke_agent triage", 5, 85, typed("agent")),
            span(1, 0, "invoke_workflow w", 0, 100, typed("workflow")),
        ];
        let text = plain(&spans, None);
        let id = "4bf92f3577b34da6a3ce929d0e0e4736";
        let expected = format!(
            "{id} trace: 7 spans\n\
             {id} invoke_workflow w  100.0 ms  ✓\n\
             {id} ├── invoke_agent triage  80.00 ms  ✓\n\
             {id} │   ├── chat gpt-4o  20.00 ms  ✓  gpt-4o · 812 in / 64 out tokens · $0.0027\n\
             {id} │   ├── execute_tool search  10.00 ms  ✗ boom\n\
             {id} │   └── execute_tool transfer_to_billing  20.00 ms  ✓  triage -> billing\n\
             {id} │       └── invoke_agent billing  9.00 ms  ✓\n\
             {id} └── apply_guardrail out  5.00 ms  ✓  TRIPPED: email\\naddress\n\n"
        );
        assert_eq!(text, expected);
    }

    #[test]
    fn partial_traces_say_so_and_show_every_fragment() {
        let spans = vec![
            span(3, 2, "a", 0, 10, vec![]),
            span(4, 9, "b", 0, 10, vec![]),
        ];
        let text = plain(&spans, Some("buffer full"));
        assert!(text.contains("trace: 2 spans (partial: buffer full)\n"));
        assert!(text.contains(" a  10.00 ms  ✓\n"));
        assert!(text.contains(" b  10.00 ms  ✓\n"));
    }

    #[test]
    fn deep_trees_stay_bounded() {
        let spans: Vec<SpanData> = (1..=200u64)
            .map(|i| span(i, i - 1, "s", 0, 1, vec![]))
            .collect();
        let text = plain(&spans, None);
        assert_eq!(text.lines().filter(|l| !l.is_empty()).count(), 201);
        let longest = text.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(
            longest < 33 + 4 * (crate::tree::MAX_INDENT + 1) + 40,
            "{longest}"
        );
        assert!(text.contains("[depth 199] "));
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl Buf {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    #[tokio::test]
    async fn a_span_with_a_remote_parent_is_a_local_root() {
        let buf = Buf::default();
        let console = ConsoleExporter::with_writer(buf.clone()).without_summary();
        let mut server = span(2, 0xabc, "POST /chat", 0, 50, vec![]);
        server.parent_span_is_remote = true;
        server.span_kind = SpanKind::Server;
        console
            .export(vec![span(3, 2, "invoke_agent a", 1, 40, typed("agent"))])
            .await
            .unwrap();
        console
            .output
            .flush(deadline_after(Duration::from_secs(10)))
            .unwrap();
        assert_eq!(buf.text(), "");
        console.export(vec![server]).await.unwrap();
        console
            .output
            .flush(deadline_after(Duration::from_secs(10)))
            .unwrap();
        let text = buf.text();
        assert!(text.contains(" trace: 2 spans, continues remote parent 0000000000000abc\n"));
        assert!(text.contains(" POST /chat  50.00 ms  ✓  server\n"));
        assert!(text.contains(" └── invoke_agent a  39.00 ms  ✓\n"));
        assert_eq!(console.pending_spans(), 0);
    }

    #[tokio::test]
    async fn only_the_roots_own_subtree_is_printed() {
        let buf = Buf::default();
        let console = ConsoleExporter::with_writer(buf.clone()).without_summary();
        let mut a = span(2, 0xa, "server a", 0, 50, vec![]);
        a.parent_span_is_remote = true;
        let batch = vec![
            span(3, 2, "child of a", 1, 10, vec![]),
            span(5, 4, "child of b", 1, 10, vec![]),
            a,
        ];
        console.export(batch).await.unwrap();
        console
            .output
            .flush(deadline_after(Duration::from_secs(10)))
            .unwrap();
        assert!(buf.text().contains("child of a"));
        assert!(!buf.text().contains("child of b"));
        assert_eq!(console.pending_spans(), 1);
    }

    #[test]
    fn print_trace_prints_now_and_says_when_the_root_is_missing() {
        let buf = Buf::default();
        let console = ConsoleExporter::with_writer(buf.clone()).without_summary();
        console
            .print_trace(&[span(2, 1, "child", 0, 5, vec![])])
            .unwrap();
        assert!(buf
            .text()
            .contains(" trace: 1 span (partial: root span not received)\n"));
        console
            .print_trace(&[
                span(1, 0, "root", 0, 9, vec![]),
                span(2, 1, "child", 0, 5, vec![]),
            ])
            .unwrap();
        assert!(buf.text().contains(" trace: 2 spans\n"));
        assert!(buf.text().contains(" └── child  5.00 ms  ✓\n"));
        assert_eq!(console.pending_spans(), 0);
    }

    #[test]
    fn colour_only_when_asked() {
        let spans = vec![span(1, 0, "root", 0, 1, vec![])];
        let mut out = String::new();
        render_trace(&mut out, &spans, None, false, Style { color: true });
        assert!(out.contains("\x1b[32m✓\x1b[0m"));
        assert!(!plain(&spans, None).contains('\x1b'));
    }
}
