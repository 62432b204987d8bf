//! Cost of model calls, read back from real spans.
//!
//! Each test starts its own trace with its own price table, so the numbers below
//! depend on nothing but the rates written in the test. Rates are USD per million
//! tokens; the expected values are worked out by hand in the comments.

use aitrace::{Dialects, ModelPrice, PriceTable, Settings, Usage};
use aitrace_sdk::testing::{attr, attr_f64, attr_i64, by_name, install_in_memory};
use opentelemetry_sdk::trace::SpanData;

/// One model call on `model`, inside a trace priced by `prices`, with every dialect on.
/// `response_model` is recorded when given. Returns the generation span.
fn priced_call(
    prices: PriceTable,
    model: &'static str,
    response_model: Option<&str>,
    usage: Usage,
) -> SpanData {
    let exporter = install_in_memory();
    let settings = Settings::default()
        .with_prices(prices)
        .with_dialects(Dialects::ALL);
    let run = aitrace::trace("t").with_settings(settings).start();
    let trace_id = run.trace_id();
    run.in_scope(|| {
        let mut call = aitrace::generation("test", model).start();
        if let Some(m) = response_model {
            call.record_response_model(m);
        }
        call.record_usage(usage);
        call.end();
    });
    run.end();
    let spans = exporter.spans_of_trace(trace_id);
    by_name(&spans, &format!("chat {model}")).clone()
}

fn table(entries: &[(&str, ModelPrice)]) -> PriceTable {
    let mut t = PriceTable::empty();
    for (name, price) in entries {
        t.insert(*name, price.clone());
    }
    t
}

/// Asserts `actual` is `expected` up to floating-point rounding.
fn assert_usd(actual: Option<f64>, expected: f64, what: &str) {
    let actual = actual.unwrap_or_else(|| panic!("{what}: no value"));
    let tolerance = 1e-12 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} != {expected}"
    );
}

/// Asserts the three cost attributes carry `usd` and `microcents`.
fn assert_cost(span: &SpanData, usd: f64, microcents: i64) {
    assert_usd(attr_f64(span, "ai.cost_usd"), usd, "ai.cost_usd");
    assert_usd(
        attr_f64(span, "gen_ai.usage.cost"),
        usd,
        "gen_ai.usage.cost",
    );
    assert_usd(attr_f64(span, "llm.cost.total"), usd, "llm.cost.total");
    assert_eq!(attr_i64(span, "ai.cost_microcents"), Some(microcents));
}

#[test]
fn plain_input_and_output_are_priced_at_their_rates() {
    let prices = table(&[("plain-model", ModelPrice::new(3.0, 15.0))]);
    let span = priced_call(prices, "plain-model", None, Usage::new(1_000, 200));
    // input:  1 000 × 3  / 1e6 = 0.003
    // output:   200 × 15 / 1e6 = 0.003
    // total 0.006 USD = 600 000 microcents (1 USD = 10^8)
    assert_cost(&span, 0.006, 600_000);
    assert_usd(attr_f64(&span, "llm.cost.prompt"), 0.003, "llm.cost.prompt");
    assert_usd(
        attr_f64(&span, "llm.cost.completion"),
        0.003,
        "llm.cost.completion",
    );
}

#[test]
fn cached_input_is_priced_at_the_cache_read_rate() {
    let prices = table(&[(
        "cached-model",
        ModelPrice::new(2.0, 8.0).with_cache_read(0.5),
    )]);
    // OpenAI style: the 8 000 cached tokens are part of the 10 000 input tokens.
    let usage = Usage::new(10_000, 1_000).with_cache_read(8_000);
    let span = priced_call(prices, "cached-model", None, usage);
    // uncached: 2 000 × 2   = 4 000
    // cached:   8 000 × 0.5 = 4 000   → input 0.008
    // output:   1 000 × 8   = 8 000   → output 0.008
    // total 16 000 / 1e6 = 0.016 USD = 1 600 000 microcents
    assert_cost(&span, 0.016, 1_600_000);
    assert_usd(attr_f64(&span, "llm.cost.prompt"), 0.008, "llm.cost.prompt");
    assert_eq!(attr_i64(&span, "gen_ai.usage.input_tokens"), Some(10_000));
    assert_eq!(
        attr_i64(&span, "gen_ai.usage.cache_read.input_tokens"),
        Some(8_000)
    );
}

