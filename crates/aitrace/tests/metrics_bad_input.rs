//! Absurd input records nothing wrong and never panics: token counts that
//! would overflow are capped, a cost that overflows to infinity is not added, a
//! start time in the future or a wall clock stepped back times zero seconds.

use aitrace::instrumentation::with_instrumentation;
use aitrace::metrics::MAX_TOKENS_PER_CALL;
use aitrace::{ModelPrice, PriceTable, Settings, Usage};
use aitrace_sdk::metrics::InMemoryMetrics;
use aitrace_sdk::testing::install_in_memory;
use std::time::{Duration, SystemTime};

#[test]
fn token_counts_that_would_overflow_are_capped() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    with_instrumentation(metrics.instrumentation(), || {
        for _ in 0..3 {
            let mut call = aitrace::generation("openai", "gpt-4o").start();
            call.record_usage(
                Usage::new(u64::MAX, u64::MAX)
                    .with_cache_read(u64::MAX)
                    .with_reasoning(u64::MAX),
            );
            call.end();
        }
    });
    let m = metrics.collect();
    let cap = MAX_TOKENS_PER_CALL as f64;
    let input = [("gen_ai.token.type", "input")];
    assert_eq!(m.sum("gen_ai.client.token.usage", &input), 3.0 * cap);
    assert_eq!(m.count("gen_ai.client.token.usage", &input), 3);
    assert_eq!(m.sum("ai.client.token.cache_read", &[]), 3.0 * cap);
    assert_eq!(m.sum("ai.client.token.reasoning", &[]), 3.0 * cap);
    // The price of so many tokens is finite, and counted.
    let cost = m.sum("ai.client.cost", &[]);
    assert!(cost.is_finite() && cost > 0.0, "{cost}");
}

#[test]
fn a_cost_that_overflows_is_not_added() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    // A price given in code is not checked like a price file: f64::MAX per
    // million tokens makes any call cost infinity.
    let mut prices = PriceTable::empty();
    prices.insert("absurd", ModelPrice::new(f64::MAX, f64::MAX));
    prices.insert("fine", ModelPrice::new(1.0, 1.0));
    let instrumentation = metrics
        .instrumentation()
        .with_settings(Settings::default().with_prices(prices));
    with_instrumentation(instrumentation, || {
        for model in ["absurd", "fine"] {
            let mut call = aitrace::generation("openai", model).start();
            call.record_usage(Usage::new(1_000_000, 1_000_000));
            call.end();
        }
    });
    let m = metrics.collect();
    let absurd = [("gen_ai.request.model", "absurd")];
    assert_eq!(m.count("gen_ai.client.operation.duration", &absurd), 1);
    assert_eq!(m.find("ai.client.cost", &absurd).count(), 0);
    assert_eq!(m.sum("ai.client.cost", &[]), 2.0, "only the finite cost");
}

#[test]
fn a_start_time_in_the_future_times_zero_seconds() {
    let _ = install_in_memory();
    let metrics = InMemoryMetrics::new();
    let future = SystemTime::now() + Duration::from_secs(3600);
    let past = SystemTime::now() - Duration::from_secs(2);
    with_instrumentation(metrics.instrumentation(), || {
        aitrace::tool("future")
            .with_start_time(future)
            .start()
            .end();
        aitrace::agent("future")
            .with_start_time(future)
            .start()
            .end();
        let call = aitrace::generation("openai", "gpt-4o")
            .with_start_time(future)
            .start();
        call.end();
        aitrace::tool("past").with_start_time(past).start().end();
    });
    let m = metrics.collect();
    let future_tool = [("gen_ai.tool.name", "future")];
    assert_eq!(
        m.count("ai.tool.duration", &future_tool),
        1,
        "still counted"
    );
    assert_eq!(m.sum("ai.tool.duration", &future_tool), 0.0);
    let agent = [("gen_ai.agent.name", "future")];
    assert_eq!(m.sum("ai.agent.duration", &agent), 0.0);
    assert_eq!(m.count("gen_ai.client.operation.duration", &[]), 1);
    assert_eq!(m.sum("gen_ai.client.operation.duration", &[]), 0.0);
    let past_tool = [("gen_ai.tool.name", "past")];
    assert!(m.sum("ai.tool.duration", &past_tool) >= 2.0);
}
