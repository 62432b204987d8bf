//! The conversation id, user id and tenant of a trace cross a hop with every propagator
//! choice: in the W3C baggage, in Jaeger's `uberctx-*` headers, and, when the
//! propagators carry no baggage (`b3`, `b3multi`, `tracecontext`), in a W3C `baggage`
//! header of aitrace's own that holds the identity alone. On the other side every span
//! inherits them as if a `TraceBuilder` there had set them.

use aitrace::propagation::http::HeaderMap;
use aitrace::propagation::{extract_parent, inject_current, Identity};
use aitrace_sdk::config::PropagatorKind as K;
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::SpanKind;
use opentelemetry::KeyValue;

#[test]
fn the_identity_crosses_with_every_propagator() {
    let exporter = install_in_memory();
    let cases: [(&str, &[K], &[&str]); 5] = [
        (
            "tracecontext,baggage",
            &[K::TraceContext, K::Baggage],
            &["baggage"],
        ),
        (
            "jaeger",
            &[K::Jaeger],
            &["uberctx-gen_ai.conversation.id", "uberctx-user.id"],
        ),
        ("b3", &[K::B3], &["baggage"]),
        ("b3multi", &[K::B3Multi], &["baggage"]),
        ("tracecontext", &[K::TraceContext], &["baggage"]),
    ];
    for (name, kinds, carriers) in cases {
        opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(kinds));
        let run = aitrace::trace("upstream")
            .with_conversation_id("conv 42")
            .with_user_id("user-7")
            .with_tenant_id("acme")
            .start();
        // The application's own baggage travels only where a propagator carries baggage.
        let app_baggage = run
            .context()
            .with_baggage([KeyValue::new("feature", "beta")]);
        let headers = {
            let _in_run = app_baggage.attach();
            let mut h = HeaderMap::new();
            inject_current(&mut h);
            h
        };
        for carrier in carriers {
            assert!(
                headers.contains_key(*carrier),
                "{name}: {carrier} in {headers:?}"
            );
        }
        let carries_app_baggage = kinds.contains(&K::Baggage) || kinds.contains(&K::Jaeger);
        if !carries_app_baggage {
            let baggage = headers["baggage"].to_str().unwrap();
            assert_eq!(
                baggage, "gen_ai.conversation.id=conv%2042,user.id=user-7,ai.tenant.id=acme",
                "{name}: the identity alone"
            );
        }
        if kinds == [K::Jaeger] {
            assert!(
                !headers.contains_key("baggage"),
                "{name}: no second carrier"
            );
        }

        // The other service.
        let parent = extract_parent(&headers);
        assert_eq!(
            Identity::of(&parent),
            Identity::new()
                .with_conversation_id("conv 42")
                .with_user_id("user-7")
                .with_tenant_id("acme"),
            "{name}"
        );
        assert_eq!(
            parent
                .baggage()
                .get("feature")
                .map(|v| v.as_str().to_string()),
            carries_app_baggage.then(|| "beta".to_string()),
            "{name}"
        );
        let server = aitrace::custom("POST /tools/search")
            .with_kind(SpanKind::Server)
            .child_of(&parent)
            .start();
        server.in_scope(|| {
            let downstream = aitrace::trace("downstream").start();
            downstream.in_scope(|| aitrace::tool("search").start().end());
            downstream.end();
        });
        server.end();
        let trace_id = run.trace_id();
        run.end();

        let spans = exporter.spans_of_trace(trace_id);
        for span_name in [
            "POST /tools/search",
            "invoke_workflow downstream",
            "execute_tool search",
        ] {
            let span = by_name(&spans, span_name);
            for (key, value) in [
                ("ai.conversation.id", "conv 42"),
                ("gen_ai.conversation.id", "conv 42"),
                ("ai.user.id", "user-7"),
                ("ai.tenant.id", "acme"),
            ] {
                assert_eq!(
                    attr_str(span, key),
                    Some(value),
                    "{name}: {span_name} {key}"
                );
            }
        }
        // The downstream trace's own workflow name replaces nothing of the identity.
        let tool = by_name(&spans, "execute_tool search");
        assert_eq!(attr_str(tool, "ai.workflow.name"), Some("downstream"));
    }
}
