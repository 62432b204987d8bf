//! The optional bearer token, and the host check that keeps pages of other
//! sites out of a server bound to loopback.

use http::header::{AUTHORIZATION, COOKIE, HOST};
use http::HeaderMap;
use std::fmt;

/// The name of the cookie the web view keeps the token in.
pub const COOKIE_NAME: &str = "aitrace_token";

/// A bearer token: required on every OTLP request (gRPC metadata or HTTP
/// header `authorization: Bearer <token>`) and every page (the same header,
/// or the cookie set by opening any page with `?token=<token>`).
#[derive(Clone)]
pub struct Token(String);

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the token must be 16 to 256 characters among letters, digits and - . _ ~ + / = (got {0} characters{1})")]
pub struct BadToken(usize, &'static str);

impl Token {
    /// What a refused request is told.
    pub const REFUSAL: &'static str =
        "missing or wrong bearer token: send the header authorization: Bearer <token>";

    /// A token from its text.
    ///
    /// # Errors
    /// [`BadToken`] when it is shorter than 16 characters, longer than 256, or
    /// holds a character that cannot go in a header and a cookie as it is.
    pub fn new(text: &str) -> Result<Token, BadToken> {
        let ok = |c: char| c.is_ascii_alphanumeric() || "-._~+/=".contains(c);
        let n = text.chars().count();
        if !text.chars().all(ok) {
            return Err(BadToken(n, ", some of them not allowed"));
        }
        if !(16..=256).contains(&n) {
            return Err(BadToken(n, ""));
        }
        Ok(Token(text.to_string()))
    }

    /// The token's text (to print the login URL).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `authorization` is `Bearer <this token>` (scheme in any case).
    pub fn accepts_header(&self, authorization: Option<&str>) -> bool {
        let Some(value) = authorization else {
            return false;
        };
        let mut parts = value.trim().splitn(2, ' ');
        let scheme = parts.next().unwrap_or("");
        let given = parts.next().unwrap_or("").trim();
        scheme.eq_ignore_ascii_case("bearer") && self.equals(given)
    }

    /// Whether the request carries the token, in its `authorization` header
    /// or (for pages) in the cookie.
    pub fn accepts(&self, headers: &HeaderMap, cookie_allowed: bool) -> bool {
        let auth = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        if self.accepts_header(auth) {
            return true;
        }
        cookie_allowed
            && headers
                .get_all(COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|c| c.trim().split_once('='))
                .any(|(name, value)| name == COOKIE_NAME && self.equals(value))
    }

    /// Compares in time that does not depend on where the strings differ.
    pub fn equals(&self, given: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), given.as_bytes());
        let mut diff = a.len() ^ b.len();
        for (i, x) in a.iter().enumerate() {
            diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
        }
        diff == 0
    }
}

/// Whether the `Host` header names this machine by a loopback name:
/// `localhost` (or a subdomain of it), `127.x.x.x` or `[::1]`, any port. A
/// server bound to loopback refuses other hosts: they come from a page of
/// another site whose name was made to point at 127.0.0.1 (DNS rebinding).
pub fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|v| v.to_str().ok()) else {
        // HTTP/1.0 without Host: not a browser of today.
        return true;
    };
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name == "::1"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn token() -> Token {
        Token::new("s3cret-token-0123456789").unwrap()
    }

    #[test]
    fn tokens_are_checked_and_never_printed() {
        assert!(Token::new("short").is_err());
        assert!(Token::new("has a space in it here").is_err());
        assert!(Token::new("semi;colon;is;not;ok;at;all").is_err());
        let t = token();
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert!(t.accepts_header(Some("Bearer s3cret-token-0123456789")));
        assert!(t.accepts_header(Some("bearer  s3cret-token-0123456789 ")));
        assert!(!t.accepts_header(Some("Bearer s3cret-token-012345678")));
        assert!(!t.accepts_header(Some("Basic s3cret-token-0123456789")));
        assert!(!t.accepts_header(None));
    }

    #[test]
    fn the_cookie_counts_for_pages_only() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=b; aitrace_token=s3cret-token-0123456789"),
        );
        assert!(token().accepts(&h, true));
        assert!(!token().accepts(&h, false));
    }

    #[test]
    fn hosts() {
        let host = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(HOST, HeaderValue::from_static(v));
            loopback_host(&h)
        };
        assert!(host("localhost:14318"));
        assert!(host("127.0.0.1:14318"));
        assert!(host("[::1]:14318"));
        assert!(host("app.localhost"));
        assert!(!host("evil.example:14318"));
        assert!(!host("192.168.1.2:14318"));
        assert!(!host("127.0.0.1.evil.example"));
    }
}
