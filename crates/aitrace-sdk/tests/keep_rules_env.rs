//! The `AITRACE_SAMPLE_*` variables become keep rules; a bad value leaves its rule
//! off, with a warning naming the variable and the value.

use aitrace_sdk::keep_rules::KeepRules;
use std::time::Duration;

fn parse(pairs: &[(&str, &str)]) -> Result<KeepRules, String> {
    let (rules, warnings) = KeepRules::from_lookup(|k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    });
    match warnings.as_slice() {
        [] => Ok(rules),
        [one] => {
            assert!(!rules.any(), "{one}: the rule stays off");
            Err(one.to_string())
        }
        many => panic!("one warning expected: {many:?}"),
    }
}

#[test]
fn valid_values() {
    let none = parse(&[]).unwrap();
    assert!(!none.any());
    let all = parse(&[
        ("AITRACE_SAMPLE_ERRORS", "true"),
        ("AITRACE_SAMPLE_GUARDRAILS", "TRUE"),
        ("AITRACE_SAMPLE_SLOW_MS", " 2500 "),
        ("AITRACE_SAMPLE_COST_USD", "0.25"),
    ])
    .unwrap();
    assert!(all.errors && all.guardrails);
    assert_eq!(all.slower_than, Some(Duration::from_millis(2500)));
    assert_eq!(all.costlier_than_usd, Some(0.25));
    assert!(!parse(&[("AITRACE_SAMPLE_ERRORS", "false")]).unwrap().any());
    assert!(
        !parse(&[("AITRACE_SAMPLE_SLOW_MS", "")]).unwrap().any(),
        "empty is unset"
    );
}

#[test]
fn invalid_values_warn_naming_the_variable_and_the_value() {
    for (var, value) in [
        ("AITRACE_SAMPLE_ERRORS", "maybe"),
        ("AITRACE_SAMPLE_GUARDRAILS", "2"),
        ("AITRACE_SAMPLE_SLOW_MS", "5s"),
        ("AITRACE_SAMPLE_SLOW_MS", "-1"),
        ("AITRACE_SAMPLE_COST_USD", "-0.5"),
        ("AITRACE_SAMPLE_COST_USD", "NaN"),
        ("AITRACE_SAMPLE_COST_USD", "cheap"),
    ] {
        let e = parse(&[(var, value)]).unwrap_err();
        assert!(e.contains(var) && e.contains(value), "{var}={value}: {e}");
    }
}
