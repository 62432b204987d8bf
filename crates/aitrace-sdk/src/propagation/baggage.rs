//! W3C Baggage: the `baggage` header, read and written as the W3C specification says.

use super::percent;
use opentelemetry::baggage::{Baggage, BaggageExt, BaggageMetadata};
use opentelemetry::propagation::text_map_propagator::FieldIter;
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator};
use opentelemetry::Context;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

const BAGGAGE: &str = "baggage";

/// The list-members W3C Baggage requires a platform to propagate, and the most kept:
/// OpenTelemetry's [`Baggage`] holds no more.
const MAX_MEMBERS: usize = 64;

/// The size of a baggage-string W3C Baggage requires a platform to propagate, and the
/// most read or written, `,` separators included.
const MAX_BYTES: usize = 8192;

/// W3C Baggage propagation: the `baggage` header.
///
/// # Extraction
/// Every `baggage` header the carrier holds ([`Extractor::get_all`]) is read, in order,
/// as one list, and the limits apply to the whole list.
/// - A list-member is `key=value`, optionally followed by properties `;key` or
///   `;key=value`; spaces and tabs around keys, values, `=`, `;` and `,` are ignored.
/// - The value is percent-decoded. It may hold any number of `=` (`token=YWJjZA==` reads
///   `YWJjZA==`). A `+` is a plus sign. Escaped bytes that are not UTF-8 become U+FFFD;
///   a `%` not followed by two hex digits is kept as it is.
/// - The key is percent-decoded too (both OpenTelemetry reference implementations
///   encode and decode keys), and must then be an HTTP token, as the baggage type
///   requires.
/// - A member whose key is not a token, or whose value holds a character W3C Baggage
///   does not allow there (space, `"`, `\`, control or non-ASCII), is dropped, and the
///   rest is read. Empty members (`a=1,,b=2`) are skipped. A malformed property is
///   dropped; its member is kept.
/// - Properties are kept as the [`BaggageMetadata`] of their entry, in wire form:
///   `ttl=60;sensitive`, spaces removed, values still percent-encoded, since
///   OpenTelemetry treats metadata as an opaque string. [`baggage_properties`] decodes
///   them.
/// - Limits: members are kept in header order while there are at most 64 distinct keys
///   and at most 8192 bytes of members (with their `,`); a member that would pass either
///   is dropped whole, never cut. W3C Baggage requires those 64 members and 8192 bytes
///   to be propagated and lets an implementation drop what is beyond; OpenTelemetry's
///   `Baggage` type holds 64 entries at most.
/// - When a key repeats, the last value wins.
/// - The entries are added to the baggage the context already holds (replacing entries
///   of the same keys), so that `OTEL_PROPAGATORS=jaeger,baggage` keeps both.
///
/// # Injection
/// One `baggage` header with every entry, in key order, `key=value;properties`:
/// - every byte of the value but `A-Z a-z 0-9 - . _ ~` is percent-encoded (`%20` for a
///   space, `%2B` for `+`, `%3D` for `=`, `%25` for `%`, UTF-8 bytes for non-ASCII), so
///   that every reader gets the value back, whatever decoding it applies;
/// - `%` and `+` in a key are written `%25` and `%2B`;
/// - properties are written as they are, but for characters a property value cannot
///   hold, which are percent-encoded, and malformed properties, which are left out;
/// - at most 64 members and 8192 bytes: a member that would pass either is left out
///   whole, and the next ones are still tried.
///
/// Nothing is injected for empty baggage.
///
/// ```
/// use aitrace_sdk::propagation::BaggagePropagator;
/// use aitrace::opentelemetry::baggage::BaggageExt;
/// use aitrace::opentelemetry::propagation::TextMapPropagator;
/// use aitrace::opentelemetry::{Context, KeyValue};
/// use std::collections::HashMap;
///
/// let cx = Context::new().with_baggage([
///     KeyValue::new("token", "YWJjZA=="),
///     KeyValue::new("sum", "1+1"),
/// ]);
/// let mut headers = HashMap::new();
/// BaggagePropagator::new().inject_context(&cx, &mut headers);
/// assert_eq!(headers["baggage"], "sum=1%2B1,token=YWJjZA%3D%3D");
///
/// let back = BaggagePropagator::new().extract(&headers);
/// assert_eq!(back.baggage().get("token").unwrap().as_str(), "YWJjZA==");
/// assert_eq!(back.baggage().get("sum").unwrap().as_str(), "1+1");
/// ```
#[derive(Clone, Debug, Default)]
pub struct BaggagePropagator {
    _private: (),
}

