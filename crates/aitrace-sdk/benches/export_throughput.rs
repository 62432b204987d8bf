//! OTLP export throughput: spans pushed through the real pipeline of
//! `aitrace_sdk::Builder` (batch span processor at its default settings, our OTLP
//! exporter) to a local receiver, over gRPC and over HTTP/protobuf, beside the
//! same spans exported by `opentelemetry-otlp` 0.33 (the baseline, see
//! `export/upstream.rs`) to the same receiver in the same run.
//!
//! `cargo bench -p aitrace-sdk --bench export_throughput` runs every scenario in a
//! child process of its own (so that each one's CPU time and peak memory are its
//! own) while this process hosts the receivers, then prints tables:
//!
//! - **aitrace against opentelemetry-otlp**, three repetitions per protocol: in
//!   each, a burst of either side, then for each side the highest paced rate at
//!   which every span was delivered (nothing dropped, nothing failed, receiver
//!   count = spans made; `export/search.rs`), the two searches run in step with
//!   the order of the sides swapped at every step; then CPU time of the whole
//!   process per 1,000 delivered spans, both sides at one paced rate (60 % of the
//!   lower median zero-loss rate), three runs each, alternating.
//! - **burst**: one application thread ends spans as fast as it can; what was
//!   delivered per second, and what the full queue dropped.
//! - **dead collector** (aitrace only): the same application at its sustained rate
//!   and in a burst, with nothing listening on the port: time spent on the
//!   application thread per span (against the live run at the same rate), and
//!   peak memory (`VmHWM`), which the queue bounds.
//!
//! The workload is an agent run of 7 spans (agent, guardrail, generation, tool,
//! handoff, nested agent, generation) with the dialects ai and gen_ai, made
//! through aitrace's span API on both sides.
//!
//! `AITRACE_EXPORT_SECONDS` sets the length of a scenario (3 s by default),
//! `AITRACE_EXPORT_REPS` the number of repetitions (3). `AITRACE_EXPORT_TRY=grpc:30000,60000`
//! (or `http:…`) only runs paced scenarios at the given rates, each side in
//! turn, and prints their raw results; `AITRACE_EXPORT_SIDES=aitrace` (or
//! `opentelemetry-otlp`) keeps one side. `AITRACE_EXPORT_WRAP` is a command put in
//! front of each child (`perf record -g -o /tmp/child.data --`), to profile it.
//!
//! Under `cargo test` (no `--bench` argument) it only checks, in-process and in a
//! fraction of a second, that about two thousand spans arrive over each protocol
//! from each side, and that both sides' spans have the same shape (resource,
//! scope, names, attribute keys, events).

mod export;

use aitrace::{GuardrailType, Usage};
use aitrace_sdk::config::{ExporterKind, Protocol};
use export::proc::{load_average, process_cpu_ns, status_kib, thread_cpu_ns};
use export::receiver::{dead_endpoint, Receiver};
use export::search::Search;
use export::upstream::Upstream;
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

/// Spans in one unit of work.
const SPANS_PER_RUN: u64 = 7;

/// Which exporter carries the spans.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Aitrace,
    Upstream,
}

impl Side {
    const BOTH: [Side; 2] = [Side::Aitrace, Side::Upstream];

