#!/usr/bin/env python3
"""Draws the panels of the bundled Grafana dashboard (grafana/dashboards/aitrace-genai.json)
as one SVG, from the metrics a collector received: the detailed metrics log of the
rotel collector (`rotel-agent start --debug-log metrics --debug-log-verbosity detailed`).

    python3 scripts/render_dashboard.py ROTEL_LOG OUT.svg [WINDOW_SECONDS]

The metrics must be cumulative (aitrace's default) from one process. Each panel
computes what its dashboard query computes, over a sliding window (10 s by default,
the dashboard's $__rate_interval): rates of counters and histogram sums, and
p50/p95 from the histogram buckets, interpolated inside the bucket as Prometheus's
histogram_quantile does. Python's standard library only; see docs/metrics.md.
"""

import math
import sys
from collections import defaultdict

# ---------------------------------------------------------------------------
# Reading the log


def parse(path):
    """Data points: dicts with name, attrs, t (s), sum/value, count, bounds, buckets."""
    points = []
    in_metrics = False
    name = None
    point = None
    attrs_open = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("ResourceMetrics #"):
                in_metrics = True
                continue
            if line.startswith("ResourceSpans #"):
                in_metrics = False
            if not in_metrics:
                continue
            stripped = line.strip()
            if line.startswith("Metric #"):
                name, point, attrs_open = None, None, False
            elif stripped.startswith("-> Name: ") and point is None:
                name = stripped[len("-> Name: "):]
            elif line.startswith(("NumberDataPoints #", "HistogramDataPoints #")):
                point = {"name": name, "attrs": {}, "bounds": [], "buckets": [], "count": 0, "sum": 0.0}
                points.append(point)
                attrs_open = False
            elif line == "Data point attributes:":
                attrs_open = True
            elif stripped.startswith("-> ") and attrs_open and point is not None:
                key, _, value = stripped[3:].partition(": ")
                if "(" in value and value.endswith(")"):
                    value = value[value.index("(") + 1:-1]
                point["attrs"][key] = value
            elif point is not None:
                attrs_open = False
                if line.startswith("Timestamp: "):
                    point["t"] = int(line.split()[1]) / 1e9
                elif line.startswith("Value: ") or line.startswith("Sum: "):
                    point["sum"] = float(line.split()[1])
                elif line.startswith("Count: "):
                    point["count"] = int(line.split()[1])
                elif line.startswith("ExplicitBounds #"):
                    point["bounds"].append(float(line.rsplit(" ", 1)[1]))
                elif line.startswith("Buckets #"):
                    point["buckets"].append(int(line.rsplit(" ", 1)[1]))
    return [p for p in points if "t" in p and p["name"]]


class Series:
    """Cumulative points of one metric, by attribute set, in time order."""

    def __init__(self, points):
        self.by = defaultdict(list)
        self.times = sorted({round(p["t"], 1) for p in points})
        for p in points:
            key = (p["name"], tuple(sorted(p["attrs"].items())))
            self.by[key].append(p)
        for v in self.by.values():
            v.sort(key=lambda p: p["t"])

    def select(self, name, match=lambda a: True):
        return [(dict(k[1]), v) for k, v in self.by.items() if k[0] == name and match(dict(k[1]))]

    @staticmethod
    def at(points, t):
        """The last point at or before t (None before the first)."""
        last = None
        for p in points:
            if p["t"] <= t + 0.05:
                last = p
            else:
                break
        return last


def delta(a, b, field):
    if b is None:
        return 0.0
    return b[field] - (a[field] if a is not None else 0.0)


def bucket_delta(a, b):
    if b is None:
        return None, []
    if a is None:
        return b["bounds"], list(b["buckets"])
    return b["bounds"], [y - x for x, y in zip(a["buckets"], b["buckets"])]


def quantile(q, bounds, counts):
    """histogram_quantile: linear inside the bucket that holds the rank."""
    total = sum(counts)
    if total <= 0:
        return None
    rank = q * total
    seen = 0
    for i, c in enumerate(counts):
        if seen + c >= rank and c > 0:
            lower = bounds[i - 1] if i > 0 else 0.0
            if i >= len(bounds):
                return bounds[-1]
            upper = bounds[i]
            return lower + (upper - lower) * (rank - seen) / c
        seen += c
    return bounds[-1] if bounds else None


# ---------------------------------------------------------------------------
# The panels, as the dashboard's queries compute them


