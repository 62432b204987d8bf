//! The response future of [`super::ServerService`]: runs the inner future with the
//! SERVER span current, then records the status and hands the span to the body.

use super::body::ServerBody;
use crate::span::HttpSpan;
use pin_project_lite::pin_project;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context as TaskContext, Poll};

pin_project! {
    /// The future of a traced request; resolves to the inner response with its body
    /// wrapped in a [`ServerBody`].
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Option<HttpSpan>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, span: HttpSpan) -> Self {
        ResponseFuture {
            inner,
            span: Some(span),
        }
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<http::Response<ResB>, E>>,
    ResB: http_body::Body,
{
    type Output = Result<http::Response<ServerBody<ResB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _current = this.span.as_ref().map(|s| s.context().clone().attach());
            ready!(this.inner.poll(cx))
        };
        // Polled again after it resolved (a contract breach): the span is already gone.
        let span = this.span.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(span) = &span {
                    let status = response.status();
                    span.record_status(status.as_u16(), status.is_server_error());
                }
                Ok(response.map(|body| ServerBody::new(body, span)))
            }
            Err(error) => {
                if let Some(mut span) = span {
                    span.fail(std::any::type_name::<E>(), String::new());
                    span.end();
                }
                Err(error)
            }
        })
    }
}
