//! What aitrace prints about endpoints and collectors: nothing secret, nothing
//! hostile.
//!
//! An endpoint may carry a credential in its user part or its query string
//! (`?api_key=…`); a collector's answer (a gRPC status message, an HTTP body) is
//! text from the network that may hold terminal escape sequences, may be huge,
//! and may echo the request's headers, API key included. Everything printed goes
//! through here first.

/// Longest piece of collector text kept, in characters.
pub(crate) const MAX_COLLECTOR_TEXT: usize = 300;

/// `url` with its user information and query string hidden, and control
/// characters replaced: `https://***@collector:4318/v1/traces?***`.
pub(crate) fn endpoint(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(at) => format!("***@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let (path, tail) = after.split_at(path_end);
    let query = if tail.starts_with('?') { "?***" } else { "" };
    printable(&format!("{scheme}{host}{path}{query}"))
}

/// Text from a collector or a transport error, safe to print: each configured
/// header value in `secrets` (and each long word of it, such as the token after
/// `Bearer`) replaced by `***`, control characters (ANSI escapes, line breaks,
/// bidirectional overrides) replaced by spaces, and the whole cut to
/// [`MAX_COLLECTOR_TEXT`] characters.
#[cfg_attr(not(feature = "otlp"), allow(dead_code))]
pub(crate) fn collector_text(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_string();
    for secret in secrets {
        // Shorter values are not secrets worth hiding, and hiding them would
        // mangle ordinary words.
        if secret.len() >= 4 {
            text = text.replace(secret, "***");
        }
        for word in secret.split_whitespace().filter(|w| w.len() >= 8) {
            text = text.replace(word, "***");
        }
    }
    let text = printable(&text);
    match text.char_indices().nth(MAX_COLLECTOR_TEXT) {
        Some((cut, _)) => format!("{}… (cut)", &text[..cut]),
        None => text,
    }
}

/// `text` with every control or bidirectional-formatting character replaced by
/// a space, so that it cannot move the cursor, colour the terminal or reorder
/// what follows.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_lose_credentials_and_queries() {
        assert_eq!(
            endpoint("https://user:pass@collector:4318/v1/traces?api_key=SECRET#x"),
            "https://***@collector:4318/v1/traces?***"
        );
        assert_eq!(endpoint("http://127.0.0.1:4317"), "http://127.0.0.1:4317");
        assert_eq!(endpoint("http://h?k=v"), "http://h?***");
        assert_eq!(endpoint("h:1/p\u{1b}[31m"), "h:1/p [31m");
    }

    #[test]
    fn collector_text_is_cut_cleaned_and_hides_header_values() {
        let echoed = "bad request; headers: x-api-key: sk-live-0123456789abcdef, \
                      authorization: Bearer tok-SECRET-42\u{1b}[2J\r\n\u{202e}evil";
        let shown = collector_text(
            echoed,
            &["sk-live-0123456789abcdef", "Bearer tok-SECRET-42"],
        );
        assert!(
            !shown.contains("0123456789abcdef") && !shown.contains("SECRET"),
            "{shown}"
        );
        assert!(
            !shown.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{shown:?}"
        );
        assert!(shown.contains("x-api-key: ***"), "{shown}");
        // The token alone, without its scheme, is hidden too.
        assert_eq!(
            collector_text("got tok-SECRET-42", &["Bearer tok-SECRET-42"]),
            "got ***"
        );
        let long = collector_text(&"é".repeat(10_000), &[]);
        assert_eq!(
            long.chars().count(),
            MAX_COLLECTOR_TEXT + "… (cut)".chars().count()
        );
        // Short values are left alone.
        assert_eq!(collector_text("a b c", &["b"]), "a b c");
    }
}
