//! `OTEL_EXPORTER_OTLP_COMPRESSION=zstd`: OTLP requests leave zstd-compressed over
//! gRPC (`grpc-encoding: zstd`) and HTTP (`Content-Encoding: zstd`, protobuf or
//! JSON bodies), and the receiver decodes every span.
//!
//! Proven against the in-process receiver, which decodes zstd: the rotel
//! collector used by the end-to-end tests accepts gzip only (it answers HTTP 400
//! and gRPC `Unimplemented` to zstd).

mod support;
use aitrace_sdk::config::Protocol;
use aitrace_sdk::Builder;
use opentelemetry::trace::{Tracer, TracerProvider};
use opentelemetry::KeyValue;
use std::time::Duration;
use support::receiver::Receiver;

/// The first bytes of every zstd frame (RFC 8878).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

#[test]
fn spans_arrive_zstd_compressed_over_every_protocol() {
    for (protocol, name) in [
        (Protocol::Grpc, "grpc"),
        (Protocol::HttpProtobuf, "http/protobuf"),
        (Protocol::HttpJson, "http/json"),
    ] {
        let rx = Receiver::grpc_or_http(protocol, false).capture_wire();
        let env = [
            ("OTEL_EXPORTER_OTLP_ENDPOINT", rx.endpoint.clone()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", name.to_string()),
            ("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd".to_string()),
        ];
        let guard =
            Builder::from_lookup(|k| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone()))
                .build()
                .expect("starts");
        assert!(
            guard.config_warnings().is_empty(),
            "{:?}",
            guard.config_warnings()
        );
        // Repetitive text, so that compression is visible in the byte count.
        let prompt = "the same words again and again ".repeat(400);
        let tracer = guard.provider().unwrap().tracer("zstd");
        for i in 0..5 {
            tracer.in_span(format!("call {i}"), |cx| {
                use opentelemetry::trace::TraceContextExt;
                cx.span()
                    .set_attribute(KeyValue::new("ai.input", prompt.clone()));
            });
        }
        let report = guard
            .shutdown_with_timeout(Duration::from_secs(10))
            .expect("delivered");
        assert_eq!(report.stats.exported, 5, "{name}");

        let spans = rx.spans();
        assert_eq!(spans.len(), 5, "{name}");
        let input = spans[0]
            .attributes
            .iter()
            .find(|kv| kv.key == "ai.input")
            .and_then(|kv| kv.value.clone())
            .and_then(|v| v.value);
        assert_eq!(
            input,
            Some(
                opentelemetry_proto::tonic::common::v1::any_value::Value::StringValue(
                    prompt.clone()
                )
            ),
            "{name}: the attribute survives the round trip"
        );
        let header = if protocol == Protocol::Grpc {
            "grpc-encoding"
        } else {
            "content-encoding"
        };
        for r in rx.received() {
            let encoding = r.headers.iter().find(|(k, _)| k == header);
            assert_eq!(encoding.map(|(_, v)| v.as_str()), Some("zstd"), "{name}");
        }
        // On the wire: zstd frames, and far fewer bytes than the text they carry.
        let wire = rx.wire();
        assert!(
            wire.windows(4).any(|w| w == ZSTD_MAGIC),
            "{name}: no zstd frame on the wire"
        );
        assert!(
            wire.len() < 5 * prompt.len() / 4,
            "{name}: {} bytes on the wire for {} bytes of attributes",
            wire.len(),
            5 * prompt.len()
        );
    }
}
