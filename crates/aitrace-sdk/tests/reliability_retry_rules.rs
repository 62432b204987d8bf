//! Retries as the OTLP specification says, against an in-process collector that
//! refuses a given number of times and then accepts:
//!
//! - gRPC `UNAVAILABLE`, `CANCELLED`, `DEADLINE_EXCEEDED`, `ABORTED`,
//!   `OUT_OF_RANGE` and `DATA_LOSS` are retried; `RESOURCE_EXHAUSTED` only with
//!   a `RetryInfo`, whose delay is waited; other codes are final.
//! - HTTP 429, 502, 503 and 504 are retried, after `Retry-After` (seconds or a
//!   date) when given; other statuses are final.
//! - A wait the collector asks for that would end after the export's timeout
//!   fails the export at once rather than waiting for nothing.
//! - A connection reset on the first attempt is retried, over gRPC as over HTTP.
//!   (Before, gRPC lost the batch; `CANCELLED` failed in a millisecond.)

mod support;
use support::pipeline::{pipeline, wait_stats, PROTOCOLS};

use aitrace_sdk::config::{BatchConfig, Protocol};
use aitrace_sdk::{FailureKind, TracingGuard};
use opentelemetry::trace::{Tracer, TracerProvider};
use std::time::{Duration, Instant, SystemTime};
use support::receiver::{Behaviour, Receiver, Refusal};
use tonic::Code;

fn quick() -> BatchConfig {
    BatchConfig {
        schedule_delay: Duration::from_millis(20),
        ..BatchConfig::default()
    }
}

/// Five spans to `rx`; returns the guard once they are settled.
fn five_spans(protocol: Protocol, rx: &Receiver, timeout: Duration) -> TracingGuard {
    let guard = pipeline(protocol, &rx.endpoint, timeout, quick());
    let tracer = guard.provider().unwrap().tracer("retry");
    for i in 0..5 {
        tracer.in_span(format!("span {i}"), |_| {});
    }
    wait_stats(&guard, timeout + Duration::from_secs(10), |s| {
        s.exported + s.failed == 5
    });
    guard
}

fn grpc_refusing(times: u32, code: Code, retry: Option<Duration>) -> Receiver {
    Receiver::grpc_with(
        false,
        Behaviour::Refuse {
            times,
            refusal: Refusal::Grpc(code, retry),
        },
    )
}

fn http_refusing(times: u32, status: u16, retry_after: Option<&'static str>) -> Receiver {
    Receiver::http_with(
        false,
        Behaviour::Refuse {
            times,
            refusal: Refusal::Http(status, retry_after),
        },
    )
}

#[test]
fn retryable_grpc_codes_are_retried_until_delivered() {
    for code in [
        Code::Unavailable,
        Code::Cancelled,
        Code::DeadlineExceeded,
        Code::Aborted,
        Code::OutOfRange,
        Code::DataLoss,
    ] {
        let rx = grpc_refusing(2, code, None);
        let guard = five_spans(Protocol::Grpc, &rx, Duration::from_secs(10));
        let s = guard.stats();
        assert_eq!((s.exported, s.failed), (5, 0), "{code:?}: {s:?}");
        assert_eq!(
            rx.attempt_count(),
            3,
            "{code:?}: two refusals, then accepted"
        );
        guard.shutdown().expect("clean");
    }
}

#[test]
fn resource_exhausted_is_retried_only_with_retry_info_and_after_its_delay() {
    let delay = Duration::from_millis(700);
    let rx = grpc_refusing(1, Code::ResourceExhausted, Some(delay));
    let guard = five_spans(Protocol::Grpc, &rx, Duration::from_secs(10));
    assert_eq!(guard.stats().exported, 5);
    let attempts = rx.attempts();
    assert_eq!(attempts.len(), 2);
    let waited = attempts[1].at - attempts[0].at;
    assert!(waited >= delay, "retried after {waited:?}, asked {delay:?}");
    guard.shutdown().expect("clean");

    // Without RetryInfo the collector gives no hope: final, like other codes.
    for code in [
        Code::ResourceExhausted,
        Code::InvalidArgument,
        Code::PermissionDenied,
        Code::Internal,
    ] {
        let rx = grpc_refusing(1, code, None);
        let guard = five_spans(Protocol::Grpc, &rx, Duration::from_secs(10));
        let s = guard.stats();
        assert_eq!((s.exported, s.failed), (0, 5), "{code:?}: {s:?}");
        assert_eq!(rx.attempt_count(), 1, "{code:?}: not retried");
        let failure = guard.last_failure().unwrap();
        assert_eq!(failure.kind, FailureKind::Status, "{failure}");
        assert!(failure.message.contains(&format!("{code:?}")), "{failure}");
        let _ = guard.shutdown();
    }
}

