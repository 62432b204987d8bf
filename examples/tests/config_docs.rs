//! `docs/configuration.md` lists every variable aitrace reads, and the warnings
//! and the strict-mode error it shows are the ones aitrace prints.

use aitrace_sdk::config::ENV_VARIABLES;

const DOC: &str = include_str!("../../docs/configuration.md");

/// Whether `name` has a row of its own in one of the reference tables.
fn has_row(name: &str) -> bool {
    let row = format!("| `{name}` |");
    DOC.lines().any(|line| line.starts_with(&row))
}

#[test]
fn every_otel_variable_has_a_row() {
    for name in ENV_VARIABLES {
        // Trace- and metrics-specific forms are described once, next to their
        // generic variable.
        let generic = name
            .replace("OTEL_EXPORTER_OTLP_TRACES_", "OTEL_EXPORTER_OTLP_")
            .replace("OTEL_EXPORTER_OTLP_METRICS_", "OTEL_EXPORTER_OTLP_");
        let listed = has_row(name) || (generic != *name && has_row(&generic));
        assert!(listed, "{name} is missing from docs/configuration.md");
    }
    assert!(DOC.contains("insert `TRACES_` after `OTEL_EXPORTER_OTLP_`"));
    assert!(DOC.contains("insert `METRICS_`\nafter `OTEL_EXPORTER_OTLP_`"));
}

#[test]
fn every_aitrace_variable_has_a_row() {
    use aitrace::settings::*;
    for name in [
        ENV_SEMCONV,
        ENV_CAPTURE_CONTENT,
        ENV_OTEL_CAPTURE_CONTENT,
        ENV_MAX_CONTENT_BYTES,
        ENV_PRICING_FILE,
        ENV_GEN_AI_SYSTEM_COMPAT,
        aitrace::propagation::ENV_IDENTITY_BAGGAGE,
        "AITRACE_SAMPLE_ERRORS",
        "AITRACE_SAMPLE_GUARDRAILS",
        "AITRACE_SAMPLE_SLOW_MS",
        "AITRACE_SAMPLE_COST_USD",
        aitrace_sdk::config::AITRACE_STRICT_CONFIG,
    ] {
        assert!(
            has_row(name),
            "{name} is missing from docs/configuration.md"
        );
    }
}

#[test]
fn documented_defaults_match_the_code() {
    use aitrace_sdk::config::*;
    let c = Config::default();
    let row = |name: &str| {
        let prefix = format!("| `{name}` |");
        DOC.lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no row for {name}"))
            .to_string()
    };
    let ms = |d: std::time::Duration| format!("`{}`", d.as_millis());
    assert!(row(OTEL_EXPORTER_OTLP_TIMEOUT).contains(&ms(c.otlp.timeout)));
    assert!(row(OTEL_BSP_SCHEDULE_DELAY).contains(&ms(c.batch.schedule_delay)));
    assert!(row(OTEL_BSP_EXPORT_TIMEOUT).contains(&ms(c.batch.export_timeout)));
    assert!(row(OTEL_BSP_MAX_QUEUE_SIZE).contains(&format!("`{}`", c.batch.max_queue_size)));
    assert!(row(OTEL_BSP_MAX_EXPORT_BATCH_SIZE)
        .contains(&format!("`{}`", c.batch.max_export_batch_size)));
    assert!(row(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).contains(DEFAULT_HTTP_TRACES_ENDPOINT));
    assert!(row(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT).contains(DEFAULT_GRPC_ENDPOINT));
    assert!(row(OTEL_METRIC_EXPORT_INTERVAL).contains(&ms(c.metrics.interval)));
    assert!(row(OTEL_METRIC_EXPORT_TIMEOUT).contains(&ms(c.metrics.export_timeout)));
    assert!(row(OTEL_EXPORTER_OTLP_METRICS_ENDPOINT).contains(DEFAULT_HTTP_METRICS_ENDPOINT));
    assert!(row(OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE)
        .contains(&format!("`{}`", c.metrics.temporality.name())));
    assert!(row("AITRACE_MAX_CONTENT_BYTES").contains(&format!(
        "`{}`",
        aitrace::settings::DEFAULT_MAX_CONTENT_BYTES
    )));
}

#[test]
fn documented_warnings_are_the_ones_printed() {
    use aitrace_sdk::config::Config;
    for (var, value) in [
        ("OTEL_SDK_DISABLED", "1"),
        ("OTEL_PROPAGATORS", "tracecontext,baggage,xray"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"),
    ] {
        let (_, warnings) = Config::from_lookup(|k| (k == var).then(|| value.to_string()));
        assert_eq!(warnings.len(), 1, "{var}");
        let line = format!("aitrace: {}", warnings[0]);
        assert!(
            DOC.lines().any(|l| l == line),
            "docs/configuration.md lacks:\n{line}"
        );
    }
    let e = aitrace_sdk::Builder::from_lookup(|k| {
        (k == "OTEL_EXPORTER_OTLP_COMPRESSION").then(|| "brotli".to_string())
    })
    .with_strict_config(true)
    .with_exporters(vec![])
    .build()
    .expect_err("strict");
    let line = e.to_string();
    assert!(
        DOC.lines().any(|l| l == line),
        "docs/configuration.md lacks:\n{line}"
    );
}
