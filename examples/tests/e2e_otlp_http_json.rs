//! The example workflow exported over OTLP/HTTP with the JSON encoding
//! (`http/json`) arrives whole at a real collector.

mod support;

#[test]
fn workflow_arrives_whole_over_http_json() {
    support::export_and_check(
        aitrace_sdk::config::Protocol::HttpJson,
        aitrace_sdk::config::Compression::None,
    );
}
