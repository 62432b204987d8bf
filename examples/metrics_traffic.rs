//! Steady AI traffic for looking at the GenAI metrics: for a while, agent runs
//! with streamed and plain model calls on three models, tool calls (one tool
//! sometimes times out), a guardrail that sometimes trips and a model that
//! sometimes fails, at a varying pace, with latencies drawn from a seeded
//! generator (the same run every time). Nothing is sent to a real model.
//!
//! ```sh
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 OTEL_METRIC_EXPORT_INTERVAL=1000 \
//!     AITRACE_TRAFFIC_SECS=60 cargo run --example metrics_traffic
//! ```
//!
//! With the bundled `docker compose up`, the Grafana dashboard fills in; the
//! picture in `docs/metrics.md` was drawn from such a run
//! (`scripts/render_dashboard.py`).

use aitrace::{GuardrailType, Usage};
use std::process::ExitCode;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// A small seeded generator (xorshift): the same traffic on every run.
struct Draw(u64);

impl Draw {
    /// A number in `0.0..1.0`.
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// About `mean_ms`, with a long tail.
    fn ms(&mut self, mean_ms: f64) -> Duration {
        let x = self.next().max(1e-9);
        Duration::from_secs_f64(mean_ms * -x.ln() / 1000.0)
    }
}

/// One model call: streamed ones arrive in chunks after a first-chunk wait.
fn model_call(d: &mut Draw, provider: &'static str, model: &'static str, stream: bool, slow: f64) {
    let mut call = aitrace::generation(provider, model);
    if stream {
        call = call.streaming();
    }
    let mut call = call.start();
    let input = 400 + (d.next() * 2400.0) as u64;
    let output = 20 + (d.next() * 300.0) as u64;
    if stream {
        sleep(d.ms(60.0 * slow));
        for _ in 0..(4 + (d.next() * 8.0) as usize) {
            call.record_chunk();
            sleep(d.ms(6.0));
        }
    } else {
        sleep(d.ms(90.0 * slow));
    }
    if d.next() < 0.03 {
        call.end_with_error(&std::io::Error::other("rate limited"));
        return;
    }
    let cached = if d.next() < 0.4 { input / 2 } else { 0 };
    call.record_usage(Usage::new(input, output).with_cache_read(cached));
    call.end();
}

fn agent_run(d: &mut Draw, slow: f64) {
    let agent = aitrace::agent("support").start();
    agent.in_scope(|| {
        let check = aitrace::guardrail("pii_check")
            .with_type(GuardrailType::Input)
            .start();
        sleep(d.ms(2.0));
        if d.next() < 0.08 {
            check.trip("an email address");
        } else {
            check.pass();
        }
        check.end();
        model_call(d, "openai", "gpt-4o-mini", true, slow);
        let tool = aitrace::tool("search_kb").start();
        sleep(d.ms(15.0));
        tool.end();
        let tool = aitrace::tool("lookup_order").start();
        sleep(d.ms(40.0 * slow));
        if d.next() < 0.1 {
            tool.end_with_error(&std::io::Error::other("timed out"));
        } else {
            tool.end();
        }
        if d.next() < 0.5 {
            model_call(d, "anthropic", "claude-sonnet-4-5", true, slow * 1.5);
        } else {
            model_call(d, "openai", "gpt-4o", false, slow);
        }
    });
    agent.end();
}

fn main() -> ExitCode {
    let secs: u64 = match std::env::var("AITRACE_TRAFFIC_SECS") {
        Ok(v) => {
            match v.trim().parse() {
                Ok(n) if n > 0 => n,
                _ => {
                    eprintln!("AITRACE_TRAFFIC_SECS={v:?}: expected a whole number of seconds, more than 0");
                    return ExitCode::FAILURE;
                }
            }
        }
        Err(_) => 60,
    };
    let guard = match aitrace_sdk::init() {
        Ok(g) => g,
        Err(e) => {
            eprintln!("cannot set up tracing: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut d = Draw(0x5eed_a17a_ce00_0001);
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        // A busy spell in the middle of the run, slower answers in it.
        let t = start.elapsed().as_secs_f64() / secs as f64;
        let busy = (0.4..0.7).contains(&t);
        agent_run(&mut d, if busy { 2.0 } else { 1.0 });
        runs += 1;
        sleep(d.ms(if busy { 40.0 } else { 150.0 }));
    }
    println!("{runs} agent runs in {secs} s");
    match guard.shutdown() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