    fn name(self) -> &'static str {
        match self {
            Side::Aitrace => "aitrace",
            Side::Upstream => "opentelemetry-otlp",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    fn parse(s: &str) -> Side {
        match s {
            "aitrace" => Side::Aitrace,
            "opentelemetry-otlp" => Side::Upstream,
            _ => panic!("unknown side {s:?}: aitrace or opentelemetry-otlp"),
        }
    }
}

// ---------------------------------------------------------------------------
// The application side (a child process, or in-process under `cargo test`).

/// One agent run: 7 spans.
fn agent_run() {
    let agent = aitrace::agent("triage")
        .with_tools(["search_kb"])
        .with_handoffs(["billing"])
        .start();
    agent.in_scope(|| {
        let g = aitrace::guardrail("pii_check")
            .with_type(GuardrailType::Input)
            .start();
        g.pass();
        g.end();
        generation();
        aitrace::tool("search_kb")
            .with_call_id("call_1")
            .start()
            .end();
        let handoff = aitrace::handoff("triage", "billing").start();
        handoff.in_scope(|| {
            let billing = aitrace::agent("billing").start();
            billing.in_scope(generation);
            billing.end();
        });
        handoff.end();
    });
    agent.end();
}

fn generation() {
    let mut call = aitrace::generation("openai", "gpt-4o")
        .with_max_tokens(256)
        .with_temperature(0.2)
        .start();
    call.record_response_model("gpt-4o-2024-08-06");
    call.record_response_id("chatcmpl-123");
    call.record_finish_reasons(["stop"]);
    call.record_usage(Usage::new(812, 64).with_cache_read(512));
    call.end();
}

/// The configuration of both sides: aitrace's defaults (batch queue 2048,
/// batch 512, delay 5 s, export timeout 10 s, no compression), one service name.
/// No metrics: the upstream side exports traces only, and the receiver takes
/// traces only.
fn builder(protocol: Protocol, endpoint: &str) -> aitrace_sdk::Builder {
    aitrace_sdk::Builder::new()
        .with_service_name("export-bench")
        .with_endpoint(endpoint)
        .with_protocol(protocol)
        .with_exporters(vec![ExporterKind::Otlp])
        .with_metrics_exporters(Vec::new())
}

/// A pipeline of either side, installed.
enum Installed {
    // Boxed: the guard is five times the size of the other side (one
    // allocation per run, before anything is timed).
    Aitrace(Box<aitrace_sdk::TracingGuard>),
    Upstream(Upstream),
}

/// What became of the spans made, once the pipeline is shut down.
struct Settled {
    exported: u64,
    failed: u64,
    dropped: u64,
    clean: bool,
}

impl Installed {
    fn install(side: Side, protocol: Protocol, endpoint: &str) -> Installed {
        let builder = builder(protocol, endpoint);
        match side {
            Side::Aitrace => Installed::Aitrace(Box::new(builder.install().expect("pipeline"))),
            Side::Upstream => {
                Installed::Upstream(Upstream::install(protocol, endpoint, builder.config()))
            }
        }
    }

    /// Spans dropped so far (aitrace counts them; the SDK's batch processor
    /// does not say).
    fn dropped(&self) -> Option<u64> {
        match self {
            Installed::Aitrace(guard) => Some(guard.stats().dropped),
            Installed::Upstream(_) => None,
        }
    }

