//! The propagators chosen in configuration (OTEL_PROPAGATORS or in code) are the
//! ones installed globally, in order.

use aitrace_sdk::config::{Config, PropagatorKind};
use aitrace_sdk::Builder;

fn injected_names() -> Vec<String> {
    let agent = aitrace::agent("client").start();
    let mut headers = aitrace::propagation::http::HeaderMap::new();
    aitrace::propagation::inject_context(agent.context(), &mut headers);
    let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_string()).collect();
    names.sort();
    names
}

#[test]
fn configured_propagators_are_installed() {
    let (config, warnings) =
        Config::from_lookup(|k| (k == "OTEL_PROPAGATORS").then(|| "b3multi,jaeger".to_string()));
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        config.propagators,
        vec![PropagatorKind::B3Multi, PropagatorKind::Jaeger]
    );
    let guard = Builder::from_config(config)
        .with_exporters(vec![])
        .install()
        .unwrap();
    let names = injected_names();
    for want in [
        "x-b3-sampled",
        "x-b3-spanid",
        "x-b3-traceid",
        "uber-trace-id",
    ] {
        assert!(
            names.contains(&want.to_string()),
            "{want} missing from {names:?}"
        );
    }
    assert!(!names.contains(&"traceparent".to_string()), "{names:?}");

    let guard2 = Builder::new()
        .with_exporters(vec![])
        .with_propagators(vec![PropagatorKind::B3])
        .install()
        .unwrap();
    assert_eq!(injected_names(), vec!["b3".to_string()]);

    let guard3 = Builder::new().with_exporters(vec![]).install().unwrap();
    assert_eq!(
        injected_names(),
        vec!["traceparent".to_string()],
        "default: tracecontext,baggage"
    );
    drop((guard, guard2, guard3));
}
