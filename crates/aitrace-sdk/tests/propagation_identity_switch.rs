//! `AITRACE_IDENTITY_BAGGAGE` / `set_identity_baggage`: `propagators` sends the identity
//! only where a configured propagator carries baggage and reads it only from there;
//! `off` neither sends nor restores it; `always` (the default) does both, with a W3C
//! `baggage` header of its own when the propagators carry no baggage — but with no
//! propagator at all (`none`), nothing crosses.

use aitrace::propagation::http::{HeaderMap, HeaderValue};
use aitrace::propagation::{
    extract_parent, identity_baggage, inject_current, set_identity_baggage, Identity,
    IdentityBaggage,
};
use aitrace_sdk::config::PropagatorKind as K;
use aitrace_sdk::testing::install_in_memory;
use opentelemetry::baggage::BaggageExt;

/// The headers a run with an identity sends under `kinds`.
fn sent(kinds: &[K]) -> HeaderMap {
    opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(kinds));
    let run = aitrace::trace("upstream")
        .with_conversation_id("conv-1")
        .with_user_id("user-1")
        .start();
    run.in_scope(|| {
        let mut h = HeaderMap::new();
        inject_current(&mut h);
        h
    })
}

/// What a service restores from a request that carries the identity in W3C baggage.
fn restored(kinds: &[K]) -> Identity {
    opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(kinds));
    let mut h = HeaderMap::new();
    h.insert(
        "traceparent",
        HeaderValue::from_static("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    );
    h.insert(
        "baggage",
        HeaderValue::from_static("gen_ai.conversation.id=conv-2,user.id=user-2"),
    );
    let parent = extract_parent(&h);
    Identity::of(&parent)
}

#[test]
fn each_mode_sends_and_restores_what_it_says() {
    install_in_memory();
    let both = Identity::new()
        .with_conversation_id("conv-2")
        .with_user_id("user-2");
    let b3 = [K::B3];
    let w3c = [K::TraceContext, K::Baggage];

    assert_eq!(identity_baggage(), IdentityBaggage::Always, "the default");
    assert!(sent(&b3).contains_key("baggage"));
    assert_eq!(restored(&b3), both);

    set_identity_baggage(IdentityBaggage::Propagators);
    assert!(!sent(&b3).contains_key("baggage"), "no header of its own");
    assert_eq!(
        restored(&b3),
        Identity::new(),
        "read from propagated baggage only"
    );
    let headers = sent(&w3c);
    let baggage = headers["baggage"].to_str().unwrap();
    assert!(
        baggage.contains("gen_ai.conversation.id=conv-1"),
        "{baggage}"
    );
    assert_eq!(restored(&w3c), both);

    set_identity_baggage(IdentityBaggage::Off);
    assert!(!sent(&b3).contains_key("baggage"));
    assert!(
        !sent(&w3c).contains_key("baggage"),
        "nothing else was in the baggage"
    );
    assert_eq!(restored(&w3c), Identity::new());
    // The entries stay plain baggage of the request.
    opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(&w3c));
    let mut h = HeaderMap::new();
    h.insert("baggage", HeaderValue::from_static("user.id=user-3"));
    let parent = extract_parent(&h);
    assert_eq!(parent.baggage().get("user.id").unwrap().as_str(), "user-3");
    let span = aitrace::tool("t").child_of(&parent).start();
    assert!(aitrace::inherited_attributes(span.context()).is_empty());

    set_identity_baggage(IdentityBaggage::Always);
    assert_eq!(restored(&b3), both);

    // OTEL_PROPAGATORS=none: nothing crosses, the identity included.
    assert!(sent(&[]).is_empty());
    assert_eq!(restored(&[]), Identity::new());
}
