//! OTLP trace export over gRPC and HTTP (protobuf or JSON), with TLS, headers,
//! gzip or zstd, and timeouts, on a runtime of its own (see `runtime.rs`).
//!
//! The transports take an [`OtlpConfig`] that [`OtlpConfig::validate`] has
//! checked (endpoint, headers, TLS files): they convert it, they do not judge it.

mod deadline;
mod error;
mod grpc;
mod http;
mod json;
mod metrics;
mod packed;
mod request;
mod sends;
#[cfg(test)]
mod test_spans;
mod tls;
mod wire;
#[cfg(test)]
mod wire_props;

pub(crate) use deadline::Deadline;
pub use metrics::OtlpMetricExporter;
pub(crate) use sends::Sends;

use crate::config::{OtlpConfig, Protocol};
use crate::redact;
use crate::runtime::ExportRuntime;
use crate::stats::{ExportFailure, ExportStats, FailureKind};
use bytes::Bytes;
use error::ExportError;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use packed::{Encoded, ResourceBytes};
use request::{Request, TooLarge};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Why an OTLP exporter could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ExporterBuildError {
    /// A certificate or key file could not be used.
    #[error("cannot use {what} {path}: {message}")]
    Certificate {
        /// Which file (CA certificate, client certificate, client key).
        what: &'static str,
        /// Its path.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The TLS or transport set-up failed.
    #[error("cannot set up the OTLP transport: {0}")]
    Transport(String),
    /// The export runtime could not start.
    #[error("cannot start the export runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

pub use crate::config::DEFAULT_MAX_REQUEST_BYTES;

/// What the collector said about an export that it accepted.
pub(crate) struct Accepted {
    /// Spans or data points it refused (OTLP's partial success).
    pub(crate) rejected: u64,
}

/// One request, encoded (and for HTTP compressed) once, ready to be sent and
/// sent again as it is.
pub(crate) struct Payload {
    pub(crate) body: Bytes,
    /// The spans (or metric data points) it carries.
    pub(crate) items: u64,
}

/// The signal a transport carries: where it sends, and how the collector's
/// answer names what it refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signal {
    Traces,
    Metrics,
}

impl Signal {
    /// The gRPC method of the signal's export.
    fn grpc_path(self) -> &'static str {
        match self {
            Signal::Traces => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            Signal::Metrics => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        }
    }

    /// The field of `partialSuccess` that counts what was refused, in JSON.
    fn json_rejected(self) -> &'static str {
        match self {
            Signal::Traces => "rejectedSpans",
            Signal::Metrics => "rejectedDataPoints",
        }
    }
}

/// An OTLP export answer, of any signal: `partial_success` is field 1 in every
/// `Export*ServiceResponse`, and the count of what was refused is its field 1
/// (`rejected_spans`, `rejected_data_points`), the message its field 2.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ExportResponse {
    #[prost(message, optional, tag = "1")]
    pub(crate) partial_success: Option<PartialSuccess>,
}

/// The `partial_success` of an [`ExportResponse`].
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PartialSuccess {
    #[prost(int64, tag = "1")]
    pub(crate) rejected: i64,
    #[prost(string, tag = "2")]
    pub(crate) error_message: String,
}

impl ExportResponse {
    /// What the collector refused (a negative count is none).
    pub(crate) fn rejected(&self) -> u64 {
        self.partial_success
            .as_ref()
            .map_or(0, |p| p.rejected.max(0) as u64)
    }
}

pub(crate) enum Transport {
    Grpc(grpc::GrpcTransport),
    Http(Box<http::HttpTransport>),
}

impl Transport {
    async fn send(&self, payload: &Payload) -> Result<Accepted, ExportError> {
        match self {
            Transport::Grpc(t) => t.send(payload).await,
            Transport::Http(t) => t.send(&payload.body).await,
        }
    }
}

