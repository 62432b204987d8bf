//! `OTEL_EXPORTER_OTLP_HEADERS`: `key1=value1,key2=value2`, values percent-encoded.
//!
//! The format is the list syntax of the W3C `baggage` header without properties.
//! Header values usually carry API keys, so no error produced here ever contains
//! a value: errors name the variable, the position of the entry (counting from 1)
//! and, when it is a valid header name, its key.

use super::ConfigError;

/// What an error says when a header belongs to the transport.
pub(crate) const TRANSPORT_OWNED: &str = "headers other than those the OTLP transport sets itself \
     (content-*, transfer-encoding, connection, keep-alive, te, host, upgrade, grpc-*, pseudo-headers)";

/// True for a header the OTLP transport sets itself: configuring it would break
/// every export, so it is refused up front.
pub(crate) fn transport_owned(name: &str) -> bool {
    const OWNED: &[&str] = &[
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "host",
        "upgrade",
        "transfer-encoding",
    ];
    let lower = name.to_ascii_lowercase();
    OWNED.contains(&lower.as_str())
        || lower.starts_with("content-")
        || lower.starts_with("grpc-")
        || lower.starts_with(':')
}

/// Parses a list of OTLP headers such as `x-api-key=abc,x-team=ai%20platform`.
///
/// Entries are separated by `,`; each is split on its first `=`; keys and values
/// are trimmed and then percent-decoded (`%20` is a space, `+` stays a plus).
/// Empty entries (`a=1,,b=2`) are skipped. Keys must be HTTP header names
/// (RFC 9110 tokens: letters, digits and ``!#$%&'*+-.^_`|~``). Values may be
/// empty but may not hold control characters other than tab. Repeated keys are
/// all kept, in order.
///
/// ```
/// use aitrace_sdk::config::{parse_headers, OTEL_EXPORTER_OTLP_HEADERS};
///
/// let headers = parse_headers(OTEL_EXPORTER_OTLP_HEADERS, "x-team=ai%20platform, api-key=k1")?;
/// assert_eq!(headers[0], ("x-team".to_string(), "ai platform".to_string()));
///
/// let err = parse_headers(OTEL_EXPORTER_OTLP_HEADERS, "api-key=k1,oops").unwrap_err();
/// assert!(err.to_string().contains("entry 2"));
/// # Ok::<(), aitrace_sdk::ConfigError>(())
/// ```
///
/// # Errors
/// [`ConfigError::Invalid`] naming `var` for an entry without `=`, with an empty or
/// invalid key, with a header the transport sets itself (content-*, te, host,
/// grpc-*, …), with malformed percent-encoding, with bytes that do not decode to
/// UTF-8, or with a control character (such as CR or LF) in its value. The error
/// says which entry is at fault and never includes a header value.
pub fn parse_headers(var: &'static str, value: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let mut headers = Vec::new();
    for (index, entry) in value.split(',').enumerate() {
        let position = index + 1;
        let entry = entry.trim();
        if entry.is_empty() {
            continue;
        }
        let Some((raw_key, raw_value)) = entry.split_once('=') else {
            return Err(invalid(
                var,
                format!("entry {position}"),
                "key=value entries separated by commas; this entry has no '=' (its text is not shown)",
            ));
        };
        let key = match percent_decode(raw_key.trim()) {
            Ok(key) => key,
            Err(e) => {
                return Err(invalid(
                    var,
                    format!("entry {position}"),
                    &format!("a header name; the key {}", e.describe()),
                ))
            }
        };
        if key.is_empty() {
            return Err(invalid(
                var,
                format!("entry {position}"),
                "a header name before '='; the key is empty",
            ));
        }
        if let Some(c) = key.chars().find(|c| !is_token_char(*c)) {
            return Err(invalid(
                var,
                format!("entry {position}"),
                &format!(
                    "a header name made of letters, digits and !#$%&'*+-.^_`|~; \
                     the key holds {}",
                    describe_char(c)
                ),
            ));
        }
        if transport_owned(&key) {
            return Err(invalid(
                var,
                format!("entry {position} (key {key})"),
                TRANSPORT_OWNED,
            ));
        }
        let decoded = match percent_decode(raw_value.trim()) {
            Ok(v) => v,
            Err(e) => {
                return Err(invalid(
                    var,
                    format!("entry {position} (key {key})"),
                    &format!(
                        "a percent-encoded value; the value {} (value not shown)",
                        e.describe()
                    ),
                ))
            }
        };
        if let Some(c) = decoded.chars().find(|c| c.is_control() && *c != '\t') {
            return Err(invalid(
                var,
                format!("entry {position} (key {key})"),
                &format!(
                    "a value without control characters such as CR or LF; the value holds {} \
                     (value not shown)",
                    describe_char(c)
                ),
            ));
        }
        headers.push((key, decoded));
    }
    Ok(headers)
}

