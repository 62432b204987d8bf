//! The example workflow exported over OTLP/HTTP with the JSON encoding, gzipped
//! (`http/json` + `gzip`), arrives whole at a real collector.

mod support;

#[test]
fn workflow_arrives_whole_over_http_json_gzip() {
    support::export_and_check(
        aitrace_sdk::config::Protocol::HttpJson,
        aitrace_sdk::config::Compression::Gzip,
    );
}
