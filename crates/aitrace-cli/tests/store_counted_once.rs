//! Spans of other instrumentation are typed and costed as the SDK pipeline
//! would (a `gen_ai` chat span with usage becomes a priced generation), but a
//! client library's span under an aitrace generation is not counted again,
//! even when it arrives in an earlier request than the generation.

mod support;

use prost::Message;
use support::http::post_traces;
use support::otlp::{generation, kv, now_ns, request, span, V};
use support::{span as span_named, stored_trace, Server, TempDir};

fn post(server: &Server, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[],
        &request("svc", spans).encode_to_vec(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

/// The attributes a client library (genai, OpenLLMetry) writes on its chat span.
fn client_chat() -> Vec<opentelemetry_proto::tonic::common::v1::KeyValue> {
    vec![
        kv("gen_ai.operation.name", V::S("chat")),
        kv("gen_ai.request.model", V::S("gpt-4o")),
        kv("gen_ai.usage.input_tokens", V::I(1000)),
        kv("gen_ai.usage.output_tokens", V::I(200)),
    ]
}

#[test]
fn foreign_model_calls_are_costed_once() {
    let dir = TempDir::new("counted-once");
    let server = Server::start(&dir, &[], &[]);
    let t = now_ns();

    // A trace from other instrumentation only: its chat span is a priced generation.
    let foreign = 0xf0_u128;
    post(
        &server,
        vec![
            span(foreign, 2, 1, "chat gpt-4o", t + 1_000, 20, client_chat()),
            span(foreign, 1, 0, "handle request", t, 30, vec![]),
        ],
    );
    let trace = stored_trace(&server.db, &format!("{foreign:032x}"));
    assert_eq!(trace["model_calls"], 1);
    assert_eq!(trace["input_tokens"], 1000);
    let cost = trace["cost_usd"].as_f64().unwrap();
    assert!(cost > 0.0, "priced from the bundled table: {trace}");
    let chat = span_named(&trace, "chat gpt-4o");
    assert_eq!(chat["type"], "generation");
    assert_eq!(
        chat["derived_attributes"][0], "ai.span.type",
        "what the server added is named as such"
    );

    // An aitrace generation wrapping a client library's call: the library's
    // span arrives first, in a request of its own; the generation later.
    let wrapped = 0xf1_u128;
    post(
        &server,
        vec![span(
            wrapped,
            3,
            2,
            "chat gpt-4o",
            t + 2_000,
            10,
            client_chat(),
        )],
    );
    let early = stored_trace(&server.db, &format!("{wrapped:032x}"));
    assert_eq!(early["model_calls"], 1, "alone, it is a model call");
    post(
        &server,
        vec![
            span(
                wrapped,
                2,
                1,
                "chat gpt-4o",
                t + 1_000,
                20,
                generation("gpt-4o", 1000, 200, 0.0045),
            ),
            span(
                wrapped,
                1,
                0,
                "invoke_workflow w",
                t,
                30,
                vec![kv("ai.span.type", V::S("workflow"))],
            ),
        ],
    );
    let whole = stored_trace(&server.db, &format!("{wrapped:032x}"));
    assert_eq!(whole["model_calls"], 1, "counted once: {whole}");
    assert_eq!(whole["input_tokens"], 1000);
    assert!((whole["cost_usd"].as_f64().unwrap() - 0.0045).abs() < 1e-12);
    let inner = &whole["spans"][2];
    assert_eq!(inner["depth"], 2);
    assert!(
        inner["type"].is_null(),
        "the library's span stays untyped: {inner}"
    );

    // The models page counts the wrapped call once too.
    let page = support::http::get(server.http, "/models?range=24h", &[]);
    assert_eq!(page.status, 200);
    let text = page.text();
    let row = text
        .split("<tr data-model=\"gpt-4o\">")
        .nth(1)
        .expect("a gpt-4o row")
        .split("</tr>")
        .next()
        .unwrap();
    assert!(
        row.starts_with("<td>gpt-4o</td><td class=\"num\">2</td>"),
        "two calls in all: {row}"
    );
    let (status, stderr) = server.stop();
    assert!(status.success(), "{stderr}");
}
