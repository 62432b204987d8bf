//! The web view in a real browser: Debian's Chromium, headless, driven by
//! playwright-core (both installed by scripts/install_browser.sh) through
//! tests/browser/views.mjs, over a server holding the example workflow (sent
//! by the SDK with content capture), a trace with a tripped guardrail, an
//! incomplete call and no root, and 60 more traces to page through. The
//! script checks the trace list, its filters and pages, the trace page (tree,
//! details, timeline, critical path, attributes, content, events), the
//! conversation page and the model charts, and that no request leaves the
//! server.
//!
//! With AITRACE_SCREENSHOTS=<dir> it also saves the screenshots of
//! docs/viewer.md there (`scripts/viewer_screenshots.sh`).

mod support;

use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use prost::Message;
use std::process::{Command, Stdio};
use std::time::Duration;
use support::http::post_traces;
use support::otlp::{failed, generation, kv, now_ns, request, span, V};
use support::{repo_root, Server, TempDir};

const QUESTION: &str =
    "I was charged twice for order #A1042 this month. Can I get a refund for the duplicate charge?";
const SPECIAL: u128 = 0x5bec_1a10_0000_0000_0000_0000_0000_0001;

/// Runs the installer and returns (chromium, NODE_PATH).
fn browser() -> (String, String) {
    let script = repo_root().join("scripts/install_browser.sh");
    let out = Command::new("bash")
        .arg(&script)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .expect("the installer runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} failed: {stdout}",
        script.display()
    );
    let get = |k: &str| {
        stdout
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .unwrap_or_else(|| panic!("no {k} in {stdout}"))
            .to_string()
    };
    (get("chromium="), get("node_path="))
}

fn post(server: &Server, service: &str, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[],
        &request(service, spans).encode_to_vec(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn the_web_view_in_chromium() {
    let (chromium, node_path) = browser();
    let dir = TempDir::new("browser");
    let server = Server::start(&dir, &[], &[]);

    // 60 small traces of one conversation, a second apart, to page through.
    let t = now_ns() - 120_000_000_000;
    for i in 0..60u64 {
        let trace = 0x9a9e_0000 + u128::from(i);
        let start = t + i * 1_000_000_000;
        let conv = || kv("ai.conversation.id", V::S("conv-pages"));
        let mut call = generation("gpt-4o", 100, 10, 0.0002);
        call.push(conv());
        post(
            &server,
            "pager",
            vec![
                span(trace, 2, 1, "chat gpt-4o", start + 1_000_000, 8, call),
                span(
                    trace,
                    1,
                    0,
                    "invoke_workflow page",
                    start,
                    10,
                    vec![kv("ai.span.type", V::S("workflow")), conv()],
                ),
            ],
        );
    }

    // A trace whose root never came, with a tripped guardrail, a call cut
    // short and a failed tool.
    let start = now_ns() - 5_000_000_000;
    let mut streamed = vec![
        kv("ai.span.type", V::S("generation")),
        kv("ai.model", V::S("local-llm")),
        kv("ai.prompt_tokens", V::I(50)),
        kv("ai.incomplete", V::B(true)),
    ];
    streamed.push(kv("ai.stream", V::B(true)));
    post(
        &server,
        "guarded",
        vec![
            span(
                SPECIAL,
                3,
                2,
                "apply_guardrail email_check",
                start + 1_000_000,
                5,
                vec![
                    kv("ai.span.type", V::S("guardrail")),
                    kv("ai.guardrail.triggered", V::B(true)),
                    kv("ai.guardrail.reason", V::S("leaks an email address")),
                ],
            ),
            span(
                SPECIAL,
                4,
                2,
                "chat local-llm",
                start + 10_000_000,
                300,
                streamed,
            ),
            failed(
                span(
                    SPECIAL,
                    5,
                    2,
                    "execute_tool notify",
                    start + 320_000_000,
                    20,
                    vec![kv("ai.span.type", V::S("tool"))],
                ),
                "smtp refused",
            ),
            span(
                SPECIAL,
                2,
                1,
                "invoke_agent guarded",
                start,
                500,
                vec![kv("ai.span.type", V::S("agent"))],
            ),
        ],
    );

    // The example workflow, newest of all, exported by the SDK with content.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let guard = Builder::from_lookup(|k| (k == "AITRACE_CAPTURE_CONTENT").then(|| "true".into()))
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(Protocol::HttpProtobuf)
        .with_endpoint(server.http_url())
        .with_service_name("support-bot")
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(50),
            ..BatchConfig::default()
        })
        .install()
        .expect("pipeline installs");
    let outcome = rt.block_on(aitrace_examples::workflow::run_support_workflow(QUESTION));
    guard.shutdown().expect("delivered");

    let workflow = serde_json::json!({
        "trace_id": outcome.trace_id.to_string(),
        "conversation": outcome.conversation_id,
        "service": "support-bot",
    });
    let script = repo_root().join("crates/aitrace-cli/tests/browser/views.mjs");
    let mut node = Command::new("node");
    node.arg(&script)
        .env("NODE_PATH", &node_path)
        .env("AITRACE_CHROMIUM", &chromium)
        .env("AITRACE_URL", server.http_url())
        .env("AITRACE_WORKFLOW", workflow.to_string())
        .env("AITRACE_SPECIAL_TRACE", format!("{SPECIAL:032x}"))
        .env("AITRACE_PAGE_CONVERSATION", "conv-pages")
        .stdin(Stdio::null());
    if let Some(dir) = std::env::var_os("AITRACE_SCREENSHOTS") {
        node.env("AITRACE_SCREENSHOTS", dir);
    } else {
        node.env_remove("AITRACE_SCREENSHOTS");
    }
    let child = node
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs");
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser checks failed:\n{stderr}\n{stdout}"
    );
    let seen: serde_json::Value =
        serde_json::from_str(stdout.trim()).expect("what the browser saw");
    assert_eq!(seen["tree"][0], "invoke_workflow customer_support");
    assert_eq!(seen["workflow_row"][8], outcome.conversation_id.as_str());
    server.stop();
}