#[test]
fn anthropic_cache_reads_and_writes_have_their_own_rates() {
    let prices = table(&[(
        "claude-test",
        ModelPrice::new(3.0, 15.0)
            .with_cache_read(0.3)
            .with_cache_write(3.75),
    )]);
    // Anthropic reports 100 uncached input tokens, 20 000 read from the cache and
    // 4 000 written to it; aitrace counts all 24 100 as input.
    let usage = Usage::from_anthropic(100, 500, 20_000, 4_000);
    let span = priced_call(prices, "claude-test", None, usage);
    // uncached:    100 × 3    =    300
    // read:     20 000 × 0.3  =  6 000
    // written:   4 000 × 3.75 = 15 000   → input 21 300 / 1e6 = 0.0213
    // output:      500 × 15   =  7 500   → output 0.0075
    // total 0.0288 USD = 2 880 000 microcents
    assert_cost(&span, 0.0288, 2_880_000);
    assert_usd(
        attr_f64(&span, "llm.cost.prompt"),
        0.0213,
        "llm.cost.prompt",
    );
    assert_usd(
        attr_f64(&span, "llm.cost.completion"),
        0.0075,
        "llm.cost.completion",
    );
    assert_eq!(attr_i64(&span, "gen_ai.usage.input_tokens"), Some(24_100));
    assert_eq!(
        attr_i64(&span, "gen_ai.usage.cache_creation.input_tokens"),
        Some(4_000)
    );
}

#[test]
fn cache_tokens_without_their_own_rate_cost_the_input_rate() {
    let prices = table(&[("no-cache-rates", ModelPrice::new(2.0, 4.0))]);
    let usage = Usage::from_anthropic(1_000, 0, 3_000, 1_000);
    let span = priced_call(prices, "no-cache-rates", None, usage);
    // all 5 000 input tokens at 2: 10 000 / 1e6 = 0.01 USD = 1 000 000 microcents
    assert_cost(&span, 0.01, 1_000_000);
}

#[test]
fn reasoning_tokens_cost_the_output_rate_unless_the_model_has_its_own() {
    // 3 000 output tokens, 2 500 of them reasoning.
    let usage = Usage::new(1_000, 3_000).with_reasoning(2_500);

    let span = priced_call(
        table(&[("thinker", ModelPrice::new(1.0, 4.0))]),
        "thinker",
        None,
        usage,
    );
    // input:  1 000 × 1 = 1 000
    // output: 3 000 × 4 = 12 000 (reasoning included at the output rate)
    // total 13 000 / 1e6 = 0.013 USD = 1 300 000 microcents
    assert_cost(&span, 0.013, 1_300_000);
    assert_eq!(
        attr_i64(&span, "gen_ai.usage.reasoning.output_tokens"),
        Some(2_500)
    );

    let span = priced_call(
        table(&[(
            "cheap-thinker",
            ModelPrice::new(1.0, 4.0).with_reasoning(2.0),
        )]),
        "cheap-thinker",
        None,
        usage,
    );
    // input:     1 000 × 1 = 1 000
    // answer:      500 × 4 = 2 000
    // reasoning: 2 500 × 2 = 5 000
    // total 8 000 / 1e6 = 0.008 USD = 800 000 microcents
    assert_cost(&span, 0.008, 800_000);
}