    fn shutdown(self, timeout: Duration, made: u64) -> Settled {
        match self {
            Installed::Aitrace(guard) => {
                let (stats, clean) = match guard.shutdown_with_timeout(timeout) {
                    Ok(r) => (r.stats, true),
                    Err(e) => (e.report.stats, false),
                };
                Settled {
                    exported: stats.exported,
                    failed: stats.failed,
                    dropped: stats.dropped,
                    clean,
                }
            }
            Installed::Upstream(upstream) => {
                let o = upstream.shutdown(timeout);
                Settled {
                    exported: o.exported,
                    failed: o.failed,
                    dropped: made.saturating_sub(o.exported + o.failed),
                    clean: o.clean,
                }
            }
        }
    }
}

/// Makes spans for `duration` (at `rate` spans per second, or as fast as possible
/// when 0) through a pipeline of `side` installed with the default settings,
/// shuts it down, and reports the counts, CPU time, and memory.
fn application(
    side: Side,
    protocol: Protocol,
    endpoint: &str,
    live: bool,
    rate: f64,
    duration: Duration,
) -> Value {
    let rss_before = status_kib("VmRSS:");
    let installed = Installed::install(side, protocol, endpoint);
    let runs_per_sec = rate / SPANS_PER_RUN as f64;
    let start = Instant::now();
    let (mut runs, mut busy) = (0u64, Duration::ZERO);
    let (mut rss_peak_seen, mut rss_at_1s) = (0, 0);
    let mut first_drop = None;
    let cpu_before = thread_cpu_ns();
    let process_before = process_cpu_ns();
    let mut next_sample = Duration::ZERO;
    loop {
        let now = start.elapsed();
        if now >= duration {
            break;
        }
        if now >= next_sample {
            let rss = status_kib("VmRSS:");
            rss_peak_seen = rss_peak_seen.max(rss);
            if rss_at_1s == 0 && now >= Duration::from_secs(1) {
                rss_at_1s = rss;
            }
            next_sample += Duration::from_millis(250);
        }
        let due = if rate > 0.0 {
            (now.as_secs_f64() * runs_per_sec) as u64
        } else {
            runs + 64
        };
        if runs >= due {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        }
        let t = Instant::now();
        while runs < due {
            agent_run();
            runs += 1;
        }
        busy += t.elapsed();
        if first_drop.is_none() && installed.dropped().is_some_and(|d| d > 0) {
            first_drop = Some(start.elapsed().as_secs_f64());
        }
    }
    let cpu_ns = thread_cpu_ns().saturating_sub(cpu_before);
    let elapsed = start.elapsed();
    let dropped_before_shutdown = installed.dropped();
    let hwm_before_shutdown = status_kib("VmHWM:");
    let rss_end = status_kib("VmRSS:");
    let spans = runs * SPANS_PER_RUN;
    let t = Instant::now();
    // A dead collector would hold shutdown for the whole export timeout.
    let settled = installed.shutdown(Duration::from_secs(if live { 30 } else { 1 }), spans);
    let shutdown_secs = t.elapsed().as_secs_f64();
    let process_cpu = process_cpu_ns().saturating_sub(process_before);
    json!({
        "side": side.name(),
        "rate": rate,
        "spans": spans,
        "seconds": elapsed.as_secs_f64(),
        "busy_ns_per_span": busy.as_nanos() as f64 / spans.max(1) as f64,
        "cpu_ns_per_span": cpu_ns as f64 / spans.max(1) as f64,
        "app_thread_cpu_ns": cpu_ns,
        "process_cpu_ns": process_cpu,
        "first_drop_seconds": first_drop,
        "exported": settled.exported,
        "failed": settled.failed,
        "dropped": settled.dropped,
        "dropped_before_shutdown": dropped_before_shutdown,
        "clean": settled.clean,
        "shutdown_seconds": shutdown_secs,
        "rss_before_kib": rss_before,
        "rss_peak_sampled_kib": rss_peak_seen,
        "rss_at_1s_kib": rss_at_1s,
        "rss_end_kib": rss_end,
        "hwm_kib": hwm_before_shutdown,
    })
}

fn protocol_name(p: Protocol) -> &'static str {
    match p {
        Protocol::Grpc => "grpc",
        Protocol::HttpProtobuf => "http",
        Protocol::HttpJson => "http-json",
    }
}

fn protocol_title(p: Protocol) -> &'static str {
    match p {
        Protocol::Grpc => "gRPC",
        Protocol::HttpProtobuf => "HTTP/protobuf",
        Protocol::HttpJson => "HTTP/JSON",
    }
}

fn parse_protocol(s: &str) -> Protocol {
    match s {
        "grpc" => Protocol::Grpc,
        "http" => Protocol::HttpProtobuf,
        _ => panic!("unknown protocol {s:?}: grpc or http"),
    }
}

fn child_main() {
    let var = |k: &str| std::env::var(k).expect(k);
    let side = Side::parse(&var("AITRACE_EXPORT_SIDE"));
    let protocol = parse_protocol(&var("AITRACE_EXPORT_PROTOCOL"));
    let endpoint = var("AITRACE_EXPORT_ENDPOINT");
    let rate: f64 = var("AITRACE_EXPORT_RATE").parse().expect("a rate");
    let ms: u64 = var("AITRACE_EXPORT_MS").parse().expect("a duration");
    let live = var("AITRACE_EXPORT_LIVE") == "1";
    let out = application(
        side,
        protocol,
        &endpoint,
        live,
        rate,
        Duration::from_millis(ms),
    );
    println!("RESULT {out}");
}

