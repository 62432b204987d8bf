//! A batch of spans turned into OTLP messages for JSON bodies, in requests that
//! each encode (as protobuf) to at most the request limit, measured with prost's
//! `encoded_len`; a span too large on its own is set aside, so that it is dropped
//! alone and its batch-mates are sent. The JSON body of a request is larger than
//! its protobuf, so the exporter halves it ([`halve`]) until it fits.
//! Protobuf requests skip these messages: see `packed.rs`.

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::trace::SpanData;
use prost::Message;

/// A tag and a length prefix: what framing a nested message costs at most
/// (a length under 2^35 takes at most 5 varint bytes).
const FRAME: usize = 1 + 5;

/// Bytes of a length-delimited field whose body is `len` bytes.
fn field(len: usize) -> usize {
    1 + prost::encoding::encoded_len_varint(len as u64) + len
}

/// One request and the number of spans in it.
pub(crate) struct Request {
    pub(crate) request: ExportTraceServiceRequest,
    pub(crate) spans: u64,
}

/// A span set aside for being over the limit on its own.
pub(crate) struct TooLarge {
    pub(crate) name: String,
    pub(crate) bytes: usize,
}

/// What [`split`] made of a batch.
pub(crate) struct Split {
    pub(crate) requests: Vec<Request>,
    pub(crate) too_large: Vec<TooLarge>,
}

/// Converts `batch` (moving it, no copy of the spans) and packs its spans, in
/// order, into requests of at most `limit` encoded bytes.
pub(crate) fn split(
    batch: Vec<SpanData>,
    resource: &ResourceAttributesWithSchema,
    limit: usize,
) -> Split {
    let mut out = Split {
        requests: Vec::new(),
        too_large: Vec::new(),
    };
    for rs in group_spans_by_resource_and_scope(batch, resource) {
        let mut packer = Packer::new(rs.resource, rs.schema_url, limit);
        for ss in rs.scope_spans {
            packer.scope(ss, &mut out);
        }
        packer.finish(&mut out);
    }
    out
}

/// Fills one request after the other for one resource.
struct Packer {
    resource: Option<opentelemetry_proto::tonic::resource::v1::Resource>,
    schema_url: String,
    limit: usize,
    /// The request's fixed part: the framed resource header.
    base: usize,
    scopes: Vec<ScopeSpans>,
    /// An upper bound of the encoded size of the request being filled.
    size: usize,
    spans: u64,
}

impl Packer {
    fn new(
        resource: Option<opentelemetry_proto::tonic::resource::v1::Resource>,
        schema_url: String,
        limit: usize,
    ) -> Packer {
        let header = ResourceSpans {
            resource: resource.clone(),
            scope_spans: Vec::new(),
            schema_url: schema_url.clone(),
        }
        .encoded_len();
        Packer {
            resource,
            schema_url,
            limit,
            base: FRAME + header,
            scopes: Vec::new(),
            size: 0,
            spans: 0,
        }
    }

    fn scope(&mut self, ss: ScopeSpans, out: &mut Split) {
        let empty = ScopeSpans {
            scope: ss.scope,
            spans: Vec::new(),
            schema_url: ss.schema_url,
        };
        let scope_cost = FRAME + empty.encoded_len();
        // Whether this scope is already in the request being filled.
        let mut open = false;
        for span in ss.spans {
            let cost = field(span.encoded_len());
            if self.base + scope_cost + cost > self.limit {
                out.too_large.push(TooLarge {
                    name: span.name,
                    bytes: self.base + scope_cost + cost,
                });
                continue;
            }
            // The span, its scope's header unless open, the resource's header
            // if the request is empty.
            let mut needed = cost + if open { 0 } else { scope_cost };
            if self.spans == 0 {
                needed += self.base;
            }
            if self.spans > 0 && self.size + needed > self.limit {
                self.flush(out);
                open = false;
                needed = self.base + scope_cost + cost;
            }
            if !open {
                self.scopes.push(empty.clone());
                open = true;
            }
            self.size += needed;
            self.spans += 1;
            self.scopes
                .last_mut()
                .expect("the span's scope is open")
                .spans
                .push(span);
        }
    }

    fn flush(&mut self, out: &mut Split) {
        if self.spans == 0 {
            return;
        }
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: self.resource.clone(),
                scope_spans: std::mem::take(&mut self.scopes),
                schema_url: self.schema_url.clone(),
            }],
        };
        debug_assert!(request.encoded_len() <= self.size && self.size <= self.limit);
        out.requests.push(Request {
            request,
            spans: self.spans,
        });
        self.size = 0;
        self.spans = 0;
    }

    fn finish(mut self, out: &mut Split) {
        self.flush(out);
    }
}

