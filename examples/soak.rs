//! Soak run: several threads record AI agent runs at a steady rate for a fixed
//! time and export them over OTLP, while the program reports, at every interval,
//! the spans sent, exported, dropped and failed, and its resident memory. It ends
//! by itself. `scripts/soak.sh` runs it against rotel and restarts rotel midway.
//!
//! ```sh
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
//!     AITRACE_SOAK_SECS=60 cargo run --release --example soak
//! ```
//!
//! Settings (environment): `AITRACE_SOAK_SECS` (run time, default 180),
//! `AITRACE_SOAK_THREADS` (default 4), `AITRACE_SOAK_RUNS_PER_SEC` (agent runs per
//! second per thread, default 50; each run is 4 spans), `AITRACE_SOAK_REPORT_SECS`
//! (default 10), `AITRACE_SOAK_MAX_RSS_GROWTH_KIB` (default 16384: how much
//! resident memory may grow from the first report to the peak). Tracing is set up
//! from the `OTEL_*` and `AITRACE_*` variables by `aitrace_sdk::init()`.
//!
//! Output, one line per interval, then a summary (`key=value`, for scripts):
//! ```text
//! soak t=10s sent=8000 recorded=8000 exported=7680 dropped=0 failed=0 queued=320 rss_kib=14336
//! ```
//!
//! The run fails (exit status 1, and a `soak check failed` line saying why) when
//! a span is unaccounted for (recorded differs from sent, or exported + failed +
//! dropped from recorded after shutdown) or resident memory grew past the bound.
//! `scripts/soak.sh` also compares the collector's count with `exported`.

use aitrace::Usage;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const SPANS_PER_RUN: u64 = 4;

fn setting(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("{name}={v:?}: expected a whole number greater than 0")),
        Err(_) => Ok(default),
    }
}

/// `VmRSS` and `VmHWM` (peak) of this process, in KiB, from `/proc/self/status`
/// (zero where it cannot be read).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One agent run: a workflow, an agent, a model call with usage (so it is priced)
/// and a tool call.
fn agent_run(thread: u64, n: u64) {
    let run = aitrace::trace("soak")
        .with_conversation_id(format!("conv-{thread}-{}", n % 100))
        .start();
    run.in_scope(|| {
        let agent = aitrace::agent("soak-agent").start();
        agent.in_scope(|| {
            let mut call = aitrace::generation("openai", "gpt-4o-mini")
                .with_temperature(0.2)
                .start();
            call.record_finish_reasons(["stop"]);
            call.record_usage(Usage::new(800 + n % 200, 120 + n % 50));
            call.end();
            let tool = aitrace::tool("lookup_order")
                .with_call_id(format!("call-{n}"))
                .start();
            tool.end();
        });
        agent.end();
    });
    run.end();
}

fn main() -> ExitCode {
    let settings = (|| {
        Ok::<_, String>((
            setting("AITRACE_SOAK_SECS", 180)?,
            setting("AITRACE_SOAK_THREADS", 4)?,
            setting("AITRACE_SOAK_RUNS_PER_SEC", 50)?,
            setting("AITRACE_SOAK_REPORT_SECS", 10)?,
        ))
    })();
    let max_growth_kib = match setting("AITRACE_SOAK_MAX_RSS_GROWTH_KIB", 16 * 1024) {
        Ok(n) => n,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (secs, threads, rate, every) = match settings {
        Ok(s) => s,
        Err(e) => {
            eprintln!("soak: {e}");
            return ExitCode::FAILURE;
        }
    };
    let tracing = match aitrace_sdk::init() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("soak: cannot set up tracing: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "soak start secs={secs} threads={threads} runs_per_sec_per_thread={rate} spans_per_sec={} queue={}",
        threads * rate * SPANS_PER_RUN,
        tracing.config().batch.max_queue_size
    );

    let runs = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    let end = start + Duration::from_secs(secs);
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let mut peak_rss = 0;
    // Resident memory at the first report: the baseline growth is measured from.
    let mut first_rss = None;
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (runs, stop) = (&runs, &stop);
            scope.spawn(move || {
                // A steady rate: run n is due at start + n * period; a thread that
                // falls behind does not burst to catch up by more than one run.
                let mut due = Instant::now();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) && Instant::now() < end {
                    agent_run(t, n);
                    n += 1;
                    runs.fetch_add(1, Ordering::Relaxed);
                    due += period;
                    let now = Instant::now();
                    if due > now {
                        std::thread::sleep(due - now);
                    } else {
                        due = now;
                    }
                }
            });
        }
        // The reporter: one line per interval until the end.
        let mut next = start + Duration::from_secs(every);
        while Instant::now() < end {
            let now = Instant::now();
            if now < next {
                std::thread::sleep((next - now).min(end.saturating_duration_since(now)));
                continue;
            }
            next += Duration::from_secs(every);
            let s = tracing.stats();
            let (rss, _) = memory_kib();
            peak_rss = peak_rss.max(rss);
            first_rss.get_or_insert(rss);
            println!(
                "soak t={}s sent={} recorded={} exported={} dropped={} failed={} queued={} rss_kib={rss}",
                start.elapsed().as_secs(),
                runs.load(Ordering::Relaxed) * SPANS_PER_RUN,
                s.recorded,
                s.exported,
                s.dropped,
                s.failed,
                s.unaccounted(),
            );
        }
        stop.store(true, Ordering::Relaxed);
    });

    let sent = runs.load(Ordering::Relaxed) * SPANS_PER_RUN;
    let (rss, hwm) = memory_kib();
    peak_rss = peak_rss.max(rss);
    let t0 = Instant::now();
    let (stats, clean) = match tracing.shutdown() {
        Ok(report) => (report.stats, true),
        Err(e) => {
            eprintln!("soak: {e}");
            (e.report.stats, false)
        }
    };
    let first_rss = first_rss.unwrap_or(rss);
    println!(
        "soak summary secs={} sent={sent} recorded={} exported={} dropped={} failed={} export_errors={} \
         unaccounted={} clean={clean} shutdown_ms={} rss_kib={rss} first_rss_kib={first_rss} peak_rss_kib={peak_rss} vm_hwm_kib={hwm}",
        start.elapsed().as_secs(),
        stats.recorded,
        stats.exported,
        stats.dropped,
        stats.failed,
        stats.export_errors,
        stats.unaccounted(),
        t0.elapsed().as_millis(),
    );
    let mut failures = Vec::new();
    if stats.recorded != sent {
        failures.push(format!("{sent} spans made but {} recorded", stats.recorded));
    }
    let settled = stats.exported + stats.failed + stats.dropped;
    if settled != sent {
        failures.push(format!(
            "exported + failed + dropped = {settled}, not the {sent} spans made ({} unaccounted)",
            sent.saturating_sub(settled)
        ));
    }
    let growth = peak_rss.saturating_sub(first_rss);
    if growth > max_growth_kib {
        failures.push(format!(
            "resident memory grew by {growth} KiB from the first report, past the bound of {max_growth_kib} KiB"
        ));
    }
    if failures.is_empty() {
        println!("soak checks passed: every span accounted for, memory growth {growth} KiB of {max_growth_kib} KiB allowed");
        ExitCode::SUCCESS
    } else {
        for f in &failures {
            println!("soak check failed: {f}");
        }
        ExitCode::FAILURE
    }
}
