//! Tests of the rotel test harness itself: the log parser against a real log excerpt
//! (`fixtures/rotel_sample.log`), and a live rotel: start, readiness, a real OTLP/HTTP
//! request, stop and restart. `fixtures/make_fixtures.py` regenerates both fixtures.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use support::{parse_rotel_log, ReceivedSpan, Rotel};

const SAMPLE: &str = include_str!("fixtures/rotel_sample.log");
/// A serialized `ExportTraceServiceRequest` holding one span ("probe span").
const PROBE: &[u8] = include_bytes!("fixtures/probe_request.binpb");

fn named<'a>(spans: &'a [ReceivedSpan], name: &str, service: &str) -> &'a ReceivedSpan {
    spans
        .iter()
        .find(|s| s.name == name && s.service_name() == Some(service))
        .unwrap_or_else(|| panic!("no span {name:?} from {service:?}"))
}

#[test]
fn parses_every_span_of_the_sample() {
    let spans = parse_rotel_log(SAMPLE);
    assert_eq!(spans.len(), 20);
    // 6 over gRPC, 6 over HTTP, 8 in one hand-built request (2 resources x 2 scopes x 2)
    let count = |svc: &str| {
        spans
            .iter()
            .filter(|s| s.service_name() == Some(svc))
            .count()
    };
    assert_eq!(count("sample-grpc"), 6);
    assert_eq!(count("sample-http"), 6);
    assert_eq!(count("raw-svc-0"), 4);
    assert_eq!(count("raw-svc-1"), 4);
    for s in &spans {
        assert_eq!(s.trace_id.len(), 32, "{s:?}");
        assert_eq!(s.span_id.len(), 16, "{s:?}");
        assert!(s.parent_id.is_empty() || s.parent_id.len() == 16, "{s:?}");
        assert!(s.end_time_unix_nano >= s.start_time_unix_nano);
    }
}

#[test]
fn parses_span_header_attributes_and_events() {
    let spans = parse_rotel_log(SAMPLE);
    let chat = named(&spans, "chat gpt-4o", "sample-grpc");
    assert_eq!(chat.trace_id, "33eb26e1ac5d3b54f3be05414cf17434");
    assert_eq!(chat.parent_id, "1a4bbadae26d482f");
    assert_eq!(chat.span_id, "78ab011f0ee14ffc");
    assert_eq!(chat.kind, "SPAN_KIND_CLIENT");
    assert_eq!(chat.kind_short(), "client");
    assert_eq!(chat.status_code, "STATUS_CODE_UNSET");
    assert_eq!(chat.start_time_unix_nano, 1795308416631500305);
    assert_eq!(chat.end_time_unix_nano, 1795308416631582480);
    assert_eq!(
        (chat.scope_name.as_str(), chat.scope_version.as_str()),
        ("aitrace.sample", "0.1.0")
    );

    assert_eq!(chat.attr("gen_ai.usage.input_tokens"), Some("Int(812)"));
    assert_eq!(chat.int_attr("gen_ai.usage.input_tokens"), Some(812));
    assert_eq!(chat.f64_attr("ai.cost_usd"), Some(0.0027));
    assert_eq!(chat.f64_attr("gen_ai.request.temperature"), Some(0.5));
    assert_eq!(chat.bool_attr("ai.streamed"), Some(true));
    assert_eq!(
        chat.str_array_attr("gen_ai.response.finish_reasons"),
        Some(vec!["stop".to_owned()])
    );
    assert_eq!(
        chat.array_attr("ints"),
        Some(vec!["Int(1)".into(), "Int(2)".into(), "Int(3)".into()])
    );
    assert_eq!(chat.attr("floats"), Some("Slice(Double(1.5), Double(2))"));
    assert_eq!(chat.attr("bools"), Some("Slice(Bool(true), Bool(false))"));
    assert_eq!(chat.str_attr("empty"), Some(""));
    // a key containing ": " and a value spanning two lines
    assert_eq!(
        chat.str_attr("weird: key"),
        Some("a (paren) \"quoted\"\nnewline")
    );
    // wrong type asked for
    assert_eq!(chat.str_attr("gen_ai.usage.input_tokens"), None);
    assert_eq!(chat.int_attr("missing"), None);
    assert_eq!(chat.attributes.len(), 10);

    assert_eq!(chat.event_names(), ["gen_ai.content.prompt", "first_token"]);
    let prompt = chat.event("gen_ai.content.prompt").unwrap();
    assert_eq!(prompt.str_attr("gen_ai.prompt"), Some("hello"));
    assert_eq!(
        prompt.attributes.get("n").map(String::as_str),
        Some("Int(3)")
    );
    assert_eq!(prompt.time_unix_nano, 1795308416631567766);
    assert!(chat.event("first_token").unwrap().attributes.is_empty());

    assert_eq!(chat.resource_str("deployment.environment"), Some("test"));
    assert_eq!(
        chat.resource.get("res.int").map(String::as_str),
        Some("Int(7)")
    );
    assert_eq!(chat.resource_str("telemetry.sdk.language"), Some("python"));
}

