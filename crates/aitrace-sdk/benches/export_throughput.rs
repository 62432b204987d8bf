//! OTLP export throughput: spans pushed through the real pipeline of
//! `aitrace_sdk::Builder` (batch span processor at its default settings, our OTLP
//! exporter) to a local receiver, over gRPC and over HTTP/protobuf.
//!
//! `cargo bench -p aitrace-sdk --bench export_throughput` runs every scenario in a
//! child process of its own (so that each one's peak memory is its own) while
//! this process hosts the receivers, then prints a table:
//!
//! - **burst**: one application thread ends spans as fast as it can for a few
//!   seconds; what was delivered per second, and what the full queue dropped.
//! - **sustained**: the largest paced rate at which every span was delivered
//!   (nothing dropped, nothing failed, receiver count = spans made), found from
//!   90 % of the burst rate, going up while nothing is lost or down until nothing
//!   is, then once in between.
//! - **dead collector**: the same application at the sustained rate and in a
//!   burst, with nothing listening on the port: time spent on the application
//!   thread per span (against the live run at the same rate), and peak memory
//!   (`VmHWM`), which the queue bounds.
//!
//! The workload is an agent run of 7 spans (agent, guardrail, generation, tool,
//! handoff, nested agent, generation) with the dialects ai and gen_ai.
//!
//! `AITRACE_EXPORT_SECONDS` sets the length of a scenario (3 s by default);
//! `AITRACE_EXPORT_TRY=grpc:30000,60000` (or `http:…`) only runs paced scenarios
//! at the given rates and prints their raw results.
//!
//! Under `cargo test` (no `--bench` argument) it only checks, in-process and in a
//! fraction of a second, that about two thousand spans arrive over each protocol.

use aitrace::{GuardrailType, Usage};
use aitrace_sdk::config::{ExporterKind, Protocol};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Spans in one unit of work.
const SPANS_PER_RUN: u64 = 7;

// ---------------------------------------------------------------------------
// The receivers: count spans, keep nothing.

fn spans_in(request: &ExportTraceServiceRequest) -> u64 {
    request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len() as u64)
        .sum()
}

struct CountingGrpc(Arc<AtomicU64>);

#[tonic::async_trait]
impl TraceService for CountingGrpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.0
            .fetch_add(spans_in(request.get_ref()), Ordering::Relaxed);
        Ok(tonic::Response::new(ExportTraceServiceResponse {
            partial_success: None,
        }))
    }
}

/// A local OTLP receiver on a runtime of its own; stops when dropped.
struct Receiver {
    endpoint: String,
    spans: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl Receiver {
    fn start(protocol: Protocol) -> Receiver {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("receiver runtime");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
        listener.set_nonblocking(true).expect("non-blocking");
        let endpoint = format!("http://{}", listener.local_addr().expect("an address"));
        let spans = Arc::new(AtomicU64::new(0));
        let count = spans.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
            match protocol {
                Protocol::Grpc => {
                    // TCP_NODELAY, as collectors written in Go have by default:
                    // without it, Nagle and delayed ACKs hold small replies ~40 ms.
                    let incoming = tokio_stream::StreamExt::map(
                        tokio_stream::wrappers::TcpListenerStream::new(listener),
                        |conn| {
                            conn.inspect(|tcp| {
                                let _ = tcp.set_nodelay(true);
                            })
                        },
                    );
                    let service = TraceServiceServer::new(CountingGrpc(count))
                        .accept_compressed(tonic::codec::CompressionEncoding::Gzip);
                    // Like a collector's gRPC server (grpc-go sizes its flow-control
                    // window to the connection), not h2's fixed 64 KiB window, which
                    // would make each 512-span request wait for window updates.
                    let _ = tonic::transport::Server::builder()
                        .initial_stream_window_size(Some(4 << 20))
                        .initial_connection_window_size(Some(8 << 20))
                        .add_service(service)
                        .serve_with_incoming(incoming)
                        .await;
                }
                // The benchmark exports protobuf only; its receiver decodes that.
                Protocol::HttpProtobuf | Protocol::HttpJson => loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        return;
                    };
                    let _ = tcp.set_nodelay(true);
                    let count = count.clone();
                    tokio::spawn(async move {
                        let service =
                            hyper::service::service_fn(move |req| http_export(count.clone(), req));
                        let _ = hyper_util::server::conn::auto::Builder::new(
                            hyper_util::rt::TokioExecutor::new(),
                        )
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                        .await;
                    });
                },
            }
        });
        Receiver {
            endpoint,
            spans,
            _runtime: runtime,
        }
    }

    fn received(&self) -> u64 {
        self.spans.load(Ordering::Relaxed)
    }
}

