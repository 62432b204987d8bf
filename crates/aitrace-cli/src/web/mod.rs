//! The web view: server-rendered pages with no script at all, one
//! stylesheet and inline SVG, all embedded in the binary, so it works offline
//! and under a strict content security policy.
//!
//! - `/`: the trace list, newest first, with filters and pages;
//! - `/trace/{id}`: the AI tree as the console draws it, a timeline, the
//!   critical path, and the selected span's attributes, events and content;
//! - `/conversation/{id}`: the traces of a conversation in order, with totals;
//! - `/models`: tokens and cost by model over time.

pub mod chart;
pub mod conversation;
pub mod html;
pub mod list;
pub mod models;
pub mod trace;

use crate::serve::Shared;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http::header::{CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::StatusCode;
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::Arc;

/// The stylesheet, embedded.
const STYLE: &str = include_str!("style.css");

/// Query parameters of a page.
pub type Params = HashMap<String, String>;

/// The routes of the web view.
pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/", get(list_page))
        .route("/trace/{id}", get(trace_page))
        .route("/conversation/{id}", get(conversation_page))
        .route("/models", get(models_page))
        .route("/assets/style.css", get(style))
}

/// A rendered page, or a page saying why there is none.
pub struct Rendered {
    status: StatusCode,
    html: String,
}

impl Rendered {
    /// A page.
    pub fn ok(html: String) -> Rendered {
        Rendered {
            status: StatusCode::OK,
            html,
        }
    }

    /// A page saying what was not found.
    pub fn not_found(what: &str) -> Rendered {
        Rendered {
            status: StatusCode::NOT_FOUND,
            html: html::page(
                "Not found",
                "",
                &format!(
                    "<h1>Not found</h1><p class=\"empty\">{}</p><p><a href=\"/\">All traces</a></p>",
                    html::esc(what)
                ),
            ),
        }
    }
}

async fn render(
    shared: Arc<Shared>,
    page: impl FnOnce(&Connection, &Shared) -> rusqlite::Result<Rendered> + Send + 'static,
) -> Response {
    let outcome = tokio::task::spawn_blocking(move || {
        let s = shared.clone();
        shared.readers.with(|conn| page(conn, &s))
    })
    .await;
    let (status, body) = match outcome {
        Ok(Ok(r)) => (r.status, r.html),
        Ok(Err(e)) => (
            if e.retryable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::INTERNAL_SERVER_ERROR
            },
            error_page(&e.to_string()),
        ),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            error_page(&format!("the page failed: {e}")),
        ),
    };
    (
        status,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn error_page(message: &str) -> String {
    html::page(
        "Error",
        "",
        &format!(
            "<h1>The trace store cannot be read</h1><p class=\"error\">{}</p>",
            html::esc(message)
        ),
    )
}

/// The page a request without the token gets.
pub fn unauthorized() -> Response {
    let body = html::page(
        "Token required",
        "",
        "<h1>Token required</h1><p>This aitrace serve is protected by a token. \
         Open this address once with <code>?token=&lt;token&gt;</code> at the end \
         (the token is the one given to <code>aitrace serve</code> in AITRACE_TOKEN); \
         the browser keeps it in a cookie for this site.</p>",
    );
    (
        StatusCode::UNAUTHORIZED,
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (WWW_AUTHENTICATE, "Bearer"),
        ],
        body,
    )
        .into_response()
}

async fn list_page(State(shared): State<Arc<Shared>>, Query(params): Query<Params>) -> Response {
    render(shared, move |conn, s| list::page_of(conn, s, &params)).await
}

async fn trace_page(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    render(shared, move |conn, _| trace::page_of(conn, &id, &params)).await
}

async fn conversation_page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    render(shared, move |conn, _| conversation::page_of(conn, &id)).await
}

async fn models_page(State(shared): State<Arc<Shared>>, Query(params): Query<Params>) -> Response {
    render(shared, move |conn, _| models::page_of(conn, &params)).await
}

async fn style() -> Response {
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}