#[test]
fn the_response_model_is_priced_rather_than_the_request_model() {
    let prices = table(&[
        ("alias-model", ModelPrice::new(10.0, 10.0)),
        ("served-model", ModelPrice::new(1.0, 2.0)),
    ]);
    let span = priced_call(
        prices.clone(),
        "alias-model",
        Some("served-model-2025-01-31"),
        Usage::new(1_000, 1_000),
    );
    // the dated snapshot takes the price of served-model:
    // 1 000 × 1 + 1 000 × 2 = 3 000 / 1e6 = 0.003 USD = 300 000 microcents
    // (the request model would have cost 0.02)
    assert_cost(&span, 0.003, 300_000);

    // An answer from a model with no price gets no cost, even though the
    // requested one has a price.
    let span = priced_call(
        prices,
        "alias-model",
        Some("some-other-model"),
        Usage::new(1_000, 1_000),
    );
    assert_eq!(attr_f64(&span, "ai.cost_usd"), None);
}

#[test]
fn an_unknown_model_gets_no_cost_attribute() {
    let prices = table(&[("known-model", ModelPrice::new(1.0, 1.0))]);
    let span = priced_call(prices, "unknown-model", None, Usage::new(5_000, 500));
    for key in [
        "ai.cost_usd",
        "ai.cost_microcents",
        "gen_ai.usage.cost",
        "llm.cost.total",
        "llm.cost.prompt",
        "llm.cost.completion",
    ] {
        assert!(attr(&span, key).is_none(), "{key} should be absent");
    }
    // the tokens are still recorded
    assert_eq!(attr_i64(&span, "gen_ai.usage.input_tokens"), Some(5_000));
    assert_eq!(attr_i64(&span, "gen_ai.usage.output_tokens"), Some(500));
}

#[test]
fn a_provider_prefix_is_ignored_when_pricing() {
    let prices = table(&[("known-model", ModelPrice::new(1.0, 1.0))]);
    let span = priced_call(prices, "vendor/known-model", None, Usage::new(500, 500));
    // 1 000 tokens × 1 / 1e6 = 0.001 USD = 100 000 microcents
    assert_cost(&span, 0.001, 100_000);
}

#[test]
fn microcents_are_rounded_to_the_nearest_whole_number() {
    let prices = table(&[
        ("round-down", ModelPrice::new(0.123456, 0.0)),
        ("round-up", ModelPrice::new(0.0, 0.0987)),
        ("large", ModelPrice::new(2.5, 10.0)),
    ]);
    // 1 × 0.123456 / 1e6 = 0.000000123456 USD = 12.3456 microcents → 12
    let span = priced_call(prices.clone(), "round-down", None, Usage::new(1, 0));
    assert_cost(&span, 0.000_000_123_456, 12);
    // 1 × 0.0987 / 1e6 = 0.0000000987 USD = 9.87 microcents → 10
    let span = priced_call(prices.clone(), "round-up", None, Usage::new(0, 1));
    assert_cost(&span, 0.000_000_098_7, 10);
    // 1e6 × 2.5 + 1e6 × 10 = 12.5 USD = 1 250 000 000 microcents
    let span = priced_call(prices, "large", None, Usage::new(1_000_000, 1_000_000));
    assert_cost(&span, 12.5, 1_250_000_000);
}

#[test]
fn bundled_gpt_4o_mini_costs_its_documented_rates() {
    // docs/pricing.md: gpt-4o-mini is 0.15 input, 0.60 output per million tokens.
    let span = priced_call(
        PriceTable::bundled().clone(),
        "gpt-4o-mini",
        Some("gpt-4o-mini-2024-07-18"),
        Usage::new(1_000_000, 1_000_000),
    );
    // 0.15 + 0.60 = 0.75 USD = 75 000 000 microcents
    assert_cost(&span, 0.75, 75_000_000);
}

#[test]
fn bundled_claude_haiku_4_5_prices_each_kind_of_token() {
    // docs/pricing.md: claude-haiku-4-5 is 1 input, 5 output, 0.10 cache read and
    // 1.25 cache write (5 minutes) per million tokens.
    let span = priced_call(
        PriceTable::bundled().clone(),
        "claude-haiku-4-5",
        Some("claude-haiku-4-5-20251001"),
        Usage::from_anthropic(1_000_000, 1_000_000, 1_000_000, 1_000_000),
    );
    // 1.00 + 0.10 + 1.25 + 5.00 = 7.35 USD = 735 000 000 microcents
    assert_cost(&span, 7.35, 735_000_000);
}
