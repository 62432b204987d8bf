//! The example workflow exported over OTLP (grpc) arrives whole at a real collector.

mod support;

#[test]
fn workflow_arrives_whole_over_grpc() {
    support::export_and_check(
        aitrace_sdk::config::Protocol::Grpc,
        aitrace_sdk::config::Compression::None,
    );
}