// ---------------------------------------------------------------------------
// The parent: receivers, scenarios, the tables.

/// Runs one scenario in a child process; returns its report plus what the
/// receiver got.
fn scenario(
    side: Side,
    protocol: Protocol,
    receiver: Option<&Receiver>,
    rate: f64,
    ms: u64,
) -> Value {
    let endpoint = receiver.map_or_else(dead_endpoint, |r| r.endpoint.clone());
    let received_before = receiver.map_or(0, Receiver::received);
    let exe = std::env::current_exe().expect("this binary");
    let wrap = std::env::var("AITRACE_EXPORT_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    let mut command = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(exe);
            c
        }
        None => Command::new(exe),
    };
    // Both exporters read OTEL_* variables (upstream's reads headers, timeout
    // and compression; the SDK's batch settings read OTEL_BSP_*): none of the
    // caller's reach the children.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("OTEL_") {
            command.env_remove(k);
        }
    }
    let output = command
        .env("AITRACE_EXPORT_CHILD", "1")
        .env("AITRACE_EXPORT_SIDE", side.name())
        .env("AITRACE_EXPORT_PROTOCOL", protocol_name(protocol))
        .env("AITRACE_EXPORT_ENDPOINT", &endpoint)
        .env(
            "AITRACE_EXPORT_LIVE",
            if receiver.is_some() { "1" } else { "0" },
        )
        .env("AITRACE_EXPORT_RATE", rate.to_string())
        .env("AITRACE_EXPORT_MS", ms.to_string())
        .output()
        .expect("the scenario runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "no result from the scenario: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let mut v: Value = serde_json::from_str(line).expect("a JSON result");
    // Give the receiver a moment to count the last request it answered.
    std::thread::sleep(Duration::from_millis(50));
    v["received"] = json!(receiver.map_or(0, Receiver::received) - received_before);
    v
}

fn num(v: &Value, k: &str) -> f64 {
    v[k].as_f64().unwrap_or(0.0)
}

/// Every span made was exported and received: nothing dropped, nothing failed.
fn delivered_all(v: &Value) -> bool {
    v["clean"].as_bool() == Some(true)
        && num(v, "dropped") == 0.0
        && num(v, "failed") == 0.0
        && num(v, "received") == num(v, "spans")
}

/// Spans per second that reached the receiver.
fn delivered_per_sec(v: &Value) -> f64 {
    num(v, "received") / num(v, "seconds").max(1e-9)
}

/// CPU time of the whole child process per 1,000 spans received, in ms.
fn cpu_ms_per_1000(v: &Value, key: &str) -> f64 {
    num(v, key) / 1e6 / num(v, "received").max(1.0) * 1000.0
}

fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}

/// The paced rate of the CPU runs, as a share of the lower of the two median
/// zero-loss rates.
const CPU_RATE_SHARE: f64 = 0.6;

/// Which side goes first in the next round: they take turns.
struct Turns(usize);

impl Turns {
    fn next(&mut self) -> [Side; 2] {
        self.0 += 1;
        if self.0 % 2 == 1 {
            [Side::Aitrace, Side::Upstream]
        } else {
            [Side::Upstream, Side::Aitrace]
        }
    }
}

/// One repetition of one protocol: a burst and a zero-loss search per side.
struct Rep {
    burst: [Value; 2],
    search: [Search; 2],
    /// The run at the best rate of each search.
    best_run: [Value; 2],
}

/// aitrace against opentelemetry-otlp on one protocol.
struct Comparison {
    protocol: Protocol,
    reps: Vec<Rep>,
    /// The paced rate of the CPU runs.
    cpu_rate: f64,
    /// Per repetition, each side's run at `cpu_rate`.
    cpu_runs: Vec<[Value; 2]>,
}

