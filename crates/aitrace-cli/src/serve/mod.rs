//! `aitrace serve`: OTLP/gRPC on one port, OTLP/HTTP and the web view on
//! another, the store written by one thread and read by a pool of
//! connections, until Ctrl-C or SIGTERM.

pub mod auth;
pub mod grpc;
pub mod http;
pub mod metrics;

use crate::store::writer::{Writer, WriterHandle};
use crate::store::{self, StoreError, StoreOptions};
use crate::units::{fmt_bytes, fmt_duration};
use auth::Token;
use rusqlite::Connection;
use std::future::IntoFuture;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The OTLP/gRPC port when none is given: 4317 with a 1 in front, so that a
/// collector on the standard ports keeps them.
pub const DEFAULT_GRPC_PORT: u16 = 14317;
/// The OTLP/HTTP and web port when none is given: 4318 with a 1 in front.
pub const DEFAULT_HTTP_PORT: u16 = 14318;
/// How often retention runs (and once at start-up).
const RETENTION_EVERY: Duration = Duration::from_secs(60);
/// How long a shutdown waits for requests in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What `aitrace serve` was asked to do.
#[derive(Debug)]
pub struct ServeOptions {
    /// The address to listen on.
    pub host: IpAddr,
    /// Listening beyond loopback was asked for explicitly.
    pub allow_remote: bool,
    /// The OTLP/gRPC port (0: any free port).
    pub grpc_port: u16,
    /// The OTLP/HTTP and web port (0: any free port).
    pub http_port: u16,
    /// The bearer token, if any.
    pub token: Option<Token>,
    /// The store and its retention.
    pub store: StoreOptions,
    /// The largest request accepted, after decompression.
    pub max_request_bytes: usize,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A non-loopback address without `--allow-remote`.
    #[error("refusing to listen on {0}: it is not a loopback address, and anyone who can reach it could send spans and read every stored trace (prompts included, when captured); pass --allow-remote to do it anyway, with a token (AITRACE_TOKEN)")]
    NotLoopback(IpAddr),
    /// The store cannot be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A port cannot be bound.
    #[error("cannot listen on {addr} for {what}: {source}; choose another port with {flag}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// OTLP/gRPC, or OTLP/HTTP and the web view.
        what: &'static str,
        /// The flag that chooses the port.
        flag: &'static str,
        /// What the system said.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A server stopped with an error.
    #[error("the {what} server stopped: {detail}")]
    Server {
        /// Which server.
        what: &'static str,
        /// Its error.
        detail: String,
    },
}

/// What the request handlers share.
pub struct Shared {
    /// Stores batches.
    pub writer: WriterHandle,
    /// Reads for the web view.
    pub readers: Readers,
    /// The bearer token, if any.
    pub token: Option<Token>,
    /// The largest request accepted, after decompression.
    pub max_request_bytes: usize,
    /// Refuse `Host` headers that are not loopback names (bound to loopback).
    pub check_host: bool,
    /// Where OTLP arrives, for the empty trace list's instructions.
    pub grpc_addr: SocketAddr,
    /// Where OTLP/HTTP and the web view are.
    pub http_addr: SocketAddr,
    /// OTLP metrics received (acknowledged, not kept).
    pub metrics: metrics::MetricsReceived,
}

/// Read connections for the web view, opened on demand and kept for reuse.
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// Idle read connections kept, at most.
const MAX_IDLE_READERS: usize = 4;

impl Readers {
    /// Readers of the store at `path`.
    pub fn new(path: PathBuf) -> Readers {
        Readers {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a read connection (blocking: call from a blocking task).
    ///
    /// # Errors
    /// The connection cannot be opened, or `f` fails.
    pub fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => store::open_for_reading(&self.path)?,
        };
        let out = f(&conn).map_err(|e| StoreError::from_sqlite(&self.path, &e));
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        out
    }
}

