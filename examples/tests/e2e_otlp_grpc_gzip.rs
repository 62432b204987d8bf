//! The example workflow exported over OTLP (grpc_gzip) arrives whole at a real collector.

mod support;

#[test]
fn workflow_arrives_whole_over_grpc_gzip() {
    support::export_and_check(
        aitrace_sdk::config::Protocol::Grpc,
        aitrace_sdk::config::Compression::Gzip,
    );
}