impl Comparison {
    fn best(&self, side: Side) -> Vec<f64> {
        self.reps
            .iter()
            .map(|r| r.search[side.index()].best())
            .collect()
    }
}

fn compare(protocol: Protocol, seconds: u64, reps: usize) -> Comparison {
    let ms = seconds * 1000;
    let receiver = Receiver::start(protocol);
    let mut turns = Turns(0);
    let mut done = Vec::new();
    for rep in 0..reps {
        let mut burst = [Value::Null, Value::Null];
        for side in turns.next() {
            burst[side.index()] = scenario(side, protocol, Some(&receiver), 0.0, ms);
        }
        let start = |v: &Value| (delivered_per_sec(v) * 0.9).max(1000.0);
        let mut search = [Search::new(start(&burst[0])), Search::new(start(&burst[1]))];
        let mut best_run = [Value::Null, Value::Null];
        loop {
            let mut ran = false;
            for side in turns.next() {
                let s = &mut search[side.index()];
                let Some(rate) = s.next() else { continue };
                let v = scenario(side, protocol, Some(&receiver), rate, ms);
                let ok = delivered_all(&v);
                s.record(rate, ok);
                if ok && rate >= s.best() {
                    best_run[side.index()] = v;
                }
                ran = true;
            }
            if !ran {
                break;
            }
        }
        eprintln!(
            "{} repetition {}: zero-loss aitrace {:.0}, opentelemetry-otlp {:.0} spans/s",
            protocol_name(protocol),
            rep + 1,
            search[0].best(),
            search[1].best()
        );
        done.push(Rep {
            burst,
            search,
            best_run,
        });
    }
    let mut comparison = Comparison {
        protocol,
        reps: done,
        cpu_rate: 0.0,
        cpu_runs: Vec::new(),
    };
    // CPU per span at one rate that both sides carry without loss.
    let lower = median(comparison.best(Side::Aitrace)).min(median(comparison.best(Side::Upstream)));
    // Well below it: on a shared machine a run near the limit may still lose
    // spans, and CPU per span is only comparable when both sides deliver all.
    comparison.cpu_rate = (CPU_RATE_SHARE * lower).max(1000.0);
    for _ in 0..reps {
        let mut runs = [Value::Null, Value::Null];
        for side in turns.next() {
            runs[side.index()] = scenario(side, protocol, Some(&receiver), comparison.cpu_rate, ms);
        }
        comparison.cpu_runs.push(runs);
    }
    comparison
}

/// aitrace alone: the figures of its burst, sustained and dead-collector runs.
struct Row {
    protocol: Protocol,
    burst: Value,
    sustained_rate: f64,
    sustained: Value,
    dead_paced: Value,
    dead_burst: Value,
}

/// aitrace's rows from the repetition with its median zero-loss rate, plus its
/// runs against a dead collector.
fn aitrace_row(c: &Comparison, seconds: u64) -> Row {
    let best = c.best(Side::Aitrace);
    let m = median(best.clone());
    let rep = best
        .iter()
        .enumerate()
        .min_by(|a, b| (a.1 - m).abs().total_cmp(&(b.1 - m).abs()))
        .map_or(0, |(i, _)| i);
    let r = &c.reps[rep];
    let i = Side::Aitrace.index();
    let sustained_rate = r.search[i].best();
    let ms = seconds * 1000;
    Row {
        protocol: c.protocol,
        burst: r.burst[i].clone(),
        sustained_rate,
        sustained: r.best_run[i].clone(),
        dead_paced: scenario(
            Side::Aitrace,
            c.protocol,
            None,
            sustained_rate.max(1000.0),
            ms,
        ),
        dead_burst: scenario(Side::Aitrace, c.protocol, None, 0.0, ms),
    }
}

