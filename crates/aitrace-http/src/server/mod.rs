//! The server side: a tower [`Layer`] that makes a SERVER span for every request.
//!
//! For each request the layer
//! 1. extracts the caller's context with the configured (global) propagators, through
//!    [`aitrace::propagation::extract_parent`]: hostile or malformed headers start a new
//!    trace, and the conversation id, user id and tenant the caller sent in baggage are
//!    restored (see [`aitrace::propagation::Identity`]);
//! 2. opens a SERVER span named `{method} {route}` (or `{method}` when no route is
//!    known) with the request attributes of the HTTP conventions and the trace's
//!    inherited attributes;
//! 3. runs the inner service with that span current, so that every aitrace span the
//!    handler starts — in its async code, and in tasks spawned with
//!    [`aitrace::in_current_span`] — is its child and inherits the identity;
//! 4. records the response status (status Error for 5xx, not for 4xx), and ends the
//!    span when the response body has been sent (or dropped), keeping the span current
//!    while a streamed body is produced.

mod body;
mod future;

pub use body::ServerBody;
pub use future::ResponseFuture;

use crate::attributes::*;
use crate::conventions::{cut, host_port, protocol_version, span_name, Conventions};
use crate::redact::redact_query;
use crate::span::HttpSpan;
use opentelemetry::trace::SpanKind;
use opentelemetry::KeyValue;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use tower_layer::Layer;
use tower_service::Service;

type RouteFn = Arc<dyn Fn(&http::request::Parts) -> Option<String> + Send + Sync>;

/// A tower [`Layer`] that traces the requests of an HTTP server: axum, tonic, hyper
/// through tower, or any `tower::Service<http::Request<_>>`. See the [module
/// documentation](self) for what it records.
///
/// ```
/// use aitrace_http::ServerLayer;
///
/// let layer = ServerLayer::new()
///     // Behind a TLS terminator the request itself says `http`.
///     .with_url_scheme("https")
///     // A router that is not axum: name the span after the route template.
///     .with_route(|req| {
///         req.uri
///             .path()
///             .starts_with("/tools/")
///             .then(|| "/tools/{name}".to_string())
///     });
/// # let _ = layer;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ServerLayer {
    config: Arc<ServerConfig>,
}

#[derive(Clone)]
struct ServerConfig {
    conventions: Conventions,
    route: Option<RouteFn>,
    scheme: Cow<'static, str>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            conventions: Conventions::default(),
            route: None,
            scheme: Cow::Borrowed("http"),
        }
    }
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("conventions", &self.conventions)
            .field("route", &self.route.as_ref().map(|_| "fn"))
            .field("scheme", &self.scheme)
            .finish()
    }
}

impl ServerLayer {
    /// A layer with the default lists of known methods (or those of
    /// `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`) and sensitive query keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// How to find the route template of a request (`/tools/{name}`), for routers
    /// that do not tell the layer. It runs before the layer's own sources (with the
    /// `axum` feature, axum's `MatchedPath`); `None` falls back to them. The
    /// conventions require a low-cardinality template: never return the raw path.
    pub fn with_route(
        mut self,
        route: impl Fn(&http::request::Parts) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.config).route = Some(Arc::new(route));
        self
    }

    /// The `url.scheme` of requests that do not carry one (HTTP/1.1 requests carry
    /// only a path). Default: `http`; say `https` for a server behind TLS.
    pub fn with_url_scheme(mut self, scheme: impl Into<Cow<'static, str>>) -> Self {
        Arc::make_mut(&mut self.config).scheme = scheme.into();
        self
    }

    /// The methods recorded as they are; any other is recorded as `_OTHER` (and the
    /// span named `HTTP`). A full override of the default list, as
    /// `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS` is.
    pub fn with_known_methods(
        mut self,
        methods: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Arc::make_mut(&mut self.config).conventions.known_methods =
            methods.into_iter().map(Into::into).collect();
        self
    }

    /// The query keys whose values `url.query` shows as `REDACTED` (matched
    /// case-sensitively); a full override of
    /// [`DEFAULT_SENSITIVE_QUERY_KEYS`](crate::attributes::DEFAULT_SENSITIVE_QUERY_KEYS).
    pub fn with_sensitive_query_keys(
        mut self,
        keys: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Arc::make_mut(&mut self.config)
            .conventions
            .sensitive_query_keys = keys.into_iter().map(Into::into).collect();
        self
    }
}

impl<S> Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ServerService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`ServerLayer`] wraps around an inner service.
#[derive(Clone, Debug)]
pub struct ServerService<S> {
    inner: S,
    config: Arc<ServerConfig>,
}

impl<S, B, ResB> Service<http::Request<B>> for ServerService<S>
where
    S: Service<http::Request<B>, Response = http::Response<ResB>>,
    ResB: http_body::Body,
{
    type Response = http::Response<ServerBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let (parts, body) = req.into_parts();
        let span = self.config.start(&parts);
        let req = http::Request::from_parts(parts, body);
        // Services may do work in `call` itself, before their future is first polled.
        let inner = {
            let _current = span.context().clone().attach();
            self.inner.call(req)
        };
        ResponseFuture::new(inner, span)
    }
}

impl ServerConfig {
    /// The route template of a request, if one is known.
    fn route(&self, parts: &http::request::Parts) -> Option<String> {
        if let Some(route) = self.route.as_ref().and_then(|f| f(parts)) {
            return Some(route);
        }
        #[cfg(feature = "axum")]
        if let Some(matched) = parts.extensions.get::<axum::extract::MatchedPath>() {
            return Some(matched.as_str().to_string());
        }
        None
    }

    /// The SERVER span of a request, under the context its headers carry.
    fn start(&self, parts: &http::request::Parts) -> HttpSpan {
        let parent = aitrace::propagation::extract_parent(&parts.headers);
        let method = self.conventions.method(parts.method.as_str());
        let route = self.route(parts);
        let name = span_name(&method, route.as_deref());
        let mut attributes = Vec::with_capacity(12);
        attributes.push(KeyValue::new(
            HTTP_REQUEST_METHOD,
            method.recorded.into_owned(),
        ));
        if let Some(original) = method.original {
            attributes.push(KeyValue::new(HTTP_REQUEST_METHOD_ORIGINAL, cut(original)));
        }
        attributes.push(KeyValue::new(URL_PATH, cut(parts.uri.path())));
        if let Some(query) = parts.uri.query() {
            let query = redact_query(query, &self.conventions.sensitive_query_keys);
            attributes.push(KeyValue::new(URL_QUERY, cut(&query)));
        }
        let scheme = parts.uri.scheme_str().unwrap_or(&self.scheme);
        attributes.push(KeyValue::new(URL_SCHEME, scheme.to_string()));
        if let Some(route) = route {
            attributes.push(KeyValue::new(HTTP_ROUTE, route));
        }
        let authority = match parts.uri.authority() {
            Some(a) => Some(a.as_str()),
            None => parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok()),
        };
        if let Some((host, port)) = authority.and_then(host_port) {
            attributes.push(KeyValue::new(SERVER_ADDRESS, host.to_string()));
            if let Some(port) = port {
                attributes.push(KeyValue::new(SERVER_PORT, i64::from(port)));
            }
        }
        if let Some(version) = protocol_version(parts.version) {
            attributes.push(KeyValue::new(NETWORK_PROTOCOL_VERSION, version));
        }
        if let Some(agent) = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|h| h.to_str().ok())
        {
            attributes.push(KeyValue::new(USER_AGENT_ORIGINAL, cut(agent)));
        }
        HttpSpan::start(parent, SpanKind::Server, name, attributes)
    }
}
