//! The arguments of `#[traced(..)]`: parsed, checked, and every mistake reported
//! at the token that makes it, with what is accepted.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Error, Expr, ExprLit, ExprPath, Ident, Lit, LitStr, Result, Token};

/// What the attribute accepts, for the "unknown argument" message.
const ACCEPTED: &str =
    "name = \"…\", kind = custom | tool | agent | workflow, skip(arg, …), skip_all, skip_output, no_err";

/// The span kinds the attribute can start, for the messages about `kind`.
const KINDS: &str = "custom, tool, agent, workflow";

/// The typed span a traced function starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `aitrace::custom(name)`: a span named `name`.
    Custom,
    /// `aitrace::tool(name)`: `execute_tool {name}`; arguments and result as tool I/O.
    Tool,
    /// `aitrace::agent(name)`: `invoke_agent {name}`.
    Agent,
    /// `aitrace::trace(name)`: `invoke_workflow {name}`, the local root of a run.
    Workflow,
}

/// The parsed arguments.
pub(crate) struct Args {
    /// `name = "…"`; the function's name when absent.
    pub(crate) name: Option<LitStr>,
    pub(crate) kind: Kind,
    /// `skip(a, b)`: argument names, checked against the signature later.
    pub(crate) skip: Vec<Ident>,
    pub(crate) skip_all: bool,
    pub(crate) skip_output: bool,
    pub(crate) no_err: bool,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> Result<Self> {
        let mut args = Args {
            name: None,
            kind: Kind::Custom,
            skip: Vec::new(),
            skip_all: false,
            skip_output: false,
            no_err: false,
        };
        let mut seen: Vec<String> = Vec::new();
        let mut skip_key: Option<Ident> = None;
        while !input.is_empty() {
            // Any word, keywords included, so that `crate = ..` or `type = ..` get
            // the "unknown argument" message rather than a parser's.
            let key = input.call(Ident::parse_any)?;
            let key_name = key.to_string();
            if seen.contains(&key_name) {
                return Err(Error::new(
                    key.span(),
                    format!("duplicate argument `{key_name}`: give it once"),
                ));
            }
            match key_name.as_str() {
                "name" => args.name = Some(parse_name(&key, input)?),
                "kind" => args.kind = parse_kind(&key, input)?,
                "skip" => {
                    args.skip = parse_skip(&key, input)?;
                    skip_key = Some(key.clone());
                }
                "skip_all" => args.skip_all = parse_flag(&key, input)?,
                "skip_output" => args.skip_output = parse_flag(&key, input)?,
                "no_err" => args.no_err = parse_flag(&key, input)?,
                _ => {
                    return Err(Error::new(
                        key.span(),
                        format!(
                            "unknown argument `{key_name}`; #[aitrace::traced] accepts {ACCEPTED}"
                        ),
                    ))
                }
            }
            seen.push(key_name);
            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                return Err(input.error("expected `,` between the arguments of #[aitrace::traced]"));
            }
            input.parse::<Token![,]>()?;
        }
        if let (true, Some(key)) = (args.skip_all, skip_key) {
            return Err(Error::new(
                key.span(),
                "`skip(..)` with `skip_all`: skip_all already leaves out every argument; keep one of them",
            ));
        }
        Ok(args)
    }
}

/// `= <expr>` after `key`, or an error saying how the argument is written.
fn value(key: &Ident, input: ParseStream<'_>, example: &str) -> Result<Expr> {
    if !input.peek(Token![=]) {
        return Err(Error::new(
            key.span(),
            format!("`{key}` needs a value, such as {example}"),
        ));
    }
    input.parse::<Token![=]>()?;
    input.parse()
}

fn parse_name(key: &Ident, input: ParseStream<'_>) -> Result<LitStr> {
    const EXAMPLE: &str = "name = \"load_profile\"";
    match value(key, input, EXAMPLE)? {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            if s.value().is_empty() {
                Err(Error::new(s.span(), "`name` must not be empty"))
            } else {
                Ok(s)
            }
        }
        other => Err(Error::new_spanned(
            other,
            format!("`name` must be a string literal, such as {EXAMPLE}"),
        )),
    }
}

