//! The price file parser (`PriceTable::from_json_str`, `PriceTable::with_file`,
//! `AITRACE_PRICING_FILE`) on hostile input: arbitrary text, the bundled file
//! mutated byte by byte, generated tables with odd numbers and fields, and deep
//! nesting. It never panics; what it accepts has finite, non-negative prices (and
//! costs that are never NaN nor negative); what it refuses comes with an error
//! that names the file.

use aitrace::{PriceTable, PricingError, Settings, Usage};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use std::path::PathBuf;

const BUNDLED: &str = include_str!("../data/pricing.json");
const ORIGIN: &str = "fuzz.json";

/// Usage within what a real call reports (costs of absurd token counts are a
/// separate matter from parsing).
fn usage() -> impl Strategy<Value = Usage> {
    (
        0u64..1 << 40,
        0u64..1 << 40,
        0u64..1 << 36,
        0u64..1 << 36,
        0u64..1 << 36,
    )
        .prop_map(|(i, o, r, c, z)| {
            Usage::new(i.max(r + c), o.max(z))
                .with_cache_read(r)
                .with_cache_creation(c)
                .with_reasoning(z)
        })
}

/// Parses `text`; checks what came out either way.
fn check(text: &str, usage: &Usage) {
    match PriceTable::from_json_str(text, ORIGIN) {
        Ok(table) => {
            for (model, price) in table.iter() {
                for rate in [
                    Some(price.input),
                    Some(price.output),
                    price.cache_read,
                    price.cache_write,
                    price.reasoning,
                ]
                .into_iter()
                .flatten()
                {
                    assert!(rate.is_finite() && rate >= 0.0, "{model}: {rate}");
                }
                // A finite price can still be absurd (1e308 per million tokens): the
                // cost may then be infinite, never NaN nor negative.
                let cost = table.cost(model, usage).expect("a listed model is priced");
                assert!(
                    !cost.total_usd().is_nan() && cost.total_usd() >= 0.0,
                    "{model}: {cost:?}"
                );
                let _ = cost.total_microcents();
                // Lookups of related names never panic either.
                let _ = table.get(&format!("{model}-2024-01-01"));
                let _ = table.get(&format!("provider/{model}@20250101"));
            }
        }
        Err(e) => {
            let shown = e.to_string();
            assert!(shown.contains(ORIGIN), "{shown}");
            assert!(
                matches!(
                    e,
                    PricingError::Parse { .. } | PricingError::BadPrice { .. }
                ),
                "{e:?}"
            );
        }
    }
}

/// One edit of a text: a byte flipped, a piece inserted, a range removed, or a cut.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, &'static str),
    Remove(usize, usize),
    Truncate(usize),
}

const PIECES: &[&str] = &[
    "-1",
    "1e999",
    "-0",
    "0.0",
    "1e-400",
    "NaN",
    "Infinity",
    "null",
    "true",
    "\"x\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"\"",
    "\\u0000",
    "\\ud800",
    "\"input\": 1",
    "\"output\": -5",
    "\"cached_read\": 1",
    "\"models\": {}",
    "18446744073709551616",
    "99999999999999999999999999999999999999999999999999e99999",
    "é",
    "\u{feff}",
    "/*",
    "//",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), prop::sample::select(PIECES)).prop_map(|(i, p)| Edit::Insert(i, p)),
        (any::<usize>(), 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] ^= b;
                }
            }
            Edit::Insert(i, p) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, p.bytes());
            }
            Edit::Remove(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Edit::Truncate(i) => bytes.truncate(i % len),
        }
    }
    // The parser takes `&str`; invalid UTF-8 is the file reader's concern (below).
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A number as JSON text: ordinary, negative, huge (above the accepted maximum
/// rate), tiny, or not a number at all.
fn number() -> impl Strategy<Value = String> {
    prop_oneof![
        20 => (0.0f64..100.0).prop_map(|f| format!("{f}")),
        1 => (-100.0f64..0.0).prop_map(|f| format!("{f}")),
        1 => Just("1e308".to_string()),
        1 => Just("1e309".to_string()),
        1 => Just("-0".to_string()),
        1 => Just("5e-324".to_string()),
        1 => Just("123456789012345678901234567890".to_string()),
        1 => Just("\"2.5\"".to_string()),
        1 => Just("null".to_string()),
        1 => Just("[1]".to_string()),
    ]
}

/// A model entry: the two required rates maybe missing, optional ones maybe
/// present, an unknown field sometimes.
fn model() -> impl Strategy<Value = String> {
    let field = |name: &'static str, p: f64| {
        prop::option::weighted(p, number()).prop_map(move |v| v.map(|v| format!("\"{name}\": {v}")))
    };
    (
        field("input", 0.9),
        field("output", 0.9),
        field("cache_read", 0.3),
        field("cache_write", 0.3),
        field("reasoning", 0.3),
        prop::option::weighted(
            0.2,
            prop_oneof![
                Just("\"provider\": \"openai\""),
                Just("\"as_of\": 20240101"),
                Just("\"cached_read\": 1")
            ],
        ),
    )
        .prop_map(|(a, b, c, d, e, f)| {
            let fields: Vec<String> = [a, b, c, d, e, f.map(str::to_string)]
                .into_iter()
                .flatten()
                .collect();
            format!("{{{}}}", fields.join(", "))
        })
}

