//! OTLP metric export on the trace exporter's machinery: the same transports
//! (gRPC, HTTP protobuf or JSON, TLS, headers, gzip or zstd), retries,
//! deadlines, request limit and redaction, on the same runtime.

use super::error::ExportError;
use super::{deadline_after, Deadline, ExporterBuildError, Link, Payload, Signal, Transport};
use crate::config::MetricsConfig;
use crate::runtime::ExportRuntime;
use crate::stats::{ExportFailure, ExportStats, FailureKind};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::{
    metric::Data, Metric, ResourceMetrics, ScopeMetrics,
};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::ResourceMetrics as SdkResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use prost::Message;
use std::fmt;
use std::time::Duration;

/// A `PushMetricExporter` that sends metrics to an OTLP collector, with the
/// guarantees of [`super::OtlpExporter`]: exports run on aitrace's own runtime
/// (the application may have none), each bounded by the timeout and cut at the
/// guard's shutdown or flush deadline, so that a dead collector never holds the
/// application; failures are counted (in data points) and reported once.
///
/// [`crate::Builder`] builds it for `OTEL_METRICS_EXPORTER=otlp`.
pub struct OtlpMetricExporter {
    link: Link,
    max_request_bytes: usize,
    temporality: Temporality,
}

impl fmt::Debug for OtlpMetricExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OtlpMetricExporter")
            .field("url", &self.link.shown_url)
            .field("timeout", &self.link.timeout)
            .field("temporality", &self.temporality)
            .finish_non_exhaustive()
    }
}

impl OtlpMetricExporter {
    /// Builds an exporter for a configuration that
    /// [`crate::config::Config::validate`] has checked, on `runtime` (the trace
    /// exporter's, when there is one).
    pub(crate) fn new(
        config: &MetricsConfig,
        runtime: Option<ExportRuntime>,
        stats: ExportStats,
        deadline: Deadline,
    ) -> Result<OtlpMetricExporter, ExporterBuildError> {
        let endpoint = config
            .resolved_endpoint()
            .map_err(|w| ExporterBuildError::Transport(w.to_string()))?;
        // One export, all its attempts included, ends by the stricter of the two.
        let mut otlp = config.otlp.clone();
        otlp.timeout = otlp.timeout.min(config.export_timeout);
        let link = Link::new(
            endpoint.url,
            &otlp,
            Signal::Metrics,
            runtime,
            stats,
            deadline,
        )?;
        Ok(OtlpMetricExporter {
            link,
            max_request_bytes: otlp.max_request_bytes,
            temporality: config.temporality.temporality(),
        })
    }

    /// The encoded body of `request`, as the transport sends it (not compressed).
    fn encode(&self, request: &ExportMetricsServiceRequest) -> Result<Vec<u8>, ExportError> {
        match self.link.transport() {
            Transport::Grpc(_) => Ok(request.encode_to_vec()),
            Transport::Http(t) => t.encode_metrics(request),
        }
    }

    /// The payloads that carry `request`: one, unless it encodes over the
    /// request limit, in which case it is halved until each half fits. A data
    /// point too large on its own is counted and left out.
    fn payloads(
        &self,
        request: ExportMetricsServiceRequest,
        out: &mut Vec<Payload>,
    ) -> Result<(), (u64, ExportError)> {
        let points = data_points(&request);
        let body = self.encode(&request).map_err(|e| (points, e))?;
        if body.len() > self.max_request_bytes {
            match halve(request) {
                Some((a, b)) => {
                    self.payloads(a, out)?;
                    return self.payloads(b, out);
                }
                None => {
                    let failure = ExportFailure {
                        kind: FailureKind::TooLarge,
                        message: format!(
                            "a metric data point encodes to {} bytes, over the OTLP request \
                             limit of {} bytes; it was dropped",
                            body.len(),
                            self.max_request_bytes
                        ),
                    };
                    if self.link.stats.add_too_large() {
                        eprintln!("aitrace: {failure}");
                    }
                    self.link.stats.set_last_failure(failure);
                    return Ok(());
                }
            }
        }
        let body = match self.link.transport() {
            Transport::Grpc(_) => bytes::Bytes::from(body),
            Transport::Http(t) => t.compress(body).map_err(|e| (points, e))?,
        };
        out.push(Payload {
            body,
            items: points,
        });
        Ok(())
    }
}

