//! Admission to the export queue: every span handed to the OTLP pipeline is
//! counted, and a span that would pass the queue's bound in spans or in bytes is
//! dropped here, counted, rather than by the batch processor, which would drop
//! it uncounted (or hold it, however large).

use crate::otlp::Sends;
use crate::stats::ExportStats;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::sync::Arc;
use std::time::Duration;

/// Counts spans going to `inner` (the OTLP batch processor) and drops, counting
/// them, the spans that would overflow its queue: more than `max_spans` spans or
/// `max_bytes` estimated bytes queued or being exported. `max_spans` is the
/// queue size plus the export batch size (what the SDK's processor holds at
/// most), and `inner`'s own queue is given that capacity.
#[derive(Debug)]
pub(crate) struct Admission<P> {
    pub(crate) inner: P,
    pub(crate) stats: ExportStats,
    pub(crate) max_spans: u64,
    pub(crate) max_bytes: u64,
    /// The exporter's sends: the last batch is still being sent when the batch
    /// processor's flush returns.
    pub(crate) sends: Arc<Sends>,
    /// How long a flush waits for that send (it ends by the export timeout).
    pub(crate) flush_timeout: std::time::Duration,
}

impl<P: SpanProcessor> SpanProcessor for Admission<P> {
    fn on_start(&self, span: &mut Span, cx: &opentelemetry::Context) {
        self.inner.on_start(span, cx)
    }

    fn on_end(&self, span: SpanData) {
        // The estimate is a pass over the attributes without allocating; the
        // exporter computes the same figure to give the bytes back.
        let bytes = crate::span_size::estimate(&span) as u64;
        match self.stats.admit(self.max_spans, self.max_bytes, bytes) {
            Ok(()) => self.inner.on_end(span),
            Err(first) => {
                if first {
                    eprintln!(
                        "aitrace: export queue full ({} spans or {} bytes): dropping spans; further drops are counted in ExportStats, not printed",
                        self.max_spans, self.max_bytes
                    );
                }
            }
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        let flushed = self.inner.force_flush();
        if !self.sends.wait_idle(self.flush_timeout) {
            return Err(OTelSdkError::Timeout(self.flush_timeout));
        }
        flushed
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &opentelemetry_sdk::Resource) {
        self.inner.set_resource(resource)
    }
}
