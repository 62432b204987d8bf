//! The client side: a `reqwest-middleware` middleware that makes a CLIENT span for
//! every request and carries the trace, its baggage and its identity to the server.
//!
//! For each request the middleware
//! 1. opens a CLIENT span under the current context, named `{method}` (or
//!    `{method} {url.template}` when the request carries a [`UrlTemplate`]), with
//!    `http.request.method`, `server.address`, `server.port` and `url.full` — userinfo
//!    and sensitive query values redacted — and the trace's inherited attributes;
//! 2. injects that span's context into the request headers with the configured
//!    (global) propagators, through [`aitrace::propagation::inject_context`]: the
//!    baggage goes along, with the conversation id, user id and tenant of the current
//!    trace (see [`aitrace::propagation::Identity`]);
//! 3. runs the rest of the middleware chain with the span current;
//! 4. records `http.response.status_code` and `network.protocol.version`; status Error
//!    with `error.type` for 4xx and 5xx (the status code) and for failures (`timeout`,
//!    `connect`, `request`, `body`, `decode`, `redirect`, `middleware`, or `_OTHER`).
//!
//! Put it last in the chain to trace each attempt a retry middleware makes, first to
//! trace the logical call once.

use crate::attributes::*;
use crate::conventions::{cut, host_port, protocol_version, span_name, Conventions};
use crate::redact::redact_url;
use crate::span::HttpSpan;
use opentelemetry::context::FutureExt;
use opentelemetry::trace::SpanKind;
use opentelemetry::{Context, KeyValue};
use reqwest_middleware::{Middleware, Next};
use std::borrow::Cow;

/// A `reqwest-middleware` middleware that traces outgoing requests. See the [module
/// documentation](self) for what it records.
///
/// ```
/// use aitrace_http::ClientMiddleware;
///
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(ClientMiddleware::new())
///     .build();
/// # let _ = client;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ClientMiddleware {
    conventions: Conventions,
}

impl ClientMiddleware {
    /// A middleware with the default lists of known methods (or those of
    /// `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`) and sensitive query keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// The methods recorded as they are; any other is recorded as `_OTHER` (and the
    /// span named `HTTP`). A full override of the default list.
    pub fn with_known_methods(
        mut self,
        methods: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.conventions.known_methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// The query keys whose values `url.full` shows as `REDACTED` (matched
    /// case-sensitively); a full override of
    /// [`DEFAULT_SENSITIVE_QUERY_KEYS`](crate::attributes::DEFAULT_SENSITIVE_QUERY_KEYS).
    pub fn with_sensitive_query_keys(
        mut self,
        keys: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.conventions.sensitive_query_keys = keys.into_iter().map(Into::into).collect();
        self
    }

    /// The CLIENT span of `req`, under the current context.
    fn start(&self, req: &reqwest::Request, template: Option<&str>) -> HttpSpan {
        let method = self.conventions.method(req.method().as_str());
        let name = span_name(&method, template);
        let url = req.url();
        let mut attributes = Vec::with_capacity(8);
        attributes.push(KeyValue::new(
            HTTP_REQUEST_METHOD,
            method.recorded.into_owned(),
        ));
        if let Some(original) = method.original {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD_ORIGINAL, cut(original)));
        }
        let full = redact_url(url.as_str(), &self.conventions.sensitive_query_keys);
        attributes.push(KeyValue::new(URL_FULL, cut(&full)));
        if let Some((host, _)) = url.host_str().and_then(host_port) {
            attributes.push(KeyValue::new(SERVER_ADDRESS, host.to_string()));
        }
        if let Some(port) = url.port_or_known_default() {
            attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
        }
        if let Some(template) = template {
            attributes.push(KeyValue::new(URL_TEMPLATE, template.to_string()));
        }
        HttpSpan::start(Context::current(), SpanKind::Client, name, attributes)
    }
}

/// The URL template of a request (`/tools/{name}`): names the CLIENT span
/// `{method} {template}` and sets `url.template`. Give it per request with
/// `RequestBuilder::with_extension`. Keep it low-cardinality: a template, never a URL.
///
/// ```
/// use aitrace_http::{ClientMiddleware, UrlTemplate};
///
/// let client = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
///     .with(ClientMiddleware::new())
///     .build();
/// let request = client
///     .post("http://127.0.0.1:8081/tools/search_kb")
///     .with_extension(UrlTemplate::new("/tools/{name}"));
/// # let _ = request;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlTemplate(Cow<'static, str>);

impl UrlTemplate {
    /// A URL template.
    pub fn new(template: impl Into<Cow<'static, str>>) -> Self {
        UrlTemplate(template.into())
    }

    /// The template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The `error.type` of a failed request.
fn error_type(error: &reqwest_middleware::Error) -> &'static str {
    match error {
        reqwest_middleware::Error::Middleware(_) => "middleware",
        reqwest_middleware::Error::Reqwest(e) if e.is_timeout() => "timeout",
        reqwest_middleware::Error::Reqwest(e) if e.is_connect() => "connect",
        reqwest_middleware::Error::Reqwest(e) if e.is_redirect() => "redirect",
        reqwest_middleware::Error::Reqwest(e) if e.is_body() => "body",
        reqwest_middleware::Error::Reqwest(e) if e.is_decode() => "decode",
        reqwest_middleware::Error::Reqwest(e) if e.is_request() => "request",
        reqwest_middleware::Error::Reqwest(_) => "_OTHER",
    }
}

#[async_trait::async_trait]
impl Middleware for ClientMiddleware {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let template = extensions.get::<UrlTemplate>().map(|t| t.0.clone());
        let mut span = self.start(&req, template.as_deref());
        aitrace::propagation::inject_context(span.context(), req.headers_mut());
        // The URL as the error message would show it, and as it may be shown instead.
        let url = req.url().as_str().to_string();
        let result = next
            .run(req, extensions)
            .with_context(span.context().clone())
            .await;
        match &result {
            Ok(response) => {
                let status = response.status();
                if let Some(version) = protocol_version(response.version()) {
                    span.set(vec![KeyValue::new(NETWORK_PROTOCOL_VERSION, version)]);
                }
                span.record_status(
                    status.as_u16(),
                    status.is_client_error() || status.is_server_error(),
                );
            }
            Err(error) => {
                // reqwest names the URL in its messages: show the redacted one.
                let redacted = redact_url(&url, &self.conventions.sensitive_query_keys);
                let message = error.to_string().replace(&url, &redacted);
                span.fail(error_type(error), message);
            }
        }
        span.end();
        result
    }
}
