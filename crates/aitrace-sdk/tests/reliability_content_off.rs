//! With content capture off (the default), no prompt, completion, system
//! instruction or tool input/output text reaches the collector: the raw bytes a
//! client sends (captured by a TCP proxy in front of an in-process receiver, over
//! gRPC and HTTP) are searched for the text. The same run with capture on finds
//! it, which shows the search would see it.
//!
//! One test (it installs the pipeline globally, as aitrace's spans need).

mod support;
use aitrace::Settings;
use aitrace_sdk::config::{BatchConfig, ExporterKind, Protocol};
use aitrace_sdk::Builder;
use std::time::Duration;
use support::receiver::Receiver;

const PROMPT: &str = "PROMPT-7f3a: what is the refund policy for order 1234?";
const SYSTEM: &str = "SYSTEM-91bc: you are a careful support agent";
const COMPLETION: &str = "COMPLETION-c0de: refunds are possible within 30 days";
const TOOL_ARGS: &str = "TOOLARGS-5e5e: order 1234";
const TOOL_RESULT: &str = "TOOLRESULT-beef: shipped on 2024-05-01";
const TEXTS: [&str; 5] = [PROMPT, SYSTEM, COMPLETION, TOOL_ARGS, TOOL_RESULT];

fn agent_run() {
    let run = aitrace::trace("support").new_root().start();
    run.in_scope(|| {
        let agent = aitrace::agent("triage").start();
        agent.in_scope(|| {
            let mut g = aitrace::generation("openai", "gpt-4o").start();
            g.record_system_instructions(&serde_json::json!([{"type": "text", "content": SYSTEM}]));
            g.record_input_messages(&serde_json::json!([{"role": "user", "content": PROMPT}]));
            g.record_output_messages(
                &serde_json::json!([{"role": "assistant", "content": COMPLETION}]),
            );
            g.record_usage(aitrace::Usage::new(20, 10));
            g.end();
            let t = aitrace::tool("lookup_order").start();
            t.record_arguments(&serde_json::json!({"query": TOOL_ARGS}));
            t.record_result(&serde_json::json!({"status": TOOL_RESULT}));
            t.end();
        });
        agent.end();
    });
    run.end();
}

/// Raw client bytes of one run with `settings`, and the receiver's decoded spans.
fn wire_of_run(protocol: Protocol, settings: Settings) -> (Vec<u8>, usize) {
    let rx = Receiver::grpc_or_http(protocol, false).capture_wire();
    let guard = Builder::new()
        .with_exporters(vec![ExporterKind::Otlp])
        .with_protocol(protocol)
        .with_endpoint(rx.endpoint.clone())
        .with_timeout(Duration::from_secs(5))
        .with_batch(BatchConfig {
            schedule_delay: Duration::from_millis(20),
            ..BatchConfig::default()
        })
        .with_settings(settings)
        .install()
        .expect("pipeline installs");
    agent_run();
    let report = guard
        .shutdown_with_timeout(Duration::from_secs(10))
        .expect("delivered");
    assert_eq!(report.stats.exported, 4, "{protocol:?}");
    let spans = rx.wait_for_spans(4, Duration::from_secs(5)).len();
    (rx.wire(), spans)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn no_content_on_the_wire_unless_capture_is_on() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf] {
        // The default settings: capture off.
        assert!(!Settings::default().capture_content());
        let (wire, spans) = wire_of_run(protocol, Settings::default());
        assert_eq!(spans, 4, "{protocol:?}");
        assert!(
            contains(&wire, "invoke_agent triage"),
            "{protocol:?}: the capture sees the spans"
        );
        for text in TEXTS {
            // The distinctive head of each text, so that a cut value would be found too.
            let head = &text[..text.find(':').unwrap()];
            assert!(
                !contains(&wire, head),
                "{protocol:?}: {head} went on the wire with capture off"
            );
        }

        // Capture on: the same search finds every text.
        let (wire, _) = wire_of_run(protocol, Settings::default().with_capture_content(true));
        for text in TEXTS {
            assert!(
                contains(&wire, text),
                "{protocol:?}: {text} not found with capture on"
            );
        }
    }
}
