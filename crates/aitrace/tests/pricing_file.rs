//! Price files: overriding and extending the bundled table, and the errors of bad
//! files (from `AITRACE_PRICING_FILE`: a warning, and the bundled prices are kept).

use aitrace::settings::ENV_PRICING_FILE;
use aitrace::{PriceTable, PricingError, Settings, Usage};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A file under the temporary directory with a name no other test (or test run)
/// uses; removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn with(contents: &str) -> TempFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let name = format!(
            "aitrace-prices-{}-{}-{}.json",
            std::process::id(),
            nanos,
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, contents).expect("write the temporary price file");
        TempFile(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn path_str(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `gpt-4o` is in the bundled table; `my-model` is not.
const OVERRIDE: &str = r#"{
  "_comment": "test prices",
  "models": {
    "gpt-4o": {"input": 1.0, "output": 2.0},
    "my-model": {"input": 3.0, "output": 4.0, "cache_read": 0.5, "provider": "openai"}
  }
}"#;

fn lookup_file(path: String) -> impl Fn(&str) -> Option<String> {
    move |k| (k == ENV_PRICING_FILE).then(|| path.clone())
}

fn assert_overridden(t: &PriceTable) {
    let bundled = PriceTable::bundled();
    assert!(
        bundled.get("gpt-4o").is_some(),
        "the test needs a bundled gpt-4o"
    );
    assert!(bundled.get("my-model").is_none());

    let gpt_4o = t.get("gpt-4o").expect("gpt-4o");
    assert_eq!((gpt_4o.input, gpt_4o.output), (1.0, 2.0));
    // the file's entry replaces the bundled one whole: no cache rate is left over
    assert_eq!(gpt_4o.cache_read, None);
    // snapshots of an overridden model follow the new price
    assert_eq!(t.get("gpt-4o-2024-08-06").expect("snapshot").input, 1.0);

    let mine = t.get("my-model").expect("my-model");
    assert_eq!(
        (mine.input, mine.output, mine.cache_read),
        (3.0, 4.0, Some(0.5))
    );
    // 1 000 000 × 3 + 1 000 000 × 4 = 7 USD
    let cost = t
        .cost("my-model", &Usage::new(1_000_000, 1_000_000))
        .unwrap();
    assert_eq!(cost.total_microcents(), 700_000_000);

    // everything else is the bundled table, unchanged
    assert_eq!(t.len(), bundled.len() + 1);
    assert_eq!(t.get("gpt-4o-mini"), bundled.get("gpt-4o-mini"));
    assert_eq!(bundled.get("gpt-4o").unwrap().input, 2.5);
}

#[test]
fn a_file_overrides_and_extends_the_bundled_table() {
    let file = TempFile::with(OVERRIDE);
    let t = PriceTable::bundled()
        .with_file(file.path())
        .expect("valid file");
    assert_overridden(&t);
}

#[test]
fn the_pricing_file_variable_loads_the_file_into_settings() {
    let file = TempFile::with(OVERRIDE);
    let (settings, warnings) = Settings::from_lookup(lookup_file(file.path_str()));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_overridden(settings.prices());
}

#[test]
fn a_blank_pricing_file_variable_keeps_the_bundled_table() {
    let (settings, warnings) = Settings::from_lookup(lookup_file("  ".into()));
    assert!(warnings.is_empty(), "blank is unset: {warnings:?}");
    assert_eq!(**settings.prices(), *PriceTable::bundled());
}

/// Checks that `bad` is refused by both ways of loading it: an error naming the
/// file, and from the variable a warning naming the variable, the file and the
/// error, with the bundled prices kept.
fn assert_rejected(bad: &str, expected: fn(&PricingError) -> bool) -> PricingError {
    let file = TempFile::with(bad);
    let name = file.path_str();

    let e = PriceTable::bundled().with_file(file.path()).unwrap_err();
    assert!(expected(&e), "unexpected error: {e:?}");
    assert!(e.to_string().contains(&name), "{e}");

    let (settings, warnings) = Settings::from_lookup(lookup_file(name.clone()));
    assert_eq!(**settings.prices(), *PriceTable::bundled());
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        (warnings[0].var, warnings[0].value.as_str()),
        (ENV_PRICING_FILE, name.as_str())
    );
    assert!(
        warnings[0].expected.contains(&e.to_string()),
        "{}",
        warnings[0]
    );
    let text = warnings[0].to_string();
    assert!(
        text.contains("AITRACE_PRICING_FILE") && text.contains(&name),
        "{text}"
    );
    e
}

