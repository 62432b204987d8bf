//! OTLP endpoints: parsed with `http::Uri`, checked, and turned into the URL
//! trace exports go to.

use super::{
    ConfigWarning, OtlpConfig, Protocol, DEFAULT_GRPC_ENDPOINT, DEFAULT_HTTP_TRACES_ENDPOINT,
    HTTP_TRACES_PATH, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
};

/// What an endpoint must look like, for warnings.
const EXPECTED: &str = "an http:// or https:// URL with a host and an optional port and path";

/// What happens to an endpoint that cannot be used.
pub(crate) const UNSET: &str = "treated as unset";

/// The URL trace exports go to, from [`OtlpConfig::resolved_traces_endpoint`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedEndpoint {
    /// The full URL (gRPC: the target; HTTP: the URL spans are posted to).
    pub url: String,
    /// Something the user should hear about, such as a doubled `/v1/traces` path.
    pub warning: Option<String>,
}

/// An endpoint split into the parts that matter for building a signal's URL.
pub(crate) struct Endpoint {
    /// `http` or `https`; added when the value had none.
    scheme: &'static str,
    /// Everything after `scheme://`, as given.
    after_scheme: String,
    /// `host[:port]`, as given.
    authority: String,
    /// The path (`/` when none was given).
    path: String,
    /// The query, without its `?`.
    query: Option<String>,
}

impl Endpoint {
    /// The URL as given, with its scheme in lower case (or added).
    pub(crate) fn as_given(&self) -> String {
        format!("{}://{}", self.scheme, self.after_scheme)
    }

    /// The URL with `path` (`/v1/traces`, `/v1/metrics`) appended to its path,
    /// and whether the path already ended with it.
    pub(crate) fn with_path(&self, path: &str) -> (String, bool) {
        let base = self.path.trim_end_matches('/');
        let query = self
            .query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default();
        let url = format!("{}://{}{base}{path}{query}", self.scheme, self.authority);
        (url, base.ends_with(path))
    }
}

/// The value is shown without its query string (`?api_key=…`), which may hold
/// a secret.
fn refuse(var: &'static str, value: &str, problem: &str) -> ConfigWarning {
    ConfigWarning::new(
        var,
        crate::redact::endpoint(value),
        format!("{EXPECTED} ({problem})"),
        UNSET,
    )
}

/// Parses `value` as the endpoint held by `var`. An endpoint without a scheme is
/// `http://` when `insecure`, else `https://`.
///
/// The warning names `var` and what is wrong (the scheme, the host, the port,
/// spaces, credentials), and never repeats a URL that holds credentials.
pub(crate) fn parse_endpoint(
    var: &'static str,
    value: &str,
    insecure: bool,
) -> Result<Endpoint, ConfigWarning> {
    let raw = value.trim();
    if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(refuse(var, raw, "without spaces or control characters"));
    }
    let (scheme, rest) = match raw.split_once("://") {
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "http" => ("http", rest),
            "https" => ("https", rest),
            _ => return Err(refuse(var, raw, "the scheme must be http or https")),
        },
        None if insecure => ("http", raw),
        None => ("https", raw),
    };
    if raw.contains('#') {
        return Err(refuse(
            var,
            raw,
            "a fragment (#) has no meaning in an endpoint",
        ));
    }
    let uri: http::Uri = match format!("{scheme}://{rest}").parse() {
        Ok(uri) => uri,
        Err(e) => return Err(refuse(var, raw, &e.to_string())),
    };
    let Some(authority) = uri.authority() else {
        return Err(refuse(var, raw, "the host is missing"));
    };
    if authority.as_str().contains('@') {
        // The user part may hold a password: keep it out of the warning.
        return Err(ConfigWarning::new(
            var,
            "(not shown: it holds credentials)",
            format!(
                "{EXPECTED}; credentials in the URL are not supported, send them as headers \
                 ({OTEL_EXPORTER_OTLP_HEADERS})"
            ),
            UNSET,
        ));
    }
    if let Err(problem) = check_authority(authority.host(), authority.as_str()) {
        return Err(refuse(var, raw, problem));
    }
    Ok(Endpoint {
        scheme,
        after_scheme: rest.to_string(),
        authority: authority.as_str().to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
    })
}

