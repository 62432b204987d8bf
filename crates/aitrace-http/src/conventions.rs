//! What the HTTP semantic conventions say about names and values: known methods,
//! span names, protocol versions, host and port. Shared by the server and client sides.

use crate::attributes::{DEFAULT_KNOWN_METHODS, DEFAULT_SENSITIVE_QUERY_KEYS, ENV_KNOWN_METHODS};
use std::borrow::Cow;
use std::sync::Arc;

/// The lists a side of this crate applies: known methods and sensitive query keys.
#[derive(Clone, Debug)]
pub(crate) struct Conventions {
    pub(crate) known_methods: Arc<[String]>,
    pub(crate) sensitive_query_keys: Arc<[String]>,
}

impl Default for Conventions {
    /// The default lists; `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`, when set and not
    /// empty, replaces the known methods.
    fn default() -> Self {
        let known_methods = std::env::var(ENV_KNOWN_METHODS)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_methods(&v))
            .unwrap_or_else(|| {
                DEFAULT_KNOWN_METHODS
                    .iter()
                    .map(|m| m.to_string())
                    .collect()
            });
        Conventions {
            known_methods,
            sensitive_query_keys: DEFAULT_SENSITIVE_QUERY_KEYS
                .iter()
                .map(|k| k.to_string())
                .collect(),
        }
    }
}

/// A comma-separated method list: trimmed, empty entries skipped, case kept.
pub(crate) fn parse_methods(value: &str) -> Arc<[String]> {
    value
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .collect()
}

/// How a request method is recorded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Method<'a> {
    /// `http.request.method`: the method, or `_OTHER`.
    pub(crate) recorded: Cow<'a, str>,
    /// `http.request.method_original`, for an unknown method.
    pub(crate) original: Option<&'a str>,
    /// The first word of the span name: the method, or `HTTP`.
    pub(crate) in_name: &'a str,
}

impl Conventions {
    /// `method` as the conventions record it (matched case-sensitively).
    pub(crate) fn method<'a>(&self, method: &'a str) -> Method<'a> {
        if self.known_methods.iter().any(|m| m == method) {
            Method {
                recorded: Cow::Borrowed(method),
                original: None,
                in_name: method,
            }
        } else {
            Method {
                recorded: Cow::Borrowed("_OTHER"),
                original: Some(method),
                in_name: "HTTP",
            }
        }
    }
}

/// `{method} {target}`, or `{method}` without a target (a route on servers, a URL
/// template on clients).
pub(crate) fn span_name(method: &Method<'_>, target: Option<&str>) -> String {
    match target {
        Some(t) => format!("{} {t}", method.in_name),
        None => method.in_name.to_string(),
    }
}

/// `network.protocol.version` of an HTTP version.
pub(crate) fn protocol_version(v: http::Version) -> Option<&'static str> {
    Some(match v {
        http::Version::HTTP_09 => "0.9",
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_11 => "1.1",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => return None,
    })
}

/// Host and port of an authority (`example.com:8080`, `[::1]:80`, as a `Host` header
/// or an HTTP/2 `:authority` holds it), IPv6 brackets removed; `None` when it is not a
/// valid authority.
pub(crate) fn host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    // The longest DNS name is 253 bytes; a longer value is no host name.
    if authority.is_empty() || authority.len() > 300 {
        return None;
    }
    let parsed: http::uri::Authority = authority.parse().ok()?;
    // Borrow the host from the input, not from the parsed copy.
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_end = host_start + parsed.host().len();
    let host = authority.get(host_start..host_end)?;
    // `http` reads a port it cannot use (`host:99999`) as no port; that is no authority.
    let port = match authority.get(host_end..)? {
        "" | ":" => None,
        rest => Some(rest.strip_prefix(':')?.parse::<u16>().ok()?),
    };
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    (!host.is_empty()).then_some((host, port))
}

/// `text` cut with aitrace's marker at the process-wide content limit.
pub(crate) fn cut(text: &str) -> String {
    aitrace::content::cut(text, aitrace::global_settings().max_content_bytes()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn methods_follow_the_known_list() {
        let c = Conventions {
            known_methods: parse_methods(" GET,POST ,,"),
            sensitive_query_keys: Arc::from(Vec::new()),
        };
        let get = c.method("GET");
        assert_eq!(
            (get.recorded.as_ref(), get.original, get.in_name),
            ("GET", None, "GET")
        );
        let lower = c.method("get");
        assert_eq!(
            (lower.recorded.as_ref(), lower.original, lower.in_name),
            ("_OTHER", Some("get"), "HTTP")
        );
        assert_eq!(span_name(&lower, Some("/x")), "HTTP /x");
        assert_eq!(span_name(&get, None), "GET");
        let d = Conventions::default();
        assert_eq!(d.method("QUERY").recorded, "QUERY");
        assert_eq!(d.method("PROPFIND").recorded, "_OTHER");
    }

    #[test]
    fn hosts_and_ports() {
        assert_eq!(host_port("example.com"), Some(("example.com", None)));
        assert_eq!(
            host_port("example.com:8080"),
            Some(("example.com", Some(8080)))
        );
        assert_eq!(host_port("[::1]:443"), Some(("::1", Some(443))));
        assert_eq!(host_port("127.0.0.1:0"), Some(("127.0.0.1", Some(0))));
        for bad in [
            "",
            "exa mple.com",
            "host:99999",
            "host:port",
            "h\u{e9}st",
            "a/b",
        ] {
            assert_eq!(host_port(bad), None, "{bad}");
        }
        assert_eq!(host_port(&"a".repeat(301)), None);
    }

    proptest! {
        #[test]
        fn any_host_header_is_safe(s in "\\PC{0,80}") {
            if let Some((host, _)) = host_port(&s) {
                prop_assert!(!host.is_empty());
                prop_assert!(host.bytes().all(|b| b.is_ascii_graphic()), "{host:?}");
            }
        }
    }
}
