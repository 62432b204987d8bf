//! Credentials kept out of `url.full` and `url.query`: userinfo becomes
//! `REDACTED:REDACTED`, and the values of sensitive query keys become `REDACTED`,
//! as the HTTP semantic conventions ask.

use crate::attributes::REDACTED;
use std::borrow::Cow;

/// `url` (an absolute URL as a string) with its userinfo, if any, replaced by
/// `REDACTED:REDACTED` and the values of `sensitive` query keys by `REDACTED`.
/// Works on the text alone, so it never fails: a string that is not a URL is
/// returned with only its query, if it has one, redacted.
pub fn redact_url<'a>(url: &'a str, sensitive: &[impl AsRef<str>]) -> Cow<'a, str> {
    let (before_fragment, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let (before_query, query) = match before_fragment.find('?') {
        Some(i) => (&before_fragment[..i], Some(&before_fragment[i + 1..])),
        None => (before_fragment, None),
    };
    let base = redact_userinfo(before_query);
    let query = query.map(|q| redact_query(q, sensitive));
    let unchanged = matches!(base, Cow::Borrowed(_))
        && query.as_ref().is_none_or(|q| matches!(q, Cow::Borrowed(_)));
    if unchanged {
        return Cow::Borrowed(url);
    }
    let mut out = String::with_capacity(url.len() + 16);
    out.push_str(&base);
    if let Some(q) = query {
        out.push('?');
        out.push_str(&q);
    }
    out.push_str(fragment);
    Cow::Owned(out)
}

/// `scheme://user:pass@host/path` with the userinfo replaced; anything else unchanged.
fn redact_userinfo(s: &str) -> Cow<'_, str> {
    let Some(start) = s.find("://").map(|i| i + 3) else {
        return Cow::Borrowed(s);
    };
    let authority_end = s[start..].find('/').map_or(s.len(), |i| start + i);
    match s[start..authority_end].rfind('@') {
        Some(at) => Cow::Owned(format!(
            "{}{REDACTED}:{REDACTED}{}",
            &s[..start],
            &s[start + at..]
        )),
        None => Cow::Borrowed(s),
    }
}

/// A query string (without `?`) with the value of each `key=value` pair whose key,
/// percent-decoded, is one of `sensitive` replaced by `REDACTED`; the key is kept.
pub fn redact_query<'a>(query: &'a str, sensitive: &[impl AsRef<str>]) -> Cow<'a, str> {
    let is_sensitive = |pair: &str| {
        let Some((key, value)) = pair.split_once('=') else {
            return false;
        };
        let key = decode_key(key);
        value != REDACTED && sensitive.iter().any(|s| s.as_ref() == key)
    };
    if !query.split('&').any(is_sensitive) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<Cow<'_, str>> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if is_sensitive(pair) => Cow::Owned(format!("{key}={REDACTED}")),
            _ => Cow::Borrowed(pair),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// A query key percent-decoded (and `+` read as a space); a key that does not decode
/// to UTF-8 is compared as it is.
fn decode_key(key: &str) -> Cow<'_, str> {
    if !key.contains(['%', '+']) {
        return Cow::Borrowed(key);
    }
    let b = key.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'%' => match (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::DEFAULT_SENSITIVE_QUERY_KEYS as KEYS;
    use proptest::prelude::*;

    #[test]
    fn userinfo_and_sensitive_values_are_redacted() {
        assert_eq!(
            redact_url(
                "https://user:pass@api.example.com:8443/v1/x?q=1&sig=abc#frag",
                &KEYS
            ),
            "https://REDACTED:REDACTED@api.example.com:8443/v1/x?q=1&sig=REDACTED#frag"
        );
        assert_eq!(
            redact_url(
                "https://generativelanguage.googleapis.com/v1/models?key=AIza123",
                &KEYS
            ),
            "https://generativelanguage.googleapis.com/v1/models?key=REDACTED"
        );
        assert_eq!(
            redact_url("http://token@h/", &KEYS),
            "http://REDACTED:REDACTED@h/"
        );
        assert_eq!(
            redact_query("X%2DAmz%2DSignature=s&a=b&X-Amz-Credential=c", &KEYS),
            "X%2DAmz%2DSignature=REDACTED&a=b&X-Amz-Credential=REDACTED"
        );
    }

    #[test]
    fn other_urls_are_not_copied() {
        for url in [
            "http://h/p?q=1&keys=2&Key=3#sig=4",
            "http://h/a@b",
            "not a url",
            "",
        ] {
            assert!(matches!(redact_url(url, &KEYS), Cow::Borrowed(_)), "{url}");
        }
        assert_eq!(redact_query("sig", &KEYS), "sig", "a key without value");
        assert_eq!(redact_query("%zz=1&%e2%82=2", &KEYS), "%zz=1&%e2%82=2");
    }

    proptest! {
        #[test]
        fn secrets_never_survive(
            user in "[a-zA-Z0-9._~-]{1,12}",
            secret in "[a-zA-Z0-9]{8,20}",
            key in proptest::sample::select(KEYS.to_vec()),
            path in "(/[a-z0-9]{0,6}){0,3}",
            before in "(p[a-z]{0,3}=[a-z0-9]{0,4}&){0,3}",
            after in "(&p[a-z]{0,3}=[a-z0-9]{0,4}){0,3}",
        ) {
            let url = format!("https://{user}:{secret}@host.example{path}?{before}{key}={secret}{after}#top");
            let redacted = redact_url(&url, &KEYS);
            prop_assert!(!redacted.contains(&secret), "{redacted}");
            let expected_query = format!("{before}{key}={REDACTED}{after}");
            prop_assert!(redacted.contains(&expected_query), "{redacted}");
            prop_assert!(redacted.ends_with("#top"));
        }

        #[test]
        fn any_text_never_panics(s in "\\PC{0,200}") {
            let _ = redact_url(&s, &KEYS);
            let _ = redact_query(&s, &KEYS);
        }
    }
}
