//! Bad OTLP/gRPC requests are refused with the right status and a short
//! reason, and the server keeps serving: a message that does not decode
//! (INVALID_ARGUMENT), a gzip bomb past the decompressed-size cap
//! (RESOURCE_EXHAUSTED), a message over the cap, spans with bad ids (partial
//! success); then a good request is stored.

mod support;

use support::otlp::{request, small_trace, span};
use support::{grpc, stored_trace, Server, TempDir};
use tonic::Code;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_refused_and_the_server_keeps_serving() {
    let dir = TempDir::new("bad-grpc");
    let server = Server::start(&dir, &["--max-request-size", "1MiB"], &[]);
    let url = server.grpc_url();

    let e = grpc::export_raw(&url, b"\xff\xff\xff\xff not protobuf".to_vec(), false, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument, "{e:?}");
    assert!(
        e.message()
            .starts_with("malformed OTLP protobuf ExportTraceServiceRequest: "),
        "{}",
        e.message()
    );

    // 64 MiB of zeros, gzipped to about 64 KiB: refused at the 1 MiB cap.
    let e = grpc::export_raw(&url, vec![0u8; 64 << 20], true, None)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::ResourceExhausted, "{e:?}");
    assert!(e.message().contains("size limit"), "{}", e.message());

    // Over the cap without compression.
    let e = grpc::export_raw(&url, vec![0u8; 2 << 20], false, None)
        .await
        .unwrap_err();
    assert!(
        matches!(e.code(), Code::OutOfRange | Code::ResourceExhausted),
        "{e:?}"
    );

    // One span with a 3-byte trace id among good ones: the rest is stored.
    let mut spans = small_trace(0xb0, "conv-grpc", 0);
    let mut bad = span(0xb1, 9, 0, "bad ids", 0, 1, vec![]);
    bad.trace_id = vec![1, 2, 3];
    spans.push(bad);
    let ok = grpc::export(&url, &request("svc", spans), false, None)
        .await
        .expect("the good spans are accepted");
    let partial = ok.partial_success.expect("partial success");
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial.error_message.contains("trace id must be 16 bytes"),
        "{}",
        partial.error_message
    );
    let trace = stored_trace(&server.db, &format!("{:032x}", 0xb0u128));
    assert_eq!(trace["span_count"], 4);

    // A good request, gzipped, after all that.
    let ok = grpc::export(
        &url,
        &request("svc", small_trace(0xb2, "conv-grpc", 0)),
        true,
        None,
    )
    .await
    .expect("stored");
    assert!(ok.partial_success.is_none());
    assert_eq!(
        stored_trace(&server.db, &format!("{:032x}", 0xb2u128))["span_count"],
        4
    );
    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