async fn http_export(
    count: Arc<AtomicU64>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<http_body_util::Full<bytes::Bytes>>, std::convert::Infallible> {
    use http_body_util::BodyExt;
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let (status, reply) = match ExportTraceServiceRequest::decode(body) {
        Ok(request) => {
            count.fetch_add(spans_in(&request), Ordering::Relaxed);
            let reply = ExportTraceServiceResponse {
                partial_success: None,
            };
            (200, reply.encode_to_vec())
        }
        Err(_) => (400, Vec::new()),
    };
    Ok(hyper::Response::builder()
        .status(status)
        .header("content-type", "application/x-protobuf")
        .body(http_body_util::Full::new(bytes::Bytes::from(reply)))
        .expect("a response"))
}

/// An endpoint with nothing listening: a port that was free a moment ago.
fn dead_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    let addr = l.local_addr().expect("an address");
    drop(l);
    format!("http://{addr}")
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

/// CPU time of the calling thread in nanoseconds (`/proc/thread-self/schedstat`,
/// Linux), 0 where it cannot be read.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

/// A field of `/proc/self/status` in KiB (Linux).
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Makes spans for `duration` (at `rate` spans per second, or as fast as possible
/// when 0) through a pipeline installed with the default settings, shuts it down,
/// and reports the counts, the time spent making spans, and memory.
fn application(
    protocol: Protocol,
    endpoint: &str,
    live: bool,
    rate: f64,
    duration: Duration,
) -> Value {
    let rss_before = status_kib("VmRSS:");
    let guard = aitrace_sdk::Builder::new()
        .with_service_name("export-bench")
        .with_endpoint(endpoint)
        .with_protocol(protocol)
        .with_exporters(vec![ExporterKind::Otlp])
        .install()
        .expect("pipeline");
    let runs_per_sec = rate / SPANS_PER_RUN as f64;
    let start = Instant::now();
    let (mut runs, mut busy) = (0u64, Duration::ZERO);
    let (mut rss_peak_seen, mut rss_at_1s) = (0, 0);
    let mut first_drop = None;
    let cpu_before = thread_cpu_ns();
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
        if first_drop.is_none() && guard.stats().dropped > 0 {
            first_drop = Some(start.elapsed().as_secs_f64());
        }
    }
    let cpu_ns = thread_cpu_ns().saturating_sub(cpu_before);
    let elapsed = start.elapsed();
    let before_shutdown = guard.stats();
    let hwm_before_shutdown = status_kib("VmHWM:");
    let rss_end = status_kib("VmRSS:");
    let t = Instant::now();
    // A dead collector would hold shutdown for the whole export timeout.
    let report = guard.shutdown_with_timeout(Duration::from_secs(if live { 30 } else { 1 }));
    let shutdown_secs = t.elapsed().as_secs_f64();
    let (stats, clean) = match &report {
        Ok(r) => (r.stats, true),
        Err(e) => (e.report.stats, false),
    };
    let spans = runs * SPANS_PER_RUN;
    json!({
        "spans": spans,
        "seconds": elapsed.as_secs_f64(),
        "busy_ns_per_span": busy.as_nanos() as f64 / spans.max(1) as f64,
        "cpu_ns_per_span": cpu_ns as f64 / spans.max(1) as f64,
        "first_drop_seconds": first_drop,
        "recorded": stats.recorded,
        "exported": stats.exported,
        "failed": stats.failed,
        "dropped": stats.dropped,
        "dropped_before_shutdown": before_shutdown.dropped,
        "clean": clean,
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

fn child_main() {
    let var = |k: &str| std::env::var(k).expect(k);
    let protocol = match var("AITRACE_EXPORT_PROTOCOL").as_str() {
        "grpc" => Protocol::Grpc,
        _ => Protocol::HttpProtobuf,
    };
    let endpoint = var("AITRACE_EXPORT_ENDPOINT");
    let rate: f64 = var("AITRACE_EXPORT_RATE").parse().expect("a rate");
    let ms: u64 = var("AITRACE_EXPORT_MS").parse().expect("a duration");
    let live = var("AITRACE_EXPORT_LIVE") == "1";
    let out = application(protocol, &endpoint, live, rate, Duration::from_millis(ms));
    println!("RESULT {out}");
}

// ---------------------------------------------------------------------------
// The parent: receivers, scenarios, the table.

/// Runs one scenario in a child process; returns its report plus what the
/// receiver got.
fn scenario(protocol: Protocol, receiver: Option<&Receiver>, rate: f64, ms: u64) -> Value {
    let endpoint = receiver.map_or_else(dead_endpoint, |r| r.endpoint.clone());
    let received_before = receiver.map_or(0, Receiver::received);
    let exe = std::env::current_exe().expect("this binary");
    let output = Command::new(exe)
        .env("AITRACE_EXPORT_CHILD", "1")
        .env("AITRACE_EXPORT_PROTOCOL", protocol_name(protocol))
        .env("AITRACE_EXPORT_ENDPOINT", &endpoint)
        .env(
            "AITRACE_EXPORT_LIVE",
            if receiver.is_some() { "1" } else { "0" },
        )
        .env("AITRACE_EXPORT_RATE", rate.to_string())
        .env("AITRACE_EXPORT_MS", ms.to_string())
        .env_remove("OTEL_SDK_DISABLED")
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

struct Row {
    protocol: &'static str,
    burst: Value,
    sustained_rate: f64,
    sustained: Value,
    tried: Vec<(f64, bool)>,
    dead_paced: Value,
    dead_burst: Value,
}

fn measure(protocol: Protocol, seconds: u64) -> Row {
    let ms = seconds * 1000;
    let receiver = Receiver::start(protocol);
    let burst = scenario(protocol, Some(&receiver), 0.0, ms);
    let burst_rate = num(&burst, "received") / num(&burst, "seconds");
    // From 90 % of the burst rate: upward while everything arrives (at most two
    // steps of 15 %), else downward by 20 % until it does, then once in between.
    let mut tried = Vec::new();
    let mut best: Option<(f64, Value)> = None;
    let mut lost_at: Option<f64> = None;
    let mut rate = (burst_rate * 0.9).max(1000.0);
    for _ in 0..6 {
        let v = scenario(protocol, Some(&receiver), rate, ms);
        let ok = delivered_all(&v);
        tried.push((rate, ok));
        if ok {
            best = Some((rate, v));
            if lost_at.is_some() || tried.len() >= 3 {
                break;
            }
            rate *= 1.15;
        } else {
            lost_at = Some(rate);
            if best.is_some() {
                break;
            }
            rate *= 0.8;
        }
    }
    if let (Some((ok_rate, _)), Some(lost)) = (&best, lost_at) {
        let mid = (ok_rate * lost).sqrt();
        let v = scenario(protocol, Some(&receiver), mid, ms);
        let ok = delivered_all(&v);
        tried.push((mid, ok));
        if ok && mid > *ok_rate {
            best = Some((mid, v));
        }
    }
    let (sustained_rate, sustained) = best.unwrap_or((0.0, Value::Null));
    let dead_paced = scenario(protocol, None, sustained_rate.max(1000.0), ms);
    let dead_burst = scenario(protocol, None, 0.0, ms);
    Row {
        protocol: protocol_name(protocol),
        burst,
        sustained_rate,
        sustained,
        tried,
        dead_paced,
        dead_burst,
    }
}

fn print_report(rows: &[Row], seconds: u64) {
    let mib = |kib: f64| kib / 1024.0;
    println!();
    println!("Each scenario: {seconds} s of agent runs (7 spans each), default batch settings (queue 2048, batch 512, delay 5 s).");
    println!();
    println!("| protocol | burst: made/s | burst: delivered/s | burst: dropped | sustained, nothing lost (spans/s) | rates tried (spans/s) |");
    println!("|---|---:|---:|---:|---:|---|");
    for r in rows {
        let b = &r.burst;
        let tried: Vec<String> = r
            .tried
            .iter()
            .map(|(rate, ok)| format!("{:.0} {}", rate, if *ok { "ok" } else { "lost" }))
            .collect();
        println!(
            "| {} | {:.0} | {:.0} | {:.1} % | {:.0} | {} |",
            r.protocol,
            num(b, "spans") / num(b, "seconds"),
            num(b, "received") / num(b, "seconds"),
            100.0 * num(b, "dropped") / num(b, "spans").max(1.0),
            r.sustained_rate,
            tried.join(", ")
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
            "| {} | {:.0} | {live:.0} | {dead:.0} | {:.2}x | {bl:.0} | {bd:.0} | {:.2}x |",
            r.protocol,
            r.sustained_rate,
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
                "| {} | {what} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} |",
                r.protocol,
                mib(num(v, "rss_before_kib")),
                mib(num(v, "rss_at_1s_kib")),
                mib(num(v, "rss_end_kib")),
                mib(num(v, "hwm_kib")),
                num(v, "spans"),
                num(v, "dropped"),
                num(v, "failed"),
            );
        }
    }
    println!();
    println!("raw results:");
    for r in rows {
        for (what, v) in [
            ("burst", &r.burst),
            ("sustained", &r.sustained),
            ("dead_paced", &r.dead_paced),
            ("dead_burst", &r.dead_burst),
        ] {
            println!("{} {what} {v}", r.protocol);
        }
    }
}

/// Under `cargo test`: about two thousand spans over each protocol, all delivered.
fn smoke() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        let receiver = Receiver::start(protocol);
        let v = application(
            protocol,
            &receiver.endpoint,
            true,
            20_000.0,
            Duration::from_millis(100),
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while receiver.received() < num(&v, "spans") as u64 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut v = v;
        v["received"] = json!(receiver.received());
        assert!(delivered_all(&v), "{}: {v}", protocol_name(protocol));
        println!(
            "{}: {} spans delivered",
            protocol_name(protocol),
            num(&v, "spans")
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
    if let Ok(rates) = std::env::var("AITRACE_EXPORT_TRY") {
        // `grpc:30000,30000`: paced runs at the given rates, raw results only.
        let (p, rates) = rates.split_once(':').expect("protocol:rates");
        let protocol = if p == "grpc" {
            Protocol::Grpc
        } else {
            Protocol::HttpProtobuf
        };
        let receiver = Receiver::start(protocol);
        for rate in rates.split(',') {
            let rate: f64 = rate.parse().expect("a rate");
            println!(
                "{p} {rate} {}",
                scenario(protocol, Some(&receiver), rate, 3000)
            );
        }
        return;
    }
    let seconds = std::env::var("AITRACE_EXPORT_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let rows: Vec<Row> = [Protocol::Grpc, Protocol::HttpProtobuf]
        .into_iter()
        .map(|p| measure(p, seconds))
        .collect();
    print_report(&rows, seconds);
}