def panels(s, window):
    times = s.times
    t0 = times[0]

    def windowed(pairs, fn, group):
        """{legend: [(t, value)]} of fn(sum over group members of window deltas)."""
        out = defaultdict(list)
        for t in times[1:]:
            acc = defaultdict(list)
            for attrs, pts in pairs:
                acc[group(attrs)].append((Series.at(pts, t - window), Series.at(pts, t)))
            for legend, members in acc.items():
                v = fn(members)
                if v is not None:
                    out[legend].append((t - t0, v))
        return out

    def rate(field, scale=1.0):
        return lambda ms: scale * sum(delta(a, b, field) for a, b in ms) / window

    def quant(q):
        def f(ms):
            bounds, counts = None, None
            for a, b in ms:
                bd, cs = bucket_delta(a, b)
                if bd is None:
                    continue
                bounds = bd
                counts = cs if counts is None else [x + y for x, y in zip(counts, cs)]
            return quantile(q, bounds, counts) if bounds else None
        return f

    model = lambda a: a.get("gen_ai.request.model", "?")
    out = []
    tok = s.select("gen_ai.client.token.usage")
    out.append(("Tokens per model", "tokens/s", windowed(
        tok, rate("sum"), lambda a: f"{model(a)} {a.get('gen_ai.token.type')}")))
    out.append(("Cost per model", "USD/h", windowed(
        s.select("ai.client.cost"), rate("sum", 3600.0), model)))
    dur = s.select("gen_ai.client.operation.duration")
    merged = {}
    for q in (0.5, 0.95):
        for k, v in windowed(dur, quant(q), model).items():
            merged[f"p{int(q * 100)} {k}"] = v
    out.append(("Model call duration p50 / p95", "s", merged))
    ttfc = s.select("gen_ai.client.operation.time_to_first_chunk")
    merged = {}
    for q in (0.5, 0.95):
        for k, v in windowed(ttfc, quant(q), model).items():
            merged[f"p{int(q * 100)} {k}"] = v
    out.append(("Time to first chunk p50 / p95", "s", merged))

    failed = windowed(dur, rate("count"), lambda a: (model(a), "error.type" in a))
    err = {}
    for (m, is_err), series in failed.items():
        if is_err:
            continue
        errs = dict(failed.get((m, True), []))
        err[m] = [(t, errs.get(t, 0.0) / v) for t, v in series if v > 0]
    out.append(("Model call error rate", "share", err))
    tools = s.select("ai.tool.duration")
    merged = {}
    for q in (0.5, 0.95):
        for k, v in windowed(tools, quant(q), lambda a: a.get("gen_ai.tool.name")).items():
            merged[f"p{int(q * 100)} {k}"] = v
    out.append(("Tool call duration p50 / p95", "s", merged))
    out.append(("Tool errors", "calls/s", windowed(
        [x for x in tools if "error.type" in x[0]], rate("count"),
        lambda a: f"{a.get('gen_ai.tool.name')} {a.get('error.type')}")))
    out.append(("Guardrail checks and trips", "checks/s", windowed(
        s.select("ai.guardrail.checks"), rate("sum"),
        lambda a: f"{a.get('ai.guardrail.name')} tripped={a.get('ai.guardrail.triggered')}")))
    return out


def totals(s):
    def last_sum(name, field, match=lambda a: True):
        return sum(v[-1][field] for a, v in s.select(name, match))
    return [
        ("Cost total (USD)", f"${last_sum('ai.client.cost', 'sum'):.4f}"),
        ("Model calls", f"{last_sum('gen_ai.client.operation.duration', 'count'):.0f}"),
        ("Tokens total", f"{last_sum('gen_ai.client.token.usage', 'sum'):,.0f}"),
        ("Guardrail trips", f"{last_sum('ai.guardrail.checks', 'sum', lambda a: a.get('ai.guardrail.triggered') == 'true'):.0f}"),
    ]


# ---------------------------------------------------------------------------
# Drawing

COLOURS = ["#73bf69", "#f2cc0c", "#5794f2", "#ff780a", "#b877d9", "#f2495c", "#37872d", "#8ab8ff"]
W, PW, PH, GAP = 1200, 588, 250, 8


