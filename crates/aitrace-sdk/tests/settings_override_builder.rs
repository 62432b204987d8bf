//! Settings given to the pipeline Builder override only what they set; the others
//! keep their values from the environment.

use aitrace::{ModelPrice, PriceTable, Settings};

#[test]
fn builder_settings_override_only_what_they_set() {
    let env = [
        ("AITRACE_CAPTURE_CONTENT", "true"),
        ("AITRACE_MAX_CONTENT_BYTES", "4096"),
        ("AITRACE_SEMCONV", "ai,gen_ai,openinference"),
        ("OTEL_TRACES_EXPORTER", "none"),
    ];
    let lookup = |name: &str| {
        env.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    };
    let mut prices = PriceTable::bundled().clone();
    prices.insert("house-model", ModelPrice::new(10.0, 20.0));

    let guard = aitrace_sdk::Builder::from_lookup(lookup)
        .with_settings(Settings::default().with_prices(prices))
        .build()
        .expect("pipeline builds");
    let s = &guard.config().settings;
    assert!(s.prices().get("house-model").is_some(), "set in code");
    assert!(s.capture_content(), "kept from AITRACE_CAPTURE_CONTENT");
    assert_eq!(
        s.max_content_bytes(),
        4096,
        "kept from AITRACE_MAX_CONTENT_BYTES"
    );
    assert!(s.dialects().openinference, "kept from AITRACE_SEMCONV");

    // What code sets wins over the environment.
    let guard = aitrace_sdk::Builder::from_lookup(lookup)
        .with_settings(Settings::default().with_capture_content(false))
        .build()
        .expect("pipeline builds");
    let s = &guard.config().settings;
    assert!(!s.capture_content(), "set in code");
    assert_eq!(s.max_content_bytes(), 4096);
    assert!(s.prices().get("gpt-4o").is_some(), "the bundled prices");
}
