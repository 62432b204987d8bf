//! The GenAI instruments aitrace makes have the names, instrument types, units
//! and bucket boundaries of the pinned conventions (`data/gen_ai_metrics.txt`),
//! and every client metric of the conventions is made; aitrace's own
//! instruments stay out of the `gen_ai` namespace and are named once.

use aitrace::metrics::names::{self, attr};
use std::collections::BTreeSet;

const CONVENTIONS: &str = include_str!("../data/gen_ai_metrics.txt");
const REGISTRY: &str = include_str!("../data/gen_ai_registry_names.txt");

/// (name, instrument, unit, boundaries) of each line of the conventions' list.
fn conventions() -> Vec<(String, String, String, Vec<f64>)> {
    let out: Vec<_> = CONVENTIONS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 4, "not `name instrument unit boundaries`: {l}");
            let bounds = f[3]
                .split(',')
                .map(|b| b.parse().expect("a number"))
                .collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string(), bounds)
        })
        .collect();
    assert_eq!(out.len(), 4, "the list looks truncated");
    out
}

#[test]
fn the_gen_ai_instruments_are_the_conventions_ones() {
    let ours: Vec<_> = names::ALL
        .iter()
        .filter(|n| n.name.starts_with("gen_ai."))
        .collect();
    let theirs = conventions();
    for (name, instrument, unit, bounds) in &theirs {
        let n = ours
            .iter()
            .find(|n| n.name == name)
            .unwrap_or_else(|| panic!("{name} is not recorded"));
        assert_eq!(n.instrument, instrument, "{name}");
        assert_eq!(n.unit, unit, "{name}");
        assert_eq!(n.boundaries, &bounds[..], "{name}");
    }
    assert_eq!(
        ours.len(),
        theirs.len(),
        "a gen_ai instrument not in the conventions"
    );
    assert_eq!(
        names::SEMCONV_VERSION,
        aitrace::attributes::gen_ai::SEMCONV_VERSION
    );
}

#[test]
fn the_token_type_attribute_is_the_registry_one() {
    let registry: BTreeSet<&str> = REGISTRY
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(registry.contains(attr::TOKEN_TYPE));
    for key in [
        attr::OPERATION_NAME,
        attr::PROVIDER_NAME,
        attr::REQUEST_MODEL,
        attr::RESPONSE_MODEL,
        attr::TOOL_NAME,
        attr::TOOL_TYPE,
        attr::AGENT_NAME,
    ] {
        assert!(registry.contains(key), "{key}");
    }
}

#[test]
fn our_instruments_are_ours_and_each_named_once() {
    let mut seen = BTreeSet::new();
    for n in names::ALL {
        assert!(seen.insert(n.name), "{} listed twice", n.name);
        assert!(
            n.name.starts_with("gen_ai.client.") || n.name.starts_with("ai."),
            "{}",
            n.name
        );
        match n.instrument {
            "histogram" => {
                assert!(!n.boundaries.is_empty(), "{}", n.name);
                assert!(
                    n.boundaries.windows(2).all(|w| w[0] < w[1]),
                    "{}: boundaries must increase",
                    n.name
                );
            }
            "counter" => assert!(n.boundaries.is_empty(), "{}", n.name),
            other => panic!("{}: unknown instrument {other}", n.name),
        }
        assert!(
            !n.description.is_empty() && !n.unit.is_empty(),
            "{}",
            n.name
        );
    }
    assert_eq!(seen.len(), 11);
}
