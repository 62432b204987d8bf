//! The metrics rotel logged (`--debug-log metrics`, detailed): each data point
//! with its metric's name, unit and scope, read back from the log, and the last
//! point of each series (with cumulative temporality, the run's total).
//!
//! The layout: `ResourceMetrics #N`, resource attributes, `InstrumentationScope
//! name version`, then per metric `Metric #N`, `Descriptor:` lines (`-> Name:`,
//! `-> Unit:`, `-> DataType:`), and its `NumberDataPoints #N` (`Value: x`) or
//! `HistogramDataPoints #N` (`Count:`, `Sum:`, `ExplicitBounds #i: b`), each with
//! `Data point attributes:` lines `-> key: Str(…)`.

use super::rotel::Rotel;
use std::collections::BTreeMap;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// One data point as rotel logged it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReceivedPoint {
    pub name: String,
    pub unit: String,
    /// `Histogram` or `Sum`.
    pub data_type: String,
    pub scope: String,
    /// Attribute values without their type tag (`Str(chat)` is `chat`).
    pub attributes: BTreeMap<String, String>,
    /// A counter's value, or a histogram's sum of observations.
    pub sum: f64,
    /// A histogram's number of observations (0 for a counter).
    pub count: u64,
    pub bounds: Vec<f64>,
}

impl ReceivedPoint {
    /// Whether every `(key, value)` of `filter` is among the attributes.
    pub fn matches(&self, filter: &[(&str, &str)]) -> bool {
        filter
            .iter()
            .all(|(k, v)| self.attributes.get(*k).map(String::as_str) == Some(*v))
    }
}

/// `Str(chat)` → `chat`, `Int(443)` → `443`.
fn untagged(value: &str) -> String {
    match value.split_once('(') {
        Some((_, rest)) => rest.strip_suffix(')').unwrap_or(rest).to_string(),
        None => value.to_string(),
    }
}

/// Every data point in rotel's log `text`, in log order.
pub fn parse_rotel_metrics(text: &str) -> Vec<ReceivedPoint> {
    let mut points: Vec<ReceivedPoint> = Vec::new();
    let mut in_metrics = false;
    let mut scope = String::new();
    let mut metric = ReceivedPoint::default();
    let mut in_point_attrs = false;
    for line in text.lines() {
        if line.starts_with("ResourceMetrics #") {
            in_metrics = true;
            continue;
        }
        if line.starts_with("ResourceSpans #") {
            in_metrics = false;
        }
        if !in_metrics {
            continue;
        }
        if let Some(s) = line.strip_prefix("InstrumentationScope ") {
            scope = s.split(' ').next().unwrap_or("").to_string();
        } else if line.starts_with("Metric #") {
            metric = ReceivedPoint {
                scope: scope.clone(),
                ..ReceivedPoint::default()
            };
            in_point_attrs = false;
        } else if line.starts_with("NumberDataPoints #")
            || line.starts_with("HistogramDataPoints #")
        {
            points.push(metric.clone());
            in_point_attrs = false;
        } else if line == "Data point attributes:" {
            in_point_attrs = true;
        } else if let Some(item) = line.trim_start().strip_prefix("-> ") {
            if in_point_attrs {
                if let (Some(p), Some((k, v))) = (points.last_mut(), item.split_once(": ")) {
                    p.attributes.insert(k.to_string(), untagged(v));
                }
            } else if let Some(v) = item.strip_prefix("Name: ") {
                metric.name = v.to_string();
            } else if let Some(v) = item.strip_prefix("Unit: ") {
                metric.unit = v.to_string();
            } else if let Some(v) = item.strip_prefix("DataType: ") {
                metric.data_type = v.to_string();
            }
        } else if let Some(p) = points.last_mut() {
            in_point_attrs = false;
            if let Some(v) = line.strip_prefix("Value: ") {
                p.sum = v.trim().parse().unwrap_or(f64::NAN);
            } else if let Some(v) = line.strip_prefix("Sum: ") {
                p.sum = v.trim().parse().unwrap_or(f64::NAN);
            } else if let Some(v) = line.strip_prefix("Count: ") {
                p.count = v.trim().parse().unwrap_or(0);
            } else if let Some((_, b)) = line
                .strip_prefix("ExplicitBounds #")
                .and_then(|l| l.split_once(": "))
            {
                p.bounds.push(b.trim().parse().unwrap_or(f64::NAN));
            }
        }
    }
    points
}

/// The last point of each series (name and attributes) in `points`.
pub fn last_of_each(points: &[ReceivedPoint]) -> Vec<ReceivedPoint> {
    let mut out: Vec<ReceivedPoint> = Vec::new();
    for p in points {
        match out
            .iter_mut()
            .find(|q| q.name == p.name && q.attributes == p.attributes)
        {
            Some(q) => *q = p.clone(),
            None => out.push(p.clone()),
        }
    }
    out
}

impl Rotel {
    /// The last point of each series logged so far.
    pub fn metric_points(&self) -> Vec<ReceivedPoint> {
        last_of_each(&parse_rotel_metrics(&self.log()))
    }

    /// Waits until a point of metric `name` was logged and the log stopped
    /// growing; returns the last point of each series. Panics at `timeout`.
    pub fn wait_for_metric(&self, name: &str, timeout: Duration) -> Vec<ReceivedPoint> {
        let deadline = Instant::now() + timeout;
        let mut seen = (usize::MAX, Instant::now());
        loop {
            let text = self.log();
            if text.len() != seen.0 {
                seen = (text.len(), Instant::now());
            }
            let points = last_of_each(&parse_rotel_metrics(&text));
            let settled = seen.1.elapsed() >= Duration::from_millis(120);
            if settled && points.iter().any(|p| p.name == name) {
                return points;
            }
            assert!(
                Instant::now() < deadline,
                "no metric {name} logged within {timeout:?}; log: {}",
                self.log_path().display()
            );
            sleep(Duration::from_millis(25));
        }
    }
}
