//! Values set in code pass the same gate as those of the environment
//! (`Config::validate`, called by `build()`): each invalid one is replaced by its
//! default with a warning naming the setting's variable, and the pipeline runs.
//! A header no transport could send is dropped rather than breaking every export.

mod support;
use aitrace::Settings;
use aitrace_sdk::config::{BatchConfig, Config, ExporterKind, Protocol, SamplerConfig};
use aitrace_sdk::keep_rules::KeepRules;
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::Duration;
use support::receiver::Receiver;

#[test]
fn invalid_values_from_code_are_replaced_with_a_warning_each() {
    let guard = Builder::new()
        .with_exporters(vec![])
        .with_endpoint("http://user:pa55@collector:4318")
        .with_traces_endpoint("collector:port")
        .with_header("content-type", "text/plain")
        .with_header("x-api-key", "k\r\nhost: evil")
        .with_sampler(SamplerConfig::ParentBasedTraceIdRatio(f64::NAN))
        .with_batch(BatchConfig {
            max_queue_size: usize::MAX,
            max_export_batch_size: 0,
            schedule_delay: Duration::ZERO,
            ..BatchConfig::default()
        })
        .with_settings(Settings::default().with_max_content_bytes(8))
        .with_keep_rules(KeepRules {
            costlier_than_usd: Some(-1.0),
            ..KeepRules::default()
        })
        .build()
        .expect("starts");
    let vars: Vec<&str> = guard.config_warnings().iter().map(|w| w.var).collect();
    assert_eq!(
        vars,
        [
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_EXPORTER_OTLP_HEADERS",
            "OTEL_TRACES_SAMPLER_ARG",
            "OTEL_BSP_SCHEDULE_DELAY",
            "OTEL_BSP_MAX_QUEUE_SIZE",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
            "AITRACE_MAX_CONTENT_BYTES",
            "AITRACE_SAMPLE_COST_USD",
        ]
    );
    let shown = format!("{:?}", guard.config_warnings());
    assert!(
        !shown.contains("pa55") && !shown.contains("evil"),
        "{shown}"
    );
    let c = guard.config();
    assert_eq!(
        (c.otlp.endpoint.as_ref(), c.otlp.traces_endpoint.as_ref()),
        (None, None)
    );
    assert!(c.otlp.headers.is_empty());
    assert_eq!(c.sampler, SamplerConfig::ParentBasedTraceIdRatio(1.0));
    assert_eq!(c.batch, BatchConfig::default());
    assert_eq!(
        c.settings.max_content_bytes(),
        aitrace::settings::DEFAULT_MAX_CONTENT_BYTES
    );
    assert_eq!(guard.keep_rule_stats(), None, "the cost rule stays off");
}

#[test]
fn a_configuration_built_elsewhere_is_checked_too() {
    let mut config = Config::default();
    config.otlp.endpoint = Some("ftp://collector".into());
    config.exporters = Some(vec![]);
    let guard = Builder::from_config(config).build().expect("starts");
    assert_eq!(
        guard.config_warnings()[0].var,
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    );
    assert_eq!(guard.config().otlp.endpoint, None);
}

/// Code wins over the environment, and its values are checked whatever the
/// environment said: a valid endpoint variable does not excuse a bad one in code.
#[test]
fn code_overrides_are_checked_after_the_environment() {
    let guard =
        Builder::from_lookup(|k| (k == "OTEL_EXPORTER_OTLP_PROTOCOL").then(|| "grpc".to_string()))
            .with_exporters(vec![])
            .with_header("x-trace-bin", "v")
            .build()
            .expect("starts");
    let w = &guard.config_warnings()[0];
    assert_eq!(
        (w.var, w.value.as_str()),
        ("OTEL_EXPORTER_OTLP_HEADERS", "header x-trace-bin")
    );
    assert!(w.expected.contains("-bin"), "{w}");
}

/// A header the transport sets itself, given in code, is dropped at build: the
/// spans still arrive (before, such a header broke every export or the build).
#[test]
fn exports_work_with_the_bad_header_dropped() {
    for protocol in [Protocol::Grpc, Protocol::HttpProtobuf, Protocol::HttpJson] {
        let rx = Receiver::grpc_or_http(protocol, false);
        let guard = Builder::new()
            .with_exporters(vec![ExporterKind::Otlp])
            .with_protocol(protocol)
            .with_endpoint(rx.endpoint.clone())
            .with_header("content-length", "3")
            .with_header("x-team", "ai")
            .build()
            .expect("starts");
        assert_eq!(guard.config_warnings().len(), 1);
        guard
            .provider()
            .unwrap()
            .tracer("validate")
            .in_span("after validate", |_| {});
        let report = guard
            .shutdown_with_timeout(Duration::from_secs(10))
            .expect("delivered");
        assert_eq!(report.stats.exported, 1, "{protocol:?}");
        let received = rx.received();
        let team = received[0].headers.iter().find(|(k, _)| k == "x-team");
        assert_eq!(team.map(|(_, v)| v.as_str()), Some("ai"), "{protocol:?}");
    }
}
