//! `aitrace serve` with a million spans: sustained ingest over OTLP/gRPC (and a
//! part over OTLP/HTTP), nothing lost; the trace list, filters, a conversation,
//! a trace and the model charts; start-up with an empty and a full store;
//! resident memory. Prints a Markdown report (docs/performance.md).
//!
//! ```sh
//! cargo bench -p aitrace-cli --bench serve                 # 1 000 000 spans
//! cargo bench -p aitrace-cli --bench serve -- --spans 200000 --clients 4
//! # and Arize Phoenix beside it, on the same requests:
//! cargo bench -p aitrace-cli --bench serve -- --phoenix "$(scripts/install_phoenix.sh | sed -n 's/^phoenix=//p')"
//! ```
//!
//! The store goes to a temporary directory (about 1 GB for a million spans),
//! removed at the end. Needs Linux (/proc for memory).
//!
//! Under `cargo test` (no `--bench` argument) it runs the same steps with
//! 5 000 spans, in a few seconds, and fails if a span is lost.

#[path = "../tests/support/http.rs"]
#[allow(dead_code)]
mod http;

use bytes::{Buf, BufMut, Bytes};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{status, ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::Status as GrpcStatus;

/// Spans per request: the SDK batch processor's default batch size.
const SPANS_PER_REQUEST: usize = 512;
/// Spans per trace (the example workflow's shape).
const SPANS_PER_TRACE: usize = 10;
/// Traces per conversation.
const TRACES_PER_CONVERSATION: usize = 20;

struct Args {
    spans: usize,
    clients: usize,
    http_spans: usize,
    /// The `phoenix` command, to measure Arize Phoenix on the same requests.
    phoenix: Option<String>,
    phoenix_spans: usize,
}

fn args() -> Args {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let mut a = Args {
        spans: if smoke { 5_000 } else { 1_000_000 },
        clients: 4,
        http_spans: if smoke { 1_000 } else { 100_000 },
        phoenix: None,
        phoenix_spans: 100_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().expect("a value after the flag");
        let mut n = || v().parse().expect("a number after the flag");
        match k.as_str() {
            "--spans" => a.spans = n(),
            "--clients" => a.clients = n(),
            "--http-spans" => a.http_spans = n(),
            "--phoenix" => a.phoenix = Some(v()),
            "--phoenix-spans" => a.phoenix_spans = n(),
            "--bench" => {}
            other => panic!("unknown argument {other} (--spans N, --clients N, --http-spans N, --phoenix CMD, --phoenix-spans N)"),
        }
    }
    a
}

fn main() {
    let args = args();
    let dir = std::env::temp_dir().join(format!("aitrace-serve-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("traces.db");
    println!("# aitrace serve benchmark");
    println!();
    println!(
        "machine: {} CPUs ({}), {}",
        cpus(),
        cpu_model(),
        mem_total()
    );
    println!(
        "spans: {} gRPC + {} HTTP, {} per request, {} per trace, {} clients",
        args.spans, args.http_spans, SPANS_PER_REQUEST, SPANS_PER_TRACE, args.clients
    );
    println!();

    let t = Instant::now();
    let base_ns = now_ns() - 3_600_000_000_000;
    let grpc_requests = requests(0, args.spans, base_ns);
    let http_requests = requests(args.spans / SPANS_PER_TRACE, args.http_spans, base_ns);
    let bytes: usize = grpc_requests.iter().map(Bytes::len).sum();
    println!(
        "generated {} requests ({:.0} MB, {:.0} bytes a span) in {:.1} s",
        grpc_requests.len() + http_requests.len(),
        bytes as f64 / 1e6,
        bytes as f64 / args.spans as f64,
        t.elapsed().as_secs_f64()
    );
    println!();

    // Start-up with an empty store.
    let (server, empty_startup) = start(&db);
    println!("| measure | result |");
    println!("|---|---|");
    println!(
        "| start-up, empty store (spawn to first page served) | {} |",
        ms(empty_startup)
    );
    println!(
        "| resident memory, idle, empty store | {} |",
        rss(server.pid)
    );

    // Sustained ingest over gRPC.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (elapsed, failures) = rt.block_on(ingest_grpc(server.grpc, grpc_requests, args.clients));
    let rate = args.spans as f64 / elapsed.as_secs_f64();
    println!(
        "| ingest over OTLP/gRPC, {} spans | {:.1} s, **{:.0} spans/s**, {} requests refused |",
        args.spans,
        elapsed.as_secs_f64(),
        rate,
        failures
    );
    println!(
        "| resident memory after ingest (peak) | {} ({}) |",
        rss(server.pid),
        hwm(server.pid)
    );

    // Ingest over HTTP/protobuf, one request at a time per client.
    let (elapsed, failures) = ingest_http(server.http, http_requests, args.clients);
    println!("| ingest over OTLP/HTTP protobuf, {} spans | {:.1} s, **{:.0} spans/s**, {} requests refused |", args.http_spans, elapsed.as_secs_f64(), args.http_spans as f64 / elapsed.as_secs_f64(), failures);

    // Nothing lost: every span acknowledged is stored.
    let stored = count(&db, "spans");
    let traces = count(&db, "traces");
    let expected = args.spans + args.http_spans;
    println!(
        "| spans stored / sent | {stored} / {expected} ({}) |",
        if stored == expected as i64 {
            "nothing lost"
        } else {
            "LOST SPANS"
        }
    );
    assert_eq!(stored, expected as i64, "spans were lost");
    println!("| traces stored | {traces} |");
    println!("| store size | {:.0} MB |", file_size(&db) as f64 / 1e6);

    // Queries, warm.
    let conversation = middle_conversation(args.spans);
    queries(&server, &db, &conversation, "warm");
    println!("| resident memory after queries | {} |", rss(server.pid));

    // Restart with the full store: start-up, then the same queries, cold.
    stop(server);
    let (server, full_startup) = start(&db);
    println!(
        "| start-up, {} spans stored | {} |",
        stored,
        ms(full_startup)
    );
    println!(
        "| resident memory, idle, full store | {} |",
        rss(server.pid)
    );
    queries(&server, &db, &conversation, "after restart");
    println!(
        "| resident memory after queries (peak) | {} ({}) |",
        rss(server.pid),
        hwm(server.pid)
    );
    stop(server);
    if let Some(cmd) = &args.phoenix {
        phoenix(cmd, &dir, args.phoenix_spans, args.clients, base_ns);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Arize Phoenix on the same kind of requests, over OTLP/HTTP protobuf (its
/// gRPC port is not used): start-up, ingest until acknowledged and until
/// stored (it stores after it acknowledges), memory, and its REST trace list.
fn phoenix(cmd: &str, dir: &Path, spans: usize, clients: usize, base_ns: u64) {
    let requests = requests(0, spans, base_ns);
    let work = dir.join("phoenix");
    std::fs::create_dir_all(&work).unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (port, grpc_port) = (free(), free());
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let log = std::fs::File::create(work.join("phoenix.log")).unwrap();
    let t = Instant::now();
    let mut child = Command::new(cmd)
        .arg("serve")
        .env("PHOENIX_WORKING_DIR", &work)
        .env("PHOENIX_HOST", "127.0.0.1")
        .env("PHOENIX_PORT", port.to_string())
        .env("PHOENIX_GRPC_PORT", grpc_port.to_string())
        .env("PHOENIX_TELEMETRY_ENABLED", "false")
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("phoenix starts");
    let up = loop {
        if std::net::TcpStream::connect(addr).is_ok() && http::get(addr, "/", &[]).status == 200 {
            break t.elapsed();
        }
        if t.elapsed() > Duration::from_secs(300) || child.try_wait().unwrap().is_some() {
            println!(
                "| Phoenix did not start: see {} |",
                work.join("phoenix.log").display()
            );
            let _ = child.kill();
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let pid = child.id();
    println!();
    println!("Arize Phoenix ({cmd}), same machine, same requests:");
    println!();
    println!("| measure | result |");
    println!("|---|---|");
    println!(
        "| Phoenix start-up (spawn to first page served) | {} |",
        ms(up)
    );
    println!("| Phoenix resident memory, idle | {} |", rss(pid));
    let t = Instant::now();
    let (acked, refused) = ingest_http(addr, requests, clients);
    println!("| Phoenix ingest over OTLP/HTTP protobuf, {spans} spans, until acknowledged | {:.1} s, {:.0} spans/s, {refused} requests refused |", acked.as_secs_f64(), spans as f64 / acked.as_secs_f64());
    let db = work.join("phoenix.db");
    let stored = loop {
        let n =
            rusqlite::Connection::open_with_flags(&db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .and_then(|c| c.query_row("SELECT count(*) FROM spans", [], |r| r.get::<_, i64>(0)))
                .unwrap_or(0);
        if n as usize >= spans || t.elapsed() > Duration::from_secs(1800) {
            break (n, t.elapsed());
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    println!("| Phoenix ingest, until stored ({} of {spans} spans in its database) | {:.1} s, **{:.0} spans/s** |", stored.0, stored.1.as_secs_f64(), stored.0 as f64 / stored.1.as_secs_f64());
    println!(
        "| Phoenix resident memory after ingest (peak) | {} ({}) |",
        rss(pid),
        hwm(pid)
    );
    for (what, path) in [
        (
            "Phoenix trace list, newest 50 (REST)",
            "/v1/projects/default/traces?limit=50".to_string(),
        ),
        (
            "Phoenix conversation (session, REST)",
            format!(
                "/v1/projects/default/traces?limit=50&session_identifier={}",
                middle_conversation(spans)
            ),
        ),
    ] {
        let status = http::get(addr, &path, &[]).status;
        let (median, worst) = time(20, || {
            http::get(addr, &path, &[]);
        });
        println!(
            "| {what} | median {}, worst {} (HTTP {status}) |",
            ms(median),
            ms(worst)
        );
    }
    println!(
        "| Phoenix install | {} |",
        dir_size(
            Path::new(cmd)
                .parent()
                .and_then(Path::parent)
                .unwrap_or(Path::new(cmd))
        )
    );
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let _ = child.wait();
}

fn dir_size(dir: &Path) -> String {
    Command::new("du")
        .arg("-sh")
        .arg(dir)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_default()
}

/// The median and the worst of `runs` timings of `f`.
fn time(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed()
        })
        .collect();
    t.sort();
    (t[runs / 2], t[runs - 1])
}

/// A conversation in the middle of the first `spans` spans.
fn middle_conversation(spans: usize) -> String {
    format!(
        "conv-{:06}",
        spans / SPANS_PER_TRACE / TRACES_PER_CONVERSATION / 2
    )
}

fn queries(server: &Server, db: &Path, conversation: &str, when: &str) {
    let get = |path: &str| {
        let r = http::get(server.http, path, &[]);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        r
    };
    // The first request after a restart reads from disk: report it apart.
    let first = Instant::now();
    get("/");
    println!(
        "| trace list, first request {when} | {} |",
        ms(first.elapsed())
    );
    let list = get("/").text();
    let trace_id = list.split("data-trace-id=\"").nth(1).unwrap()[..32].to_string();
    let older = list
        .split("id=\"older\"")
        .next()
        .and_then(|h| h.rsplit("href=\"").next())
        .map(|h| h.split('"').next().unwrap().replace("&amp;", "&"))
        .unwrap_or_default();
    for (what, path) in [
        ("trace list, newest 50", "/".to_string()),
        ("trace list, second page", older.clone()),
        ("trace list, errors only", "/?errors=1".to_string()),
        (
            "trace list, one service",
            "/?service=billing-bot".to_string(),
        ),
        (
            "trace list, one model",
            "/?model=claude-sonnet-4-5".to_string(),
        ),
        ("trace list, cost ≥ $0.01", "/?min_cost=0.01".to_string()),
        (
            "conversation page (20 traces)",
            format!("/conversation/{conversation}"),
        ),
        ("trace page (10 spans)", format!("/trace/{trace_id}")),
        ("models page, 24 hours", "/models?range=24h".to_string()),
    ] {
        let (median, worst) = time(20, || {
            get(&path);
        });
        println!(
            "| {what} ({when}) | median {}, worst {} |",
            ms(median),
            ms(worst)
        );
    }
    let (median, worst) = time(10, || {
        let out = Command::new(env!("CARGO_BIN_EXE_aitrace"))
            .args([
                "query",
                "--format",
                "json",
                "--conversation",
                conversation,
                "--db",
            ])
            .arg(db)
            .output()
            .unwrap();
        assert!(out.status.success());
    });
    println!("| `aitrace query --conversation` (a process, 20 traces as JSON) ({when}) | median {}, worst {} |", ms(median), ms(worst));
}

// ---- the server ---------------------------------------------------------

struct Server {
    child: Child,
    pid: u32,
    grpc: SocketAddr,
    http: SocketAddr,
}

fn start(db: &Path) -> (Server, Duration) {
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_aitrace"))
        .args([
            "serve",
            "--grpc-port",
            "0",
            "--http-port",
            "0",
            "--max-age",
            "none",
            "--max-size",
            "none",
            "--db",
        ])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("aitrace serve starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut grpc, mut http) = (None, None);
    for line in (&mut out).lines().map_while(Result::ok) {
        if let Some(a) = line.strip_prefix("  OTLP/gRPC  http://") {
            grpc = a.trim().parse().ok();
        }
        if let Some(a) = line.strip_prefix("  web view   http://") {
            http = a.trim().trim_end_matches('/').parse().ok();
            break;
        }
    }
    let (grpc, http): (SocketAddr, SocketAddr) = (grpc.unwrap(), http.unwrap());
    // Keep reading what it prints, as a terminal would.
    let rest = out;
    std::thread::spawn(move || for _ in rest.lines() {});
    let r = http::get(http, "/", &[]);
    assert_eq!(r.status, 200);
    let elapsed = t.elapsed();
    let pid = child.id();
    (
        Server {
            child,
            pid,
            grpc,
            http,
        },
        elapsed,
    )
}

fn stop(mut s: Server) {
    let _ = Command::new("kill")
        .args(["-TERM", &s.pid.to_string()])
        .status();
    let _ = s.child.wait();
}

// ---- load ---------------------------------------------------------------

async fn ingest_grpc(addr: SocketAddr, requests: Vec<Bytes>, clients: usize) -> (Duration, u64) {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (channel, requests, next, refused) = (
            channel.clone(),
            requests.clone(),
            next.clone(),
            refused.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut grpc = tonic::client::Grpc::new(channel);
            let path = ::http::uri::PathAndQuery::from_static(
                "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
            );
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = requests.get(i) else { break };
                // Retried until acknowledged, as an exporter does: nothing is given up.
                loop {
                    grpc.ready().await.unwrap();
                    match grpc
                        .unary(tonic::Request::new(body.clone()), path.clone(), RawCodec)
                        .await
                    {
                        Ok(_) => break,
                        Err(_) => {
                            refused.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    (t.elapsed(), refused.load(Ordering::Relaxed))
}

fn ingest_http(addr: SocketAddr, requests: Vec<Bytes>, clients: usize) -> (Duration, u64) {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let t = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (requests, next, refused) = (requests.clone(), next.clone(), refused.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = requests.get(i) else { break };
                loop {
                    let r = http::post_traces(addr, "application/x-protobuf", &[], body);
                    if r.status == 200 {
                        break;
                    }
                    refused.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    (t.elapsed(), refused.load(Ordering::Relaxed))
}

struct RawCodec;
struct RawEncoder;
struct ResponseDecoder;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = ExportTraceServiceResponse;
    type Encoder = RawEncoder;
    type Decoder = ResponseDecoder;
    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }
    fn decoder(&mut self) -> ResponseDecoder {
        ResponseDecoder
    }
}

impl Encoder for RawEncoder {
    type Item = Bytes;
    type Error = GrpcStatus;
    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), GrpcStatus> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for ResponseDecoder {
    type Item = ExportTraceServiceResponse;
    type Error = GrpcStatus;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, GrpcStatus> {
        ExportTraceServiceResponse::decode(src.copy_to_bytes(src.remaining()))
            .map(Some)
            .map_err(|e| GrpcStatus::internal(e.to_string()))
    }
}

// ---- data ---------------------------------------------------------------

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_string(),
        value: Some(AnyValue { value: Some(value) }),
        ..Default::default()
    }
}
fn s(key: &str, v: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(v.to_string()))
}
fn i(key: &str, v: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(v))
}
fn f(key: &str, v: f64) -> KeyValue {
    kv(key, any_value::Value::DoubleValue(v))
}
fn b(key: &str, v: bool) -> KeyValue {
    kv(key, any_value::Value::BoolValue(v))
}

const SERVICES: [&str; 3] = ["support-bot", "billing-bot", "search-bot"];
const MODELS: [(&str, &str, f64); 3] = [
    ("gpt-4o-mini", "openai", 0.0003),
    ("claude-sonnet-4-5", "anthropic", 0.006),
    ("gpt-4o", "openai", 0.004),
];

/// The spans of trace number `n`: the example workflow's shape, with the
/// attributes aitrace writes (no captured content), 5 % of traces failing.
fn trace(n: usize, base_ns: u64) -> (usize, Vec<Span>) {
    let trace_id = (0xa17ace_u128 << 64 | n as u128).to_be_bytes().to_vec();
    let conversation = format!("conv-{:06}", n / TRACES_PER_CONVERSATION);
    let start = base_ns + n as u64 * 30_000_000; // a trace every 30 ms of the last hour
    let common = |t: &str| {
        vec![
            s("ai.span.type", t),
            s("ai.conversation.id", &conversation),
            s("ai.user.id", "user-7"),
            s("ai.workflow.name", "customer_support"),
            s("gen_ai.conversation.id", &conversation),
        ]
    };
    let mk = |id: u64,
              parent: u64,
              name: &str,
              off_ms: u64,
              dur_ms: u64,
              kind: i32,
              attrs: Vec<KeyValue>| Span {
        trace_id: trace_id.clone(),
        span_id: ((n as u64) << 8 | id).to_be_bytes().to_vec(),
        parent_span_id: if parent == 0 {
            vec![]
        } else {
            ((n as u64) << 8 | parent).to_be_bytes().to_vec()
        },
        name: name.to_string(),
        kind,
        start_time_unix_nano: start + off_ms * 1_000_000,
        end_time_unix_nano: start + (off_ms + dur_ms) * 1_000_000,
        attributes: attrs,
        flags: 0x101,
        ..Default::default()
    };
    let generation = |model: usize, input: i64, output: i64| {
        let (m, provider, cost) = MODELS[model];
        let mut a = common("generation");
        a.extend([
            s("gen_ai.operation.name", "chat"),
            s("gen_ai.provider.name", provider),
            s("ai.provider", provider),
            s("ai.model", m),
            s("gen_ai.request.model", m),
            s("ai.response.model", m),
            s("gen_ai.response.model", m),
            s("ai.response.id", &format!("resp-{n}-{model}")),
            s("gen_ai.response.id", &format!("resp-{n}-{model}")),
            i("ai.prompt_tokens", input),
            i("ai.completion_tokens", output),
            i("ai.total_tokens", input + output),
            i("gen_ai.usage.input_tokens", input),
            i("gen_ai.usage.output_tokens", output),
            i("ai.cache_read_tokens", input / 2),
            i("gen_ai.usage.cache_read.input_tokens", input / 2),
            f("ai.cost_usd", cost),
            i("ai.cost_microcents", (cost * 1e8) as i64),
            f("gen_ai.usage.cost", cost),
            i("ai.max_tokens", 1024),
            f("ai.temperature", 0.2),
            f("gen_ai.request.temperature", 0.2),
            i("ai.messages_count", 4),
            s("ai.finish_reason", "stop"),
            b("ai.stream", false),
        ]);
        a
    };
    let failing = n % 20 == 7;
    let mut lookup = common("tool");
    lookup.extend([
        s("ai.tool.name", "lookup_order"),
        s("gen_ai.tool.name", "lookup_order"),
        s("ai.tool.call_id", "call_2"),
    ]);
    let mut lookup_span = mk(6, 2, "execute_tool lookup_order", 45, 20, 1, lookup);
    if failing {
        lookup_span.status = Some(Status {
            message: "lookup_order timed out after 50 ms".into(),
            code: status::StatusCode::Error as i32,
        });
    }
    let mut guard = common("guardrail");
    guard.extend([
        s("ai.guardrail.name", "pii_check"),
        s("ai.guardrail.type", "input"),
        b("ai.guardrail.triggered", false),
    ]);
    let mut search = common("tool");
    search.extend([
        s("ai.tool.name", "search_kb"),
        s("gen_ai.tool.name", "search_kb"),
        s("ai.tool.call_id", "call_1"),
    ]);
    let mut handoff = common("handoff");
    handoff.extend([
        s("ai.handoff.from_agent", "triage"),
        s("ai.handoff.to_agent", "billing"),
    ]);
    let mut triage = common("agent");
    triage.extend([
        s("ai.agent.name", "triage"),
        s("gen_ai.agent.name", "triage"),
    ]);
    let mut billing = common("agent");
    billing.extend([
        s("ai.agent.name", "billing"),
        s("gen_ai.agent.name", "billing"),
    ]);
    let spans = vec![
        mk(3, 2, "apply_guardrail pii_check", 1, 1, 1, guard),
        mk(4, 2, "chat gpt-4o-mini", 2, 30, 3, generation(0, 1240, 33)),
        mk(5, 2, "execute_tool search_kb", 33, 2, 1, search),
        lookup_span,
        mk(7, 2, "chat gpt-4o-mini", 66, 25, 3, generation(0, 1383, 10)),
        mk(
            10,
            9,
            "chat claude-sonnet-4-5",
            93,
            60,
            3,
            generation(1 + n % 2, 1255, 81),
        ),
        mk(9, 8, "invoke_agent billing", 92, 62, 1, billing),
        mk(8, 2, "execute_tool transfer_to_billing", 92, 63, 1, handoff),
        mk(2, 1, "invoke_agent triage", 0, 156, 1, triage),
        mk(1, 0, "invoke_workflow customer_support", 0, 157, 1, {
            // OpenInference's session: how Phoenix groups a conversation.
            let mut a = common("workflow");
            a.push(s("session.id", &conversation));
            a
        }),
    ];
    (n % SERVICES.len(), spans)
}

/// Requests of about SPANS_PER_REQUEST spans, whole traces, for `spans` spans
/// starting at trace number `first`.
fn requests(first: usize, spans: usize, base_ns: u64) -> Vec<Bytes> {
    let traces = spans / SPANS_PER_TRACE;
    let per_request = SPANS_PER_REQUEST / SPANS_PER_TRACE;
    (0..traces.div_ceil(per_request))
        .map(|r| {
            let mut by_service: Vec<Vec<Span>> = vec![Vec::new(); SERVICES.len()];
            for n in (r * per_request)..((r + 1) * per_request).min(traces) {
                let (svc, spans) = trace(first + n, base_ns);
                by_service[svc].extend(spans);
            }
            let request = ExportTraceServiceRequest {
                resource_spans: by_service
                    .into_iter()
                    .enumerate()
                    .filter(|(_, s)| !s.is_empty())
                    .map(|(svc, spans)| ResourceSpans {
                        resource: Some(Resource {
                            attributes: vec![
                                s("service.name", SERVICES[svc]),
                                s("service.version", "1.2.3"),
                                s("telemetry.sdk.language", "rust"),
                                s("telemetry.sdk.name", "opentelemetry"),
                                s("telemetry.distro.name", "aitrace"),
                            ],
                            ..Default::default()
                        }),
                        scope_spans: vec![ScopeSpans {
                            scope: Some(InstrumentationScope {
                                name: "aitrace".into(),
                                version: "0.1.0".into(),
                                ..Default::default()
                            }),
                            spans,
                            schema_url: String::new(),
                        }],
                        schema_url: String::new(),
                    })
                    .collect(),
            };
            Bytes::from(request.encode_to_vec())
        })
        .collect()
}

// ---- measurements -------------------------------------------------------

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn rss(pid: u32) -> String {
    format!("{:.1} MB", status_kb(pid, "VmRSS:") as f64 / 1024.0)
}

fn hwm(pid: u32) -> String {
    format!("peak {:.1} MB", status_kb(pid, "VmHWM:") as f64 / 1024.0)
}

fn count(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn file_size(db: &Path) -> u64 {
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    std::fs::metadata(db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

fn cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .map(|kb| format!("{:.0} GB RAM", kb / 1024.0 / 1024.0))
        .unwrap_or_default()
}