/// `12345.6` as `12,346`.
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_comparison(comparisons: &[Comparison], seconds: u64, loads: (&str, &str)) {
    let reps = comparisons.first().map_or(0, |c| c.reps.len());
    println!();
    println!("aitrace against opentelemetry-otlp 0.33, same receiver, same run; each scenario {seconds} s; load average (1, 5, 15 min) {} at the start, {} at the end.", loads.0, loads.1);
    println!();
    let heads: Vec<String> = (1..=reps).map(|i| format!("repetition {i}")).collect();
    println!(
        "| protocol | exporter | {} | median | minimum | burst: delivered/s (median) |",
        heads.join(" | ")
    );
    println!("|---|---|{}---:|---:|---:|", "---:|".repeat(reps));
    for c in comparisons {
        let mut per_side = Vec::new();
        for side in Side::BOTH {
            let i = side.index();
            let cells: Vec<String> = c
                .reps
                .iter()
                .map(|r| {
                    let s = &r.search[i];
                    let bound = if s.bounded() { "" } else { "≥ " };
                    format!("{bound}{}", thousands(s.best()))
                })
                .collect();
            let best = c.best(side);
            let burst = median(
                c.reps
                    .iter()
                    .map(|r| delivered_per_sec(&r.burst[i]))
                    .collect(),
            );
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                protocol_title(c.protocol),
                side.name(),
                cells.join(" | "),
                thousands(median(best.clone())),
                thousands(best.iter().copied().fold(f64::INFINITY, f64::min)),
                thousands(burst)
            );
            per_side.push((best, burst));
        }
        let ratios: Vec<String> = per_side[0]
            .0
            .iter()
            .zip(&per_side[1].0)
            .map(|(a, u)| format!("{:.2}x", a / u.max(1.0)))
            .collect();
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        println!(
            "| {} | aitrace / opentelemetry-otlp | {} | **{:.2}x** | {:.2}x | {:.2}x |",
            protocol_title(c.protocol),
            ratios.join(" | "),
            median(per_side[0].0.clone()) / median(per_side[1].0.clone()).max(1.0),
            min(&per_side[0].0) / min(&per_side[1].0).max(1.0),
            per_side[0].1 / per_side[1].1.max(1.0),
        );
    }
    println!();
    println!("CPU per 1,000 delivered spans (whole child process, utime + stime, from the first span to the end of shutdown), both sides at the same paced rate:");
    println!();
    println!(
        "| protocol | paced rate (spans/s) | exporter | whole process (ms), {} | median | application thread (median) | other threads (median) | all delivered |",
        heads.join(", ")
    );
    println!("|---|---:|---|---|---:|---:|---:|---|");
    for c in comparisons {
        let mut medians = Vec::new();
        for side in Side::BOTH {
            let runs: Vec<&Value> = c.cpu_runs.iter().map(|r| &r[side.index()]).collect();
            let whole: Vec<f64> = runs
                .iter()
                .map(|v| cpu_ms_per_1000(v, "process_cpu_ns"))
                .collect();
            let app: Vec<f64> = runs
                .iter()
                .map(|v| cpu_ms_per_1000(v, "app_thread_cpu_ns"))
                .collect();
            let other: Vec<f64> = whole.iter().zip(&app).map(|(w, a)| w - a).collect();
            let all = runs.iter().all(|v| delivered_all(v));
            let cells: Vec<String> = whole.iter().map(|w| format!("{w:.2}")).collect();
            println!(
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {} |",
                protocol_title(c.protocol),
                thousands(c.cpu_rate),
                side.name(),
                cells.join(", "),
                median(whole.clone()),
                median(app.clone()),
                median(other.clone()),
                if all { "yes" } else { "no" }
            );
            medians.push((median(whole), median(app), median(other)));
        }
        println!(
            "| {} | {} | aitrace / opentelemetry-otlp | | **{:.2}x** | {:.2}x | {:.2}x | |",
            protocol_title(c.protocol),
            thousands(c.cpu_rate),
            medians[0].0 / medians[1].0.max(1e-9),
            medians[0].1 / medians[1].1.max(1e-9),
            medians[0].2 / medians[1].2.max(1e-9),
        );
    }
    println!();
    println!("rates tried (spans/s):");
    for c in comparisons {
        for (n, r) in c.reps.iter().enumerate() {
            for side in Side::BOTH {
                let tried: Vec<String> = r.search[side.index()]
                    .tried
                    .iter()
                    .map(|(rate, ok)| {
                        format!("{} {}", thousands(*rate), if *ok { "ok" } else { "lost" })
                    })
                    .collect();
                println!(
                    "- {} repetition {}, {}: {}",
                    protocol_title(c.protocol),
                    n + 1,
                    side.name(),
                    tried.join(", ")
                );
            }
        }
    }
}