#[test]
fn parses_status_exception_event_and_links() {
    let spans = parse_rotel_log(SAMPLE);
    let tool = named(&spans, "execute_tool search_kb", "sample-grpc");
    assert_eq!(tool.kind_short(), "internal");
    assert_eq!(tool.status_code, "STATUS_CODE_ERROR");
    assert_eq!(tool.status_short(), "error");
    assert_eq!(tool.status_message, "boom happened");
    assert!(tool.attributes.is_empty());
    let exception = tool.event("exception").unwrap();
    assert_eq!(exception.str_attr("exception.type"), Some("ValueError"));
    assert_eq!(exception.str_attr("exception.message"), Some("boom"));
    let trace = exception.str_attr("exception.stacktrace").unwrap();
    assert!(
        trace.starts_with("Traceback (most recent call last):\n  File "),
        "{trace:?}"
    );
    assert!(trace.ends_with("ValueError: boom\n"), "{trace:?}");
    assert_eq!(exception.str_attr("exception.escaped"), Some("False"));

    assert_eq!(tool.links.len(), 1);
    let chat = named(&spans, "chat gpt-4o", "sample-grpc");
    assert_eq!(tool.links[0].trace_id, chat.trace_id);
    assert_eq!(tool.links[0].span_id, chat.span_id);
    assert_eq!(tool.links[0].trace_state, "");
    assert_eq!(
        tool.links[0]
            .attributes
            .get("link.attr")
            .map(String::as_str),
        Some("Str(x)")
    );

    assert_eq!(
        named(&spans, "server span", "sample-http").status_short(),
        "ok"
    );
    assert_eq!(
        named(&spans, "prod", "sample-http").kind,
        "SPAN_KIND_PRODUCER"
    );
    assert_eq!(
        named(&spans, "cons", "sample-http").kind,
        "SPAN_KIND_CONSUMER"
    );
}

#[test]
fn parent_links_form_one_tree_per_request() {
    let spans = parse_rotel_log(SAMPLE);
    for (svc, root_name) in [
        ("sample-grpc", "invoke_agent triage grpc"),
        ("sample-http", "invoke_agent triage http"),
    ] {
        let root = named(&spans, root_name, svc);
        assert!(root.is_root());
        assert_eq!(
            root.str_array_attr("gen_ai.tool.names"),
            Some(vec![
                "search_kb".to_owned(),
                "transfer_to_billing".to_owned()
            ])
        );
        let children: Vec<_> = spans
            .iter()
            .filter(|s| s.service_name() == Some(svc) && !s.is_root())
            .collect();
        assert_eq!(children.len(), 5);
        for c in children {
            assert_eq!(c.parent_id, root.span_id);
            assert_eq!(c.trace_id, root.trace_id);
        }
    }
}

#[test]
fn parses_batches_with_several_resources_and_scopes() {
    let spans = parse_rotel_log(SAMPLE);
    let raw: Vec<_> = spans
        .iter()
        .filter(|s| s.name.starts_with("raw "))
        .collect();
    assert_eq!(raw.len(), 8);
    for s in &raw {
        // "raw r{resource} s{scope} i{index}"
        let r = &s.name[5..6];
        let scope = &s.name[8..9];
        let i = &s.name[11..12];
        assert_eq!(
            s.service_name(),
            Some(format!("raw-svc-{r}").as_str()),
            "{}",
            s.name
        );
        assert_eq!(s.scope_name, format!("scope{scope}"));
        assert_eq!(s.scope_version, "");
        assert_eq!(
            s.kind_short(),
            if i == "0" { "unspecified" } else { "client" }
        );
        // no status in the request at all
        assert_eq!(s.status_code, "STATUS_CODE_UNSET");
        assert_eq!(s.resource.len(), 1);
        assert_eq!(s.attr("bytes"), Some("Bytes([1, 2, 255])"));
        assert_eq!(s.attr("kv"), Some("Map(a:Int(1), b:Str(x))"));
        assert_eq!(s.array_attr("emptyarr"), Some(vec![]));
        assert_eq!(s.attr("novalue"), Some("Empty"));
        assert_eq!(s.int_attr("neg"), Some(-5));
        assert_eq!(s.f64_attr("big"), Some(1e21));
        assert!(s.f64_attr("nan").unwrap().is_nan());
    }
}

