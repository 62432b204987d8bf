//! Attributes of yours (`span.set_attribute`) cannot push aitrace's own out of a
//! span. The OpenTelemetry SDK keeps the first 128 attributes of a span and drops
//! later ones, and some of aitrace's are written when the span ends (usage, cost,
//! finish state): so a span keeps at most 40 attributes of yours, counts the rest
//! in `ai.dropped_attributes` (set at the end), and cuts a string value of yours
//! longer than the content limit, with a visible marker.

use aitrace::{Dialects, ModelPrice, PriceTable, Settings, Usage};
use aitrace_sdk::testing::install_in_memory;
use opentelemetry::trace::TraceId;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanData;
use std::collections::BTreeMap;

/// User attributes a span keeps.
const BUDGET: usize = 40;
/// What the OpenTelemetry SDK keeps per span by default.
const SDK_LIMIT: usize = 128;
const DROPPED: &str = "ai.dropped_attributes";

/// Everything on: three dialects, the deprecated `gen_ai.system`, content capture
/// (the most attributes aitrace writes), and a price so that cost is recorded.
fn settings(max_content_bytes: usize) -> Settings {
    let mut prices = PriceTable::empty();
    prices.insert(
        "budget-model",
        ModelPrice::new(1.0, 2.0)
            .with_cache_read(0.5)
            .with_reasoning(3.0),
    );
    Settings::default()
        .with_dialects(Dialects {
            gen_ai_system_compat: true,
            ..Dialects::ALL
        })
        .with_capture_content(true)
        .with_max_content_bytes(max_content_bytes)
        .with_prices(prices)
}

fn attrs(span: &SpanData) -> BTreeMap<String, Value> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

/// Runs `body` under a new trace with [`settings`]; returns the spans of that trace.
fn run(max_content_bytes: usize, body: impl FnOnce()) -> Vec<SpanData> {
    let exporter = install_in_memory();
    let root = aitrace::trace("budget")
        .with_settings(settings(max_content_bytes))
        .new_root()
        .start();
    let trace_id: TraceId = root.trace_id();
    root.in_scope(body);
    root.end();
    exporter.spans_of_trace(trace_id)
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    spans
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no span {name}"))
}

/// A model call with everything aitrace records, and `extra` attributes of yours.
fn generation(extra: usize) {
    let mut g = aitrace::generation("openai", "budget-model")
        .with_server("api.example.com", 443)
        .with_max_tokens(100)
        .with_temperature(0.2)
        .with_top_p(0.9)
        .with_top_k(5)
        .with_seed(1)
        .with_frequency_penalty(0.1)
        .with_presence_penalty(0.1)
        .with_stop_sequences(["END"])
        .with_messages_count(2)
        .streaming()
        .start();
    for i in 0..extra {
        g.set_attribute(KeyValue::new(format!("user.{i}"), i as i64));
    }
    g.record_input_messages(&serde_json::json!([{"role": "user", "content": "hello"}]));
    g.record_system_instructions(&serde_json::json!([{"type": "text", "content": "be brief"}]));
    g.record_output_messages(&serde_json::json!([{"role": "assistant", "content": "hi"}]));
    g.record_response_model("budget-model");
    g.record_response_id("resp-1");
    g.record_finish_reasons(["stop"]);
    g.record_first_token();
    g.record_usage(
        Usage::new(1000, 500)
            .with_cache_read(100)
            .with_cache_creation(10)
            .with_reasoning(50),
    );
    g.end_with_error(&std::io::Error::other("boom"));
}

fn tool(extra: usize) {
    let t = aitrace::tool("lookup")
        .with_call_id("call-1")
        .with_type("function")
        .with_description("d")
        .start();
    for i in 0..extra {
        t.set_attribute(KeyValue::new(format!("user.{i}"), format!("v{i}")));
    }
    t.record_arguments(&serde_json::json!({"q": "x"}));
    t.record_result(&serde_json::json!({"ok": true}));
    t.end();
}

fn agent(extra: usize) {
    let a = aitrace::agent("planner").start();
    for i in 0..extra {
        a.set_attribute(KeyValue::new(format!("user.{i}"), true));
    }
    a.end();
}

