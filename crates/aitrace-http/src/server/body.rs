//! The response body of a traced request: the SERVER span is current while the body
//! is produced, and ends when the body ends, fails or is dropped.

use crate::span::HttpSpan;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

pin_project! {
    /// A response body that ends the SERVER span of its request when it is finished.
    #[derive(Debug)]
    pub struct ServerBody<B> {
        #[pin]
        inner: B,
        span: Option<HttpSpan>,
    }
}

impl<B> ServerBody<B> {
    pub(crate) fn new(inner: B, span: Option<HttpSpan>) -> Self {
        ServerBody { inner, span }
    }
}

impl<B: Body> Body for ServerBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = {
            let _current = this.span.as_ref().map(|s| s.context().clone().attach());
            this.inner.poll_frame(cx)
        };
        match &polled {
            Poll::Ready(None) => *this.span = None,
            Poll::Ready(Some(Err(_))) => {
                if let Some(span) = this.span.take() {
                    span.fail(
                        std::any::type_name::<B::Error>(),
                        "the response body failed".into(),
                    );
                }
            }
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
