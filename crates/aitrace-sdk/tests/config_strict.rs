//! Strict configuration, for teams that want start-up to fail:
//! `AITRACE_STRICT_CONFIG=true` or `Builder::with_strict_config(true)` turns every
//! configuration warning (from the environment or from code) into an error from
//! `build()` that names the variable, the value and what is accepted.

use aitrace_sdk::config::{ConfigError, SamplerConfig};
use aitrace_sdk::{Builder, InitError};

fn from(pairs: &[(&str, &str)]) -> Builder {
    let env: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .chain([("OTEL_TRACES_EXPORTER".to_string(), "none".to_string())])
        .collect();
    Builder::from_lookup(move |name| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
}

/// The warnings of a refused build.
fn refused(builder: Builder) -> (String, ConfigError) {
    match builder.build() {
        Err(InitError::Config(e)) => (e.to_string(), e),
        Err(e) => panic!("unexpected error {e:?}"),
        Ok(guard) => panic!("strict mode should refuse: {:?}", guard.config_warnings()),
    }
}

#[test]
fn the_variable_turns_warnings_into_an_error_naming_variable_value_and_accepted() {
    let (shown, e) = refused(from(&[
        ("AITRACE_STRICT_CONFIG", "true"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"),
    ]));
    assert_eq!(e.warnings().len(), 1);
    assert!(shown.contains("AITRACE_STRICT_CONFIG"), "{shown}");
    assert!(shown.contains("OTEL_EXPORTER_OTLP_COMPRESSION"), "{shown}");
    assert!(shown.contains("\"brotli\""), "{shown}");
    assert!(shown.contains("gzip, zstd or none"), "{shown}");
    // Every problem is listed, not only the first.
    let (shown, e) = refused(from(&[
        ("AITRACE_STRICT_CONFIG", "TRUE"),
        ("OTEL_SDK_DISABLED", "1"),
        ("OTEL_PROPAGATORS", "tracecontext,xray"),
        ("AITRACE_SAMPLE_SLOW_MS", "soon"),
    ]));
    assert_eq!(e.warnings().len(), 3, "{shown}");
    for var in [
        "OTEL_SDK_DISABLED",
        "OTEL_PROPAGATORS",
        "AITRACE_SAMPLE_SLOW_MS",
    ] {
        assert!(shown.contains(var), "{shown} lacks {var}");
    }
}

#[test]
fn the_builder_switch_does_the_same_and_wins_over_the_variable() {
    let (shown, _) =
        refused(from(&[("OTEL_TRACES_SAMPLER", "sometimes")]).with_strict_config(true));
    assert!(
        shown.contains("OTEL_TRACES_SAMPLER") && shown.contains("sometimes"),
        "{shown}"
    );
    // Turned off in code, the variable's strictness does not apply.
    let guard = from(&[
        ("AITRACE_STRICT_CONFIG", "true"),
        ("OTEL_TRACES_SAMPLER", "sometimes"),
    ])
    .with_strict_config(false)
    .build()
    .expect("not strict");
    assert_eq!(guard.config_warnings().len(), 1);
}

#[test]
fn values_set_in_code_are_refused_too() {
    let (shown, e) = refused(
        Builder::new()
            .with_strict_config(true)
            .with_exporters(vec![])
            .with_endpoint("ftp://collector:4317")
            .with_sampler(SamplerConfig::TraceIdRatio(1.5)),
    );
    let vars: Vec<&str> = e.warnings().iter().map(|w| w.var).collect();
    assert_eq!(
        vars,
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER_ARG"],
        "{shown}"
    );
    assert!(
        shown.contains("ftp://collector:4317") && shown.contains("1.5"),
        "{shown}"
    );
}

#[test]
fn a_clean_configuration_starts_in_strict_mode() {
    let guard = from(&[
        ("AITRACE_STRICT_CONFIG", "true"),
        ("OTEL_PROPAGATORS", "tracecontext,baggage,b3"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        (
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "SPAN_ONLY",
        ),
    ])
    .build()
    .expect("nothing to refuse");
    assert!(guard.config().strict);
    assert!(guard.config_warnings().is_empty());
}

#[test]
fn an_invalid_strict_variable_is_itself_a_warning_and_not_strict() {
    let guard = from(&[
        ("AITRACE_STRICT_CONFIG", "yes"),
        ("OTEL_TRACES_SAMPLER", "sometimes"),
    ])
    .build()
    .expect("`yes` is not true: not strict");
    let vars: Vec<&str> = guard.config_warnings().iter().map(|w| w.var).collect();
    assert_eq!(vars, ["AITRACE_STRICT_CONFIG", "OTEL_TRACES_SAMPLER"]);
}

#[test]
fn a_disabled_sdk_is_never_refused() {
    // Disabling stays a way out of a broken configuration, strict or not.
    let guard = from(&[
        ("AITRACE_STRICT_CONFIG", "true"),
        ("OTEL_SDK_DISABLED", "true"),
        ("OTEL_TRACES_SAMPLER", "sometimes"),
    ])
    .build()
    .expect("disabled");
    assert!(guard.provider().is_none());
    assert!(guard.config_warnings().is_empty());
}