fn print_aitrace(rows: &[Row]) {
    let mib = |kib: f64| kib / 1024.0;
    println!();
    println!("aitrace alone (the repetition with its median zero-loss rate):");
    println!();
    println!("| protocol | burst: made/s | burst: delivered/s | burst: dropped | sustained, nothing lost (spans/s) |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows {
        let b = &r.burst;
        println!(
            "| {} | {} | {} | {:.1} % | {} |",
            protocol_title(r.protocol),
            thousands(num(b, "spans") / num(b, "seconds")),
            thousands(delivered_per_sec(b)),
            100.0 * num(b, "dropped") / num(b, "spans").max(1.0),
            thousands(r.sustained_rate),
        );
    }
    println!();
    println!("| protocol | paced rate (spans/s) | app thread per span, live (ns) | collector dead (ns) | dead / live | burst: CPU per span, live (ns) | burst, dead (ns) | dead / live |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        let (live, dead) = (
            num(&r.sustained, "busy_ns_per_span"),
            num(&r.dead_paced, "busy_ns_per_span"),
        );
        let (bl, bd) = (
            num(&r.burst, "cpu_ns_per_span"),
            num(&r.dead_burst, "cpu_ns_per_span"),
        );
        println!(
            "| {} | {} | {live:.0} | {dead:.0} | {:.2}x | {bl:.0} | {bd:.0} | {:.2}x |",
            protocol_title(r.protocol),
            thousands(r.sustained_rate),
            dead / live.max(1.0),
            bd / bl.max(1.0)
        );
    }
    println!();
    println!("| protocol | run | RSS before init (MiB) | RSS after 1 s (MiB) | RSS at the end (MiB) | peak RSS, VmHWM (MiB) | spans made | dropped | failed |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in rows {
        for (what, v) in [
            ("live, sustained", &r.sustained),
            ("live, burst", &r.burst),
            ("dead, paced", &r.dead_paced),
            ("dead, burst", &r.dead_burst),
        ] {
            println!(
                "| {} | {what} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} | {} |",
                protocol_title(r.protocol),
                mib(num(v, "rss_before_kib")),
                mib(num(v, "rss_at_1s_kib")),
                mib(num(v, "rss_end_kib")),
                mib(num(v, "hwm_kib")),
                thousands(num(v, "spans")),
                thousands(num(v, "dropped")),
                thousands(num(v, "failed")),
            );
        }
    }
}

fn print_raw(comparisons: &[Comparison], rows: &[Row]) {
    println!();
    println!("raw results:");
    for c in comparisons {
        let p = protocol_name(c.protocol);
        for (n, r) in c.reps.iter().enumerate() {
            for side in Side::BOTH {
                let i = side.index();
                println!("{p} rep{} burst {}", n + 1, r.burst[i]);
                println!("{p} rep{} best {}", n + 1, r.best_run[i]);
            }
        }
        for (n, runs) in c.cpu_runs.iter().enumerate() {
            for v in runs {
                println!("{p} cpu{} {v}", n + 1);
            }
        }
    }
    for r in rows {
        let p = protocol_name(r.protocol);
        println!("{p} aitrace dead_paced {}", r.dead_paced);
        println!("{p} aitrace dead_burst {}", r.dead_burst);
    }
}

