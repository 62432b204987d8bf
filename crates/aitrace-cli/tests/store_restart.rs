//! Restarting keeps everything: a trace whose spans arrived before a restart
//! is completed by spans that arrive after it (its summary recomputed from
//! both), a span sent twice is stored once, and spans acknowledged just
//! before a crash (SIGKILL) are there when the server comes back.

mod support;

use prost::Message;
use support::http::post_traces;
use support::otlp::{generation, kv, now_ns, request, span, V};
use support::{query_json, stored_trace, Server, TempDir};

const TRACE: u128 = 0x5e57_a27e_d000_0000_0000_0000_0000_0001;

fn post(server: &Server, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[],
        &request("restart-svc", spans).encode_to_vec(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn traces_survive_a_restart_and_a_crash() {
    let dir = TempDir::new("restart");
    let id = format!("{TRACE:032x}");
    let t = now_ns();
    let conv = || kv("ai.conversation.id", V::S("conv-restart"));

    // Before the restart: the children of a trace, not its root.
    let first = Server::start(&dir, &[], &[]);
    let mut call = generation("gpt-4o", 1000, 100, 0.0035);
    call.push(conv());
    post(
        &first,
        vec![
            span(TRACE, 3, 2, "chat gpt-4o", t + 1_000_000, 30, call),
            span(
                TRACE,
                2,
                1,
                "invoke_agent triage",
                t + 500_000,
                40,
                vec![kv("ai.span.type", V::S("agent")), conv()],
            ),
        ],
    );
    let before = stored_trace(&first.db, &id);
    assert_eq!(before["complete"], false, "no root yet");
    assert_eq!(before["root_name"], "invoke_agent triage");
    let (status, stderr) = first.stop();
    assert!(status.success(), "{stderr}");

    // After it: the same file, the rest of the trace.
    let second = Server::start(&dir, &[], &[]);
    let kept = stored_trace(&second.db, &id);
    assert_eq!(kept["span_count"], 2, "kept across the restart");
    let mut call = generation("claude-sonnet-4-5", 500, 50, 0.0022);
    call.push(conv());
    post(
        &second,
        vec![
            span(
                TRACE,
                4,
                1,
                "chat claude-sonnet-4-5",
                t + 45_000_000,
                20,
                call,
            ),
            span(
                TRACE,
                1,
                0,
                "invoke_workflow support",
                t,
                70,
                vec![kv("ai.span.type", V::S("workflow")), conv()],
            ),
        ],
    );
    let whole = stored_trace(&second.db, &id);
    assert_eq!(whole["complete"], true);
    assert_eq!(whole["root_name"], "invoke_workflow support");
    assert_eq!(whole["span_count"], 4);
    assert_eq!(whole["model_calls"], 2);
    assert_eq!(whole["input_tokens"], 1500);
    assert!((whole["cost_usd"].as_f64().unwrap() - 0.0057).abs() < 1e-9);
    assert_eq!(whole["conversation_id"], "conv-restart");

    // The same spans sent again (a retry after a lost answer) are stored once.
    let mut call = generation("claude-sonnet-4-5", 500, 50, 0.0022);
    call.push(conv());
    post(
        &second,
        vec![span(
            TRACE,
            4,
            1,
            "chat claude-sonnet-4-5",
            t + 45_000_000,
            20,
            call,
        )],
    );
    let again = stored_trace(&second.db, &id);
    assert_eq!(again["span_count"], 4);
    assert_eq!(again["model_calls"], 2);
    assert_eq!(again["spans"], whole["spans"]);

    // A crash right after acknowledged requests loses none of them.
    let mut acknowledged = Vec::new();
    for i in 0..20u128 {
        let trace = TRACE + 0x100 + i;
        post(
            &second,
            vec![span(trace, 1, 0, "invoke_workflow batch", t, 5, vec![])],
        );
        acknowledged.push(format!("{trace:032x}"));
    }
    second.kill();
    let third = Server::start(&dir, &[], &[]);
    let ids: Vec<&str> = acknowledged.iter().map(String::as_str).collect();
    let found = query_json(&third.db, &ids);
    assert_eq!(found.len(), acknowledged.len());
    assert_eq!(stored_trace(&third.db, &id)["span_count"], 4);
    let (status, stderr) = third.stop();
    assert!(status.success(), "{stderr}");
}