/// Runs the server until Ctrl-C or SIGTERM.
///
/// # Errors
/// A [`ServeError`] saying what could not start, or what stopped it.
pub fn run(options: ServeOptions) -> Result<(), ServeError> {
    if !options.host.is_loopback() {
        if !options.allow_remote {
            return Err(ServeError::NotLoopback(options.host));
        }
        note!(
            "aitrace serve: WARNING: listening on {} (--allow-remote): anyone who can reach this machine's ports {} and {} can send spans and read every stored trace{}",
            options.host,
            options.grpc_port,
            options.http_port,
            if options.token.is_some() {
                " that has the token"
            } else {
                "; set a token with AITRACE_TOKEN"
            }
        );
    }
    let (conn, lock) = store::open_for_writing(&options.store.path)?;
    let (writer, handle) = Writer::start(conn, lock, options.store.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("aitrace-serve")
        .build()
        .map_err(ServeError::Runtime)?;
    let outcome = runtime.block_on(serve(&options, handle));
    // Dropping the runtime drops every task and with them the writer's
    // handles: the writer stores what is queued, checkpoints and ends.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    writer.join();
    outcome
}

async fn serve(options: &ServeOptions, writer: WriterHandle) -> Result<(), ServeError> {
    let bind = |port: u16, what: &'static str, flag: &'static str| async move {
        let addr = SocketAddr::new(options.host, port);
        TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr,
                what,
                flag,
                source,
            })
    };
    let grpc = bind(options.grpc_port, "OTLP/gRPC", "--grpc-port").await?;
    let http = bind(
        options.http_port,
        "OTLP/HTTP and the web view",
        "--http-port",
    )
    .await?;
    let grpc_addr = grpc.local_addr().map_err(ServeError::Runtime)?;
    let http_addr = http.local_addr().map_err(ServeError::Runtime)?;
    let shared = Arc::new(Shared {
        writer: writer.clone(),
        readers: Readers::new(options.store.path.clone()),
        token: options.token.clone(),
        max_request_bytes: options.max_request_bytes,
        check_host: options.host.is_loopback(),
        grpc_addr,
        http_addr,
        metrics: metrics::MetricsReceived::default(),
    });
    print_banner(options, grpc_addr, http_addr);

    #[cfg(unix)]
    // A write past a file size limit (ulimit -f) raises SIGXFSZ, which would
    // kill the server; handled, the write fails instead and the request gets
    // an error its sender retries.
    let _xfsz = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(25)).ok();

    let (stop, stopped) = watch::channel(false);
    let until_stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let mut grpc_task = tokio::spawn(
        tonic::transport::Server::builder()
            // HTTP/2's default flow-control windows (64 KiB for the whole
            // connection) let an exporter's 4 MiB batches through a few
            // round trips at a time; requests up to the cap fit at once.
            .initial_connection_window_size(
                u32::try_from(options.max_request_bytes.saturating_mul(2)).unwrap_or(u32::MAX >> 1),
            )
            .initial_stream_window_size(
                u32::try_from(options.max_request_bytes).unwrap_or(u32::MAX >> 1),
            )
            .add_service(grpc::Service::<grpc::Traces>::new(shared.clone()))
            .add_service(grpc::Service::<grpc::Metrics>::new(shared.clone()))
            .serve_with_incoming_shutdown(
                tonic::transport::server::TcpIncoming::from(grpc),
                until_stopped(stopped.clone()),
            ),
    );
    let mut http_task = tokio::spawn(
        axum::serve(http, http::router(shared.clone()))
            .with_graceful_shutdown(until_stopped(stopped.clone()))
            .into_future(),
    );
    let retention = tokio::spawn(async move {
        let mut tick = tokio::time::interval(RETENTION_EVERY);
        loop {
            tick.tick().await;
            writer.run_retention().await;
        }
    });

    let outcome = tokio::select! {
        _ = shutdown_signal() => Ok(()),
        r = &mut grpc_task => server_outcome("OTLP/gRPC", r.map(|r| r.map_err(|e| e.to_string()))),
        r = &mut http_task => server_outcome("OTLP/HTTP", r.map(|r| r.map_err(|e| e.to_string()))),
    };
    let _ = stop.send(true);
    retention.abort();
    note!("aitrace serve: stopping");
    // Requests in flight get their answers (each after its commit); past the
    // grace period the runtime's shutdown drops what is left, and a sender
    // whose request was stored but not answered sends it again (stored once).
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        // A handle is awaited once: the one that ended the select is done.
        if !grpc_task.is_finished() {
            let _ = (&mut grpc_task).await;
        }
        if !http_task.is_finished() {
            let _ = (&mut http_task).await;
        }
    })
    .await;
    let points = shared.metrics.points();
    if points > 0 {
        note!("aitrace serve: {points} metric data points were acknowledged and not kept");
    }
    outcome
}

fn server_outcome(
    what: &'static str,
    r: Result<Result<(), String>, tokio::task::JoinError>,
) -> Result<(), ServeError> {
    let detail = match r {
        Ok(Ok(())) => "it ended".to_string(),
        Ok(Err(e)) => e,
        Err(e) => e.to_string(),
    };
    Err(ServeError::Server { what, detail })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Prints where the server listens. Standard output may be a closed pipe (a
/// reader that went away): that is no reason to stop, so write errors are ignored.
fn print_banner(options: &ServeOptions, grpc: SocketAddr, http: SocketAddr) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let retention = match (options.store.max_age, options.store.max_bytes) {
        (None, None) => "kept for ever".to_string(),
        (age, size) => {
            let mut parts = Vec::new();
            if let Some(a) = age {
                parts.push(format!("up to {}", fmt_duration(a)));
            }
            if let Some(s) = size {
                parts.push(format!("up to {}", fmt_bytes(s)));
            }
            parts.join(", ")
        }
    };
    let _ = writeln!(out, "aitrace serve {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        out,
        "  store      {} ({retention})",
        options.store.path.display()
    );
    let _ = writeln!(out, "  OTLP/gRPC  http://{grpc}");
    let _ = writeln!(out, "  OTLP/HTTP  http://{http}/v1/traces");
    let _ = writeln!(
        out,
        "  metrics    acknowledged and not kept (gRPC, http://{http}/v1/metrics)"
    );
    let _ = writeln!(out, "  web view   http://{http}/");
    let _ = writeln!(
        out,
        "Send traces with OTEL_EXPORTER_OTLP_ENDPOINT=http://{http}"
    );
    if options.token.is_some() {
        let _ = writeln!(
        out,
        "A token is required: senders add OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>; open the web view once as http://{http}/?token=<token>");
    }
    let _ = writeln!(out, "Ctrl-C stops it.");
}
