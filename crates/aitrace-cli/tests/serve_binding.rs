//! The server listens on loopback unless told otherwise: another address
//! needs --allow-remote, and then a warning is printed; bound to loopback, it
//! refuses requests whose Host header names another site (DNS rebinding).

mod support;

use support::http::get;
use support::{Server, TempDir};

#[test]
fn listening_beyond_loopback_needs_the_flag_and_warns() {
    let dir = TempDir::new("bind");
    let failed = Server::try_start(&dir, &["--host", "0.0.0.0"], &[])
        .err()
        .expect("refused without --allow-remote");
    assert_eq!(failed.status.and_then(|s| s.code()), Some(1));
    assert!(
        failed
            .stderr
            .contains("aitrace: refusing to listen on 0.0.0.0: it is not a loopback address"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("--allow-remote"),
        "{}",
        failed.stderr
    );
    assert!(!dir.db().exists(), "nothing was created");

    let server = Server::start(&dir, &["--host", "0.0.0.0", "--allow-remote"], &[]);
    assert!(
        server
            .stderr()
            .contains("WARNING: listening on 0.0.0.0 (--allow-remote)"),
        "{}",
        server.stderr()
    );
    assert!(server.stderr().contains("set a token with AITRACE_TOKEN"));
    server.stop();
}

#[test]
fn on_loopback_other_sites_host_names_are_refused() {
    let dir = TempDir::new("host");
    let server = Server::start(&dir, &[], &[]);
    assert!(
        server.stderr().is_empty(),
        "no warning: {}",
        server.stderr()
    );
    assert!(server.http.ip().is_loopback() && server.grpc.ip().is_loopback());
    assert_eq!(get(server.http, "/", &[]).status, 200);
    // Exactly one Host header, naming another site.
    let raw = raw_get(server.http, "attacker.example:14318");
    assert!(raw.starts_with("HTTP/1.1 403"), "{raw}");
    let raw = raw_get(server.http, &format!("localhost:{}", server.http.port()));
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    server.stop();
}

/// A GET of `/` with exactly this Host header.
fn raw_get(addr: std::net::SocketAddr, host: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}