/// Splits a request of `spans` spans (at least two) into two of about half,
/// keeping the order and the resource and scope of every span. For encodings
/// whose size is only known once encoded (JSON).
pub(crate) fn halve(request: ExportTraceServiceRequest, spans: u64) -> (Request, Request) {
    let mut first_left = spans / 2;
    let mut first = Vec::new();
    let mut second = Vec::new();
    for rs in request.resource_spans {
        let mut a = Vec::new();
        let mut b = Vec::new();
        for mut ss in rs.scope_spans {
            let take = (first_left as usize).min(ss.spans.len());
            first_left -= take as u64;
            let rest: Vec<Span> = ss.spans.split_off(take);
            let header = |spans| ScopeSpans {
                scope: ss.scope.clone(),
                spans,
                schema_url: ss.schema_url.clone(),
            };
            if !rest.is_empty() {
                b.push(header(rest));
            }
            if !ss.spans.is_empty() {
                a.push(ss);
            }
        }
        let header = |scope_spans| ResourceSpans {
            resource: rs.resource.clone(),
            scope_spans,
            schema_url: rs.schema_url.clone(),
        };
        if !a.is_empty() {
            first.push(header(a));
        }
        if !b.is_empty() {
            second.push(header(b));
        }
    }
    let count = |list: &Vec<ResourceSpans>| -> u64 {
        list.iter()
            .flat_map(|rs| &rs.scope_spans)
            .map(|ss| ss.spans.len() as u64)
            .sum()
    };
    let (n1, n2) = (count(&first), count(&second));
    (
        Request {
            request: ExportTraceServiceRequest {
                resource_spans: first,
            },
            spans: n1,
        },
        Request {
            request: ExportTraceServiceRequest {
                resource_spans: second,
            },
            spans: n2,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::{Array, InstrumentationScope, KeyValue, Value};

    fn span(i: u64, scope: &'static str, attributes: Vec<KeyValue>) -> SpanData {
        super::super::test_spans::span(i, &InstrumentationScope::builder(scope).build(), attributes)
    }

    fn resource() -> ResourceAttributesWithSchema {
        (&super::super::test_spans::resource()).into()
    }

    fn names(requests: &[Request]) -> Vec<String> {
        requests
            .iter()
            .flat_map(|r| &r.request.resource_spans)
            .flat_map(|rs| &rs.scope_spans)
            .flat_map(|ss| &ss.spans)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Spans of two scopes, with sizes that do not fit evenly: every request is
    /// under the limit by its real encoded size, the spans keep their order and
    /// their scope, and the counts add up.
    #[test]
    fn every_request_is_under_the_limit_by_its_encoded_size() {
        for limit in [2_000, 5_000, 64 * 1024] {
            let batch: Vec<SpanData> = (0..300)
                .map(|i: u64| {
                    let scope = if i.is_multiple_of(3) { "a" } else { "b" };
                    span(
                        i,
                        scope,
                        vec![KeyValue::new("pad", "x".repeat((i as usize * 37) % 900))],
                    )
                })
                .collect();
            let s = split(batch, &resource(), limit);
            assert!(s.too_large.is_empty());
            assert_eq!(s.requests.iter().map(|r| r.spans).sum::<u64>(), 300);
            for r in &s.requests {
                let size = r.request.encoded_len();
                assert!(size <= limit, "{size} > {limit}");
                for ss in &r.request.resource_spans[0].scope_spans {
                    let scope = ss.scope.as_ref().unwrap().name.as_str();
                    for span in &ss.spans {
                        let i: u64 = span.name[5..].parse().unwrap();
                        assert_eq!(scope, if i.is_multiple_of(3) { "a" } else { "b" });
                    }
                }
            }
            let mut got = names(&s.requests);
            let mut want: Vec<String> = (0..300).map(|i| format!("span {i}")).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want);
            // Packed tightly: each request but the last was closed because the
            // next span (at most about 1 KB) did not fit.
            let (last, full) = s.requests.split_last().unwrap();
            assert!(last.request.encoded_len() <= limit);
            for r in full {
                let size = r.request.encoded_len();
                assert!(size + 1100 > limit, "{size} of {limit}");
            }
        }
    }

    /// The estimate that used to decide misjudged arrays of booleans by four:
    /// 1.5 million of them encode to 6 MB. Only that span is set aside.
    #[test]
    fn a_span_too_large_alone_is_set_aside_and_the_rest_packed() {
        let mut batch: Vec<SpanData> = (0..100).map(|i| span(i, "a", vec![])).collect();
        batch.insert(
            50,
            span(
                1000,
                "a",
                vec![KeyValue::new(
                    "bools",
                    Value::Array(Array::Bool(vec![true; 1_500_000])),
                )],
            ),
        );
        let s = split(batch, &resource(), 4 * 1024 * 1024);
        assert_eq!(s.too_large.len(), 1);
        assert_eq!(s.too_large[0].name, "span 1000");
        assert!(s.too_large[0].bytes > 6_000_000, "{}", s.too_large[0].bytes);
        assert_eq!(s.requests.len(), 1);
        assert_eq!(s.requests[0].spans, 100);
    }

    #[test]
    fn halves_keep_order_scopes_and_counts() {
        let batch: Vec<SpanData> = (0..7)
            .map(|i| span(i, if i < 3 { "a" } else { "b" }, vec![]))
            .collect();
        let mut s = split(batch, &resource(), 1 << 20);
        let r = s.requests.pop().unwrap();
        let (a, b) = halve(r.request, r.spans);
        assert_eq!((a.spans, b.spans), (3, 4));
        assert_eq!(names(&[a]), ["span 0", "span 1", "span 2"]);
        assert_eq!(b.request.resource_spans[0].scope_spans.len(), 1);
        assert_eq!(names(&[b]), ["span 3", "span 4", "span 5", "span 6"]);
    }
}
