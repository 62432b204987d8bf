//! The OpenTelemetry HTTP semantic-convention names the spans of this crate carry
//! (stable HTTP conventions; `url.template` is still in development). Checked against
//! the constants of `opentelemetry-semantic-conventions` by the crate's tests.

/// `http.request.method`: the method, or `_OTHER` when it is not a known one.
pub const HTTP_REQUEST_METHOD: &str = "http.request.method";
/// `http.request.method_original`: the method as sent, when it is not known.
pub const HTTP_REQUEST_METHOD_ORIGINAL: &str = "http.request.method_original";
/// `http.response.status_code`.
pub const HTTP_RESPONSE_STATUS_CODE: &str = "http.response.status_code";
/// `http.route`: the route template the server matched.
pub const HTTP_ROUTE: &str = "http.route";
/// `url.full`: the full URL of a client request, with credentials redacted.
pub const URL_FULL: &str = "url.full";
/// `url.path`: the path of a server request.
pub const URL_PATH: &str = "url.path";
/// `url.query`: the query of a server request, sensitive values redacted.
pub const URL_QUERY: &str = "url.query";
/// `url.scheme`.
pub const URL_SCHEME: &str = "url.scheme";
/// `url.template`: the URL template of a client request, when one is given.
pub const URL_TEMPLATE: &str = "url.template";
/// `server.address`.
pub const SERVER_ADDRESS: &str = "server.address";
/// `server.port`.
pub const SERVER_PORT: &str = "server.port";
/// `network.protocol.version`: `1.0`, `1.1`, `2`, `3`.
pub const NETWORK_PROTOCOL_VERSION: &str = "network.protocol.version";
/// `user_agent.original`.
pub const USER_AGENT_ORIGINAL: &str = "user_agent.original";
/// `error.type`: the status code, or a short name of the failure.
pub const ERROR_TYPE: &str = "error.type";

/// `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`: the methods recorded as they are
/// (comma-separated, case-sensitive); a full override of the default list.
pub const ENV_KNOWN_METHODS: &str = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";

/// The methods the conventions call known: those of RFC 9110, `PATCH` (RFC 5789) and
/// `QUERY`.
pub const DEFAULT_KNOWN_METHODS: [&str; 10] = [
    "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE",
];

/// Query keys whose values are replaced with `REDACTED` in `url.full` and `url.query`:
/// the five the conventions list (AWS, Azure and Google signed URLs), and the
/// parameters model and cloud APIs take credentials in (`key` for the Gemini API,
/// OAuth's `access_token`, …). Matched case-sensitively, as the conventions ask, after
/// percent-decoding the key.
pub const DEFAULT_SENSITIVE_QUERY_KEYS: [&str; 12] = [
    "X-Amz-Signature",
    "X-Amz-Credential",
    "X-Amz-Security-Token",
    "sig",
    "X-Goog-Signature",
    "key",
    "api_key",
    "apikey",
    "api-key",
    "access_token",
    "token",
    "client_secret",
];

/// What replaces a redacted value.
pub const REDACTED: &str = "REDACTED";

#[cfg(test)]
mod tests {
    #[test]
    fn attribute_names_are_the_conventions_own() {
        use crate::attributes as ours;
        use opentelemetry_semantic_conventions::attribute as semconv;
        let pairs = [
            (ours::HTTP_REQUEST_METHOD, semconv::HTTP_REQUEST_METHOD),
            (
                ours::HTTP_REQUEST_METHOD_ORIGINAL,
                semconv::HTTP_REQUEST_METHOD_ORIGINAL,
            ),
            (
                ours::HTTP_RESPONSE_STATUS_CODE,
                semconv::HTTP_RESPONSE_STATUS_CODE,
            ),
            (ours::HTTP_ROUTE, semconv::HTTP_ROUTE),
            (ours::URL_FULL, semconv::URL_FULL),
            (ours::URL_PATH, semconv::URL_PATH),
            (ours::URL_QUERY, semconv::URL_QUERY),
            (ours::URL_SCHEME, semconv::URL_SCHEME),
            (ours::URL_TEMPLATE, semconv::URL_TEMPLATE),
            (ours::SERVER_ADDRESS, semconv::SERVER_ADDRESS),
            (ours::SERVER_PORT, semconv::SERVER_PORT),
            (
                ours::NETWORK_PROTOCOL_VERSION,
                semconv::NETWORK_PROTOCOL_VERSION,
            ),
            (ours::USER_AGENT_ORIGINAL, semconv::USER_AGENT_ORIGINAL),
            (ours::ERROR_TYPE, semconv::ERROR_TYPE),
        ];
        for (a, b) in pairs {
            assert_eq!(a, b);
        }
    }
}
