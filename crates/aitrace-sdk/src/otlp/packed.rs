//! A batch of spans encoded as OTLP protobuf requests of at most the request
//! limit: each span written once ([`super::wire`]), its exact size known from
//! its bytes, the requests packed from those sizes. A span over the limit on its
//! own is set aside, so that it is dropped alone and its batch-mates are sent.
//!
//! The spans are grouped by instrumentation scope in the order the scopes first
//! appear, as `opentelemetry-proto` groups them.

use super::request::TooLarge;
use super::wire;
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SpanData;
use opentelemetry_sdk::Resource;
use std::collections::HashMap;
use std::ops::Range;

/// A tag and a length prefix: what framing a nested message costs at most
/// (a length under 2^35 takes at most 5 varint bytes).
const FRAME: usize = 1 + 5;

/// The part of every request that comes from the resource: the `resource`
/// field (1) and the `schema_url` field (3) of `ResourceSpans`, encoded once.
#[derive(Clone, Debug, Default)]
pub(crate) struct ResourceBytes {
    resource: Vec<u8>,
    schema_url: Vec<u8>,
}

impl ResourceBytes {
    pub(crate) fn new(resource: &Resource) -> ResourceBytes {
        // Resource: attributes = 1 (dropped count and entity refs: none).
        let mut body = Vec::new();
        wire::attributes(
            &mut body,
            1,
            &resource
                .iter()
                .map(|(k, v)| opentelemetry::KeyValue::new(k.clone(), v.clone()))
                .collect::<Vec<_>>(),
        );
        let mut field = Vec::with_capacity(body.len() + FRAME);
        wire::bytes(&mut field, 1, &body);
        let mut schema_url = Vec::new();
        wire::string(
            &mut schema_url,
            3,
            resource.schema_url().unwrap_or_default(),
        );
        ResourceBytes {
            resource: field,
            schema_url,
        }
    }
}

/// One request, encoded, and the number of spans in it.
pub(crate) struct Encoded {
    pub(crate) body: Vec<u8>,
    pub(crate) spans: u64,
}

/// What [`encode`] made of a batch.
pub(crate) struct Packed {
    pub(crate) requests: Vec<Encoded>,
    pub(crate) too_large: Vec<TooLarge>,
}

/// The spans of one scope: its `scope` and `schema_url` fields of `ScopeSpans`,
/// and where each of its spans' bodies lies in the batch's buffer.
struct Group {
    header: Vec<u8>,
    trailer: Vec<u8>,
    spans: Vec<Range<usize>>,
}

impl Group {
    fn new(s: &InstrumentationScope) -> Group {
        let mut body = Vec::new();
        wire::scope(&mut body, s);
        let mut header = Vec::with_capacity(body.len() + FRAME);
        wire::bytes(&mut header, 1, &body);
        let mut trailer = Vec::new();
        wire::string(&mut trailer, 3, s.schema_url().unwrap_or_default());
        Group {
            header,
            trailer,
            spans: Vec::new(),
        }
    }

    /// What the group's framing costs a request at most.
    fn cost(&self) -> usize {
        FRAME + self.header.len() + self.trailer.len()
    }
}

/// Encodes `batch` and packs its spans, grouped by scope, into requests of at
/// most `limit` bytes.
pub(crate) fn encode(batch: &[SpanData], resource: &ResourceBytes, limit: usize) -> Packed {
    let base = FRAME + resource.resource.len() + resource.schema_url.len();
    let mut out = Packed {
        requests: Vec::new(),
        too_large: Vec::new(),
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<&InstrumentationScope, usize> = HashMap::new();
    // Consecutive spans usually share their scope: compared before hashing.
    let mut last: Option<(&InstrumentationScope, usize)> = None;
    let mut buf = Vec::with_capacity(batch.len() * 512);
    for span in batch {
        let s = &span.instrumentation_scope;
        let g = match last {
            Some((scope, g)) if scope == s => g,
            _ => *index.entry(s).or_insert_with(|| {
                groups.push(Group::new(s));
                groups.len() - 1
            }),
        };
        last = Some((s, g));
        let start = buf.len();
        wire::span(&mut buf, span);
        let len = buf.len() - start;
        let bytes = base + groups[g].cost() + wire::field_len(2, len);
        if bytes > limit {
            buf.truncate(start);
            out.too_large.push(TooLarge {
                name: span.name.to_string(),
                bytes,
            });
            continue;
        }
        groups[g].spans.push(start..buf.len());
    }
    let mut packer = Packer {
        buf: &buf,
        resource,
        base,
        limit,
        parts: Vec::new(),
        size: 0,
        spans: 0,
    };
    for (g, group) in groups.iter().enumerate() {
        packer.group(g, group, &groups, &mut out);
    }
    packer.flush(&groups, &mut out);
    out
}

/// Fills one request after the other.
struct Packer<'a> {
    buf: &'a [u8],
    resource: &'a ResourceBytes,
    base: usize,
    limit: usize,
    /// The request being filled: runs of consecutive spans of a group.
    parts: Vec<(usize, Range<usize>)>,
    /// An upper bound of its encoded size.
    size: usize,
    spans: u64,
}

