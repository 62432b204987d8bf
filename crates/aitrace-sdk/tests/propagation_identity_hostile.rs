//! Hostile identity in incoming baggage: a value over the content limit is cut with
//! the span API's marker, control and bidirectional characters never reach an
//! attribute, malformed entries and oversized or non-ASCII headers are ignored, and a
//! malformed trace header starts a new trace — none of it panics.

use aitrace::propagation::http::{HeaderMap, HeaderName, HeaderValue};
use aitrace::propagation::{extract_parent, Identity};
use aitrace::Settings;
use aitrace_sdk::config::PropagatorKind as K;
use aitrace_sdk::testing::{attr_str, by_name, install_in_memory};
use opentelemetry::trace::TraceContextExt;

const TP: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_bytes(v).unwrap(),
        );
    }
    h
}

#[test]
fn hostile_identity_is_cut_cleaned_or_ignored() {
    let exporter = install_in_memory();
    aitrace::set_global_settings(Settings::default().with_max_content_bytes(64));
    // Both paths: the baggage propagator, and aitrace's own reading of the header.
    for kinds in [&[K::TraceContext, K::Baggage][..], &[K::TraceContext][..]] {
        opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(kinds));
        let long = "c".repeat(200);
        let baggage =
            format!("gen_ai.conversation.id={long},user.id=a%0Ab%E2%80%AEc%00,ai.tenant.id=%zz");
        let parent = extract_parent(&headers(&[
            ("traceparent", TP.as_bytes()),
            ("baggage", baggage.as_bytes()),
        ]));
        let identity = Identity::of(&parent);
        let conv = identity.conversation_id().expect("cut, not dropped");
        assert!(conv.len() <= 64, "{kinds:?}: {conv}");
        assert!(
            conv.starts_with("ccc") && conv.ends_with("…[truncated 177 bytes]"),
            "{conv}"
        );
        assert_eq!(
            identity.user_id(),
            Some("a\u{FFFD}b\u{FFFD}c\u{FFFD}"),
            "{kinds:?}"
        );

        let tool = aitrace::tool("t").child_of(&parent).start();
        let span_id = tool.span_id();
        tool.end();
        let spans = exporter.filter(|s| s.span_context.span_id() == span_id);
        let tool = by_name(&spans, "execute_tool t");
        assert_eq!(attr_str(tool, "ai.conversation.id"), Some(conv));
        assert_eq!(attr_str(tool, "gen_ai.conversation.id"), Some(conv));
        let user = attr_str(tool, "ai.user.id").unwrap();
        assert!(!user.chars().any(char::is_control), "{user:?}");
    }

    opentelemetry::global::set_text_map_propagator(aitrace_sdk::propagator(&[K::TraceContext]));
    let oversized = format!("user.id=u,x={}", "y".repeat(9000));
    let hostile: Vec<Vec<(&str, &[u8])>> = vec![
        vec![
            ("traceparent", TP.as_bytes()),
            ("traceparent", TP.as_bytes()),
            ("baggage", b"user.id=u1"),
        ],
        vec![("traceparent", b"00-zz-zz-01"), ("baggage", b"user.id=u1")],
        vec![
            (
                "traceparent",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\u{e9}".as_bytes(),
            ),
            ("baggage", b"user.id=u1"),
        ],
        vec![
            ("traceparent", TP.as_bytes()),
            ("baggage", oversized.as_bytes()),
        ],
        vec![
            ("traceparent", TP.as_bytes()),
            ("baggage", b"user.id=\xff\xfe"),
        ],
        vec![
            ("traceparent", TP.as_bytes()),
            ("baggage", b",,;;==,user.id,=x,%%%"),
        ],
    ];
    for (i, case) in hostile.iter().enumerate() {
        let parent = extract_parent(&headers(case));
        let span = parent.span();
        let valid_parent = span.span_context().is_valid();
        let identity = Identity::of(&parent);
        match i {
            0..=2 => {
                assert!(!valid_parent, "case {i}: a new trace");
                assert_eq!(
                    identity.user_id(),
                    Some("u1"),
                    "case {i}: baggage is separate"
                );
            }
            _ => {
                assert!(valid_parent, "case {i}");
                assert!(identity.is_empty(), "case {i}: {identity:?}");
            }
        }
    }
}