def esc(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fmt(v):
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 1:
        return f"{v:.1f}"
    if a >= 0.01:
        return f"{v:.2f}"
    return f"{v:.3f}"


def panel_svg(x, y, title, unit, series):
    out = [f'<rect x="{x}" y="{y}" width="{PW}" height="{PH}" rx="3" fill="#181b1f" stroke="#2c3235"/>',
           f'<text x="{x + 10}" y="{y + 20}" fill="#ccccdc" font-size="13" font-weight="600">{esc(title)}</text>']
    px, py, pw, ph = x + 52, y + 34, PW - 64, PH - 100
    values = [v for pts in series.values() for _, v in pts]
    if not values:
        out.append(f'<text x="{x + PW / 2}" y="{y + PH / 2}" fill="#8e8e8e" text-anchor="middle">No data</text>')
        return out
    ymax = max(values) * 1.1 or 1.0
    tmax = max(t for pts in series.values() for t, _ in pts) or 1.0
    for i in range(5):
        gy = py + ph - ph * i / 4
        out.append(f'<line x1="{px}" y1="{gy:.1f}" x2="{px + pw}" y2="{gy:.1f}" stroke="#2c3235"/>')
        out.append(f'<text x="{px - 6}" y="{gy + 4:.1f}" fill="#8e8e8e" font-size="10" text-anchor="end">{fmt(ymax * i / 4)}</text>')
    for i in range(7):
        t = tmax * i / 6
        gx = px + pw * i / 6
        out.append(f'<text x="{gx:.1f}" y="{py + ph + 14}" fill="#8e8e8e" font-size="10" text-anchor="middle">{t:.0f}s</text>')
    out.append(f'<text x="{x + PW - 10}" y="{y + 20}" fill="#8e8e8e" font-size="10" text-anchor="end">{esc(unit)}</text>')
    for i, (legend, pts) in enumerate(sorted(series.items())):
        c = COLOURS[i % len(COLOURS)]
        d = " ".join(f"{px + pw * t / tmax:.1f},{py + ph - ph * v / ymax:.1f}" for t, v in pts)
        dash = ' stroke-dasharray="4 3"' if legend.startswith("p95") else ""
        out.append(f'<polyline fill="none" stroke="{c}" stroke-width="1.6"{dash} points="{d}"/>')
        lx = x + 12 + (i % 3) * 190
        ly = y + PH - 42 + (i // 3) * 14
        out.append(f'<rect x="{lx}" y="{ly - 8}" width="10" height="3" fill="{c}"/>')
        out.append(f'<text x="{lx + 14}" y="{ly}" fill="#ccccdc" font-size="10">{esc(legend)[:40]}</text>')
    return out


def render(s, window, out_path):
    stats = totals(s)
    charts = panels(s, window)
    rows = (len(charts) + 1) // 2
    height = 40 + 90 + rows * (PH + GAP) + 10
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{height}" '
           f'viewBox="0 0 {W} {height}" font-family="Inter, Helvetica, Arial, sans-serif">',
           f'<rect width="{W}" height="{height}" fill="#111217"/>',
           '<text x="12" y="26" fill="#ccccdc" font-size="16" font-weight="600">aitrace — GenAI</text>',
           f'<text x="{W - 12}" y="26" fill="#8e8e8e" font-size="11" text-anchor="end">'
           f'windows of {window:.0f} s · {len(s.times)} exports</text>']
    sw = (W - 12 * 2 - GAP * 3) / 4
    for i, (title, value) in enumerate(stats):
        x = 12 + i * (sw + GAP)
        svg.append(f'<rect x="{x:.1f}" y="40" width="{sw:.1f}" height="82" rx="3" fill="#181b1f" stroke="#2c3235"/>')
        svg.append(f'<text x="{x + 10:.1f}" y="58" fill="#ccccdc" font-size="12" font-weight="600">{esc(title)}</text>')
        svg.append(f'<text x="{x + sw / 2:.1f}" y="104" fill="#73bf69" font-size="28" text-anchor="middle">{esc(value)}</text>')
    for i, (title, unit, series) in enumerate(charts):
        x = 12 + (i % 2) * (PW + GAP)
        y = 130 + (i // 2) * (PH + GAP)
        svg.extend(panel_svg(x, y, title, unit, series))
    svg.append("</svg>")
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(svg) + "\n")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    window = float(sys.argv[3]) if len(sys.argv) == 4 else 10.0
    points = parse(sys.argv[1])
    if not points:
        sys.exit(f"{sys.argv[1]}: no metric data points (was rotel started with --debug-log metrics?)")
    render(Series(points), window, sys.argv[2])
    print(f"{sys.argv[2]}: {len(points)} data points")


if __name__ == "__main__":
    main()
