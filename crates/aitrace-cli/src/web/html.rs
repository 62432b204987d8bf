//! Writing HTML: escaping, URL parameters, the page layout, and the figures
//! as the console writes them.

use aitrace_sdk::summary::{fmt_ms, fmt_usd};
use std::fmt::Write;
use std::time::Duration;

/// `s` escaped for HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` percent-encoded for a URL path segment or query value.
pub fn url(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A query value percent-decoded (`+` is a space); invalid escapes are kept
/// as they are, and invalid UTF-8 replaced.
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query string from pairs, leaving out empty values: `?a=1&b=x%20y`, or
/// the empty string.
pub fn query(pairs: &[(&str, String)]) -> String {
    let parts: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url(v)))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

/// A whole page: the header with its navigation, `body`, and the stylesheet.
pub fn page(title: &str, active: &str, body: &str) -> String {
    let nav = [("Traces", "/"), ("Models", "/models")]
        .iter()
        .map(|(name, href)| {
            let class = if *name == active {
                " class=\"active\""
            } else {
                ""
            };
            format!("<a href=\"{href}\"{class}>{name}</a>")
        })
        .collect::<String>();
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · aitrace</title><link rel=\"stylesheet\" href=\"/assets/style.css\">\
         <link rel=\"icon\" href=\"data:,\"></head>\n<body><header><a class=\"brand\" href=\"/\">aitrace</a>\
         <nav>{nav}</nav></header>\n<main>\n{body}\n</main></body></html>\n",
        esc(title)
    )
}

/// Nanoseconds as the console writes a duration.
pub fn ms(ns: i64) -> String {
    fmt_ms(Duration::from_nanos(ns.max(0) as u64))
}

/// A cost: the console's `$0.0027`, `unpriced` when no call was priced,
/// and `—` when there were no model calls.
pub fn cost(usd: f64, calls: i64, unpriced: i64) -> String {
    if calls == 0 {
        "—".to_string()
    } else if unpriced >= calls {
        "unpriced".to_string()
    } else if unpriced > 0 {
        format!("{} + {unpriced} unpriced", fmt_usd(usd))
    } else {
        fmt_usd(usd)
    }
}

/// Token counts: `812 in / 64 out`, or `—` with no model calls.
pub fn tokens(input: i64, output: i64, calls: i64) -> String {
    if calls == 0 {
        "—".to_string()
    } else {
        format!("{input} in / {output} out")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_urls() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(url("conv 42/é"), "conv%2042%2F%C3%A9");
        assert_eq!(percent_decode("conv%2042%2F%C3%A9+x"), "conv 42/é x");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(query(&[("a", "1".into()), ("b", String::new())]), "?a=1");
        assert_eq!(query(&[]), "");
    }

    #[test]
    fn figures() {
        assert_eq!(cost(0.0027, 2, 0), "$0.0027");
        assert_eq!(cost(0.0, 1, 1), "unpriced");
        assert_eq!(cost(0.0, 0, 0), "—");
        assert_eq!(ms(400_000_000), "400.0 ms");
    }
}
