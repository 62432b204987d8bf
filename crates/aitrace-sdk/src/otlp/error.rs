//! Why one export attempt failed, whether to try again, and when.
//!
//! Retries follow the OTLP specification: gRPC `UNAVAILABLE`, `CANCELLED`,
//! `DEADLINE_EXCEEDED`, `ABORTED`, `OUT_OF_RANGE` and `DATA_LOSS` are retried,
//! `RESOURCE_EXHAUSTED` only when the collector says when (`RetryInfo`); HTTP
//! 429, 502, 503 and 504 are retried, after `Retry-After` when given; a refused,
//! reset or broken connection is retried. Everything else (TLS, other statuses,
//! answers too large to read, encoding) is final.
//!
//! Every text here is already safe to print: transports build these errors with
//! [`crate::redact::collector_text`].

use crate::stats::{ExportFailure, FailureKind};
use std::error::Error;
use std::fmt;
use std::time::Duration;

/// Why one export (or one attempt of it) failed.
#[derive(Debug)]
pub(crate) enum ExportError {
    /// Out of time: the export timeout passed (`shutdown` false) or the guard's
    /// shutdown or flush deadline did; with the last failed attempt, if any.
    Timeout {
        after: Duration,
        shutdown: bool,
        last: Option<Box<ExportError>>,
    },
    /// A gRPC status sent by the collector.
    Grpc {
        code: tonic::Code,
        message: String,
        /// From `RetryInfo` in the status details.
        retry_after: Option<Duration>,
    },
    /// An HTTP error status, with the start of its body.
    Http {
        status: u16,
        body: String,
        /// From `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// Nothing accepted the connection.
    Refused(String),
    /// The connection failed or broke before an answer.
    Connection(String),
    /// The server's certificate was not trusted, or ours was refused.
    Tls(String),
    /// The answer was longer than the transport reads.
    ResponseTooLarge(usize),
    /// The request could not be encoded or compressed: the same request would
    /// fail the same way.
    Encoding(String),
}

impl ExportError {
    /// Whether the collector says it does not serve what was sent: HTTP 404 or
    /// 405, gRPC `UNIMPLEMENTED`.
    pub(crate) fn is_not_served(&self) -> bool {
        match self {
            ExportError::Http { status, .. } => matches!(status, 404 | 405),
            ExportError::Grpc { code, .. } => *code == tonic::Code::Unimplemented,
            _ => false,
        }
    }
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Timeout {
                after,
                shutdown,
                last,
            } => {
                if *shutdown {
                    write!(f, "stopped at the shutdown or flush deadline")?;
                } else {
                    write!(f, "no success within the export timeout of {after:?}")?;
                }
                if let Some(last) = last {
                    write!(f, " (last attempt: {last})")?;
                }
                Ok(())
            }
            ExportError::Grpc { code, message, .. } => {
                write!(f, "gRPC status {code:?}")?;
                if !message.is_empty() {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            ExportError::Http { status, body, .. } => {
                write!(f, "HTTP status {status}")?;
                if !body.is_empty() {
                    write!(f, ": {body}")?;
                }
                Ok(())
            }
            ExportError::Refused(t) => write!(f, "connection refused ({t})"),
            ExportError::Connection(t) => write!(f, "connection failed: {t}"),
            ExportError::Tls(t) => write!(f, "TLS: {t}"),
            ExportError::ResponseTooLarge(limit) => write!(
                f,
                "the collector's answer is longer than the {limit} bytes read; \
                 the export is counted as failed"
            ),
            ExportError::Encoding(t) => write!(f, "{t}"),
        }
    }
}

impl ExportError {
    /// Whether trying again may succeed (see the module documentation).
    pub(crate) fn retryable(&self) -> bool {
        use tonic::Code;
        match self {
            ExportError::Grpc {
                code, retry_after, ..
            } => match code {
                Code::Unavailable
                | Code::Cancelled
                | Code::DeadlineExceeded
                | Code::Aborted
                | Code::OutOfRange
                | Code::DataLoss => true,
                Code::ResourceExhausted => retry_after.is_some(),
                _ => false,
            },
            ExportError::Http { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            ExportError::Refused(_) | ExportError::Connection(_) => true,
            ExportError::Timeout { .. }
            | ExportError::Tls(_)
            | ExportError::ResponseTooLarge(_)
            | ExportError::Encoding(_) => false,
        }
    }

    /// How long the collector asked to wait before the next attempt.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            ExportError::Grpc { retry_after, .. } | ExportError::Http { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The kind of failure, for the report: a timeout that cut short a retried
    /// failure is reported as that failure (a dead collector is "refused", not
    /// "timeout").
    pub(crate) fn kind(&self) -> FailureKind {
        match self {
            ExportError::Timeout { last: Some(l), .. } => l.kind(),
            ExportError::Timeout { last: None, .. } => FailureKind::Timeout,
            ExportError::Grpc { .. } | ExportError::Http { .. } => FailureKind::Status,
            ExportError::Refused(_) => FailureKind::Refused,
            ExportError::Connection(_) => FailureKind::Connection,
            ExportError::Tls(_) => FailureKind::Tls,
            ExportError::ResponseTooLarge(_) => FailureKind::ResponseTooLarge,
            ExportError::Encoding(_) => FailureKind::Encoding,
        }
    }

    /// The public form, naming the (redacted) endpoint.
    pub(crate) fn to_failure(&self, shown_url: &str) -> ExportFailure {
        ExportFailure {
            kind: self.kind(),
            message: format!("export to {shown_url} failed: {self}"),
        }
    }

    /// A failure of the client side of the connection (no answer from the
    /// collector): refused, TLS, or another connection failure, told apart by
    /// the error's causes. `text` is the printable description.
    pub(crate) fn from_transport(err: &(dyn Error + 'static), text: String) -> ExportError {
        let mut cause = Some(err);
        while let Some(e) = cause {
            if is_tls(e) {
                return ExportError::Tls(text);
            }
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.kind() == std::io::ErrorKind::ConnectionRefused {
                    return ExportError::Refused(text);
                }
                if io.get_ref().is_some_and(|inner| is_tls(inner)) {
                    return ExportError::Tls(text);
                }
            }
            cause = e.source();
        }
        // Some TLS failures only say so in words (rustls errors turned into text
        // by a layer in between).
        let lower = text.to_ascii_lowercase();
        if lower.contains("certificate")
            || lower.contains("handshake")
            || lower.contains("unknownissuer")
        {
            return ExportError::Tls(text);
        }
        ExportError::Connection(text)
    }
}

fn is_tls(e: &(dyn Error + 'static)) -> bool {
    e.is::<rustls::Error>()
}

/// An error with its causes, one after the other (TLS verification failures and
/// refused connections live in the causes).
pub(crate) fn chain(e: &(dyn Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        // Layers often repeat their cause's text: keep it once.
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    fn grpc(code: Code, retry_after: Option<Duration>) -> ExportError {
        ExportError::Grpc {
            code,
            message: String::new(),
            retry_after,
        }
    }

    #[test]
    fn retryable_as_the_specification_says() {
        for code in [
            Code::Unavailable,
            Code::Cancelled,
            Code::DeadlineExceeded,
            Code::Aborted,
            Code::OutOfRange,
            Code::DataLoss,
        ] {
            assert!(grpc(code, None).retryable(), "{code:?}");
        }
        assert!(!grpc(Code::ResourceExhausted, None).retryable());
        assert!(grpc(Code::ResourceExhausted, Some(Duration::from_secs(1))).retryable());
        for code in [
            Code::InvalidArgument,
            Code::Unauthenticated,
            Code::PermissionDenied,
            Code::Unknown,
            Code::Internal,
            Code::Unimplemented,
        ] {
            assert!(!grpc(code, None).retryable(), "{code:?}");
        }
        let http = |status| ExportError::Http {
            status,
            body: String::new(),
            retry_after: None,
        };
        for status in [429, 502, 503, 504] {
            assert!(http(status).retryable(), "{status}");
        }
        for status in [400, 401, 403, 404, 413, 500] {
            assert!(!http(status).retryable(), "{status}");
        }
        assert!(ExportError::Refused(String::new()).retryable());
        assert!(ExportError::Connection(String::new()).retryable());
        assert!(!ExportError::Tls(String::new()).retryable());
        assert!(!ExportError::ResponseTooLarge(1).retryable());
    }

    #[test]
    fn a_timeout_reports_the_failure_it_cut_short() {
        let t = ExportError::Timeout {
            after: Duration::from_secs(2),
            shutdown: true,
            last: Some(Box::new(ExportError::Refused("os error 111".into()))),
        };
        assert_eq!(t.kind(), FailureKind::Refused);
        let shown = t.to_failure("http://127.0.0.1:9").message;
        assert!(
            shown.contains("127.0.0.1:9") && shown.contains("connection refused"),
            "{shown}"
        );
        let bare = ExportError::Timeout {
            after: Duration::from_secs(2),
            shutdown: false,
            last: None,
        };
        assert_eq!(bare.kind(), FailureKind::Timeout);
    }

    #[test]
    fn refused_connections_are_told_apart_by_their_cause() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let e = ExportError::from_transport(&io, "tcp connect error".into());
        assert_eq!(e.kind(), FailureKind::Refused);
        let tls = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        let e = ExportError::from_transport(&tls, "invalid peer certificate".into());
        assert_eq!(e.kind(), FailureKind::Tls);
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let e = ExportError::from_transport(&reset, "reset".into());
        assert_eq!(e.kind(), FailureKind::Connection);
        assert!(e.retryable());
    }
}
