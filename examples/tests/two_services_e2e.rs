//! Two services in two processes, one trace: for each propagator choice, the tool
//! service's SERVER span is a child of the agent service's CLIENT span, at a real
//! collector; and under parent-based sampling the tool service follows the
//! agent service's decision.

#[path = "../../crates/aitrace-sdk/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{ReceivedSpan, Rotel};

struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn command(bin: &str, rotel: &Rotel, service: &str, propagators: &str, sampler: &str) -> Command {
    let mut c = Command::new(bin);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", rotel.grpc_endpoint())
        .env("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
        .env("OTEL_SERVICE_NAME", service)
        .env("OTEL_PROPAGATORS", propagators)
        .env("OTEL_TRACES_SAMPLER", sampler)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100");
    c
}

/// Runs one request through both services; returns the agent's JSON line.
fn run_pair(
    rotel: &Rotel,
    propagators: &str,
    agent_sampler: &str,
    tool_sampler: &str,
) -> serde_json::Value {
    let mut tool = Service(
        command(
            env!("CARGO_BIN_EXE_tool_service"),
            rotel,
            "tool-service",
            propagators,
            tool_sampler,
        )
        .arg("127.0.0.1:0")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("tool service starts"),
    );
    let mut first = String::new();
    BufReader::new(tool.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .expect("address line")
        .to_string();

    let out = command(
        env!("CARGO_BIN_EXE_agent_service"),
        rotel,
        "agent-service",
        propagators,
        agent_sampler,
    )
    .args([url.as_str(), "refund duplicate charge"])
    .stdin(Stdio::null())
    .output()
    .expect("agent service runs");
    assert!(
        out.status.success(),
        "agent service failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    drop(tool.0.stdin.take()); // closing stdin stops the tool service, which flushes
    let deadline = Instant::now() + Duration::from_secs(20);
    while tool.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tool service did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(tool.0.wait().unwrap().success());
    serde_json::from_slice(&out.stdout).expect("one JSON line")
}

fn spans_of(rotel: &Rotel, trace_id: &str, n: usize) -> Vec<ReceivedSpan> {
    let wanted =
        |spans: &[ReceivedSpan]| spans.iter().filter(|s| s.trace_id == trace_id).count() >= n;
    // At the deadline the spans seen so far come back too: the caller's assertion
    // then names what arrived.
    let spans = rotel
        .wait_until(Duration::from_secs(10), wanted)
        .unwrap_or_else(|seen| seen);
    spans
        .into_iter()
        .filter(|s| s.trace_id == trace_id)
        .collect()
}

#[test]
fn one_trace_across_two_services_with_each_propagator() {
    let rotel = Rotel::start();
    for propagators in ["tracecontext,baggage", "b3", "b3multi", "jaeger"] {
        let line = run_pair(
            &rotel,
            propagators,
            "parentbased_always_on",
            "parentbased_always_on",
        );
        assert_eq!(line["status"], 200, "{propagators}");
        assert!(
            !line["results"]["results"].as_array().unwrap().is_empty(),
            "{propagators}"
        );
        let trace_id = line["trace_id"].as_str().unwrap();
        let client_span = line["client_span_id"].as_str().unwrap();

        let spans = spans_of(&rotel, trace_id, 5);
        let names: Vec<(&str, &str)> = spans
            .iter()
            .map(|s| (s.name.as_str(), s.service_name().unwrap_or("")))
            .collect();
        assert_eq!(spans.len(), 5, "{propagators}: {names:?}");
        let find = |n: &str| {
            spans
                .iter()
                .find(|s| s.name == n)
                .unwrap_or_else(|| panic!("{propagators}: {n} in {names:?}"))
        };
        let client = spans.iter().find(|s| s.kind_short() == "client").unwrap();
        let server = spans.iter().find(|s| s.kind_short() == "server").unwrap();
        assert_eq!(client.span_id, client_span, "{propagators}");
        assert_eq!(client.service_name(), Some("agent-service"));
        assert_eq!(server.service_name(), Some("tool-service"));
        assert_eq!(
            server.parent_id, client.span_id,
            "{propagators}: the server span continues the client span"
        );
        assert_eq!(find("execute_tool search_kb").parent_id, server.span_id);
        assert_eq!(find("invoke_agent researcher").span_id, client.parent_id);
        assert!(find("invoke_workflow research").parent_id.is_empty());
    }
}

#[test]
fn the_tool_service_follows_the_callers_sampling_decision() {
    let rotel = Rotel::start();
    // The caller samples nothing: the parent-based tool service records nothing either,
    // although on its own it would sample every trace.
    let dropped = run_pair(
        &rotel,
        "tracecontext",
        "always_off",
        "parentbased_always_on",
    );
    // The caller samples everything: the tool service samples too, although on
    // its own it would sample nothing.
    let kept = run_pair(
        &rotel,
        "tracecontext",
        "always_on",
        "parentbased_always_off",
    );
    let kept_id = kept["trace_id"].as_str().unwrap();
    assert_eq!(spans_of(&rotel, kept_id, 5).len(), 5);
    let dropped_id = dropped["trace_id"].as_str().unwrap();
    assert!(
        rotel.spans().iter().all(|s| s.trace_id != dropped_id),
        "nothing of the unsampled trace is exported"
    );
}
