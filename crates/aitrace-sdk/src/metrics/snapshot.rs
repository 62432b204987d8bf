//! A plain copy of what a meter provider collected: one [`Series`] per
//! instrument and attribute set, for the console summary, tests and tools.

use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData, ResourceMetrics};
use std::fmt;

/// What one collection held, series by series.
///
/// ```
/// use aitrace_sdk::metrics::{Series, SeriesValue, MetricsSnapshot};
///
/// let snapshot = MetricsSnapshot {
///     series: vec![Series {
///         name: "ai.client.cost".into(),
///         unit: "USD".into(),
///         attributes: vec![("gen_ai.request.model".into(), "gpt-4o".into())],
///         value: SeriesValue::Sum(0.25),
///     }],
/// };
/// assert_eq!(snapshot.sum("ai.client.cost", &[("gen_ai.request.model", "gpt-4o")]), 0.25);
/// assert_eq!(snapshot.sum("ai.client.cost", &[("gen_ai.request.model", "other")]), 0.0);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MetricsSnapshot {
    /// Every series, in the order collected.
    pub series: Vec<Series>,
}

/// One instrument's values for one set of attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The instrument's name.
    pub name: String,
    /// Its unit.
    pub unit: String,
    /// The attributes, as `(key, value as text)`, in the order collected.
    pub attributes: Vec<(String, String)>,
    /// The value.
    pub value: SeriesValue,
}

/// The value of a [`Series`].
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesValue {
    /// A counter's total (or a gauge's last value).
    Sum(f64),
    /// A histogram.
    Histogram {
        /// How many values were recorded.
        count: u64,
        /// Their sum.
        sum: f64,
        /// The smallest, when recorded.
        min: Option<f64>,
        /// The largest, when recorded.
        max: Option<f64>,
        /// The upper bounds of the buckets (the last bucket has none).
        bounds: Vec<f64>,
        /// How many values fell in each bucket (one more than `bounds`).
        bucket_counts: Vec<u64>,
    },
}

impl Series {
    /// The value of attribute `key`, as text.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether every `(key, value)` of `filter` is among the attributes.
    pub fn matches(&self, filter: &[(&str, &str)]) -> bool {
        filter.iter().all(|(k, v)| self.attribute(k) == Some(*v))
    }

    /// The total of a counter, or the sum of a histogram.
    pub fn total(&self) -> f64 {
        match &self.value {
            SeriesValue::Sum(v) => *v,
            SeriesValue::Histogram { sum, .. } => *sum,
        }
    }

    /// How many values a histogram holds (0 for a counter).
    pub fn count(&self) -> u64 {
        match &self.value {
            SeriesValue::Sum(_) => 0,
            SeriesValue::Histogram { count, .. } => *count,
        }
    }

    /// The value below which `q` (0 to 1) of a histogram's values fall,
    /// interpolated within its bucket as Prometheus' `histogram_quantile` does;
    /// `None` for a counter or an empty histogram.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let SeriesValue::Histogram {
            count,
            bounds,
            bucket_counts,
            max,
            ..
        } = &self.value
        else {
            return None;
        };
        if *count == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * *count as f64;
        let mut seen = 0u64;
        for (i, n) in bucket_counts.iter().enumerate() {
            let before = seen;
            seen += n;
            if (seen as f64) >= rank && *n > 0 {
                let lower = if i == 0 { 0.0 } else { bounds[i - 1] };
                let Some(upper) = bounds.get(i).copied() else {
                    // The overflow bucket: its largest value is the best answer.
                    return max.or(Some(lower));
                };
                let within = (rank - before as f64) / *n as f64;
                return Some(lower + (upper - lower) * within);
            }
        }
        *max
    }
}