impl BaggagePropagator {
    /// A W3C Baggage propagator.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The properties of a baggage entry's metadata, in order, as (key, value) with the
/// value percent-decoded; `None` for a property that is a key alone. Malformed
/// properties are left out.
///
/// ```
/// use aitrace_sdk::propagation::baggage_properties;
/// use aitrace::opentelemetry::baggage::BaggageMetadata;
///
/// let metadata = BaggageMetadata::from("ttl=60;note=a%20b;sensitive");
/// assert_eq!(
///     baggage_properties(&metadata),
///     vec![
///         ("ttl".to_string(), Some("60".to_string())),
///         ("note".to_string(), Some("a b".to_string())),
///         ("sensitive".to_string(), None),
///     ]
/// );
/// ```
pub fn baggage_properties(metadata: &BaggageMetadata) -> Vec<(String, Option<String>)> {
    metadata
        .as_str()
        .split(';')
        .filter_map(|raw| {
            let raw = trim_ows(raw);
            match raw.split_once('=') {
                None => is_token(raw).then(|| (raw.to_string(), None)),
                Some((k, v)) => {
                    let (k, v) = (trim_ows(k), trim_ows(v));
                    let ok = is_token(k) && v.bytes().all(value_octet);
                    ok.then(|| (k.to_string(), Some(percent::decode(v).into_owned())))
                }
            }
        })
        .collect()
}

/// `s` without the optional white space (spaces and tabs) around it.
fn trim_ows(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// Whether `s` is an HTTP token (RFC 9110 §5.6.2): one or more of
/// `` ! # $ % & ' * + - . ^ _ ` | ~ ``, digits and letters.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Whether `b` is a W3C `baggage-octet`: visible ASCII but `"`, `,`, `;` and `\`.
fn value_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// One list-member as read: key and value decoded, properties in wire form.
#[derive(Debug, PartialEq)]
struct Member<'a> {
    key: Cow<'a, str>,
    value: Cow<'a, str>,
    properties: String,
}

/// A property read from the wire, normalised (`k` or `k=v`, no white space), or `None`
/// when it is empty or malformed.
fn property_in(raw: &str) -> Option<Cow<'_, str>> {
    let raw = trim_ows(raw);
    match raw.split_once('=') {
        None => is_token(raw).then_some(Cow::Borrowed(raw)),
        Some((k, v)) => {
            let (k, v) = (trim_ows(k), trim_ows(v));
            (is_token(k) && v.bytes().all(value_octet)).then(|| Cow::Owned(format!("{k}={v}")))
        }
    }
}

/// A list-member (already trimmed), or `None` when it is malformed.
fn parse_member(raw: &str) -> Option<Member<'_>> {
    let mut parts = raw.split(';');
    let (key, value) = parts.next()?.split_once('=')?;
    let (key, value) = (trim_ows(key), trim_ows(value));
    if !is_token(key) || !value.bytes().all(value_octet) {
        return None;
    }
    let key = percent::decode(key);
    if !is_token(&key) {
        return None;
    }
    let properties: Vec<Cow<'_, str>> = parts.filter_map(property_in).collect();
    Some(Member {
        key,
        value: percent::decode(value),
        properties: properties.join(";"),
    })
}

/// The members of `headers`, read as one list, within the limits.
fn read_members<'a>(headers: &[&'a str]) -> Vec<Member<'a>> {
    let mut found = Vec::new();
    let mut keys: HashSet<String> = HashSet::new();
    let mut bytes = 0;
    for raw in headers.iter().flat_map(|h| h.split(',')) {
        let raw = trim_ows(raw);
        if raw.is_empty() {
            continue;
        }
        let Some(member) = parse_member(raw) else {
            continue;
        };
        let size = raw.len() + usize::from(!found.is_empty());
        let new_key = !keys.contains(member.key.as_ref());
        if bytes + size > MAX_BYTES || (new_key && keys.len() == MAX_MEMBERS) {
            continue;
        }
        bytes += size;
        if new_key {
            keys.insert(member.key.to_string());
        }
        found.push(member);
    }
    found
}

