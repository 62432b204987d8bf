//! Bad OTLP/HTTP requests are refused with the right status and a short
//! reason in the request's own format, and the server keeps serving: bodies
//! that do not decode (400), unknown content types and encodings (415), bad
//! gzip (400), a gzip bomb and a body over the cap (413), spans with bad ids
//! (partial success); then a good request is stored.

mod support;

use prost::Message;
use support::http::{gzip, post_traces, request as http_request, RpcStatus};
use support::otlp::{request, small_trace, span};
use support::{stored_trace, Server, TempDir};

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

#[test]
fn bad_requests_are_refused_and_the_server_keeps_serving() {
    let dir = TempDir::new("bad-http");
    let server = Server::start(&dir, &["--max-request-size", "1MiB"], &[]);
    let addr = server.http;

    // Not protobuf: 400 with a google.rpc.Status in protobuf.
    let r = post_traces(addr, PROTOBUF, &[], b"\xff\xff\xff\xff not protobuf");
    assert_eq!(r.status, 400);
    assert_eq!(r.header("content-type"), Some(PROTOBUF));
    let status = RpcStatus::decode(r.body.as_slice()).expect("a google.rpc.Status body");
    assert_eq!(status.code, 3, "INVALID_ARGUMENT");
    assert!(
        status
            .message
            .starts_with("malformed OTLP protobuf ExportTraceServiceRequest: "),
        "{}",
        status.message
    );

    // Not OTLP JSON: 400 with the status in JSON.
    let r = post_traces(addr, JSON, &[], br#"{"resourceSpans": "nope"}"#);
    assert_eq!(r.status, 400);
    let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["code"], 3);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("malformed OTLP JSON ExportTraceServiceRequest: "),
        "{body}"
    );

    // Neither OTLP content type: 415, saying what is accepted.
    let r = post_traces(addr, "text/plain", &[], b"hello");
    assert_eq!(r.status, 415);
    assert!(
        r.text()
            .contains("expected application/x-protobuf or application/json"),
        "{}",
        r.text()
    );
    let r = post_traces(addr, PROTOBUF, &[("Content-Encoding", "br")], b"x");
    assert_eq!(r.status, 415);

    // Not gzip although it says so.
    let r = post_traces(
        addr,
        PROTOBUF,
        &[("Content-Encoding", "gzip")],
        b"plain bytes",
    );
    assert_eq!(r.status, 400);
    let status = RpcStatus::decode(r.body.as_slice()).unwrap();
    assert!(
        status.message.starts_with("body is not valid gzip"),
        "{}",
        status.message
    );

    // A gzip bomb: 64 MiB of zeros in about 64 KiB, refused at the 1 MiB cap.
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let r = post_traces(addr, PROTOBUF, &[("Content-Encoding", "gzip")], &bomb);
    assert_eq!(r.status, 413);
    let status = RpcStatus::decode(r.body.as_slice()).unwrap();
    assert_eq!(
        status.message,
        "request body larger than 1048576 bytes (decompressed); split it into smaller requests"
    );
    // Over the cap as sent.
    let r = post_traces(addr, PROTOBUF, &[], &vec![0u8; 2 << 20]);
    assert_eq!(r.status, 413);

    // Only POST.
    assert_eq!(
        http_request(addr, "GET", "/v1/traces", &[], b"").status,
        405
    );

    // One span with bad ids among good ones: 200 with partial success.
    let mut spans = small_trace(0xc0, "conv-http", 0);
    let mut bad = span(0xc1, 9, 0, "bad ids", 0, 1, vec![]);
    bad.span_id = vec![0; 8];
    spans.push(bad);
    let r = post_traces(addr, PROTOBUF, &[], &request("svc", spans).encode_to_vec());
    assert_eq!(r.status, 200);
    let response =
        opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse::decode(
            r.body.as_slice(),
        )
        .unwrap();
    let partial = response.partial_success.expect("partial success");
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial.error_message.contains("span id must be 8 bytes"),
        "{}",
        partial.error_message
    );
    assert_eq!(
        stored_trace(&server.db, &format!("{:032x}", 0xc0u128))["span_count"],
        4
    );

    // A good JSON request, gzipped, after all that.
    let json = serde_json::to_vec(&request("svc", small_trace(0xc2, "conv-http", 0))).unwrap();
    let r = post_traces(addr, JSON, &[("Content-Encoding", "gzip")], &gzip(&json));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some(JSON));
    assert_eq!(
        stored_trace(&server.db, &format!("{:032x}", 0xc2u128))["span_count"],
        4
    );

    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
