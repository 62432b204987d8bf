//! With AITRACE_TOKEN set, the token protects both ports: OTLP/HTTP and
//! OTLP/gRPC requests need `authorization: Bearer <token>`, pages need the
//! header or the cookie that opening a page with `?token=` sets; the token is
//! never printed.

mod support;

use prost::Message;
use support::http::{get, post_traces};
use support::otlp::{request, small_trace};
use support::{grpc, query_json, Server, TempDir};
use tonic::Code;

const TOKEN: &str = "test-token-0123456789abcdef";

#[test]
fn the_token_protects_otlp_and_pages() {
    let dir = TempDir::new("token");
    let server = Server::start(&dir, &[], &[("AITRACE_TOKEN", TOKEN)]);
    assert!(!server.stdout().contains(TOKEN), "{}", server.stdout());
    assert!(server.stdout().contains("A token is required"));
    let body = request("svc", small_trace(0xa0, "conv-token", 0)).encode_to_vec();
    let bearer = format!("Bearer {TOKEN}");

    // OTLP/HTTP.
    let r = post_traces(server.http, "application/x-protobuf", &[], &body);
    assert_eq!(r.status, 401);
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[("Authorization", "Bearer wrong-token-0123456789")],
        &body,
    );
    assert_eq!(r.status, 401);
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[("Authorization", &bearer)],
        &body,
    );
    assert_eq!(r.status, 200, "{}", r.text());

    // OTLP/gRPC.
    let req = request("svc", small_trace(0xa1, "conv-token", 0));
    let e = grpc::export_blocking(&server.grpc_url(), &req, false, None).unwrap_err();
    assert_eq!(e.code(), Code::Unauthenticated);
    assert!(grpc::export_blocking(&server.grpc_url(), &req, false, Some(TOKEN)).is_ok());
    assert_eq!(query_json(&server.db, &[]).len(), 2);

    // Pages: refused without the token, with a page that says how to log in.
    let r = get(server.http, "/", &[]);
    assert_eq!(r.status, 401);
    assert!(r.text().contains("?token="), "{}", r.text());
    assert_eq!(get(server.http, "/assets/style.css", &[]).status, 401);
    assert_eq!(
        get(server.http, "/", &[("Authorization", &bearer)]).status,
        200
    );
    // ?token= sets the cookie and sends the browser on without the token in the address.
    let r = get(server.http, "/models?token=wrong-token-0123456789", &[]);
    assert_eq!(r.status, 401);
    let r = get(server.http, &format!("/models?token={TOKEN}"), &[]);
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/models"));
    let cookie = r.header("set-cookie").unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let r = get(server.http, "/models", &[("Cookie", pair)]);
    assert_eq!(r.status, 200);
    // The cookie is for pages, not for OTLP.
    let r = post_traces(
        server.http,
        "application/x-protobuf",
        &[("Cookie", pair)],
        &body,
    );
    assert_eq!(r.status, 401);

    let (status, stderr) = server.stop();
    assert!(status.success());
    assert!(!stderr.contains(TOKEN), "{stderr}");
}

#[test]
fn a_weak_token_is_refused_at_start() {
    let dir = TempDir::new("weak-token");
    let failed = Server::try_start(&dir, &[], &[("AITRACE_TOKEN", "short")])
        .err()
        .expect("refused");
    assert!(
        failed
            .stderr
            .contains("AITRACE_TOKEN / --token: the token must be 16 to 256 characters"),
        "{}",
        failed.stderr
    );
}