impl PushMetricExporter for OtlpMetricExporter {
    async fn export(&self, metrics: &SdkResourceMetrics) -> OTelSdkResult {
        let request = ExportMetricsServiceRequest::from(metrics);
        let points = data_points(&request);
        if points == 0 {
            return Ok(());
        }
        self.link.stats.add_recorded(points);
        let deadline = deadline_after(self.link.timeout);
        let mut payloads = Vec::new();
        let mut first_error = None;
        if let Err((n, e)) = self.payloads(request, &mut payloads) {
            first_error = Some(self.link.failed(n, &e));
        }
        for payload in payloads {
            if let Err(e) = self.link.send_counted(payload, deadline).await {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn force_flush(&self) -> OTelSdkResult {
        // Nothing is held between exports.
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }

    fn temporality(&self) -> Temporality {
        self.temporality
    }
}

/// The data points of a metric (the unit metric exports are counted in).
fn points_of(metric: &Metric) -> u64 {
    let n = match &metric.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    };
    n as u64
}

/// The data points of a request.
pub(crate) fn data_points(request: &ExportMetricsServiceRequest) -> u64 {
    request
        .resource_metrics
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(points_of)
        .sum()
}

/// The metric with only the data points in `range` (by position).
fn with_points(metric: &Metric, keep: impl Fn(usize) -> bool) -> Metric {
    fn pick<T: Clone>(v: &[T], keep: &impl Fn(usize) -> bool) -> Vec<T> {
        v.iter()
            .enumerate()
            .filter(|(i, _)| keep(*i))
            .map(|(_, p)| p.clone())
            .collect()
    }
    let mut m = metric.clone();
    match &mut m.data {
        Some(Data::Gauge(g)) => g.data_points = pick(&g.data_points, &keep),
        Some(Data::Sum(s)) => s.data_points = pick(&s.data_points, &keep),
        Some(Data::Histogram(h)) => h.data_points = pick(&h.data_points, &keep),
        Some(Data::ExponentialHistogram(h)) => h.data_points = pick(&h.data_points, &keep),
        Some(Data::Summary(s)) => s.data_points = pick(&s.data_points, &keep),
        None => {}
    }
    m
}

/// Splits a request in two of about half its metrics (or, for a request of one
/// metric, half its data points), keeping each metric's resource and scope;
/// `None` for a single data point.
pub(crate) fn halve(
    request: ExportMetricsServiceRequest,
) -> Option<(ExportMetricsServiceRequest, ExportMetricsServiceRequest)> {
    // Every metric with where it belongs.
    let mut units: Vec<(usize, usize, Metric)> = Vec::new();
    for (r, rm) in request.resource_metrics.iter().enumerate() {
        for (s, sm) in rm.scope_metrics.iter().enumerate() {
            for m in &sm.metrics {
                units.push((r, s, m.clone()));
            }
        }
    }
    let (first, second) = if units.len() >= 2 {
        let second = units.split_off(units.len() / 2);
        (units, second)
    } else {
        let (r, s, metric) = units.pop()?;
        let n = points_of(&metric) as usize;
        if n < 2 {
            return None;
        }
        let half = n / 2;
        (
            vec![(r, s, with_points(&metric, |i| i < half))],
            vec![(r, s, with_points(&metric, |i| i >= half))],
        )
    };
    let rebuild = |units: Vec<(usize, usize, Metric)>| {
        let mut out: Vec<ResourceMetrics> = Vec::new();
        let mut at: Option<(usize, usize)> = None;
        for (r, s, m) in units {
            let rm = &request.resource_metrics[r];
            if at.map(|(ar, _)| ar) != Some(r) {
                out.push(ResourceMetrics {
                    resource: rm.resource.clone(),
                    scope_metrics: Vec::new(),
                    schema_url: rm.schema_url.clone(),
                });
                at = None;
            }
            let resource = out.last_mut().expect("pushed above");
            if at != Some((r, s)) {
                let sm = &rm.scope_metrics[s];
                resource.scope_metrics.push(ScopeMetrics {
                    scope: sm.scope.clone(),
                    metrics: Vec::new(),
                    schema_url: sm.schema_url.clone(),
                });
                at = Some((r, s));
            }
            resource
                .scope_metrics
                .last_mut()
                .expect("pushed above")
                .metrics
                .push(m);
        }
        ExportMetricsServiceRequest {
            resource_metrics: out,
        }
    };
    Some((rebuild(first), rebuild(second)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::metrics::v1::{NumberDataPoint, Sum};

    fn sum(name: &str, points: usize) -> Metric {
        Metric {
            name: name.into(),
            data: Some(Data::Sum(Sum {
                data_points: (0..points)
                    .map(|i| NumberDataPoint {
                        time_unix_nano: i as u64,
                        ..NumberDataPoint::default()
                    })
                    .collect(),
                aggregation_temporality: 2,
                is_monotonic: true,
            })),
            ..Metric::default()
        }
    }

    fn request(metrics: Vec<Metric>) -> ExportMetricsServiceRequest {
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                resource: None,
                scope_metrics: vec![ScopeMetrics {
                    scope: None,
                    metrics,
                    schema_url: "s".into(),
                }],
                schema_url: "r".into(),
            }],
        }
    }

    #[test]
    fn halves_split_metrics_then_data_points_and_lose_nothing() {
        let (a, b) = halve(request(vec![sum("a", 3), sum("b", 1), sum("c", 2)])).unwrap();
        assert_eq!(data_points(&a) + data_points(&b), 6);
        assert_eq!(a.resource_metrics[0].scope_metrics[0].schema_url, "s");
        assert_eq!(b.resource_metrics[0].schema_url, "r");
        let (a, b) = halve(request(vec![sum("a", 5)])).unwrap();
        assert_eq!((data_points(&a), data_points(&b)), (2, 3));
        assert!(halve(request(vec![sum("a", 1)])).is_none());
        assert!(halve(request(vec![])).is_none());
    }
}
