//! The example workflow exported over OTLP (grpc) arrives whole at a real collector.

mod e2e;

#[test]
fn workflow_arrives_whole_over_grpc() {
    e2e::export_and_check(
        aitrace_sdk::config::Protocol::Grpc,
        aitrace_sdk::config::Compression::None,
    );
}