impl MetricsSnapshot {
    /// The series of instrument `name` whose attributes include `filter`.
    pub fn find<'a>(
        &'a self,
        name: &'a str,
        filter: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Series> + 'a {
        self.series
            .iter()
            .filter(move |s| s.name == name && s.matches(filter))
    }

    /// The total of counter `name` (or the sum of histogram `name`) over the
    /// series whose attributes include `filter`.
    pub fn sum(&self, name: &str, filter: &[(&str, &str)]) -> f64 {
        self.find(name, filter).map(Series::total).sum()
    }

    /// How many values histogram `name` holds over the series whose attributes
    /// include `filter`.
    pub fn count(&self, name: &str, filter: &[(&str, &str)]) -> u64 {
        self.find(name, filter).map(Series::count).sum()
    }

    /// The names of the instruments that have a series, each once, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Copies what `metrics` holds. Exponential histograms (which aitrace's
    /// instruments never make) are left out.
    pub fn from_resource_metrics(metrics: &ResourceMetrics) -> MetricsSnapshot {
        let mut series = Vec::new();
        for scope in metrics.scope_metrics() {
            for metric in scope.metrics() {
                let name = metric.name();
                let unit = metric.unit();
                match metric.data() {
                    AggregatedMetrics::F64(d) => copy(d, name, unit, |v| v, &mut series),
                    AggregatedMetrics::U64(d) => copy(d, name, unit, |v| v as f64, &mut series),
                    AggregatedMetrics::I64(d) => copy(d, name, unit, |v| v as f64, &mut series),
                }
            }
        }
        MetricsSnapshot { series }
    }

    /// How many series (OTLP data points) it holds.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// True when nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

fn copy<T: Copy>(
    data: &MetricData<T>,
    name: &str,
    unit: &str,
    f: impl Fn(T) -> f64,
    out: &mut Vec<Series>,
) {
    let series = |attributes: Vec<(String, String)>, value| Series {
        name: name.to_string(),
        unit: unit.to_string(),
        attributes,
        value,
    };
    match data {
        MetricData::Sum(sum) => {
            for p in sum.data_points() {
                out.push(series(
                    texts(p.attributes()),
                    SeriesValue::Sum(f(p.value())),
                ));
            }
        }
        MetricData::Gauge(gauge) => {
            for p in gauge.data_points() {
                out.push(series(
                    texts(p.attributes()),
                    SeriesValue::Sum(f(p.value())),
                ));
            }
        }
        MetricData::Histogram(h) => {
            for p in h.data_points() {
                out.push(series(
                    texts(p.attributes()),
                    SeriesValue::Histogram {
                        count: p.count(),
                        sum: f(p.sum()),
                        min: p.min().map(&f),
                        max: p.max().map(&f),
                        bounds: p.bounds().collect(),
                        bucket_counts: p.bucket_counts().collect(),
                    },
                ));
            }
        }
        MetricData::ExponentialHistogram(_) => {}
    }
}

fn texts<'a>(attributes: impl Iterator<Item = &'a KeyValue>) -> Vec<(String, String)> {
    attributes
        .map(|kv| (kv.key.as_str().to_string(), text(&kv.value)))
        .collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.as_str().to_string(),
        other => other.to_string(),
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        let attrs: Vec<String> = self
            .attributes
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !attrs.is_empty() {
            write!(f, "{{{}}}", attrs.join(","))?;
        }
        match &self.value {
            SeriesValue::Sum(v) => write!(f, " {v} {}", self.unit),
            SeriesValue::Histogram { count, sum, .. } => {
                write!(f, " count={count} sum={sum} {}", self.unit)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(bounds: &[f64], counts: &[u64], max: f64) -> Series {
        Series {
            name: "h".into(),
            unit: "s".into(),
            attributes: vec![],
            value: SeriesValue::Histogram {
                count: counts.iter().sum(),
                sum: 0.0,
                min: Some(0.0),
                max: Some(max),
                bounds: bounds.to_vec(),
                bucket_counts: counts.to_vec(),
            },
        }
    }

    #[test]
    fn quantiles_interpolate_within_their_bucket() {
        // 10 values in (0, 1], 10 in (1, 2].
        let h = histogram(&[1.0, 2.0], &[10, 10, 0], 2.0);
        assert_eq!(h.quantile(0.5), Some(1.0));
        assert_eq!(h.quantile(0.25), Some(0.5));
        assert_eq!(h.quantile(0.75), Some(1.5));
        // In the overflow bucket, the maximum.
        let h = histogram(&[1.0], &[1, 3], 7.5);
        assert_eq!(h.quantile(0.95), Some(7.5));
        assert_eq!(histogram(&[1.0], &[0, 0], 0.0).quantile(0.5), None);
        assert_eq!(h.quantile(1.5), None);
    }
}
