//! The example workflow exported over OTLP (http_gzip) arrives whole at a real collector.

mod support;

#[test]
fn workflow_arrives_whole_over_http_gzip() {
    support::export_and_check(
        aitrace_sdk::config::Protocol::HttpProtobuf,
        aitrace_sdk::config::Compression::Gzip,
    );
}
