//! The command line: `aitrace serve`, `aitrace query`, `aitrace tail`.

use crate::paths::default_db;
use crate::serve::auth::Token;
use crate::serve::{self, ServeOptions, DEFAULT_GRPC_PORT, DEFAULT_HTTP_PORT};
use crate::store::read::AttributeFilter;
use crate::store::StoreOptions;
use crate::units::{parse_duration, parse_size};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::net::IpAddr;
use std::path::PathBuf;

/// See your agent runs: a local OTLP receiver with a trace store and a web
/// view, and queries for scripts.
#[derive(Parser, Debug)]
#[command(name = "aitrace", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Receive OTLP traces (gRPC and HTTP), keep them in a SQLite file, and
    /// serve the web view.
    Serve(ServeArgs),
    /// Print stored traces as the console tree or as JSON: by trace id, by
    /// conversation, or by attribute.
    Query(QueryArgs),
    /// Print traces as the console tree as they arrive.
    Tail(TailArgs),
}

#[derive(Args, Debug)]
struct Db {
    /// The trace store [default: $XDG_DATA_HOME/aitrace/traces.db, else
    /// ~/.local/share/aitrace/traces.db]
    #[arg(long, env = "AITRACE_DB", value_name = "FILE")]
    db: Option<PathBuf>,
}

impl Db {
    fn path(&self) -> Result<PathBuf, String> {
        self.db.clone().or_else(default_db).ok_or_else(|| {
            "no home directory to keep the trace store in: give a file with --db or AITRACE_DB"
                .to_string()
        })
    }
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    db: Db,
    /// The address to listen on. Anything but a loopback address needs
    /// --allow-remote.
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
    host: IpAddr,
    /// Listen on a non-loopback address: every stored trace can then be read
    /// by whoever reaches the ports (set AITRACE_TOKEN).
    #[arg(long)]
    allow_remote: bool,
    /// The OTLP/gRPC port (0: any free port).
    #[arg(long, default_value_t = DEFAULT_GRPC_PORT, value_name = "PORT")]
    grpc_port: u16,
    /// The OTLP/HTTP and web view port (0: any free port).
    #[arg(long, default_value_t = DEFAULT_HTTP_PORT, value_name = "PORT")]
    http_port: u16,
    /// Delete traces older than this (30d, 12h, …; none keeps them).
    #[arg(long, default_value = "30d", value_name = "AGE")]
    max_age: String,
    /// Delete the oldest traces while the store is larger than this (2GiB,
    /// 500MB, …; none for no limit).
    #[arg(long, default_value = "2GiB", value_name = "SIZE")]
    max_size: String,
    /// Refuse requests larger than this, decompressed (gzip bombs included).
    #[arg(long, default_value = "16MiB", value_name = "SIZE")]
    max_request_size: String,
    /// Require this bearer token on OTLP requests and web pages (16 to 256
    /// characters: letters, digits, - . _ ~ + / =). Prefer the environment
    /// variable: a flag is visible to other users in the process list.
    #[arg(
        long,
        env = "AITRACE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    token: Option<String>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Format {
    /// The console tree with each trace's summary.
    Tree,
    /// One JSON array of traces.
    Json,
    /// One JSON object per line, a trace each.
    Jsonl,
}

#[derive(Args, Debug)]
struct QueryArgs {
    #[command(flatten)]
    db: Db,
    /// Trace ids (32 hexadecimal digits); without any, the newest traces that
    /// pass the filters.
    #[arg(value_name = "TRACE_ID")]
    trace_ids: Vec<String>,
    /// Traces of this conversation (ai.conversation.id, gen_ai.conversation.id
    /// or session.id), in the order they started.
    #[arg(long, value_name = "ID")]
    conversation: Option<String>,
    /// Traces with a span whose attribute KEY has the value VALUE (a number
    /// or boolean written as in JSON); repeat for more conditions, all of
    /// which must hold.
    #[arg(long = "attr", value_name = "KEY=VALUE", value_parser = attribute_filter)]
    attributes: Vec<AttributeFilter>,
    /// Traces of this service (the root span's service.name).
    #[arg(long)]
    service: Option<String>,
    /// Traces with a call to this model.
    #[arg(long)]
    model: Option<String>,
    /// Traces with an error.
    #[arg(long)]
    errors: bool,
    /// Traces that started in this last period (15m, 24h, 7d, …).
    #[arg(long, value_name = "AGE")]
    since: Option<String>,
    /// Print at most this many traces (the newest).
    #[arg(long, default_value_t = 20, value_name = "N")]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Tree)]
    format: Format,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Color {
    /// When standard output is a terminal and NO_COLOR is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

#[derive(Args, Debug)]
struct TailArgs {
    #[command(flatten)]
    db: Db,
    /// Leave out the summary after each trace.
    #[arg(long)]
    no_summary: bool,
    /// Colour.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

fn attribute_filter(s: &str) -> Result<AttributeFilter, String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok(AttributeFilter {
            key: k.to_string(),
            value: v.to_string(),
        }),
        _ => Err(format!("{s:?} is not KEY=VALUE")),
    }
}

/// Runs the command line; the error is what to print before exiting with 1.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve(a) => serve_cmd(a),
        Command::Query(a) => {
            let filter = crate::query::Request {
                trace_ids: a.trace_ids,
                conversation: a.conversation,
                attributes: a.attributes,
                service: a.service,
                model: a.model,
                errors: a.errors,
                since: a
                    .since
                    .as_deref()
                    .map(parse_duration)
                    .transpose()
                    .map_err(|e| format!("--since: {e}"))?
                    .flatten(),
                limit: a.limit.max(1),
            };
            let format = match a.format {
                Format::Tree => crate::query::Output::Tree,
                Format::Json => crate::query::Output::Json,
                Format::Jsonl => crate::query::Output::JsonLines,
            };
            crate::query::run(&a.db.path()?, &filter, format)
        }
        Command::Tail(a) => {
            let color = match a.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    use std::io::IsTerminal;
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            crate::tail::run(&a.db.path()?, !a.no_summary, color)
        }
    }
}

fn serve_cmd(a: ServeArgs) -> Result<(), String> {
    let max_age = parse_duration(&a.max_age).map_err(|e| format!("--max-age: {e}"))?;
    let max_bytes = parse_size(&a.max_size).map_err(|e| format!("--max-size: {e}"))?;
    let max_request = parse_size(&a.max_request_size)
        .map_err(|e| format!("--max-request-size: {e}"))?
        .ok_or("--max-request-size: a limit is needed (none is not accepted)")?;
    let token = a
        .token
        .as_deref()
        .map(Token::new)
        .transpose()
        .map_err(|e| format!("AITRACE_TOKEN / --token: {e}"))?;
    let options = ServeOptions {
        host: a.host,
        allow_remote: a.allow_remote,
        grpc_port: a.grpc_port,
        http_port: a.http_port,
        token,
        store: StoreOptions {
            path: a.db.path()?,
            max_age,
            max_bytes,
        },
        max_request_bytes: usize::try_from(max_request).unwrap_or(usize::MAX),
    };
    serve::run(options).map_err(|e| e.to_string())
}