/// Under `cargo test`: about two thousand spans over each protocol from each
/// side, all delivered, and the same spans on both sides.
fn smoke() {
    // The search finds a known capacity to within its precision.
    let mut search = Search::new(100_000.0);
    while let Some(rate) = search.next() {
        search.record(rate, rate <= 70_000.0);
    }
    assert!(
        search.bounded() && search.best() <= 70_000.0 && search.best() >= 66_000.0,
        "search: {search:?}"
    );
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = Receiver::keeping_shapes(protocol);
        let mut shapes = Vec::new();
        for side in Side::BOTH {
            let before = receiver.received();
            let mut v = application(
                side,
                protocol,
                &receiver.endpoint,
                true,
                20_000.0,
                Duration::from_millis(100),
            );
            let deadline = Instant::now() + Duration::from_secs(10);
            let spans = num(&v, "spans") as u64;
            while receiver.received() - before < spans && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            v["received"] = json!(receiver.received() - before);
            assert!(
                spans > 0 && delivered_all(&v),
                "{} {}: {v}",
                protocol_name(protocol),
                side.name()
            );
            println!(
                "{} {}: {spans} spans delivered",
                protocol_name(protocol),
                side.name()
            );
            shapes.push(receiver.take_shapes());
        }
        assert!(
            !shapes[0].is_empty(),
            "{}: no shapes",
            protocol_name(protocol)
        );
        assert_eq!(
            shapes[0],
            shapes[1],
            "{}: both sides must export the same spans",
            protocol_name(protocol)
        );
        println!(
            "{}: the same {} span shapes from both sides",
            protocol_name(protocol),
            shapes[0].len()
        );
    }
}

fn main() {
    if std::env::var_os("AITRACE_EXPORT_CHILD").is_some() {
        return child_main();
    }
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        return smoke();
    }
    let sides: Vec<Side> = match std::env::var("AITRACE_EXPORT_SIDES") {
        Ok(s) => s.split(',').map(Side::parse).collect(),
        Err(_) => Side::BOTH.to_vec(),
    };
    if let Ok(rates) = std::env::var("AITRACE_EXPORT_TRY") {
        // `grpc:30000,30000`: paced runs at the given rates, raw results only.
        let (p, rates) = rates.split_once(':').expect("protocol:rates");
        let protocol = parse_protocol(p);
        let receiver = Receiver::start(protocol);
        for (n, rate) in rates.split(',').enumerate() {
            let rate: f64 = rate.parse().expect("a rate");
            // The sides take turns going first, as in the comparison.
            let mut order = sides.clone();
            if n % 2 == 1 {
                order.reverse();
            }
            for side in order {
                let v = scenario(side, protocol, Some(&receiver), rate, 3000);
                println!(
                    "{p} {} {rate} delivered_all={} lost={} cpu_ms_per_1000={:.3} {v}",
                    side.name(),
                    delivered_all(&v),
                    num(&v, "spans") - num(&v, "received"),
                    cpu_ms_per_1000(&v, "process_cpu_ns")
                );
            }
        }
        return;
    }
    let env_num = |k: &str, default: u64| {
        std::env::var(k)
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(default)
    };
    let seconds = env_num("AITRACE_EXPORT_SECONDS", 3);
    let reps = env_num("AITRACE_EXPORT_REPS", 3) as usize;
    let load_start = load_average();
    let comparisons: Vec<Comparison> = [Protocol::Grpc, Protocol::HttpProtobuf]
        .into_iter()
        .map(|p| compare(p, seconds, reps))
        .collect();
    let load_end = load_average();
    let rows: Vec<Row> = comparisons
        .iter()
        .map(|c| aitrace_row(c, seconds))
        .collect();
    print_comparison(&comparisons, seconds, (&load_start, &load_end));
    print_aitrace(&rows);
    print_raw(&comparisons, &rows);
}