/// A `SpanExporter` that sends spans to an OTLP collector.
///
/// Built from an [`OtlpConfig`] (usually by [`crate::init`]). It never blocks the
/// application: exports run on aitrace's own runtime, each bounded by the
/// configured timeout. Each request is at most
/// [`OtlpConfig::max_request_bytes`] encoded; a span larger than that on its own
/// is dropped alone and counted. Failures are counted in [`ExportStats`] (with
/// the last one kept, [`ExportStats::last_failure`]) and reported on stderr
/// once, not once per batch. Header values never appear in `Debug` output, logs
/// or errors; the endpoint is shown without its credentials or query string,
/// and what the collector says is cut short and cleaned of control characters.
///
/// One batch is sent while the next is converted and encoded: `export` returns
/// once its batch is encoded and handed to the runtime, after the send of the
/// previous batch has ended (one send at a time, in order). A batch may thus
/// still be on its way when `export` has returned: [`SpanExporter::force_flush`]
/// and shutdown wait for it (within their timeout), and so does every flush of
/// the pipelines that [`crate::init`] and [`crate::Builder`] install.
pub struct OtlpExporter {
    /// Shared with the send task of each batch.
    link: Arc<Link>,
    /// The resource as JSON requests carry it (converted per request).
    resource: ResourceAttributesWithSchema,
    /// The resource as protobuf requests carry it (encoded once).
    resource_bytes: ResourceBytes,
    max_request_bytes: usize,
    protocol: Protocol,
    /// The send of the previous batch, if it may still run: the next one
    /// waits for it, so that sends stay one at a time and in order.
    sending: Mutex<Option<tokio::task::JoinHandle<()>>>,
    /// The sends not yet settled, for the waits that cannot await.
    sends: Arc<Sends>,
}

impl fmt::Debug for OtlpExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpExporter")
            .field("url", &self.link.shown_url)
            .field("protocol", &self.protocol)
            .field("timeout", &self.link.timeout)
            .field("max_request_bytes", &self.max_request_bytes)
            .finish_non_exhaustive()
    }
}

/// One signal's way to the collector: its transport, the runtime its requests
/// run on, their timeout, the guard's deadline, and where their outcomes are
/// counted. The trace and metric exporters each hold one.
pub(crate) struct Link {
    transport: Arc<Transport>,
    runtime: ExportRuntime,
    /// Bounds one export, all its attempts and requests included.
    pub(crate) timeout: Duration,
    pub(crate) stats: ExportStats,
    deadline: Deadline,
    url: String,
    /// The URL as printed: credentials and query hidden.
    pub(crate) shown_url: String,
    /// What the counts count, for messages: `spans`, `data points`.
    unit: &'static str,
    signal: Signal,
}

impl Link {
    /// A link to `url` for `signal`, on `runtime` (a new one when `None`).
    pub(crate) fn new(
        url: String,
        config: &OtlpConfig,
        signal: Signal,
        runtime: Option<ExportRuntime>,
        stats: ExportStats,
        deadline: Deadline,
    ) -> Result<Link, ExporterBuildError> {
        let runtime = match runtime {
            Some(r) => r,
            None => ExportRuntime::new()?,
        };
        let transport = match config.protocol {
            Protocol::Grpc => {
                Transport::Grpc(runtime.enter(|| grpc::GrpcTransport::new(&url, config, signal))?)
            }
            Protocol::HttpProtobuf | Protocol::HttpJson => Transport::Http(Box::new(
                runtime.enter(|| http::HttpTransport::new(&url, config, signal))?,
            )),
        };
        Ok(Link {
            transport: Arc::new(transport),
            runtime,
            timeout: config.timeout,
            stats,
            deadline,
            shown_url: redact::endpoint(&url),
            url,
            unit: match signal {
                Signal::Traces => "spans",
                Signal::Metrics => "data points",
            },
            signal,
        })
    }

    /// The transport.
    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// Sends one payload with retries until `deadline` (the end of the export it
    /// belongs to, or sooner if the guard's deadline says so) and counts the
    /// outcome. A payload whose export has no time left is not sent.
    pub(crate) async fn send_counted(&self, payload: Payload, deadline: Instant) -> OTelSdkResult {
        let n = payload.items;
        let transport = self.transport.clone();
        let stop = self.deadline.clone();
        let timeout = self.timeout;
        let handle = self
            .runtime
            .spawn(async move { attempts(&transport, &payload, timeout, deadline, &stop).await });
        let outcome = match handle.await {
            Ok(r) => r,
            Err(e) => Err(ExportError::Connection(format!("export task failed: {e}"))),
        };
        self.count(n, outcome)
    }