fn table() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("gpt-4o".to_string()),
        Just("".to_string()),
        Just("a/b@c:d".to_string()),
        "[a-z0-9./@:-]{1,20}",
        "\\PC{0,12}".prop_map(|s| s.replace(['"', '\\'], "")),
    ];
    (prop::collection::vec((name, model()), 0..6), any::<bool>()).prop_map(|(models, comment)| {
        let entries: Vec<String> = models
            .into_iter()
            .map(|(n, m)| format!("\"{n}\": {m}"))
            .collect();
        let comment = if comment {
            "\"_comment\": [\"prices\", 1], "
        } else {
            ""
        };
        format!("{{{comment}\"models\": {{{}}}}}", entries.join(", "))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(text in any::<String>(), usage in usage()) {
        check(&text, &usage);
    }

    #[test]
    fn mutated_bundled_file(edits in prop::collection::vec(edit(), 1..6), usage in usage()) {
        check(&apply(BUNDLED, &edits), &usage);
    }

    #[test]
    fn generated_tables(text in table(), usage in usage()) {
        check(&text, &usage);
    }
}

#[test]
fn the_bundled_file_parses() {
    let table = PriceTable::from_json_str(BUNDLED, ORIGIN).expect("valid");
    assert!(!table.is_empty());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [100, 1_000, 100_000] {
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            assert!(PriceTable::from_json_str(&text, ORIGIN).is_err());
            let text = format!(
                "{{\"models\": {{\"m\": {{\"input\": 1, \"output\": 1, \"source\": {}1{}}}}}}}",
                open.repeat(depth),
                close.repeat(depth)
            );
            assert!(PriceTable::from_json_str(&text, ORIGIN).is_err());
        }
    }
}

fn temp_file(tag: &str, bytes: &[u8]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "aitrace-fuzz-pricing-{}-{tag}.json",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Through a file and the `AITRACE_PRICING_FILE` variable, including bytes that
/// are not UTF-8: an error naming the file (and, from the variable, the variable).
#[test]
fn price_files_with_hostile_bytes() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let bytes = prop::collection::vec(any::<u8>(), 0..300);
    let mutated = prop::collection::vec(edit(), 1..4).prop_map(|e| apply(BUNDLED, &e).into_bytes());
    let strategy = prop_oneof![bytes, mutated];
    for i in 0..300 {
        let content = strategy.new_tree(&mut runner).unwrap().current();
        let path = temp_file(&i.to_string(), &content);
        match PriceTable::bundled().with_file(&path) {
            Ok(t) => assert!(t.len() >= PriceTable::bundled().len()),
            Err(e) => assert!(e.to_string().contains(&path.display().to_string()), "{e}"),
        }
        let value = path.display().to_string();
        let (s, warnings) =
            Settings::from_lookup(|k| (k == "AITRACE_PRICING_FILE").then(|| value.clone()));
        assert!(!s.prices().is_empty());
        for w in warnings {
            assert!(w.to_string().contains("AITRACE_PRICING_FILE"), "{w}");
            assert_eq!(
                **s.prices(),
                *PriceTable::bundled(),
                "a refused file changes nothing"
            );
        }
        let _ = std::fs::remove_file(path);
    }
    let missing = std::env::temp_dir().join("aitrace-fuzz-pricing-missing/none.json");
    assert!(matches!(
        PriceTable::bundled().with_file(&missing),
        Err(PricingError::Read { .. })
    ));
}

/// The generator reaches the parser's success path with models in the table (one
/// table in sixteen or so: a table is refused as soon as one entry is bad), not
/// only its errors.
#[test]
fn generated_tables_reach_the_success_path() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = table();
    let mut priced = 0;
    for _ in 0..500 {
        let text = strategy.new_tree(&mut runner).unwrap().current();
        if PriceTable::from_json_str(&text, ORIGIN).is_ok_and(|t| !t.is_empty()) {
            priced += 1;
        }
    }
    assert!(
        priced > 20,
        "only {priced} of 500 generated tables were valid and not empty"
    );
}
