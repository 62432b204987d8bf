//! Values that other OpenTelemetry SDKs accept in a shared environment no longer
//! stop the application: each starts, with one warning naming the variable, the
//! value and what is accepted when the value is really invalid, and the default
//! (or the usable part of a list) in force. `config_warnings_once.rs` runs the
//! same values through `init()` and the process environment.

use aitrace_sdk::config::{Compression, PropagatorKind, Protocol, SamplerConfig};
use aitrace_sdk::{Builder, TracingGuard};
use std::time::Duration;

/// Builds a pipeline from `pairs` (nothing exported: `OTEL_TRACES_EXPORTER=none`
/// unless given), the way `init()` reads the environment.
fn start(pairs: &[(&str, &str)]) -> TracingGuard {
    let mut env: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    if !pairs.iter().any(|(k, _)| *k == "OTEL_TRACES_EXPORTER") {
        env.push(("OTEL_TRACES_EXPORTER".into(), "none".into()));
    }
    Builder::from_lookup(|name| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
        .build()
        .unwrap_or_else(|e| panic!("{pairs:?} must start: {e}"))
}

/// Checks that `guard` has exactly one warning, for `var`, showing `value` and
/// naming what is accepted (every word of `accepted`).
fn one_warning(guard: &TracingGuard, var: &str, value: &str, accepted: &[&str]) {
    let warnings = guard.config_warnings();
    assert_eq!(warnings.len(), 1, "{var}={value}: {warnings:?}");
    let shown = warnings[0].to_string();
    assert_eq!(warnings[0].var, var, "{shown}");
    assert!(shown.contains(&format!("{value:?}")), "{shown}");
    for word in accepted {
        assert!(shown.contains(word), "{shown} lacks {word:?}");
    }
}

#[test]
fn sdk_disabled_1_is_not_true_and_tracing_stays_on() {
    let guard = start(&[("OTEL_SDK_DISABLED", "1")]);
    assert!(!guard.config().disabled);
    assert!(guard.provider().is_some(), "the pipeline runs");
    one_warning(&guard, "OTEL_SDK_DISABLED", "1", &["true or false"]);
    // Only a case-insensitive `true` disables.
    let guard = start(&[("OTEL_SDK_DISABLED", "True")]);
    assert!(guard.config().disabled && guard.config_warnings().is_empty());
    let guard = start(&[("OTEL_SDK_DISABLED", "FALSE")]);
    assert!(!guard.config().disabled && guard.config_warnings().is_empty());
}

#[test]
fn util_genai_capture_values_are_understood() {
    let var = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT";
    let guard = start(&[(var, "SPAN_ONLY")]);
    assert!(guard.config().settings.capture_content());
    assert!(guard.config_warnings().is_empty());
    let guard = start(&[(var, "SPAN_AND_EVENT")]);
    assert!(guard.config().settings.capture_content());
    assert!(guard.config_warnings().is_empty());
    let guard = start(&[(var, "NO_CONTENT")]);
    assert!(!guard.config().settings.capture_content());
    assert!(guard.config_warnings().is_empty());
    // Events only: aitrace has no content events, so it records nothing, and says so.
    let guard = start(&[(var, "EVENT_ONLY")]);
    assert!(!guard.config().settings.capture_content());
    one_warning(&guard, var, "EVENT_ONLY", &["SPAN_ONLY", "on spans only"]);
}

#[test]
fn unknown_propagators_are_skipped_and_the_others_kept() {
    let guard = start(&[("OTEL_PROPAGATORS", "tracecontext,baggage,xray")]);
    assert_eq!(
        guard.config().propagators,
        vec![PropagatorKind::TraceContext, PropagatorKind::Baggage]
    );
    one_warning(
        &guard,
        "OTEL_PROPAGATORS",
        "xray",
        &["xray is not supported", "tracecontext", "b3multi", "jaeger"],
    );
    let guard = start(&[("OTEL_PROPAGATORS", "b3,ottrace")]);
    assert_eq!(guard.config().propagators, vec![PropagatorKind::B3]);
    one_warning(&guard, "OTEL_PROPAGATORS", "ottrace", &["not supported"]);
}

#[test]
fn unsupported_exporters_are_skipped() {
    let guard = start(&[("OTEL_TRACES_EXPORTER", "console,zipkin")]);
    assert_eq!(
        guard.config().exporters,
        Some(vec![aitrace_sdk::config::ExporterKind::Console])
    );
    one_warning(
        &guard,
        "OTEL_TRACES_EXPORTER",
        "zipkin",
        &["otlp", "console"],
    );
}

#[test]
fn http_json_and_zstd_are_implemented() {
    let guard = start(&[
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_TRACES_EXPORTER", "otlp"),
    ]);
    assert_eq!(guard.config().otlp.protocol, Protocol::HttpJson);
    assert_eq!(guard.config().otlp.compression, Compression::Zstd);
    assert!(guard.config_warnings().is_empty());
    assert!(guard.provider().is_some());
    let _ = guard.shutdown_with_timeout(Duration::from_secs(1));
}

#[test]
fn a_bad_sampler_argument_keeps_the_sampler_with_ratio_1() {
    let guard = start(&[
        ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
        ("OTEL_TRACES_SAMPLER_ARG", "ten percent"),
    ]);
    assert_eq!(
        guard.config().sampler,
        SamplerConfig::ParentBasedTraceIdRatio(1.0)
    );
    one_warning(
        &guard,
        "OTEL_TRACES_SAMPLER_ARG",
        "ten percent",
        &["a number from 0 to 1"],
    );
}

#[test]
fn really_invalid_values_warn_and_the_default_applies() {
    let default = Builder::new().build().unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "http/xml",
            &["grpc", "http/protobuf", "http/json"],
        ),
        (
            "OTEL_EXPORTER_OTLP_COMPRESSION",
            "brotli",
            &["gzip", "zstd", "none"],
        ),
        (
            "OTEL_TRACES_SAMPLER",
            "sometimes",
            &["always_on", "parentbased_traceidratio"],
        ),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "lots", &["whole number"]),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "10s", &["milliseconds"]),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "ftp://collector",
            &["http:// or https://"],
        ),
        ("AITRACE_CAPTURE_CONTENT", "yes", &["true or false"]),
        ("AITRACE_MAX_CONTENT_BYTES", "small", &["at least 64"]),
        ("AITRACE_SAMPLE_COST_USD", "-1", &["0 or more"]),
        ("AITRACE_SAMPLE_SLOW_MS", "5s", &["milliseconds"]),
    ];
    for (var, value, accepted) in cases {
        let guard = start(&[(var, value)]);
        one_warning(&guard, var, value, accepted);
        let (got, want) = (guard.config(), default.config());
        assert_eq!(got.otlp, want.otlp, "{var}");
        assert_eq!(got.sampler, want.sampler, "{var}");
        assert_eq!(got.batch, want.batch, "{var}");
        assert_eq!(
            got.settings.capture_content(),
            want.settings.capture_content()
        );
        assert_eq!(
            got.settings.max_content_bytes(),
            want.settings.max_content_bytes()
        );
        assert_eq!(guard.keep_rule_stats(), None, "{var}: no keep rule is on");
    }
}
