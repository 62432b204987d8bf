//! `aitrace query` finds stored traces by id, by conversation (in the order
//! they ran), by attribute (`--attr key=value`, all conditions on some span)
//! and by filter, and prints them as the console tree or as JSON; unknown
//! ids, bad ids and a missing store are errors that say so.

mod support;

use prost::Message;
use support::http::post_traces;
use support::otlp::{failed, kv, now_ns, request, small_trace, span, V};
use support::{aitrace, query_json, Server, TempDir};

fn post(server: &Server, service: &str, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[],
        &request(service, spans).encode_to_vec(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

fn ids(traces: &[serde_json::Value]) -> Vec<String> {
    traces
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap().to_string())
        .collect()
}

fn id(n: u128) -> String {
    format!("{n:032x}")
}

#[test]
fn query_by_id_conversation_attribute_and_filter() {
    let dir = TempDir::new("query");
    let server = Server::start(&dir, &[], &[]);
    let minute = 60_000_000_000;
    post(&server, "bot", small_trace(0x11, "conv-a", 3 * minute));
    post(&server, "bot", small_trace(0x12, "conv-a", 2 * minute));
    let t = now_ns() - minute;
    post(
        &server,
        "other",
        vec![
            failed(
                span(
                    0x13,
                    2,
                    1,
                    "execute_tool refund",
                    t + 1_000,
                    5,
                    vec![
                        kv("ai.span.type", V::S("tool")),
                        kv("ai.user.id", V::S("u-7")),
                    ],
                ),
                "refused",
            ),
            span(
                0x13,
                1,
                0,
                "invoke_workflow refunds",
                t,
                10,
                vec![
                    kv("ai.conversation.id", V::S("conv-b")),
                    kv("ai.user.id", V::S("u-7")),
                ],
            ),
        ],
    );
    let db = &server.db;

    // By conversation: oldest first.
    assert_eq!(
        ids(&query_json(db, &["--conversation", "conv-a"])),
        [id(0x11), id(0x12)]
    );
    // Newest first otherwise.
    assert_eq!(ids(&query_json(db, &[])), [id(0x13), id(0x12), id(0x11)]);
    assert_eq!(ids(&query_json(db, &["--limit", "1"])), [id(0x13)]);
    // By attribute: strings, numbers and booleans as written; every condition holds.
    assert_eq!(
        ids(&query_json(db, &["--attr", "ai.user.id=u-7"])),
        [id(0x13)]
    );
    assert_eq!(
        ids(&query_json(db, &["--attr", "ai.prompt_tokens=800"])),
        [id(0x12), id(0x11)]
    );
    assert_eq!(
        ids(&query_json(
            db,
            &["--attr", "ai.user.id=u-7", "--attr", "ai.span.type=tool"]
        )),
        [id(0x13)]
    );
    assert!(query_json(
        db,
        &[
            "--attr",
            "ai.user.id=u-7",
            "--attr",
            "ai.span.type=generation"
        ]
    )
    .is_empty());
    assert!(query_json(db, &["--attr", "ai.user.id=u-8"]).is_empty());
    assert_eq!(
        ids(&query_json(
            db,
            &[
                "--attr",
                "ai.conversation.id=conv-a",
                "--conversation",
                "conv-a"
            ]
        )),
        [id(0x11), id(0x12)]
    );
    // By filter.
    assert_eq!(ids(&query_json(db, &["--errors"])), [id(0x13)]);
    assert_eq!(ids(&query_json(db, &["--service", "other"])), [id(0x13)]);
    assert_eq!(
        ids(&query_json(db, &["--model", "gpt-4o"])),
        [id(0x12), id(0x11)]
    );
    assert_eq!(
        ids(&query_json(db, &["--since", "150s"])),
        [id(0x13), id(0x12)]
    );
    // By id, in the order asked.
    assert_eq!(
        ids(&query_json(db, &[&id(0x11), &id(0x13)])),
        [id(0x11), id(0x13)]
    );

    // The console tree, as the SDK's console exporter prints it.
    let out = aitrace()
        .args(["query", "--db"])
        .arg(db)
        .arg(id(0x13))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    assert!(lines.iter().all(|l| l.starts_with(&id(0x13))), "{text}");
    assert!(lines[0].ends_with(" trace: 2 spans"), "{text}");
    assert!(
        lines[1].ends_with(" invoke_workflow refunds  10.00 ms  ✓"),
        "{text}"
    );
    assert!(
        lines[2].ends_with(" └── execute_tool refund  5.00 ms  ✗ refused"),
        "{text}"
    );
    assert!(text.contains("errors: 1"), "{text}");

    // One JSON object a line.
    let out = aitrace()
        .args(["query", "--format", "jsonl", "--db"])
        .arg(db)
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);

    // Errors that say what is wrong.
    let out = aitrace()
        .args(["query", "--db"])
        .arg(db)
        .arg(id(0x99))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("no trace {} in ", id(0x99))));
    let out = aitrace()
        .args(["query", "--db"])
        .arg(db)
        .arg("xyz")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("\"xyz\" is not a trace id (32 hexadecimal digits)"));
    let out = aitrace()
        .args(["query", "--attr", "novalue"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    let missing = dir.path().join("nothing-here.db");
    let out = aitrace()
        .args(["query", "--db"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!(
            "no trace store at {}: start `aitrace serve` first",
            missing.display()
        )),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.stop();
}
