//! A trace larger than 10 000 spans keeps growing by request without being
//! read back whole each time: what arrives is added to its summary, a span
//! sent again is still stored once, its root is taken when it comes, and its
//! page draws the first 2 000 spans with a note.

mod support;

use prost::Message;
use support::http::{get, post_traces};
use support::otlp::{generation, kv, now_ns, request, span, V};
use support::{stored_trace, Server, TempDir};

const TRACE: u128 = 0x1a26e;

fn post(server: &Server, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[],
        &request("svc", spans).encode_to_vec(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn a_large_trace_grows_by_addition() {
    let dir = TempDir::new("large-trace");
    let server = Server::start(&dir, &[], &[]);
    let t = now_ns();
    let id = format!("{TRACE:032x}");
    // 10 001 tool calls under an agent whose root has not come yet.
    let mut first: Vec<_> = (10..10_011u64)
        .map(|i| {
            span(
                TRACE,
                i,
                2,
                "execute_tool step",
                t + i,
                1,
                vec![kv("ai.span.type", V::S("tool"))],
            )
        })
        .collect();
    first.push(span(
        TRACE,
        2,
        1,
        "invoke_agent worker",
        t,
        100,
        vec![kv("ai.span.type", V::S("agent"))],
    ));
    post(&server, first);
    let before = stored_trace(&server.db, &id);
    assert_eq!(before["span_count"], 10_002);
    assert_eq!(before["complete"], false);

    // More arrives: a model call, one span sent again, and the root.
    let mut call = generation("gpt-4o", 1000, 100, 0.0035);
    call.push(kv("ai.conversation.id", V::S("conv-large")));
    post(
        &server,
        vec![
            span(TRACE, 3, 2, "chat gpt-4o", t + 50, 10, call),
            span(
                TRACE,
                10,
                2,
                "execute_tool step",
                t + 10,
                1,
                vec![kv("ai.span.type", V::S("tool"))],
            ),
            span(
                TRACE,
                1,
                0,
                "invoke_workflow long",
                t,
                200,
                vec![kv("ai.span.type", V::S("workflow"))],
            ),
        ],
    );
    let after = stored_trace(&server.db, &id);
    assert_eq!(
        after["span_count"], 10_004,
        "the resent span is stored once"
    );
    assert_eq!(after["model_calls"], 1);
    assert_eq!(after["tool_calls"], 10_001);
    assert!((after["cost_usd"].as_f64().unwrap() - 0.0035).abs() < 1e-12);
    assert_eq!(after["root_name"], "invoke_workflow long");
    assert_eq!(after["conversation_id"], "conv-large");
    let list = support::query_json(&server.db, &["--model", "gpt-4o"]);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["trace_id"], id.as_str());

    let page = get(server.http, &format!("/trace/{id}"), &[]);
    assert_eq!(page.status, 200);
    let text = page.text();
    assert_eq!(text.matches("<tr class=\"span").count(), 2000);
    assert!(
        text.contains("The first 2000 of 10004 spans are drawn"),
        "{}",
        &text[..200]
    );
    server.stop();
}