    /// [`Link::send_counted`] from a task already on the export runtime (the
    /// send task of a trace batch).
    async fn send_counted_here(&self, payload: Payload, deadline: Instant) -> OTelSdkResult {
        let outcome = attempts(
            &self.transport,
            &payload,
            self.timeout,
            deadline,
            &self.deadline,
        )
        .await;
        self.count(payload.items, outcome)
    }

    /// Counts the outcome of sending `n` items.
    fn count(&self, n: u64, outcome: Result<Accepted, ExportError>) -> OTelSdkResult {
        match outcome {
            Ok(Accepted { rejected }) => {
                let rejected = rejected.min(n);
                self.stats.add_exported(n - rejected);
                if rejected > 0 {
                    let failure = ExportFailure {
                        kind: FailureKind::Status,
                        message: format!(
                            "the collector at {} rejected {rejected} {}",
                            self.shown_url, self.unit
                        ),
                    };
                    if self.stats.add_failed(rejected) {
                        eprintln!(
                            "aitrace: {failure}; further failures are counted in ExportStats"
                        );
                    }
                    self.stats.set_last_failure(failure);
                }
                Ok(())
            }
            Err(e) => Err(self.failed(n, &e)),
        }
    }

    /// Counts `n` items as failed with `e`, says so the first time, and returns
    /// the SDK's form of the error.
    pub(crate) fn failed(&self, n: u64, e: &ExportError) -> OTelSdkError {
        let mut failure = e.to_failure(&self.shown_url);
        if self.signal == Signal::Metrics && e.is_not_served() {
            // A trace-only backend (Jaeger, MLflow) behind the generic endpoint.
            failure.message.push_str(
                "; the collector does not take metrics: send them elsewhere \
                 (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) or not at all (OTEL_METRICS_EXPORTER=none)",
            );
        }
        if self.stats.add_failed(n) {
            eprintln!(
                "aitrace: {failure}; {n} {} lost; further failures are counted in ExportStats, not printed",
                self.unit
            );
        }
        let error = OTelSdkError::InternalFailure(format!("OTLP {failure}"));
        self.stats.set_last_failure(failure);
        error
    }
}

impl OtlpExporter {
    /// Builds an exporter for `config`.
    ///
    /// The configuration is checked first ([`OtlpConfig::validate`]): an invalid
    /// endpoint, header or TLS file is dropped with a warning on stderr (printed
    /// once per process), as [`crate::Builder::build`] does.
    ///
    /// # Errors
    /// A certificate that rustls refuses, or a runtime that cannot start.
    pub fn from_config(config: &OtlpConfig) -> Result<OtlpExporter, ExporterBuildError> {
        let mut config = config.clone();
        aitrace::env::warn_once(&config.validate());
        OtlpExporter::with_stats(&config, ExportStats::default(), Deadline::default())
    }

    /// Builds an exporter for a configuration that [`OtlpConfig::validate`] has
    /// checked.
    pub(crate) fn with_stats(
        config: &OtlpConfig,
        stats: ExportStats,
        deadline: Deadline,
    ) -> Result<OtlpExporter, ExporterBuildError> {
        // A validated configuration always resolves; the error is kept, not unwrapped.
        let endpoint = config
            .resolved_traces_endpoint()
            .map_err(|w| ExporterBuildError::Transport(w.to_string()))?;
        if let Some(w) = &endpoint.warning {
            eprintln!("aitrace: {w}");
        }
        let link = Link::new(endpoint.url, config, Signal::Traces, None, stats, deadline)?;
        Ok(OtlpExporter {
            link: Arc::new(link),
            resource: ResourceAttributesWithSchema::default(),
            resource_bytes: ResourceBytes::default(),
            max_request_bytes: config.max_request_bytes,
            protocol: config.protocol,
            sending: Mutex::new(None),
            sends: Arc::default(),
        })
    }

    /// The counters of this exporter.
    pub fn stats(&self) -> ExportStats {
        self.link.stats.clone()
    }

    /// The sends of this exporter not yet settled (a flush waits for them).
    pub(crate) fn sends(&self) -> Arc<Sends> {
        self.sends.clone()
    }

    /// The URL spans are sent to.
    pub fn url(&self) -> &str {
        &self.link.url
    }