/// Each span kind, first alone, then with thousands of attributes of yours: every
/// attribute aitrace wrote alone is still there with the same value, the SDK
/// dropped nothing, 40 of yours were kept and the rest counted.
#[test]
fn core_attributes_survive_thousands_of_user_attributes() {
    const FLOOD: usize = 5_000;
    type MakeSpan = fn(usize);
    let kinds: [(&str, MakeSpan); 3] = [
        ("chat budget-model", generation),
        ("execute_tool lookup", tool),
        ("invoke_agent planner", agent),
    ];
    for (name, make) in kinds {
        let alone = attrs(named(&run(1024, || make(0)), name));
        assert!(!alone.contains_key(DROPPED), "{name}: {alone:?}");
        assert!(
            alone.len() + BUDGET < SDK_LIMIT,
            "{name}: {} attributes of aitrace's own",
            alone.len()
        );

        let spans = run(1024, || make(FLOOD));
        let span = named(&spans, name);
        let flooded = attrs(span);
        assert_eq!(
            span.dropped_attributes_count, 0,
            "{name}: the SDK dropped attributes"
        );
        for (key, value) in &alone {
            if key == "gen_ai.response.time_to_first_chunk" || key == "ai.time_to_first_token_ms" {
                assert!(flooded.contains_key(key), "{name}: lost {key}");
                continue;
            }
            assert_eq!(
                flooded.get(key),
                Some(value),
                "{name}: lost or changed {key}"
            );
        }
        let kept = flooded.keys().filter(|k| k.starts_with("user.")).count();
        assert_eq!(kept, BUDGET, "{name}");
        assert!(
            (0..BUDGET).all(|i| flooded.contains_key(&format!("user.{i}"))),
            "{name}: the first ones are kept"
        );
        assert_eq!(
            flooded.get(DROPPED),
            Some(&Value::I64((FLOOD - BUDGET) as i64)),
            "{name}"
        );
    }
}

#[test]
fn usage_and_cost_written_at_end_survive() {
    let spans = run(1024, || generation(1_000));
    let a = attrs(named(&spans, "chat budget-model"));
    for key in [
        "ai.span.type",
        "gen_ai.operation.name",
        "gen_ai.request.model",
        "gen_ai.response.model",
        "gen_ai.usage.input_tokens",
        "gen_ai.usage.output_tokens",
        "ai.prompt_tokens",
        "ai.completion_tokens",
        "ai.cost_usd",
        "error.type",
        "ai.dropped_attributes",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
    ] {
        assert!(
            a.contains_key(key),
            "lost {key}: {:?}",
            a.keys().collect::<Vec<_>>()
        );
    }
    assert_eq!(a.get("gen_ai.usage.input_tokens"), Some(&Value::I64(1000)));
}

#[test]
fn within_the_budget_nothing_is_dropped_or_marked() {
    let spans = run(1024, || agent(BUDGET));
    let a = attrs(named(&spans, "invoke_agent planner"));
    assert_eq!(a.keys().filter(|k| k.starts_with("user.")).count(), BUDGET);
    assert!(!a.contains_key(DROPPED), "{a:?}");
}

/// A string of yours longer than the content limit is cut on a character
/// boundary, within the limit, and ends with a marker saying how much was cut;
/// shorter strings, other types, and string arrays within the limit are unchanged.
#[test]
fn long_user_strings_are_cut_at_the_content_limit_with_a_marker() {
    const LIMIT: usize = 100;
    let long = "é".repeat(200); // 400 bytes
    let spans = run(LIMIT, || {
        let c = aitrace::custom("notes").start();
        c.set_attribute(KeyValue::new("long", long.clone()));
        c.set_attribute(KeyValue::new("short", "fine"));
        c.set_attribute(KeyValue::new("exact", "x".repeat(LIMIT)));
        c.set_attribute(KeyValue::new("number", 7_i64));
        c.set_attribute(KeyValue::new(
            "list",
            Value::Array(Array::String(vec![
                StringValue::from("a"),
                StringValue::from("b".repeat(300)),
            ])),
        ));
        c.end();
    });
    let span = spans
        .iter()
        .find(|s| s.name.contains("notes"))
        .expect("custom span");
    let a = attrs(span);
    let Some(Value::String(cut)) = a.get("long") else {
        panic!("{a:?}")
    };
    let cut = cut.as_str();
    assert!(cut.len() <= LIMIT, "{} bytes: {cut}", cut.len());
    let (kept, marker) = cut.split_once('…').expect("a marker");
    assert!(long.starts_with(kept) && !kept.is_empty(), "{cut}");
    assert_eq!(
        marker,
        format!("[truncated {} bytes]", long.len() - kept.len())
    );
    assert_eq!(a.get("short"), Some(&Value::from("fine")));
    assert_eq!(a.get("exact"), Some(&Value::from("x".repeat(LIMIT))));
    assert_eq!(a.get("number"), Some(&Value::I64(7)));
    let Some(Value::Array(Array::String(items))) = a.get("list") else {
        panic!("{a:?}")
    };
    assert_eq!(items[0].as_str(), "a");
    assert!(
        items[1].as_str().len() <= LIMIT && items[1].as_str().contains("…[truncated "),
        "{items:?}"
    );
}
