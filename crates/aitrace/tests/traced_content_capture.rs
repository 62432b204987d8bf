//! With content capture on, a traced function records its arguments (one JSON
//! object keyed by name: `Serialize` values as JSON, `Debug`-only ones as their
//! `Debug` string, others as their type name) and its return value (the `Ok`
//! value of a `Result`): as `ai.input` / `ai.output` (and OpenInference
//! `input.value` / `output.value`), or as tool arguments and result. With
//! capture off, none of it is recorded.
#![cfg(feature = "macros")]

use aitrace::{Dialects, Settings};
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use opentelemetry_sdk::trace::SpanData;
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Serialize)]
struct Options {
    units: &'static str,
    days: u8,
}

#[derive(Debug)]
struct DebugOnly(u8);

struct Opaque;

#[derive(Debug, Serialize)]
struct Point {
    x: i32,
    y: i32,
}

#[aitrace::traced]
fn forecast(city: &str, options: Options, raw: DebugOnly, _handle: &Opaque) -> Vec<String> {
    let _ = raw.0;
    vec![format!(
        "{city}: {} days in {}",
        options.days, options.units
    )]
}

#[aitrace::traced]
fn distance(Point { x, y }: Point, (dx, dy): (i32, i32)) -> i32 {
    (x - dx).abs() + (y - dy).abs()
}

#[aitrace::traced(kind = tool)]
fn lookup_order(order_id: u64) -> Result<Value, std::io::Error> {
    Ok(json!({"id": order_id, "status": "shipped"}))
}

#[aitrace::traced(kind = tool)]
fn failing_tool(order_id: u64) -> Result<Value, std::io::Error> {
    let _ = order_id;
    Err(std::io::Error::other("not found"))
}

#[aitrace::traced(kind = agent)]
async fn agent_turn(question: String) -> String {
    tokio::task::yield_now().await;
    format!("answer to {question}")
}

#[aitrace::traced(kind = workflow)]
fn no_return(ticket: u32) {
    let _ = ticket;
}

struct Store {
    secret: String,
}

impl Store {
    #[aitrace::traced]
    fn get(&self, key: &str) -> usize {
        self.secret.len() + key.len()
    }
}

/// Runs the calls of every test under a trace with `settings`; the spans of that trace.
async fn run(settings: Settings) -> Vec<SpanData> {
    let exporter = install_in_memory();
    let root = aitrace::trace("capture")
        .with_settings(settings)
        .new_root()
        .start();
    let trace_id = root.trace_id();
    root.wrap(async {
        forecast(
            "Paris",
            Options {
                units: "metric",
                days: 3,
            },
            DebugOnly(9),
            &Opaque,
        );
        assert_eq!(distance(Point { x: 3, y: 4 }, (1, 1)), 5);
        lookup_order(42).unwrap();
        failing_tool(7).unwrap_err();
        agent_turn("why?".into()).await;
        no_return(5);
        Store {
            secret: "s3cret-token".into(),
        }
        .get("k");
    })
    .await;
    root.end();
    exporter.spans_of_trace(trace_id)
}

fn json_attr(span: &SpanData, key: &str) -> Option<Value> {
    attr_str(span, key).map(|s| serde_json::from_str(s).expect("content is JSON"))
}

const CONTENT_KEYS: &[&str] = &[
    "ai.input",
    "ai.output",
    "ai.tool.input",
    "ai.tool.output",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "input.value",
    "output.value",
    "input.mime_type",
    "output.mime_type",
];

#[tokio::test]
async fn arguments_and_return_values_are_recorded_when_capture_is_on() {
    let spans = run(Settings::default()
        .with_capture_content(true)
        .with_dialects(Dialects::ALL))
    .await;

    let forecast = by_name(&spans, "forecast");
    let input = json_attr(forecast, "ai.input").expect("arguments recorded");
    assert_eq!(input["city"], json!("Paris"));
    assert_eq!(input["options"], json!({"units": "metric", "days": 3}));
    assert_eq!(input["raw"], json!("DebugOnly(9)"));
    assert_eq!(input["_handle"], json!("[&traced_content_capture::Opaque]"));
    assert_eq!(input.as_object().unwrap().len(), 4);
    assert_eq!(
        json_attr(forecast, "ai.output"),
        Some(json!(["Paris: 3 days in metric"]))
    );
    // OpenInference readers get the same content, marked as JSON.
    assert_eq!(json_attr(forecast, "input.value"), Some(input));
    assert_eq!(
        attr_str(forecast, "input.mime_type"),
        Some("application/json")
    );
    assert_eq!(
        attr_str(forecast, "output.mime_type"),
        Some("application/json")
    );

    // Destructured arguments are recorded by the names they bind.
    let distance = by_name(&spans, "distance");
    assert_eq!(
        json_attr(distance, "ai.input"),
        Some(json!({"x": 3, "y": 4, "dx": 1, "dy": 1}))
    );
    assert_eq!(json_attr(distance, "ai.output"), Some(json!(5)));

    // A tool records tool arguments and the `Ok` value as its result.
    let tool = by_name(&spans, "execute_tool lookup_order");
    assert_eq!(
        json_attr(tool, "ai.tool.input"),
        Some(json!({"order_id": 42}))
    );
    assert_eq!(
        json_attr(tool, "gen_ai.tool.call.arguments"),
        Some(json!({"order_id": 42}))
    );
    let result = json!({"id": 42, "status": "shipped"});
    assert_eq!(json_attr(tool, "ai.tool.output"), Some(result.clone()));
    assert_eq!(json_attr(tool, "gen_ai.tool.call.result"), Some(result));
    assert!(attr_str(tool, "ai.input").is_none());

    // An `Err` is an error, not a result.
    let failed = by_name(&spans, "execute_tool failing_tool");
    assert_eq!(
        json_attr(failed, "ai.tool.input"),
        Some(json!({"order_id": 7}))
    );
    assert!(attr_str(failed, "ai.tool.output").is_none());

    let agent = by_name(&spans, "invoke_agent agent_turn");
    assert_eq!(
        json_attr(agent, "ai.input"),
        Some(json!({"question": "why?"}))
    );
    assert_eq!(json_attr(agent, "ai.output"), Some(json!("answer to why?")));

    // `()` is not an output.
    let workflow = by_name(&spans, "invoke_workflow no_return");
    assert_eq!(json_attr(workflow, "ai.input"), Some(json!({"ticket": 5})));
    assert!(attr_str(workflow, "ai.output").is_none());

    // `self` is never recorded.
    let get = by_name(&spans, "get");
    assert_eq!(json_attr(get, "ai.input"), Some(json!({"key": "k"})));
    for kv in &get.attributes {
        assert!(
            !kv.value.to_string().contains("s3cret"),
            "{} holds self's content",
            kv.key
        );
    }
}

#[tokio::test]
async fn nothing_is_recorded_when_capture_is_off() {
    let spans = run(Settings::default().with_dialects(Dialects::ALL)).await;
    assert_eq!(spans.len(), 8);
    for span in &spans {
        for key in CONTENT_KEYS {
            assert!(
                attr_str(span, key).is_none(),
                "{key} recorded on {} with capture off",
                span.name
            );
        }
    }
}