    /// The runtime its exports run on (shared with the metric exporter).
    pub(crate) fn runtime(&self) -> ExportRuntime {
        self.link.runtime.clone()
    }

    /// Counts a span dropped for being over the request limit on its own, and
    /// says so the first time.
    fn too_large(&self, span: TooLarge) {
        let name = redact::collector_text(&span.name, &[]);
        let failure = ExportFailure {
            kind: FailureKind::TooLarge,
            message: format!(
                "span \"{name}\" encodes to {} bytes, over the OTLP request limit of {} bytes; \
                 it was dropped and the rest of its batch sent",
                span.bytes, self.max_request_bytes
            ),
        };
        if self.link.stats.add_too_large() {
            eprintln!("aitrace: {failure}; further ones are counted in ExportStats, not printed");
        }
        self.link.stats.set_last_failure(failure);
    }

    /// A protobuf request as sent: as it is over gRPC (tonic compresses), compressed
    /// over HTTP.
    fn protobuf_payload(&self, req: Encoded) -> Result<Payload, (u64, ExportError)> {
        let body = match &*self.link.transport {
            Transport::Grpc(_) => Bytes::from(req.body),
            Transport::Http(t) => t.compress(req.body).map_err(|e| (req.spans, e))?,
        };
        Ok(Payload {
            body,
            items: req.spans,
        })
    }

    /// Encodes one JSON request into the payloads that carry it: one, unless
    /// it came out over the limit (its size is only known once made), in which
    /// case it is halved until each half fits.
    fn json_payloads(
        &self,
        mut req: Request,
        out: &mut Vec<Payload>,
    ) -> Result<(), (u64, ExportError)> {
        let Transport::Http(t) = &*self.link.transport else {
            unreachable!("JSON goes over HTTP only");
        };
        let body = json::encode(&mut req.request).map_err(|e| {
            (
                req.spans,
                ExportError::Encoding(format!("JSON encoding: {e}")),
            )
        })?;
        if body.len() > self.max_request_bytes {
            if req.spans == 1 {
                let name = req.request.resource_spans[0].scope_spans[0].spans[0]
                    .name
                    .clone();
                self.too_large(TooLarge {
                    name,
                    bytes: body.len(),
                });
                return Ok(());
            }
            let (a, b) = request::halve(req.request, req.spans);
            self.json_payloads(a, out)?;
            return self.json_payloads(b, out);
        }
        out.push(Payload {
            body: t.compress(body).map_err(|e| (req.spans, e))?,
            items: req.spans,
        });
        Ok(())
    }

    /// Waits, at most `timeout`, for the batch being sent to be settled.
    fn wait_for_sends(&self, timeout: Duration) -> OTelSdkResult {
        if self.sends.wait_idle(timeout) {
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(timeout))
        }
    }
}

/// The attempts of one payload: retried as [`ExportError::retryable`] says,
/// after a jittered pause that doubles from [`FIRST_BACKOFF`] to
/// [`MAX_BACKOFF`], or after what the collector asked for (`Retry-After`,
/// `RetryInfo`), until `deadline` or the guard's deadline (`stop`). When the
/// next attempt could not start before then, it gives up at once.
pub(crate) async fn attempts(
    transport: &Transport,
    payload: &Payload,
    timeout: Duration,
    deadline: Instant,
    stop: &Deadline,
) -> Result<Accepted, ExportError> {
    let mut last: Option<ExportError> = None;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let give_up = |last: Option<ExportError>| {
            let stopped = stop.get().is_some_and(|s| s < deadline);
            ExportError::Timeout {
                after: timeout,
                shutdown: stopped,
                last: last.map(Box::new),
            }
        };
        let end = stop.get().map_or(deadline, |s| s.min(deadline));
        if Instant::now() >= end {
            return Err(give_up(last));
        }
        let outcome = tokio::select! {
            r = transport.send(payload) => r,
            () = tokio::time::sleep_until(deadline.into()) => {
                return Err(ExportError::Timeout { after: timeout, shutdown: false, last: last.map(Box::new) });
            }
            () = stop.reached() => {
                return Err(ExportError::Timeout { after: timeout, shutdown: true, last: last.map(Box::new) });
            }
        };
        let e = match outcome {
            Ok(accepted) => return Ok(accepted),
            Err(e) if e.retryable() => e,
            Err(e) => return Err(e),
        };
        let pause = jitter(backoff).max(e.retry_after().unwrap_or_default());
        backoff = (backoff * 2).min(MAX_BACKOFF);
        let end = stop.get().map_or(deadline, |s| s.min(deadline));
        if Instant::now() + pause >= end {
            return Err(give_up(Some(e)));
        }
        last = Some(e);
        tokio::select! {
            () = tokio::time::sleep(pause) => {}
            () = stop.reached() => return Err(give_up(last)),
        }
    }
}

