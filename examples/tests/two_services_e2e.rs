//! Two services in two processes over real HTTP, one trace, at a real collector: the
//! agent service calls through aitrace-http's reqwest middleware, the tool service
//! serves through its tower layer. For each propagator choice the tool service's
//! SERVER span is a child of the agent service's CLIENT span, its tool span a child of
//! the SERVER span, and both carry the conversation id and user id set upstream.
//! Under parent-based sampling the tool service follows the agent service's decision;
//! a request with hostile headers gets a new trace and a normal answer.

#[path = "../../crates/aitrace-sdk/tests/support/peers.rs"]
mod support;

use std::io::{BufRead, BufReader, Read, Write};
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

/// Starts the tool service; returns it and its base URL (`http://127.0.0.1:PORT`).
fn start_tool(rotel: &Rotel, propagators: &str, sampler: &str) -> (Service, String) {
    let mut tool = Service(
        command(
            env!("CARGO_BIN_EXE_tool_service"),
            rotel,
            "tool-service",
            propagators,
            sampler,
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
    (tool, url)
}

/// Stops the tool service (closing its stdin makes it flush and exit) within 20 s.
fn stop_tool(mut tool: Service) {
    drop(tool.0.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(20);
    while tool.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tool service did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(tool.0.wait().unwrap().success());
}

/// Runs one request through both services; returns the agent's JSON line.
fn run_pair(
    rotel: &Rotel,
    propagators: &str,
    agent_sampler: &str,
    tool_sampler: &str,
) -> serde_json::Value {
    let (tool, url) = start_tool(rotel, propagators, tool_sampler);

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

    stop_tool(tool);
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
fn one_trace_and_one_conversation_across_two_services_with_each_propagator() {
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
        let of_kind = |kind: &str| {
            let found: Vec<&ReceivedSpan> =
                spans.iter().filter(|s| s.kind_short() == kind).collect();
            assert_eq!(
                found.len(),
                1,
                "{propagators}: one {kind} span in {names:?}"
            );
            found[0]
        };
        let client = of_kind("client");
        let server = of_kind("server");
        let tool = find("execute_tool search_kb");
        assert_eq!(client.name, "POST /tools/{name}", "{propagators}");
        assert_eq!(server.name, "POST /tools/{name}", "{propagators}");
        assert_eq!(client.scope_name, "aitrace-http");
        assert_eq!(server.scope_name, "aitrace-http");
        assert_eq!(client.service_name(), Some("agent-service"));
        assert_eq!(server.service_name(), Some("tool-service"));
        assert_eq!(tool.service_name(), Some("tool-service"));

        // CLIENT span -> SERVER span -> tool span.
        assert_eq!(
            server.parent_id, client.span_id,
            "{propagators}: the server span continues the client span"
        );
        assert_eq!(tool.parent_id, server.span_id, "{propagators}");
        assert_eq!(find("invoke_agent researcher").span_id, client.parent_id);
        assert!(find("invoke_workflow research").parent_id.is_empty());

        // The conversation and the user set upstream, on the tool service's spans.
        for span in [client, server, tool] {
            for (key, value) in [
                ("ai.conversation.id", "conv-two-services"),
                ("gen_ai.conversation.id", "conv-two-services"),
                ("ai.user.id", "user-two-services"),
            ] {
                assert_eq!(
                    span.str_attr(key),
                    Some(value),
                    "{propagators}: {key} on {} of {}",
                    span.name,
                    span.service_name().unwrap_or("")
                );
            }
        }
        assert_eq!(server.str_attr("http.route"), Some("/tools/{name}"));
        assert_eq!(server.int_attr("http.response.status_code"), Some(200));
        assert_eq!(client.int_attr("http.response.status_code"), Some(200));
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

#[test]
fn hostile_headers_get_a_new_trace_and_a_normal_answer() {
    let rotel = Rotel::start();
    let propagators = "tracecontext,baggage,b3,jaeger";
    let (tool, url) = start_tool(&rotel, propagators, "parentbased_always_on");
    let addr = url.strip_prefix("http://").unwrap();
    let bogus = "4bf92f3577b34da6a3ce929d0e0e4736";
    let body = r#"{"query": "refund duplicate charge"}"#;
    let mut request = format!(
        "POST /tools/search_kb?case=hostile HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\
         traceparent: 00-{bogus}-00f067aa0ba902b7-01\r\n\
         traceparent: 00-{bogus}-00f067aa0ba902b8-01\r\n\
         b3: {}\r\nuber-trace-id: {bogus}:zz:0:1\r\n\
         baggage: ;;;,=,user.id=%E2%80%AEevil%0A,gen_ai.conversation.id=%ff\r\n",
        body.len(),
        "f".repeat(2000),
    )
    .into_bytes();
    request.extend_from_slice(b"uberctx-user.id: \xff\xfe\r\n\r\n");
    request.extend_from_slice(body.as_bytes());
    let mut tcp = std::net::TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    tcp.write_all(&request).unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
    assert!(answer.contains("Duplicate card charges"), "{answer}");
    stop_tool(tool);

    let is_hostile = |s: &ReceivedSpan| s.str_attr("url.query") == Some("case=hostile");
    let spans = rotel
        .wait_until(Duration::from_secs(10), |spans| {
            spans.iter().any(is_hostile)
        })
        .unwrap_or_else(|seen| seen);
    let server = spans
        .iter()
        .find(|s| is_hostile(s))
        .expect("the SERVER span of the hostile request");
    assert!(server.parent_id.is_empty(), "a new trace: {server:?}");
    assert_ne!(server.trace_id, bogus);
    assert_eq!(server.kind_short(), "server");
    let trace = spans_of(&rotel, &server.trace_id, 2);
    let tool = trace
        .iter()
        .find(|s| s.name == "execute_tool search_kb")
        .expect("the tool span");
    assert_eq!(tool.parent_id, server.span_id);
    assert_eq!(
        server.str_attr("gen_ai.conversation.id"),
        Some("\u{FFFD}"),
        "%ff is no UTF-8: W3C Baggage replaces it with U+FFFD"
    );
    for span in [server, tool] {
        let user = span.str_attr("ai.user.id").unwrap_or_default();
        assert!(!user.chars().any(char::is_control), "{user:?}");
        assert!(!user.contains('\u{202E}'), "{user:?}");
    }
}