#[test]
fn tolerates_colour_codes_noise_and_truncation() {
    let coloured =
        "\u{1b}[2m2026-01-01T00:00:00.000000Z\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m Starting Rotel.\n";
    let text = format!("{coloured}{SAMPLE}");
    assert_eq!(parse_rotel_log(&text).len(), 20);

    // rotel's own log lines between spans are skipped, even after a multi-line value
    let noisy = SAMPLE.replace(
        "ValueError: boom\n)\n",
        "ValueError: boom\n)\n2026-01-01T00:00:00.000000Z  WARN something\n",
    );
    let spans = parse_rotel_log(&noisy);
    assert_eq!(spans.len(), 20);
    let tool = named(&spans, "execute_tool search_kb", "sample-grpc");
    assert!(tool
        .event("exception")
        .unwrap()
        .str_attr("exception.stacktrace")
        .unwrap()
        .ends_with("boom\n"));

    assert!(parse_rotel_log("").is_empty());
    assert!(parse_rotel_log("garbage\n -> x: Str(y)\n").is_empty());
    // A log cut anywhere parses without panicking, to a prefix of the spans.
    for cut in (0..SAMPLE.len()).step_by(97) {
        let cut = (0..=cut)
            .rev()
            .find(|&i| SAMPLE.is_char_boundary(i))
            .unwrap();
        assert!(parse_rotel_log(&SAMPLE[..cut]).len() <= 20);
    }
}

/// POSTs `body` to rotel's OTLP/HTTP traces path and returns the HTTP status.
fn post_traces(rotel: &Rotel, content_type: &str, body: &[u8]) -> u16 {
    let addr = SocketAddr::from(([127, 0, 0, 1], rotel.http_port()));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let head = format!(
        "POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        rotel.http_port(),
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let response = String::from_utf8_lossy(&response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
}

fn accepts(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

fn pid_alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn live_start_ready_and_stop() {
    let mut rotel = Rotel::start();
    eprintln!(
        "rotel ready in {:?} on grpc :{} http :{}",
        rotel.started_in(),
        rotel.grpc_port(),
        rotel.http_port()
    );
    assert!(rotel.is_running());
    assert_ne!(rotel.grpc_port(), rotel.http_port());
    assert_eq!(
        rotel.grpc_endpoint(),
        format!("http://127.0.0.1:{}", rotel.grpc_port())
    );
    assert_eq!(
        rotel.http_endpoint(),
        format!("http://127.0.0.1:{}", rotel.http_port())
    );
    assert_eq!(
        rotel.http_traces_url(),
        format!("{}/v1/traces", rotel.http_endpoint())
    );
    assert!(accepts(rotel.grpc_port()) && accepts(rotel.http_port()));
    assert!(rotel.spans().is_empty(), "{}", rotel.log());

    let pid = std::fs::read_to_string(rotel.log_path().with_file_name("rotel.pid")).unwrap();
    assert!(pid_alive(pid.trim()));
    let dir = rotel.log_path().parent().unwrap().to_owned();

    rotel.stop();
    assert!(!rotel.is_running());
    assert!(
        !pid_alive(pid.trim()),
        "rotel-agent {pid} still alive after stop"
    );
    assert!(!accepts(rotel.grpc_port()) && !accepts(rotel.http_port()));
    rotel.stop(); // idempotent
    drop(rotel);
    assert!(!dir.exists(), "temp dir {} left behind", dir.display());
}

#[test]
fn live_receives_otlp_http_and_survives_restart() {
    let mut rotel = Rotel::start();
    let (grpc, http) = (rotel.grpc_port(), rotel.http_port());

    // rotel accepts only this exact content type ...
    assert_eq!(post_traces(&rotel, "application/x-protobuf", PROBE), 200);
    // ... and rejects it with a charset parameter (an exporter must not send one).
    assert_eq!(
        post_traces(&rotel, "application/x-protobuf; charset=utf-8", PROBE),
        400
    );

    let spans = rotel.wait_for_spans(1, Duration::from_secs(10));
    assert_eq!(spans.len(), 1, "{spans:?}");
    let probe = &spans[0];
    assert_eq!(probe.name, "probe span");
    assert_eq!(probe.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(probe.span_id, "00f067aa0ba902b7");
    assert_eq!(probe.parent_id, "a3ce929d0e0e4736");
    assert_eq!(probe.kind_short(), "client");
    assert_eq!(probe.status_short(), "ok");
    assert_eq!(probe.int_attr("probe.int"), Some(42));
    assert_eq!(probe.str_attr("probe.str"), Some("hello"));
    assert_eq!(probe.event_names(), ["probe.event"]);
    assert_eq!(probe.service_name(), Some("rotel-harness-probe"));

    rotel.restart();
    assert!(rotel.is_running());
    assert_eq!((rotel.grpc_port(), rotel.http_port()), (grpc, http));
    assert!(accepts(grpc) && accepts(http));
    assert_eq!(post_traces(&rotel, "application/x-protobuf", PROBE), 200);
    let spans = rotel.wait_for_spans(2, Duration::from_secs(10));
    assert_eq!(
        spans.len(),
        2,
        "spans before the restart are kept: {spans:?}"
    );
    assert_eq!(
        rotel
            .wait_for_span_named("probe span", Duration::from_secs(1))
            .span_id,
        probe.span_id
    );

    // a restart of a stopped instance starts it
    rotel.stop();
    rotel.restart();
    assert!(accepts(http));
}