/// A property of metadata set in code, in wire form: the key a token, the characters a
/// value cannot hold percent-encoded (escapes already there kept); `None` when the
/// property is empty or its key is not a token.
fn property_out(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let (key, value) = match raw.split_once('=') {
        None => (raw, None),
        Some((k, v)) => (k.trim(), Some(v.trim())),
    };
    if !is_token(key) {
        return None;
    }
    let Some(value) = value else {
        return Some(key.to_string());
    };
    let b = value.as_bytes();
    let mut out = format!("{key}=");
    for (i, &c) in b.iter().enumerate() {
        let escape = c == b'%'
            && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        if escape || c != b'%' && value_octet(c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    Some(out)
}

/// One entry as a list-member.
fn write_member(key: &str, value: &str, metadata: &BaggageMetadata) -> String {
    let mut member = format!("{}={}", percent::encode_key(key), percent::encode(value));
    for property in metadata.as_str().split(';').filter_map(property_out) {
        member.push(';');
        member.push_str(&property);
    }
    member
}

static FIELDS: OnceLock<[String; 1]> = OnceLock::new();

impl TextMapPropagator for BaggagePropagator {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let baggage = cx.baggage();
        if baggage.is_empty() {
            return;
        }
        let mut entries: Vec<_> = baggage.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
        let mut header = String::new();
        let mut count = 0;
        for (key, (value, metadata)) in entries {
            if count == MAX_MEMBERS {
                break;
            }
            let member = write_member(key.as_str(), value.as_str(), metadata);
            let separator = usize::from(count > 0);
            if header.len() + separator + member.len() > MAX_BYTES {
                continue;
            }
            if count > 0 {
                header.push(',');
            }
            header.push_str(&member);
            count += 1;
        }
        if !header.is_empty() {
            injector.set(BAGGAGE, header);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let headers = extractor.get_all(BAGGAGE).unwrap_or_default();
        let found = read_members(&headers);
        if found.is_empty() {
            return cx.clone();
        }
        let mut baggage = Baggage::new();
        for (key, (value, metadata)) in cx.baggage() {
            baggage.insert_with_metadata(key.clone(), value.clone(), metadata.clone());
        }
        for m in found {
            baggage.insert_with_metadata(m.key.into_owned(), m.value.into_owned(), m.properties);
        }
        cx.with_baggage(baggage)
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(FIELDS.get_or_init(|| [BAGGAGE.to_string()]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(raw: &str) -> Option<(String, String, String)> {
        parse_member(raw).map(|m| (m.key.into_owned(), m.value.into_owned(), m.properties))
    }

    fn m(k: &str, v: &str, p: &str) -> Option<(String, String, String)> {
        Some((k.to_string(), v.to_string(), p.to_string()))
    }

    #[test]
    fn member_forms() {
        assert_eq!(member("k=v"), m("k", "v", ""));
        assert_eq!(member("k \t= v"), m("k", "v", ""));
        assert_eq!(member("token=YWJjZA=="), m("token", "YWJjZA==", ""));
        assert_eq!(member("k="), m("k", "", ""));
        assert_eq!(
            member("k=v;p=1; q ;r = a%2Cb"),
            m("k", "v", "p=1;q;r=a%2Cb")
        );
        assert_eq!(member("k=v;;p=a b;q"), m("k", "v", "q"));
        assert_eq!(member("k%41=v"), m("kA", "v", ""));
        assert_eq!(member("k=a b"), None);
        assert_eq!(member("k=\"q\""), None);
        assert_eq!(member("k"), None);
        assert_eq!(member("=v"), None);
        assert_eq!(member("k(=v"), None);
        assert_eq!(member("k%20x=v"), None);
    }

    #[test]
    fn properties_out() {
        assert_eq!(property_out(" ttl = 60 ").as_deref(), Some("ttl=60"));
        assert_eq!(property_out("flag").as_deref(), Some("flag"));
        assert_eq!(
            property_out("note=a b,c").as_deref(),
            Some("note=a%20b%2Cc")
        );
        assert_eq!(property_out("p=50%").as_deref(), Some("p=50%25"));
        assert_eq!(property_out("p=a%2Cb").as_deref(), Some("p=a%2Cb"));
        assert_eq!(property_out("bad key=1"), None);
        assert_eq!(property_out(""), None);
    }

    #[test]
    fn limits_keep_the_first_members_that_fit() {
        let header: Vec<String> = (0..100).map(|i| format!("k{i}={i}")).collect();
        let header = header.join(",");
        let found = read_members(&[header.as_str()]);
        assert_eq!(found.len(), MAX_MEMBERS);
        assert_eq!(found[63].key, "k63");
        // A repeated key is not a new member.
        let found = read_members(&[header.as_str(), "k0=again"]);
        assert_eq!(found.len(), MAX_MEMBERS + 1);
    }
}