#[test]
fn retryable_http_statuses_honour_retry_after() {
    for status in [429, 502, 503, 504] {
        let rx = http_refusing(2, status, None);
        let guard = five_spans(Protocol::HttpProtobuf, &rx, Duration::from_secs(10));
        assert_eq!(guard.stats().exported, 5, "{status}");
        assert_eq!(rx.attempt_count(), 3, "{status}");
        guard.shutdown().expect("clean");
    }
    // In seconds, and as a date (made just before it is used; dates are to the
    // second, so two seconds ahead is at least one).
    for (status, as_date) in [(429, false), (503, true)] {
        let (retry_after, at_least) = if as_date {
            let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            (
                &*Box::leak(date.into_boxed_str()),
                Duration::from_millis(900),
            )
        } else {
            ("1", Duration::from_secs(1))
        };
        let rx = http_refusing(1, status, Some(retry_after));
        let guard = five_spans(Protocol::HttpProtobuf, &rx, Duration::from_secs(10));
        assert_eq!(guard.stats().exported, 5, "{status}");
        let attempts = rx.attempts();
        assert_eq!(attempts.len(), 2, "{status}");
        let waited = attempts[1].at - attempts[0].at;
        assert!(
            waited >= at_least,
            "{status}: retried after {waited:?}, Retry-After {retry_after}"
        );
        guard.shutdown().expect("clean");
    }
    for status in [400, 401, 413, 500] {
        let rx = http_refusing(1, status, Some("1"));
        let guard = five_spans(Protocol::HttpProtobuf, &rx, Duration::from_secs(10));
        assert_eq!(guard.stats().failed, 5, "{status}");
        assert_eq!(rx.attempt_count(), 1, "{status}: not retried");
        let _ = guard.shutdown();
    }
}

/// A wait past the export's timeout is not waited for: the export fails at
/// once, within its timeout, and says what the collector asked.
#[test]
fn a_retry_delay_past_the_timeout_fails_the_export_at_once() {
    let timeout = Duration::from_secs(4);
    let cases = [
        (
            Protocol::Grpc,
            grpc_refusing(
                u32::MAX,
                Code::ResourceExhausted,
                Some(Duration::from_secs(60)),
            ),
        ),
        (
            Protocol::HttpProtobuf,
            http_refusing(u32::MAX, 429, Some("60")),
        ),
    ];
    for (protocol, rx) in cases {
        let t0 = Instant::now();
        let guard = five_spans(protocol, &rx, timeout);
        let took = t0.elapsed();
        let s = guard.stats();
        assert_eq!((s.exported, s.failed), (0, 5), "{protocol:?}: {s:?}");
        assert!(took < timeout, "{protocol:?}: failed after {took:?}");
        assert_eq!(rx.attempt_count(), 1, "{protocol:?}");
        let failure = guard.last_failure().unwrap();
        assert_eq!(failure.kind, FailureKind::Status, "{failure}");
        let _ = guard.shutdown();
    }
}

#[test]
fn a_connection_reset_on_the_first_attempt_is_retried() {
    for protocol in PROTOCOLS {
        let rx = Receiver::grpc_or_http(protocol, false).reset_first(1);
        let guard = five_spans(protocol, &rx, Duration::from_secs(10));
        let s = guard.stats();
        assert_eq!((s.exported, s.failed), (5, 0), "{protocol:?}: {s:?}");
        assert_eq!(
            rx.resets(),
            1,
            "{protocol:?}: the first connection was reset"
        );
        assert_eq!(rx.spans().len(), 5, "{protocol:?}: each span once");
        guard.shutdown().expect("clean");
    }
}