impl Packer<'_> {
    fn group(&mut self, g: usize, group: &Group, groups: &[Group], out: &mut Packed) {
        let mut open = false;
        for (i, range) in group.spans.iter().enumerate() {
            let cost = wire::field_len(2, range.len());
            let mut needed = cost + if open { 0 } else { group.cost() };
            if self.spans == 0 {
                needed += self.base;
            }
            if self.spans > 0 && self.size + needed > self.limit {
                self.flush(groups, out);
                open = false;
                needed = self.base + group.cost() + cost;
            }
            if open {
                self.parts.last_mut().expect("open").1.end = i + 1;
            } else {
                self.parts.push((g, i..i + 1));
                open = true;
            }
            self.size += needed;
            self.spans += 1;
        }
    }

    /// Writes the request being filled, with the exact lengths of its messages.
    fn flush(&mut self, groups: &[Group], out: &mut Packed) {
        if self.spans == 0 {
            return;
        }
        let scope_spans = |(g, run): &(usize, Range<usize>)| {
            let group = &groups[*g];
            group.header.len()
                + group.spans[run.clone()]
                    .iter()
                    .map(|r| wire::field_len(2, r.len()))
                    .sum::<usize>()
                + group.trailer.len()
        };
        let resource_spans = self.resource.resource.len()
            + self
                .parts
                .iter()
                .map(|p| wire::field_len(2, scope_spans(p)))
                .sum::<usize>()
            + self.resource.schema_url.len();
        // ExportTraceServiceRequest: resource_spans = 1.
        let total = wire::field_len(1, resource_spans);
        debug_assert!(total <= self.size && self.size <= self.limit);
        let mut body = Vec::with_capacity(total);
        wire::header(&mut body, 1, resource_spans);
        body.extend_from_slice(&self.resource.resource);
        for part in &self.parts {
            let group = &groups[part.0];
            wire::header(&mut body, 2, scope_spans(part));
            body.extend_from_slice(&group.header);
            for r in &group.spans[part.1.clone()] {
                wire::bytes(&mut body, 2, &self.buf[r.clone()]);
            }
            body.extend_from_slice(&group.trailer);
        }
        body.extend_from_slice(&self.resource.schema_url);
        debug_assert_eq!(body.len(), total);
        out.requests.push(Encoded {
            body,
            spans: self.spans,
        });
        self.parts.clear();
        self.size = 0;
        self.spans = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_spans::{resource, span};
    use super::*;
    use opentelemetry::trace::{
        Event, Link, SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::{Array, KeyValue, StringValue, Value};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use prost::Message;
    use std::str::FromStr;
    use std::time::{Duration, UNIX_EPOCH};

    fn context(
        trace: u128,
        span: u64,
        flags: TraceFlags,
        remote: bool,
        state: &str,
    ) -> SpanContext {
        SpanContext::new(
            TraceId::from(trace),
            SpanId::from(span),
            flags,
            remote,
            TraceState::from_str(state).unwrap(),
        )
    }

    fn strings(v: &[&str]) -> Array {
        Array::String(v.iter().map(|s| StringValue::from(s.to_string())).collect())
    }

    /// Every kind of value, in every place a span holds one.
    fn every_value() -> Vec<KeyValue> {
        vec![
            KeyValue::new("gen_ai.request.model", "gpt-4o"),
            KeyValue::new("empty", ""),
            KeyValue::new("", "empty key"),
            KeyValue::new("yes", true),
            KeyValue::new("no", false),
            KeyValue::new("zero", 0_i64),
            KeyValue::new("tokens", 812_i64),
            KeyValue::new("negative", -3_i64),
            KeyValue::new("min", i64::MIN),
            KeyValue::new("cost", 0.00123_f64),
            KeyValue::new("nothing", 0.0_f64),
            KeyValue::new("nan", f64::NAN),
            KeyValue::new("unicode", "é ✓ 日本"),
            KeyValue::new("bools", Value::Array(Array::Bool(vec![true, false]))),
            KeyValue::new("ints", Value::Array(Array::I64(vec![0, -1, 300, i64::MAX]))),
            KeyValue::new("floats", Value::Array(Array::F64(vec![0.0, -2.5]))),
            KeyValue::new("strings", Value::Array(strings(&["a", "", "stop"]))),
            KeyValue::new("no strings", Value::Array(strings(&[]))),
            KeyValue::new("long", "x".repeat(300)),
        ]
    }

    fn varied_batch() -> (Vec<SpanData>, Resource) {
        let plain = InstrumentationScope::builder("aitrace").build();
        let full = InstrumentationScope::builder("tracing-bridge")
            .with_version("0.34.0")
            .with_schema_url("https://opentelemetry.io/schemas/1.36.0")
            .with_attributes([KeyValue::new("scope.attr", 7_i64)])
            .build();
        let kinds = [
            SpanKind::Internal,
            SpanKind::Server,
            SpanKind::Client,
            SpanKind::Producer,
            SpanKind::Consumer,
        ];
        let mut batch = Vec::new();
        for i in 0..12_u64 {
            let mut s = span(i, if i % 3 == 1 { &full } else { &plain }, every_value());
            s.span_kind = kinds[i as usize % kinds.len()].clone();
            match i % 4 {
                0 => {}
                1 => s.status = Status::Ok,
                2 => s.status = Status::error("model refused: ✗"),
                _ => s.status = Status::error(""),
            }
            if i % 2 == 0 {
                s.parent_span_id = SpanId::from(0xabc + i);
                s.parent_span_is_remote = i % 4 == 0;
            }
            if i == 3 {
                s.name = "".into();
                s.start_time = UNIX_EPOCH - Duration::from_secs(5);
                s.span_context = context(
                    u128::MAX,
                    9,
                    TraceFlags::default(),
                    true,
                    "vendor=a,other=b",
                );
                s.dropped_attributes_count = 4;
            }
            if i % 3 == 0 {
                let mut events = SpanEvents::default();
                events.events = vec![
                    Event::new(
                        "exception",
                        UNIX_EPOCH + Duration::from_millis(1500),
                        every_value(),
                        2,
                    ),
                    Event::new("", UNIX_EPOCH, vec![], 0),
                ];
                events.dropped_count = 3;
                s.events = events;
                let mut linked =
                    Link::with_context(context(5, 6, TraceFlags::SAMPLED, true, "k=v"));
                linked.attributes = vec![KeyValue::new("link.kind", "follows")];
                linked.dropped_attributes_count = 1;
                let mut links = SpanLinks::default();
                links.links = vec![
                    linked,
                    Link::with_context(context(7, 8, TraceFlags::default(), false, "")),
                ];
                links.dropped_count = 1;
                s.links = links;
            }
            batch.push(s);
        }
        let resource = Resource::builder_empty()
            .with_schema_url(
                [
                    KeyValue::new("service.name", "wire"),
                    KeyValue::new("pid", 42_i64),
                ],
                "https://opentelemetry.io/schemas/1.36.0",
            )
            .build();
        (batch, resource)
    }

    fn upstream(batch: Vec<SpanData>, resource: &Resource) -> ExportTraceServiceRequest {
        ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &resource.into()),
        }
    }

    /// The bytes are those prost writes for the message `opentelemetry-proto`
    /// makes of the same spans: same fields, same order, same defaults left out.
    #[test]
    fn bytes_are_those_of_opentelemetry_proto_and_prost() {
        let (batch, resource) = varied_batch();
        let packed = encode(&batch, &ResourceBytes::new(&resource), usize::MAX);
        assert!(packed.too_large.is_empty());
        assert_eq!(packed.requests.len(), 1);
        assert_eq!(packed.requests[0].spans, 12);
        let want = upstream(batch, &resource).encode_to_vec();
        let got = &packed.requests[0].body;
        assert_eq!(got.len(), want.len());
        assert!(*got == want, "the encodings differ");
        // One span alone, with no resource: the smallest request.
        let (mut batch, _) = varied_batch();
        batch.truncate(1);
        let empty = Resource::builder_empty().build();
        let packed = encode(&batch, &ResourceBytes::new(&empty), usize::MAX);
        assert_eq!(
            packed.requests[0].body,
            upstream(batch, &empty).encode_to_vec()
        );
    }

    fn names(requests: &[Encoded]) -> Vec<String> {
        requests
            .iter()
            .map(|r| ExportTraceServiceRequest::decode(&r.body[..]).unwrap())
            .flat_map(|r| r.resource_spans)
            .flat_map(|rs| rs.scope_spans)
            .flat_map(|ss| ss.spans)
            .map(|s| s.name)
            .collect()
    }

    /// Spans of two scopes, with sizes that do not fit evenly: every request is
    /// under the limit, decodes, keeps each span with its scope, and the counts
    /// add up; requests are packed tightly.
    #[test]
    fn every_request_is_under_the_limit_and_packed_tightly() {
        let a = InstrumentationScope::builder("a").build();
        let b = InstrumentationScope::builder("b").build();
        for limit in [2_000, 5_000, 64 * 1024] {
            let batch: Vec<SpanData> = (0..300)
                .map(|i: u64| {
                    let scope = if i.is_multiple_of(3) { &a } else { &b };
                    let pad = "x".repeat((i as usize * 37) % 900);
                    span(i, scope, vec![KeyValue::new("pad", pad)])
                })
                .collect();
            let packed = encode(&batch, &ResourceBytes::new(&resource()), limit);
            assert!(packed.too_large.is_empty());
            assert_eq!(packed.requests.iter().map(|r| r.spans).sum::<u64>(), 300);
            for r in &packed.requests {
                assert!(r.body.len() <= limit, "{} > {limit}", r.body.len());
                let decoded = ExportTraceServiceRequest::decode(&r.body[..]).unwrap();
                let rs = &decoded.resource_spans[0];
                assert_eq!(
                    rs.resource.as_ref().unwrap().attributes[0].key,
                    "service.name"
                );
                let mut count = 0;
                for ss in &rs.scope_spans {
                    let scope = ss.scope.as_ref().unwrap().name.as_str();
                    for s in &ss.spans {
                        let i: u64 = s.name[5..].parse().unwrap();
                        assert_eq!(scope, if i.is_multiple_of(3) { "a" } else { "b" });
                        count += 1;
                    }
                }
                assert_eq!(count, r.spans);
            }
            let mut got = names(&packed.requests);
            let mut want: Vec<String> = (0..300).map(|i| format!("span {i}")).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want);
            // Each request but the last was closed because the next span (at
            // most about 1 KB) did not fit.
            let (_, full) = packed.requests.split_last().unwrap();
            for r in full {
                assert!(r.body.len() + 1100 > limit, "{} of {limit}", r.body.len());
            }
        }
    }

    /// An estimate used to misjudge arrays of booleans by four: 1.5 million of
    /// them encode to 6 MB. Only that span is set aside, with its real size.
    #[test]
    fn a_span_too_large_alone_is_set_aside_and_the_rest_packed() {
        let a = InstrumentationScope::builder("a").build();
        let mut batch: Vec<SpanData> = (0..100).map(|i| span(i, &a, vec![])).collect();
        let bools = Value::Array(Array::Bool(vec![true; 1_500_000]));
        batch.insert(50, span(1000, &a, vec![KeyValue::new("bools", bools)]));
        let packed = encode(&batch, &ResourceBytes::new(&resource()), 4 * 1024 * 1024);
        assert_eq!(packed.too_large.len(), 1);
        assert_eq!(packed.too_large[0].name, "span 1000");
        assert!(
            packed.too_large[0].bytes > 6_000_000,
            "{}",
            packed.too_large[0].bytes
        );
        assert_eq!(packed.requests.len(), 1);
        assert_eq!(packed.requests[0].spans, 100);
        let got = names(&packed.requests);
        assert_eq!(got.len(), 100);
        assert!(!got.contains(&"span 1000".to_string()));
    }
}