fn invalid(var: &'static str, value: String, expected: &str) -> ConfigError {
    ConfigError::Invalid {
        var,
        value,
        expected: expected.to_string(),
    }
}

/// An RFC 9110 `tchar`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Names a character without echoing much of the input: printable ASCII
/// punctuation is shown, everything else by its code point.
fn describe_char(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '\t' => "a tab".to_string(),
        '\r' => "a carriage return (CR)".to_string(),
        '\n' => "a line feed (LF)".to_string(),
        c if c.is_ascii_punctuation() => format!("the character '{c}'"),
        c => format!("the character U+{:04X}", c as u32),
    }
}

/// Why [`percent_decode`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// A `%` not followed by two hexadecimal digits.
    BadEscape,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
}

impl DecodeError {
    /// A phrase completing "the value …".
    pub(crate) fn describe(self) -> &'static str {
        match self {
            DecodeError::BadEscape => "has a '%' not followed by two hexadecimal digits",
            DecodeError::NotUtf8 => "does not decode to UTF-8",
        }
    }
}

/// Decodes `%XX` escapes (RFC 3986). Everything else, `+` included, is kept as is.
pub(crate) fn percent_decode(s: &str) -> Result<String, DecodeError> {
    if !s.contains('%') {
        return Ok(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value);
            let lo = bytes.get(i + 2).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                _ => return Err(DecodeError::BadEscape),
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError::NotUtf8)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VAR: &str = "OTEL_EXPORTER_OTLP_HEADERS";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn decodes_escapes_and_keeps_plus() {
        assert_eq!(percent_decode("a%20b+c").unwrap(), "a b+c");
        assert_eq!(percent_decode("%E2%9C%93").unwrap(), "\u{2713}");
        assert_eq!(percent_decode("%2c%3D").unwrap(), ",=");
        assert_eq!(percent_decode("100%"), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%4"), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%zz"), Err(DecodeError::BadEscape));
        assert_eq!(percent_decode("%FF"), Err(DecodeError::NotUtf8));
        assert_eq!(percent_decode("é%"), Err(DecodeError::BadEscape));
    }

    #[test]
    fn parses_a_list() {
        let got = parse_headers(VAR, " api-key = secret , x-team=ai%20platform,,").unwrap();
        assert_eq!(
            got,
            pairs(&[("api-key", "secret"), ("x-team", "ai platform")])
        );
    }

    #[test]
    fn value_may_hold_equals_signs() {
        let got = parse_headers(VAR, "authorization=Basic dXNlcjpwYXNz==").unwrap();
        assert_eq!(got, pairs(&[("authorization", "Basic dXNlcjpwYXNz==")]));
    }

    #[test]
    fn errors_never_show_values() {
        for input in [
            "a=1,s3cr3t",
            "a=1,=s3cr3t",
            "bad key=s3cr3t",
            "k=s3cr3t%0D%0Ainjected",
            "k=s3cr3t%",
            "k=s3cr3t%FF",
        ] {
            let e = parse_headers(VAR, input).unwrap_err().to_string();
            assert!(!e.contains("s3cr3t"), "{input}: {e}");
            assert!(e.contains(VAR), "{e}");
            assert!(e.contains("entry"), "{e}");
        }
    }
}
