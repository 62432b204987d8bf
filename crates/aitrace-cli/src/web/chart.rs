//! Stacked bar charts drawn as inline SVG: one bar per time bucket, one
//! coloured segment per series, with a title on every segment.

use super::html::esc;
use std::fmt::Write;

/// One series: a name and one value per bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The series name (a model).
    pub name: String,
    /// Its value in each bucket.
    pub values: Vec<f64>,
}

/// Distinct fills, by series index (classes `s0` to `s9` in the stylesheet).
pub const COLOURS: usize = 10;

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 36.0;

/// A stacked bar chart of `series` over `buckets` (their labels), values
/// written by `fmt`. `id` names the SVG element.
pub fn stacked_bars(
    id: &str,
    label: &str,
    buckets: &[String],
    series: &[Series],
    fmt: &dyn Fn(f64) -> String,
) -> String {
    let n = buckets.len().max(1);
    let totals: Vec<f64> = (0..n)
        .map(|i| {
            series
                .iter()
                .map(|s| s.values.get(i).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let max = nice_max(totals.iter().copied().fold(0.0, f64::max));
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let mut s = format!(
        "<svg class=\"chart\" id=\"{}\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{}\">",
        esc(id),
        esc(label)
    );
    // Grid and the value axis.
    for i in 0..=4 {
        let v = max * f64::from(i) / 4.0;
        let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
        let _ = write!(
            s,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/><text class=\"axis\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            esc(&fmt(v))
        );
    }
    // Bars, bottom up in series order.
    for i in 0..n {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0.0;
        for (k, ser) in series.iter().enumerate() {
            let v = ser.values.get(i).copied().unwrap_or(0.0);
            if v <= 0.0 || max <= 0.0 {
                continue;
            }
            let h = plot_h * v / max;
            let y = TOP + plot_h - plot_h * base / max - h;
            base += v;
            let _ = write!(
                s,
                "<rect class=\"s{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\"><title>{} · {}: {}</title></rect>",
                k % COLOURS,
                esc(&ser.name),
                esc(buckets.get(i).map(String::as_str).unwrap_or("")),
                esc(&fmt(v))
            );
        }
    }
    // Time labels: first, middle, last.
    let mut marks = vec![0, n / 2, n - 1];
    marks.dedup();
    for i in marks {
        if let Some(text) = buckets.get(i) {
            // The first label starts at its bar, the last ends at its bar, so
            // that neither is cut by the edge of the drawing.
            let (x, anchor) = if i == 0 {
                (LEFT + slot * i as f64, "start")
            } else if i + 1 == n && n > 1 {
                (LEFT + slot * (i as f64 + 1.0), "end")
            } else {
                (LEFT + slot * (i as f64 + 0.5), "middle")
            };
            let _ = write!(
                s,
                "<text class=\"axis\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                HEIGHT - 12.0,
                esc(text)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The legend of `series`, in the chart's colours.
pub fn legend(series: &[Series]) -> String {
    let mut s = String::from("<ul class=\"legend\">");
    for (k, ser) in series.iter().enumerate() {
        let _ = write!(
            s,
            "<li><svg class=\"swatch\" viewBox=\"0 0 10 10\"><rect class=\"s{}\" width=\"10\" height=\"10\"/></svg>{}</li>",
            k % COLOURS,
            esc(&ser.name)
        );
    }
    s.push_str("</ul>");
    s
}

/// A round number at least `v` for the top of the value axis (1, 2 or 5
/// times a power of ten).
fn nice_max(v: f64) -> f64 {
    if v <= 0.0 || !v.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * p)
        .find(|c| *c >= v)
        .unwrap_or(10.0 * p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_and_carry_titles() {
        let series = vec![
            Series {
                name: "gpt-4o".into(),
                values: vec![10.0, 0.0],
            },
            Series {
                name: "claude".into(),
                values: vec![5.0, 20.0],
            },
        ];
        let svg = stacked_bars(
            "tokens",
            "Tokens by model",
            &["a".into(), "b".into()],
            &series,
            &|v| format!("{v:.0}"),
        );
        assert_eq!(svg.matches("<rect ").count(), 3, "zero values draw nothing");
        assert!(svg.contains("<title>gpt-4o · a: 10</title>"));
        assert!(svg.contains("<title>claude · b: 20</title>"));
        assert_eq!(nice_max(15.0), 20.0);
        assert_eq!(nice_max(0.0031), 0.005);
        assert!(legend(&series).contains("claude"));
    }
}
