//! Settings given to a trace override only what they set: a trace that brings its
//! own prices (the pattern of docs/pricing.md) keeps the content capture the
//! environment turned on, and a trace that turns capture off keeps the prices.

use aitrace::{ModelPrice, PriceTable, Settings, Usage};
use aitrace_sdk::testing::{attr_f64, attr_str, by_name, install_in_memory};

fn env_with_capture() -> Settings {
    let (settings, warnings) =
        Settings::from_lookup(|v| (v == "AITRACE_CAPTURE_CONTENT").then(|| "true".to_string()));
    assert!(warnings.is_empty());
    settings
}

fn my_prices() -> PriceTable {
    let mut prices = PriceTable::bundled().clone();
    prices.insert("house-model", ModelPrice::new(10.0, 20.0));
    prices
}

#[test]
fn trace_settings_override_only_what_they_set() {
    let exporter = install_in_memory();
    aitrace::set_global_settings(env_with_capture());

    let run = aitrace::trace("priced")
        .with_settings(Settings::default().with_prices(my_prices()))
        .start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        let mut call = aitrace::generation("acme", "house-model").start();
        call.record_input_messages(&["hello"]);
        call.record_usage(Usage::new(1_000_000, 0));
        call.end();
    });
    run.end();
    let spans = exporter.spans_of_trace(trace_id);
    let call = by_name(&spans, "chat house-model");
    assert_eq!(
        attr_f64(call, "ai.cost_usd"),
        Some(10.0),
        "the trace's prices"
    );
    assert_eq!(
        attr_str(call, "ai.input"),
        Some(r#"["hello"]"#),
        "capture kept from the environment"
    );

    // The other way round: capture turned off for one trace, prices kept.
    let run = aitrace::trace("quiet")
        .with_settings(Settings::default().with_capture_content(false))
        .start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        let mut call = aitrace::generation("openai", "gpt-4o").start();
        call.record_input_messages(&["secret"]);
        call.record_usage(Usage::new(1_000_000, 0));
        call.end();
    });
    run.end();
    let spans = exporter.spans_of_trace(trace_id);
    let call = by_name(&spans, "chat gpt-4o");
    assert_eq!(attr_str(call, "ai.input"), None, "capture turned off here");
    assert!(
        attr_f64(call, "ai.cost_usd").is_some(),
        "bundled prices kept"
    );

    // Nested traces layer: the inner one's settings over the outer one's.
    let outer = aitrace::trace("outer")
        .with_settings(Settings::default().with_prices(my_prices()))
        .start();
    let trace_id = outer.trace_id();
    outer.in_scope(|| {
        let inner = aitrace::trace("inner")
            .with_settings(Settings::default().with_max_content_bytes(64))
            .start();
        inner.in_scope(|| {
            let mut call = aitrace::generation("acme", "house-model").start();
            call.record_input_messages(&"x".repeat(500));
            call.record_usage(Usage::new(1_000_000, 0));
            call.end();
        });
        inner.end();
    });
    outer.end();
    let spans = exporter.spans_of_trace(trace_id);
    let call = by_name(&spans, "chat house-model");
    assert_eq!(attr_f64(call, "ai.cost_usd"), Some(10.0), "outer prices");
    let input = attr_str(call, "ai.input").expect("captured");
    assert!(input.len() <= 64 && input.contains("truncated"), "{input}");
}
