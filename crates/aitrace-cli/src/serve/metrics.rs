//! OTLP metrics sent to `aitrace serve`: accepted and counted, not stored.
//!
//! Why accept them: an OpenTelemetry SDK sends metrics where its traces go
//! unless told otherwise (`OTEL_METRICS_EXPORTER` defaults to `otlp`, and
//! aitrace's SDK does the same), so an application pointed at this viewer
//! with `OTEL_EXPORTER_OTLP_ENDPOINT` alone would log a failed export at every
//! interval and report lost data at exit. The viewer keeps traces only, so the
//! data points are decoded (a malformed request is refused as for traces),
//! counted, and dropped; the server says so once on its standard error.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The OTLP/HTTP path for metrics.
pub const METRICS_PATH: &str = "/v1/metrics";

/// The metric data points received, and whether the server has said it
/// drops them.
#[derive(Debug, Default)]
pub struct MetricsReceived {
    points: AtomicU64,
    told: AtomicBool,
}

impl MetricsReceived {
    /// Counts the data points of `request`; the first time any arrive, says on
    /// standard error that they are not kept and what to do instead.
    pub fn note(&self, request: &ExportMetricsServiceRequest) {
        let n = data_points(request);
        self.points.fetch_add(n, Ordering::Relaxed);
        if n > 0 && !self.told.swap(true, Ordering::Relaxed) {
            note!(
                "aitrace serve: metrics received ({n} data points) are acknowledged and not kept: \
                 this viewer stores traces. To keep them, send metrics to a collector \
                 (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT); to stop sending them, \
                 OTEL_METRICS_EXPORTER=none"
            );
        }
    }

    /// Data points received since the server started.
    pub fn points(&self) -> u64 {
        self.points.load(Ordering::Relaxed)
    }
}

/// The data points a request carries, of every metric type.
pub fn data_points(request: &ExportMetricsServiceRequest) -> u64 {
    let points = |data: &Option<Data>| -> u64 {
        match data {
            Some(Data::Gauge(g)) => g.data_points.len() as u64,
            Some(Data::Sum(s)) => s.data_points.len() as u64,
            Some(Data::Histogram(h)) => h.data_points.len() as u64,
            Some(Data::ExponentialHistogram(h)) => h.data_points.len() as u64,
            Some(Data::Summary(s)) => s.data_points.len() as u64,
            None => 0,
        }
    };
    request
        .resource_metrics
        .iter()
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .map(|m| points(&m.data))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::metrics::v1::{
        Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
        ScopeMetrics,
    };

    #[test]
    fn data_points_of_every_metric_are_counted() {
        let metric = |data| Metric {
            data: Some(data),
            ..Default::default()
        };
        let request = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![
                        metric(Data::Gauge(Gauge {
                            data_points: vec![NumberDataPoint::default(); 2],
                        })),
                        metric(Data::Histogram(Histogram {
                            data_points: vec![HistogramDataPoint::default(); 3],
                            aggregation_temporality: 1,
                        })),
                        Metric::default(),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        assert_eq!(data_points(&request), 5);
        let received = MetricsReceived::default();
        received.note(&request);
        received.note(&request);
        assert_eq!(received.points(), 10);
    }
}