/// How long after the guard's deadline a send is still waited for: it ends at
/// the deadline, and only has to count its spans as failed.
const STOP_GRACE: Duration = Duration::from_millis(100);

/// First pause between two attempts of one export; doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest pause between two attempts, unless the collector asks for longer.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// `timeout` from now; a timeout too long to add to the clock (from a huge
/// `OTEL_EXPORTER_OTLP_TIMEOUT`) means a century.
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// `d` scaled by a factor in [0.5, 1.5), so that many clients do not retry in step.
fn jitter(d: Duration) -> Duration {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    let f = 0.5 + (h.finish() % 1000) as f64 / 1000.0;
    d.mul_f64(f)
}

impl SpanExporter for OtlpExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        if batch.is_empty() {
            return Ok(());
        }
        // What these spans hold of the queue's byte budget, given back once
        // they are settled (the same estimate as when they were admitted).
        let bytes: u64 = batch
            .iter()
            .map(|s| crate::span_size::estimate(s) as u64)
            .sum();
        // Converted and encoded here, on the batch processor's thread, while the
        // previous batch is still being sent from the runtime: the collector's
        // round trip no longer adds to the time of every batch. The cost is one
        // batch more in memory (its spans still count against the byte budget
        // until they are settled).
        let mut first_error = None;
        let mut payloads = Vec::new();
        if self.protocol == Protocol::HttpJson {
            let split = request::split(batch, &self.resource, self.max_request_bytes);
            for span in split.too_large {
                self.too_large(span);
            }
            for req in split.requests {
                if let Err((n, e)) = self.json_payloads(req, &mut payloads) {
                    first_error.get_or_insert(self.link.failed(n, &e));
                }
            }
        } else {
            let packed = packed::encode(&batch, &self.resource_bytes, self.max_request_bytes);
            // The spans are encoded: their memory goes back before the send.
            drop(batch);
            for span in packed.too_large {
                self.too_large(span);
            }
            for req in packed.requests {
                match self.protobuf_payload(req) {
                    Ok(p) => payloads.push(p),
                    Err((n, e)) => {
                        first_error.get_or_insert(self.link.failed(n, &e));
                    }
                }
            }
        }
        // One send at a time, in order: wait for the previous batch's.
        let previous = self
            .sending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(previous) = previous {
            // A send that panicked has counted nothing: its spans stay
            // unaccounted, which the shutdown report counts as lost.
            let _ = previous.await;
        }
        if payloads.is_empty() {
            self.link.stats.release_bytes(bytes);
            return first_error.map_or(Ok(()), Err);
        }
        // The timeout bounds the whole send, however many requests its batch
        // was split into.
        let deadline = deadline_after(self.link.timeout);
        let link = self.link.clone();
        let settled = self.sends.begin();
        let handle = self.link.runtime.spawn(async move {
            for payload in payloads {
                // Counted and reported by the send itself.
                let _ = link.send_counted_here(payload, deadline).await;
            }
            link.stats.release_bytes(bytes);
            drop(settled);
        });
        *self.sending.lock().unwrap_or_else(|e| e.into_inner()) = Some(handle);
        first_error.map_or(Ok(()), Err)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.wait_for_sends(self.link.timeout)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        // The SDK's batch processor shuts its exporter down with a fixed 5 s.
        // When the guard shuts down, it has told the sends when to end (its
        // own deadline, which may be later): they are waited for until then.
        let timeout = match self.link.deadline.get() {
            Some(at) => at.saturating_duration_since(Instant::now()) + STOP_GRACE,
            None => timeout,
        };
        self.wait_for_sends(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
        self.resource_bytes = ResourceBytes::new(resource);
    }
}