fn parse_kind(key: &Ident, input: ParseStream<'_>) -> Result<Kind> {
    let expr = value(key, input, "kind = tool")?;
    let (word, span) = match &expr {
        Expr::Path(ExprPath {
            path, qself: None, ..
        }) if path.get_ident().is_some() => {
            let ident = path.get_ident().map(|i| i.unraw());
            let ident = ident.unwrap_or_else(|| Ident::new("_", Span::call_site()));
            (ident.to_string(), ident.span())
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => (s.value(), s.span()),
        other => {
            return Err(Error::new_spanned(
                other,
                format!("`kind` must be one of {KINDS}, such as kind = tool"),
            ))
        }
    };
    match word.as_str() {
        "custom" => Ok(Kind::Custom),
        "tool" => Ok(Kind::Tool),
        "agent" => Ok(Kind::Agent),
        "workflow" => Ok(Kind::Workflow),
        other => Err(Error::new(span, unsupported_kind(other))),
    }
}

/// Why `kind` cannot be a span type the attribute does not start: the typed
/// spans that need data a signature does not give are named with what they need.
fn unsupported_kind(kind: &str) -> String {
    let needs = match kind {
        "generation" => Some((
            "a provider and a model",
            "aitrace::generation(provider, model)",
        )),
        "embedding" | "embeddings" => Some((
            "a provider and a model",
            "aitrace::embeddings(provider, model)",
        )),
        "transcription" => Some((
            "a provider and a model",
            "aitrace::transcription(provider, model)",
        )),
        "speech" => Some(("a provider and a model", "aitrace::speech(provider, model)")),
        "handoff" => Some((
            "the agents it hands from and to",
            "aitrace::handoff(from, to)",
        )),
        "guardrail" => Some((
            "its verdict (triggered or not, and why)",
            "aitrace::guardrail(name)",
        )),
        "retrieval" => Some(("the documents found", "aitrace::retrieval(source)")),
        "mcp_list_tools" => Some((
            "the server and its tools",
            "aitrace::mcp_list_tools(server)",
        )),
        "speech_group" => Some(("the voice turn it groups", "aitrace::speech_group()")),
        _ => None,
    };
    match needs {
        Some((what, start)) => format!(
            "kind `{kind}` needs {what}, which a function signature does not give; \
             start that span in the function body with `{start}` instead. \
             #[aitrace::traced] accepts kinds: {KINDS}"
        ),
        None => format!("unknown kind `{kind}`; #[aitrace::traced] accepts kinds: {KINDS}"),
    }
}

fn parse_skip(key: &Ident, input: ParseStream<'_>) -> Result<Vec<Ident>> {
    if !input.peek(syn::token::Paren) {
        return Err(Error::new(
            key.span(),
            "`skip` lists the arguments to leave out, such as skip(password, client)",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let names: Punctuated<Ident, Token![,]> =
        content.parse_terminated(Ident::parse_any, Token![,])?;
    let mut out: Vec<Ident> = Vec::new();
    for name in names {
        if name == "self" {
            return Err(Error::new(
                name.span(),
                "`self` is never recorded, so it needs no `skip`",
            ));
        }
        if out.iter().any(|n| n.unraw() == name.unraw()) {
            return Err(Error::new(
                name.span(),
                format!("`{}` is listed twice in `skip`", name.unraw()),
            ));
        }
        out.push(name);
    }
    if out.is_empty() {
        return Err(Error::new(
            key.span(),
            "`skip()` lists no argument; name the arguments to leave out, or remove it",
        ));
    }
    Ok(out)
}

fn parse_flag(key: &Ident, input: ParseStream<'_>) -> Result<bool> {
    if input.peek(Token![=]) || input.peek(syn::token::Paren) {
        return Err(Error::new(
            key.span(),
            format!("`{key}` takes no value: write `{key}` alone"),
        ));
    }
    Ok(true)
}
