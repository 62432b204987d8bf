//! `OTEL_SDK_DISABLED=true` in the environment turns recording off, like
//! `set_enabled(false)`, while ids stay available.

use aitrace_sdk::testing::install_in_memory;
use opentelemetry::trace::TraceId;

#[test]
fn the_environment_variable_disables_recording() {
    // Read once, lazily, at the first span: set before any span of this binary.
    std::env::set_var(aitrace::ENV_SDK_DISABLED, "TRUE");
    let exporter = install_in_memory();
    assert!(!aitrace::is_enabled());
    let run = aitrace::trace("off-by-env").start();
    assert_ne!(run.trace_id(), TraceId::INVALID);
    run.in_scope(|| aitrace::tool("t").start().end());
    run.end();
    assert!(exporter.spans().is_empty());
}
