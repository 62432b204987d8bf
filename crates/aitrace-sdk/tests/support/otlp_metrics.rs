//! Metric exports as a collector received them ([`super::receiver::Receiver::metrics`]),
//! read back as the last data point of each series: with cumulative temporality
//! (the default) that is the run's total.

use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::metrics::v1::metric::Data;
use opentelemetry_proto::tonic::metrics::v1::number_data_point::Value as Number;
use std::collections::BTreeMap;

/// One series: a metric name, its unit and attributes, and its last value.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub name: String,
    pub unit: String,
    pub scope: String,
    /// Attributes as text, sorted by key.
    pub attributes: BTreeMap<String, String>,
    /// The sum (counter) or the sum of observations (histogram).
    pub sum: f64,
    /// Observations of a histogram; 0 for a counter.
    pub count: u64,
    /// Bucket boundaries of a histogram.
    pub bounds: Vec<f64>,
}

impl Point {
    /// Whether every `(key, value)` of `filter` is among the attributes.
    pub fn matches(&self, filter: &[(&str, &str)]) -> bool {
        filter
            .iter()
            .all(|(k, v)| self.attributes.get(*k).map(String::as_str) == Some(*v))
    }
}

/// The last point of every series in `requests`, in the order first seen.
pub fn points(requests: &[ExportMetricsServiceRequest]) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::new();
    for request in requests {
        for rm in &request.resource_metrics {
            for sm in &rm.scope_metrics {
                let scope = sm.scope.as_ref().map_or("", |s| s.name.as_str());
                for m in &sm.metrics {
                    let make = |attributes, sum, count, bounds| Point {
                        name: m.name.clone(),
                        unit: m.unit.clone(),
                        scope: scope.to_string(),
                        attributes,
                        sum,
                        count,
                        bounds,
                    };
                    let found: Vec<Point> = match &m.data {
                        Some(Data::Sum(s)) => s
                            .data_points
                            .iter()
                            .map(|p| {
                                let v = match p.value {
                                    Some(Number::AsDouble(d)) => d,
                                    Some(Number::AsInt(i)) => i as f64,
                                    None => 0.0,
                                };
                                make(texts(&p.attributes), v, 0, Vec::new())
                            })
                            .collect(),
                        Some(Data::Histogram(h)) => h
                            .data_points
                            .iter()
                            .map(|p| {
                                make(
                                    texts(&p.attributes),
                                    p.sum.unwrap_or(0.0),
                                    p.count,
                                    p.explicit_bounds.clone(),
                                )
                            })
                            .collect(),
                        other => panic!("{}: unexpected data {other:?}", m.name),
                    };
                    for p in found {
                        match out
                            .iter_mut()
                            .find(|q| q.name == p.name && q.attributes == p.attributes)
                        {
                            Some(q) => *q = p,
                            None => out.push(p),
                        }
                    }
                }
            }
        }
    }
    out
}

/// The sum of `name` over the series whose attributes include `filter`.
pub fn sum(points: &[Point], name: &str, filter: &[(&str, &str)]) -> f64 {
    points
        .iter()
        .filter(|p| p.name == name && p.matches(filter))
        .map(|p| p.sum)
        .sum()
}

/// The observations of histogram `name` over the series matching `filter`.
pub fn count(points: &[Point], name: &str, filter: &[(&str, &str)]) -> u64 {
    points
        .iter()
        .filter(|p| p.name == name && p.matches(filter))
        .map(|p| p.count)
        .sum()
}

fn texts(
    attributes: &[opentelemetry_proto::tonic::common::v1::KeyValue],
) -> BTreeMap<String, String> {
    attributes
        .iter()
        .map(|kv| {
            let v = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Value::StringValue(s)) => s.clone(),
                Some(Value::BoolValue(b)) => b.to_string(),
                Some(Value::IntValue(i)) => i.to_string(),
                Some(Value::DoubleValue(d)) => d.to_string(),
                other => format!("{other:?}"),
            };
            (kv.key.clone(), v)
        })
        .collect()
}
