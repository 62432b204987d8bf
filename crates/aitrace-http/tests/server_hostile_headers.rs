//! Malformed or hostile request headers never break a request: a bad trace header
//! starts a new trace, bad baggage is ignored (a malformed escape is kept as it is,
//! as the baggage propagators keep it), an identity value over the content limit
//! is cut with the `…[truncated N bytes]` marker and control characters never reach an
//! attribute. Every request gets its normal answer.

mod support;

use aitrace_http::ServerLayer;
use axum::extract::Path;
use axum::routing::post;
use axum::Router;
use opentelemetry::trace::SpanId;
use opentelemetry_sdk::trace::SpanData;
use support::*;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// The status of a POST to `/echo/{case}` with `headers` (raw bytes, each line ended
/// with CRLF), and the spans of that request: the server span and the handler's tool.
async fn send(
    exporter: &aitrace_sdk::exporter::InMemoryExporter,
    addr: std::net::SocketAddr,
    case: usize,
    headers: &[u8],
) -> (u16, Vec<SpanData>) {
    let mut request = format!(
        "POST /echo/{case} HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n"
    )
    .into_bytes();
    request.extend_from_slice(headers);
    request.extend_from_slice(b"\r\n");
    let answer = raw_request(addr, &request).await;
    let path = format!("/echo/{case}");
    let spans = wait_for(
        exporter,
        |s| s.len() >= 2,
        |s| {
            attr_str(s, "url.path") == Some(path.as_str())
                || attr_str(s, "ai.tool.name") == Some(path.as_str())
        },
    )
    .await;
    (status_of(&answer), spans)
}

#[tokio::test]
async fn hostile_headers_get_a_normal_answer() {
    let exporter = setup();
    aitrace::set_global_settings(aitrace::Settings::default().with_max_content_bytes(64));
    let app = Router::new()
        .route(
            "/echo/{case}",
            post(|Path(case): Path<String>| async move {
                aitrace::tool(format!("/echo/{case}")).start().end();
                "ok"
            }),
        )
        .layer(ServerLayer::new());
    let addr = serve(app).await;

    let new_trace: Vec<Vec<u8>> = vec![
        // Oversized.
        format!("traceparent: {TP}{}\r\n", "0".repeat(600)).into_bytes(),
        // Repeated.
        format!("traceparent: {TP}\r\ntraceparent: {TP}\r\n").into_bytes(),
        // Not visible ASCII.
        b"traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-\xff\xfe\r\n".to_vec(),
        // Uppercase hex, which W3C forbids.
        b"traceparent: 00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01\r\n".to_vec(),
        // Empty, with a garbage tracestate.
        b"traceparent: \r\ntracestate: ,,,=\r\n".to_vec(),
        // Headers of propagators that are not configured, and garbage anyway.
        b"b3: garbage\r\nuber-trace-id: ::::\r\n".to_vec(),
    ];
    for (case, headers) in new_trace.iter().enumerate() {
        let (status, spans) = send(&exporter, addr, case, headers).await;
        assert_eq!(status, 200, "case {case}");
        let server = named(&spans, "POST /echo/{case}");
        assert_eq!(
            server.parent_span_id,
            SpanId::INVALID,
            "case {case}: a new trace"
        );
        assert_ne!(
            server.span_context.trace_id().to_string(),
            TRACE,
            "case {case}"
        );
    }

    // A valid trace header with hostile baggage: the trace continues, and the baggage is
    // cleaned or ignored.
    let continued: Vec<(Vec<u8>, Option<&str>)> = vec![
        // An escape that is not UTF-8 becomes U+FFFD, as W3C Baggage requires.
        (
            format!("traceparent: {TP}\r\nbaggage: ;;;,,==%%%,user.id=%ff\r\n").into_bytes(),
            Some("\u{FFFD}"),
        ),
        // A malformed escape is kept as it is, as the baggage propagators keep it.
        (
            format!("traceparent: {TP}\r\nbaggage: user.id=%zz\r\n").into_bytes(),
            Some("%zz"),
        ),
        (
            [
                format!("traceparent: {TP}\r\nbaggage: user.id=a").as_bytes(),
                b"\xffb\r\n",
            ]
            .concat(),
            None,
        ),
        (
            format!("traceparent: {TP}\r\nbaggage: user.id=a%0D%0Ab%E2%80%AE\r\n").into_bytes(),
            Some("a\u{FFFD}\u{FFFD}b\u{FFFD}"),
        ),
        (
            format!(
                "traceparent: {TP}\r\nbaggage: user.id=u,x={}\r\n",
                "y".repeat(9000)
            )
            .into_bytes(),
            None,
        ),
    ];
    let offset = new_trace.len();
    for (i, (headers, user)) in continued.iter().enumerate() {
        let case = offset + i;
        let (status, spans) = send(&exporter, addr, case, headers).await;
        assert_eq!(status, 200, "case {case}");
        let server = named(&spans, "POST /echo/{case}");
        assert_eq!(
            server.span_context.trace_id().to_string(),
            TRACE,
            "case {case}"
        );
        for span in &spans {
            assert_eq!(
                attr_str(span, "ai.user.id"),
                *user,
                "case {case}: {}",
                span.name
            );
        }
    }

    // A conversation id over the content limit (64 bytes here) is cut visibly.
    let case = offset + continued.len();
    let headers = format!(
        "traceparent: {TP}\r\nbaggage: gen_ai.conversation.id={}\r\n",
        "c".repeat(300)
    );
    let (status, spans) = send(&exporter, addr, case, headers.as_bytes()).await;
    assert_eq!(status, 200);
    assert_eq!(spans.len(), 2);
    for span in &spans {
        let conv = attr_str(span, "ai.conversation.id").unwrap_or_default();
        assert!(conv.len() <= 64, "{conv}");
        assert!(
            conv.starts_with("ccc") && conv.ends_with("…[truncated 277 bytes]"),
            "{}: {conv}",
            span.name
        );
        assert_eq!(attr_str(span, "gen_ai.conversation.id"), Some(conv));
    }
}
