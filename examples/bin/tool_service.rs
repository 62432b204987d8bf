//! The tool service as its own process. Prints `listening on http://ADDR` first,
//! then serves until its standard input closes (or forever with `--forever`).
//!
//! ```sh
//! OTEL_SERVICE_NAME=tool-service cargo run -p aitrace-examples --bin tool_service -- 127.0.0.1:8081 --forever
//! ```

use std::io::{Read, Write};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let tracing = match aitrace_sdk::init() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot set up tracing: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let forever = std::env::args().any(|a| a == "--forever");
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
    println!("listening on http://{local}");
    let _ = std::io::stdout().flush();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    if !forever {
        std::thread::spawn(move || {
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            let _ = tx.send(());
        });
    } else {
        std::mem::forget(tx);
    }
    aitrace_examples::two_services::tool_service::serve(listener, async {
        let _ = rx.await;
    })
    .await;
    match tracing.shutdown() {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