/// What `http::Uri` lets through but an endpoint must not have: an empty host, a
/// host name with characters a name cannot hold, an IPv6 literal that is not one,
/// and anything but a port (0 to 65535) after the host.
fn check_authority(host: &str, authority: &str) -> Result<(), &'static str> {
    if host.is_empty() {
        return Err("the host is missing");
    }
    if let Some(inner) = host.strip_prefix('[') {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        if inner.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("the IPv6 address is malformed");
        }
    } else if !host
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'))
    {
        return Err("the host holds a character not allowed in a host name");
    }
    let after_host = authority.get(host.len()..).unwrap_or("");
    match after_host {
        "" => Ok(()),
        _ => match after_host.strip_prefix(':') {
            Some(port)
                if port.len() <= 5
                    && aitrace::env::parse_u64(port).is_some_and(|p| p <= u64::from(u16::MAX)) =>
            {
                Ok(())
            }
            Some(_) => Err("the port must be a number from 0 to 65535"),
            None => Err("only a port may follow the host"),
        },
    }
}

impl OtlpConfig {
    /// The URL trace exports go to.
    ///
    /// - [`OtlpConfig::traces_endpoint`], when set, is used as given.
    /// - Else [`OtlpConfig::endpoint`]: for OTLP/HTTP with `/v1/traces` appended to
    ///   its path (a base that already ends with `/v1/traces` still gets it, as the
    ///   specification requires, and the result carries a warning); for gRPC as given.
    /// - Else `http://localhost:4318/v1/traces` (HTTP) or `http://localhost:4317` (gRPC).
    ///
    /// An endpoint without a scheme gets `http://` when [`OtlpConfig::insecure`] is
    /// set and `https://` otherwise.
    ///
    /// ```
    /// use aitrace_sdk::config::OtlpConfig;
    ///
    /// let otlp = OtlpConfig {
    ///     endpoint: Some("https://api.honeycomb.io:443".into()),
    ///     ..OtlpConfig::default()
    /// };
    /// let resolved = otlp.resolved_traces_endpoint()?;
    /// assert_eq!(resolved.url, "https://api.honeycomb.io:443/v1/traces");
    /// assert_eq!(resolved.warning, None);
    /// # Ok::<(), aitrace_sdk::config::ConfigWarning>(())
    /// ```
    ///
    /// # Errors
    /// A [`ConfigWarning`] naming the endpoint variable when the URL has a scheme
    /// other than `http` or `https`, no host, a bad port, credentials, or spaces
    /// or control characters. [`crate::config::Config::validate`] removes such
    /// endpoints, so a validated configuration always resolves.
    pub fn resolved_traces_endpoint(&self) -> Result<ResolvedEndpoint, ConfigWarning> {
        if let Some(raw) = given(&self.traces_endpoint) {
            let url = parse_endpoint(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, raw, self.insecure)?;
            return Ok(ResolvedEndpoint {
                url: url.as_given(),
                warning: None,
            });
        }
        if let Some(raw) = given(&self.endpoint) {
            let url = parse_endpoint(OTEL_EXPORTER_OTLP_ENDPOINT, raw, self.insecure)?;
            if !self.protocol.is_http() {
                return Ok(ResolvedEndpoint {
                    url: url.as_given(),
                    warning: None,
                });
            }
            let (full, doubled) = url.with_path(HTTP_TRACES_PATH);
            let warning = doubled.then(|| {
                format!(
                    "the OTLP endpoint ({OTEL_EXPORTER_OTLP_ENDPOINT}) already ends with \
                     {HTTP_TRACES_PATH}, and {HTTP_TRACES_PATH} is appended to it for \
                     OTLP/HTTP, so spans go to {}; give the base URL without the path, \
                     or set {OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} to a full URL",
                    crate::redact::endpoint(&full)
                )
            });
            return Ok(ResolvedEndpoint { url: full, warning });
        }
        Ok(ResolvedEndpoint {
            url: match self.protocol {
                Protocol::Grpc => DEFAULT_GRPC_ENDPOINT,
                Protocol::HttpProtobuf | Protocol::HttpJson => DEFAULT_HTTP_TRACES_ENDPOINT,
            }
            .to_string(),
            warning: None,
        })
    }
}

/// A value set and not blank.
pub(crate) fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}
