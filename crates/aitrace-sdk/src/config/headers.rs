//! OTLP headers: `OTEL_EXPORTER_OTLP_HEADERS` (`key1=value1,key2=value2`, values
//! percent-encoded, the list syntax of the W3C `baggage` header without
//! properties) and headers set in code.
//!
//! Header values usually carry API keys, so no warning produced here ever
//! contains a value: warnings name the variable, the position of the entry
//! (counting from 1) and, when it is a valid header name, its key.

use super::{ConfigWarning, Protocol};
use aitrace::env::{key_values, EntryError};

/// What a warning says when a header belongs to the transport.
const TRANSPORT_OWNED: &str = "headers other than those the OTLP transport sets itself \
     (content-*, transfer-encoding, connection, keep-alive, te, host, upgrade, grpc-*, pseudo-headers)";

/// What happens to a header that cannot be sent.
pub(crate) const SKIPPED: &str = "this header is not sent";

/// True for a header the OTLP transport sets itself: configuring it would break
/// every export, so it is refused up front.
fn transport_owned(name: &str) -> bool {
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

/// Checks a header name, whatever the transport. The error says what is accepted
/// and may name a character of the key, never the value.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a header name before '='; the key is empty".into());
    }
    if let Some(c) = name.chars().find(|c| !is_token_char(*c)) {
        return Err(format!(
            "a header name made of letters, digits and !#$%&'*+-.^_`|~; the key holds {}",
            describe_char(c)
        ));
    }
    if transport_owned(name) {
        return Err(TRANSPORT_OWNED.into());
    }
    Ok(())
}

/// Checks a header value: visible ASCII, spaces and tabs, which both transports
/// can send (gRPC metadata allows nothing else). The error never shows the value.
pub(crate) fn check_value(value: &str) -> Result<(), String> {
    match value
        .chars()
        .find(|c| !(matches!(c, ' '..='~') || *c == '\t'))
    {
        None => Ok(()),
        Some(c) => Err(format!(
            "a value of visible ASCII characters, spaces and tabs; the value holds {} \
             (value not shown)",
            describe_char(c)
        )),
    }
}

/// Checks what only `protocol` refuses: gRPC reserves keys ending in `-bin` for
/// binary metadata, which a text header cannot be.
pub(crate) fn check_for_protocol(name: &str, protocol: Protocol) -> Result<(), String> {
    if protocol == Protocol::Grpc && name.to_ascii_lowercase().ends_with("-bin") {
        return Err(
            "a header name not ending in -bin (gRPC reserves those for binary \
                    metadata)"
                .into(),
        );
    }
    Ok(())
}

/// Parses a list of OTLP headers such as `x-api-key=abc,x-team=ai%20platform`.
///
/// Entries are separated by `,`; each is split on its first `=`; keys and values
/// are trimmed and then percent-decoded (`%20` is a space, `+` stays a plus).
/// Empty entries (`a=1,,b=2`) are skipped. Keys must be HTTP header names
/// (RFC 9110 tokens: letters, digits and ``!#$%&'*+-.^_`|~``), and not one the
/// transport sets itself (content-*, te, host, grpc-*, …). Values may be empty,
/// and hold visible ASCII, spaces and tabs. Repeated keys are all kept, in order.
///
/// An entry that breaks these rules is skipped, with a warning naming `var` and
/// the entry's position (and its key, when it is a valid name); the others are
/// kept. No warning ever includes a header value.
///
/// ```
/// use aitrace_sdk::config::{parse_headers, OTEL_EXPORTER_OTLP_HEADERS};
///
/// let (headers, warnings) =
///     parse_headers(OTEL_EXPORTER_OTLP_HEADERS, "x-team=ai%20platform, oops, api-key=k1");
/// assert_eq!(headers[0], ("x-team".to_string(), "ai platform".to_string()));
/// assert_eq!(headers.len(), 2);
/// assert_eq!(warnings[0].value, "entry 2");
/// ```
pub fn parse_headers(
    var: &'static str,
    value: &str,
) -> (Vec<(String, String)>, Vec<ConfigWarning>) {
    let mut headers = Vec::new();
    let mut warnings = Vec::new();
    let mut refuse = |at: String, expected: String| {
        warnings.push(ConfigWarning::new(var, at, expected, SKIPPED));
    };
    for (position, entry) in key_values(value) {
        let (key, decoded) = match entry {
            Ok(pair) => pair,
            Err(EntryError::Value { key, error }) => {
                let at = match check_name(&key) {
                    Ok(()) => format!("entry {position} (key {key})"),
                    Err(_) => format!("entry {position}"),
                };
                refuse(
                    at,
                    format!(
                        "a percent-encoded value; the value {} (value not shown)",
                        error.describe()
                    ),
                );
                continue;
            }
            Err(EntryError::NoEquals) => {
                refuse(
                    format!("entry {position}"),
                    "key=value entries separated by commas; this entry has no '=' \
                     (its text is not shown)"
                        .into(),
                );
                continue;
            }
            Err(e) => {
                refuse(
                    format!("entry {position}"),
                    format!("a header name; {}", e.describe()),
                );
                continue;
            }
        };
        if let Err(expected) = check_name(&key) {
            // A key that is not a header name may be a secret pasted in the wrong
            // place: only a transport-owned (valid) name is repeated.
            let at = if is_valid_token(&key) {
                format!("entry {position} (key {key})")
            } else {
                format!("entry {position}")
            };
            refuse(at, expected);
            continue;
        }
        if let Err(expected) = check_value(&decoded) {
            refuse(format!("entry {position} (key {key})"), expected);
            continue;
        }
        headers.push((key, decoded));
    }
    (headers, warnings)
}

fn is_valid_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_token_char)
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
    fn parses_a_list() {
        let (got, w) = parse_headers(VAR, " api-key = secret , x-team=ai%20platform,,");
        assert!(w.is_empty());
        assert_eq!(
            got,
            pairs(&[("api-key", "secret"), ("x-team", "ai platform")])
        );
    }

    #[test]
    fn value_may_hold_equals_signs() {
        let (got, _) = parse_headers(VAR, "authorization=Basic dXNlcjpwYXNz==");
        assert_eq!(got, pairs(&[("authorization", "Basic dXNlcjpwYXNz==")]));
    }

    #[test]
    fn bad_entries_are_skipped_and_the_others_kept() {
        let (got, w) = parse_headers(VAR, "a=1,content-type=x,b=%ZZ,c=3");
        assert_eq!(got, pairs(&[("a", "1"), ("c", "3")]));
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].value, "entry 2 (key content-type)");
        assert_eq!(w[1].value, "entry 3 (key b)");
    }

    #[test]
    fn warnings_never_show_values() {
        for input in [
            "a=1,s3cr3t",
            "a=1,=s3cr3t",
            "bad key=s3cr3t",
            "s3cr3t key=v",
            "k=s3cr3t%0D%0Ainjected",
            "k=s3cr3t%",
            "k=s3cr3t%FF",
            "k=s3cr3t\u{e9}",
        ] {
            let (_, w) = parse_headers(VAR, input);
            assert_eq!(w.len(), 1, "{input}");
            let e = w[0].to_string();
            assert!(!e.contains("s3cr3t"), "{input}: {e}");
            assert!(e.contains(VAR), "{e}");
            assert!(e.contains("entry"), "{e}");
        }
    }

    #[test]
    fn grpc_refuses_binary_keys() {
        assert!(check_for_protocol("x-key-bin", Protocol::Grpc).is_err());
        assert!(check_for_protocol("x-key-bin", Protocol::HttpProtobuf).is_ok());
    }
}