#[test]
fn a_file_that_is_not_json_is_an_error_naming_it() {
    assert_rejected(r#"{"models": {"m": {"input": 1.0,"#, |e| {
        matches!(e, PricingError::Parse { .. })
    });
    assert_rejected("", |e| matches!(e, PricingError::Parse { .. }));
}

#[test]
fn a_negative_price_is_an_error_naming_the_model() {
    let e = assert_rejected(
        r#"{"models": {"refund-model": {"input": 1.0, "output": -0.5}}}"#,
        |e| matches!(e, PricingError::BadPrice { .. }),
    );
    assert!(e.to_string().contains("refund-model"), "{e}");
    assert_rejected(
        r#"{"models": {"m": {"input": 1.0, "output": 1.0, "cache_write": -1}}}"#,
        |e| matches!(e, PricingError::BadPrice { .. }),
    );
}

#[test]
fn unknown_fields_are_errors() {
    // at the top level
    let e = assert_rejected(r#"{"models": {}, "currency": "EUR"}"#, |e| {
        matches!(e, PricingError::Parse { .. })
    });
    assert!(e.to_string().contains("currency"), "{e}");
    // in a model: a misspelt rate must not silently fall back to the input rate
    let e = assert_rejected(
        r#"{"models": {"m": {"input": 1.0, "output": 2.0, "cached_read": 0.1}}}"#,
        |e| matches!(e, PricingError::Parse { .. }),
    );
    assert!(e.to_string().contains("cached_read"), "{e}");
}

#[test]
fn missing_rates_and_missing_models_are_errors() {
    assert_rejected(r#"{"models": {"m": {"input": 1.0}}}"#, |e| {
        matches!(e, PricingError::Parse { .. })
    });
    assert_rejected(r#"{"prices": {}}"#, |e| {
        matches!(e, PricingError::Parse { .. })
    });
    assert_rejected(r#"{"models": {"m": {"input": "1.0", "output": 2}}}"#, |e| {
        matches!(e, PricingError::Parse { .. })
    });
}

#[test]
fn a_missing_file_is_an_error_naming_it_and_the_variable() {
    let file = TempFile::with("{}");
    let name = file.path_str();
    drop(file);

    let e = PriceTable::bundled().with_file(&name).unwrap_err();
    assert!(matches!(e, PricingError::Read { .. }), "{e:?}");
    assert!(e.to_string().contains(&name), "{e}");

    let (_, warnings) = Settings::from_lookup(lookup_file(name.clone()));
    let text = warnings[0].to_string();
    assert!(
        text.contains("AITRACE_PRICING_FILE") && text.contains(&name),
        "{text}"
    );
}

#[test]
fn an_empty_model_list_is_valid_and_changes_nothing() {
    let file = TempFile::with(r#"{"models": {}}"#);
    let t = PriceTable::bundled().with_file(file.path()).unwrap();
    assert_eq!(t, *PriceTable::bundled());
}

#[test]
fn every_bundled_price_names_its_provider_source_and_date() {
    const PROVIDERS: [&str; 6] = [
        "openai",
        "anthropic",
        "gcp.gemini",
        "mistral_ai",
        "deepseek",
        "x_ai",
    ];
    let bundled = PriceTable::bundled();
    assert!(bundled.len() >= 20, "{} models", bundled.len());
    for (name, p) in bundled.iter() {
        let provider = p.provider.as_deref().unwrap_or_default();
        assert!(
            PROVIDERS.contains(&provider),
            "{name}: provider {provider:?}"
        );
        let source = p.source.as_deref().unwrap_or_default();
        assert!(source.starts_with("https://"), "{name}: source {source:?}");
        let date = p.as_of.as_deref().unwrap_or_default();
        let b = date.as_bytes();
        let is_date = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        assert!(is_date, "{name}: as_of {date:?}");
        assert!(p.input > 0.0, "{name}: zero rate");
        // An embeddings call has no output tokens: its model has no output rate.
        let embedding = name.starts_with("text-embedding-");
        assert_eq!(
            p.output > 0.0,
            !embedding,
            "{name}: output rate {}",
            p.output
        );
        for rate in [p.cache_read, p.cache_write, p.reasoning]
            .into_iter()
            .flatten()
        {
            assert!(rate > 0.0, "{name}: zero rate");
        }
    }
}
