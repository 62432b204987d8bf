//! Percent-encoding (RFC 3986 §2.1) for the values W3C Baggage and Jaeger carry.
//!
//! One codec for both formats and for every reader of them (aitrace-sdk's baggage and
//! Jaeger propagators, and the identity read from a `baggage` header here), so that a
//! value reads the same whichever way it came: every byte but the URI unreserved
//! characters is encoded, and decoding never refuses a value.
//!
//! ```
//! use aitrace::propagation::percent;
//!
//! assert_eq!(percent::encode("1+1 = 2"), "1%2B1%20%3D%202");
//! assert_eq!(percent::decode("1%2B1%20%3D%202"), "1+1 = 2");
//! // Bytes that are not UTF-8 become U+FFFD, as W3C Baggage requires.
//! assert_eq!(percent::decode("a%FFb"), "a\u{FFFD}b");
//! ```

use std::borrow::Cow;
use std::fmt::Write;

/// Whether `b` is an RFC 3986 unreserved character (`A-Z a-z 0-9 - . _ ~`): the bytes
/// [`encode`] leaves as they are. Every baggage and Jaeger reader takes them literally.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte of `s` but the unreserved characters, with uppercase hex
/// (`a b+c=d` → `a%20b%2Bc%3Dd`, `é` → `%C3%A9`).
///
/// Encoding more than W3C Baggage requires (it allows `+`, `=`, `/`… unencoded) costs a
/// few bytes and buys readers that decode differently: the Python reference reads a raw
/// `+` as a space, older OpenTelemetry Rust SDKs cut a value at its first `=`.
pub fn encode(s: &str) -> Cow<'_, str> {
    if s.bytes().all(unreserved) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for b in s.bytes() {
        if unreserved(b) {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    Cow::Owned(out)
}

/// `s` with `%` written `%25` and `+` written `%2B`, everything else as it is: a baggage
/// key (an HTTP token) that both OpenTelemetry references decode back to itself.
pub fn encode_key(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.replace('%', "%25").replace('+', "%2B"))
}

/// The value of hex digit `b`.
fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decodes `s`.
///
/// - `%XX` (either case) becomes byte `XX`; `+` stays a plus sign.
/// - A `%` not followed by two hex digits stays as it is (as the WHATWG URL standard's
///   percent-decode leaves it): a malformed escape is text, not a reason to drop a value.
/// - Decoded bytes that are not UTF-8 become U+FFFD, as W3C Baggage requires.
pub fn decode(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let escaped = match (b[i], b.get(i + 1), b.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex(h).zip(hex(l)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_all_but_unreserved() {
        assert_eq!(encode("plain-text_1.0~"), "plain-text_1.0~");
        assert_eq!(encode("value 1 / blah"), "value%201%20%2F%20blah");
        assert_eq!(encode("YWJjZA=="), "YWJjZA%3D%3D");
        assert_eq!(encode("1+1 50% a,b;c"), "1%2B1%2050%25%20a%2Cb%3Bc");
        assert_eq!(encode("Amélie"), "Am%C3%A9lie");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn keys_escape_percent_and_plus_only() {
        assert_eq!(encode_key("userId"), "userId");
        assert_eq!(encode_key("a+b%c!*"), "a%2Bb%25c!*");
    }

    #[test]
    fn decodes_leniently() {
        assert_eq!(decode("a%3Ab%3a"), "a:b:");
        assert_eq!(decode("a+b%2B"), "a+b+");
        assert_eq!(decode("%e2%82%ac"), "€");
        assert_eq!(decode("50%"), "50%");
        assert_eq!(decode("a%3"), "a%3");
        assert_eq!(decode("a%zz"), "a%zz");
        assert_eq!(decode("%ff"), "\u{FFFD}");
        assert_eq!(decode("%C3%28"), "\u{FFFD}(");
        assert_eq!(decode("%%41"), "%A");
    }

    #[test]
    fn decode_inverts_encode() {
        for text in ["ü=;,%+ ", "", "%41", "\u{FFFD}", "tab\tnew\nline", "🦀"] {
            assert_eq!(decode(&encode(text)), text);
        }
    }
}
