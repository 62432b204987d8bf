//! The resource every span carries: service, SDK, and aitrace itself.

use crate::config::Config;
use opentelemetry::KeyValue;
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::Resource;

/// `telemetry.distro.name` value.
pub const DISTRO_NAME: &str = "aitrace";
/// `telemetry.distro.version` value: this crate's version.
pub const DISTRO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Builds the resource: `OTEL_RESOURCE_ATTRIBUTES`, then `service.name` (code, then
/// `OTEL_SERVICE_NAME`, then `unknown_service:<executable>`), `service.version`,
/// `telemetry.sdk.*`, and `telemetry.distro.name` / `.version` naming aitrace.
pub fn build_resource(config: &Config) -> Resource {
    let mut attrs: Vec<KeyValue> = config
        .resource_attributes
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let from_attrs = config
        .resource_attributes
        .iter()
        .find(|(k, _)| k == "service.name")
        .map(|(_, v)| v.clone());
    let service = config
        .service_name
        .clone()
        .or(from_attrs)
        .unwrap_or_else(default_service_name);
    attrs.push(KeyValue::new("service.name", service));
    if let Some(v) = &config.service_version {
        attrs.push(KeyValue::new("service.version", v.clone()));
    }
    attrs.push(KeyValue::new("telemetry.distro.name", DISTRO_NAME));
    attrs.push(KeyValue::new("telemetry.distro.version", DISTRO_VERSION));
    Resource::builder_empty()
        .with_detector(Box::new(TelemetryResourceDetector))
        .with_attributes(attrs)
        .build()
}

fn default_service_name() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    if exe.is_empty() {
        "unknown_service".into()
    } else {
        format!("unknown_service:{exe}")
    }
}
