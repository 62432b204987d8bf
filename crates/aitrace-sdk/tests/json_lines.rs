//! The JSON lines exporter writes one parseable object per span, with parent
//! ids, attributes, events, resource and scope.

mod support;
use aitrace_sdk::exporter::JsonLinesExporter;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use serde_json::Value;
use support::console::{run_support_trace, SharedBuf};

#[test]
fn every_span_is_one_json_line() {
    let buf = SharedBuf::default();
    let provider = SdkTracerProvider::builder()
        .with_resource(Resource::builder().with_service_name("json-test").build())
        .with_simple_exporter(JsonLinesExporter::new(buf.clone()))
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());

    let trace_id = run_support_trace().to_string();
    let run = aitrace::trace("tools").new_root().start();
    run.in_scope(|| {
        aitrace::agent("triage")
            .with_tools(["search_kb", "get_weather"])
            .start()
            .end()
    });
    run.end();
    provider.shutdown().unwrap();

    let text = buf.text();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 9 + 2);
    let of_trace: Vec<&Value> = lines.iter().filter(|l| l["trace_id"] == trace_id).collect();
    assert_eq!(of_trace.len(), 9);
    let by_name = |name: &str| {
        *of_trace
            .iter()
            .find(|l| l["name"] == name)
            .unwrap_or_else(|| panic!("no line for {name}"))
    };

    // Parent ids link the tree; the root has none.
    let root = by_name("invoke_workflow support");
    assert!(root["parent_span_id"].is_null());
    let triage = by_name("invoke_agent triage");
    assert_eq!(triage["parent_span_id"], root["span_id"]);
    let call = by_name("chat gpt-4o");
    assert_eq!(call["parent_span_id"], triage["span_id"]);
    assert_eq!(call["kind"], "client");
    assert_eq!(call["span_id"].as_str().unwrap().len(), 16);

    // Attributes keep their JSON types.
    assert_eq!(call["attributes"]["ai.span.type"], "generation");
    assert_eq!(call["attributes"]["ai.prompt_tokens"], 812);
    assert_eq!(call["attributes"]["ai.completion_tokens"], 64);
    assert!(call["attributes"]["ai.cost_usd"].as_f64().unwrap() > 0.0);
    let tools = lines
        .iter()
        .find(|l| l["name"] == "invoke_agent triage" && l["trace_id"] != trace_id)
        .unwrap();
    assert_eq!(
        tools["attributes"]["ai.agent.tools"],
        serde_json::json!(["search_kb", "get_weather"])
    );
    let guard = by_name("apply_guardrail toxicity");
    assert_eq!(guard["attributes"]["ai.guardrail.triggered"], true);

    // Times, status and events.
    let start = call["start_time_unix_nano"].as_u64().unwrap();
    let end = call["end_time_unix_nano"].as_u64().unwrap();
    assert!(start > 1_600_000_000_000_000_000 && end >= start);
    assert!(call["duration_ms"].as_f64().unwrap() >= 0.0);
    assert_eq!(
        call["status"],
        serde_json::json!({"code": "unset", "message": null})
    );
    let failed = by_name("execute_tool search_kb");
    assert_eq!(
        failed["status"],
        serde_json::json!({"code": "error", "message": "connection reset"})
    );
    let event = &failed["events"][0];
    assert_eq!(event["name"], "exception");
    assert_eq!(event["attributes"]["exception.message"], "connection reset");
    assert!(event["time_unix_nano"].as_u64().unwrap() >= start);

    // Resource and instrumentation scope.
    assert_eq!(call["resource"]["service.name"], "json-test");
    assert_eq!(call["scope"]["name"], "aitrace");
    assert!(call["scope"]["version"].is_string());
    assert!(call.get("dropped").is_none());
}
