//! The code `#[traced]` puts around a function body.
//!
//! The generated code names `::aitrace::…` paths only. The choices that depend on
//! types (is the return value a `Result`, can an argument be serialised, does an
//! error implement `Display`) are made by the compiler through autoref dispatch
//! on `::aitrace::__private` helpers, so the macro never guesses from the spelling
//! of a type, and never makes a function fail to compile because of its types.

use crate::args::{Args, Kind};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::ext::IdentExt;
use syn::{Error, FnArg, Ident, Item, ItemFn, Pat, Result, ReturnType, Type, TypeParamBound};

/// Checks the item and wraps its body.
pub(crate) fn expand(args: Args, item: Item) -> Result<TokenStream> {
    let func = match item {
        Item::Fn(func) => func,
        other => return Err(not_a_function(&other)),
    };
    if let Some(token) = &func.sig.constness {
        return Err(Error::new(
            token.span,
            "#[aitrace::traced] cannot be used on a `const fn`: a span starts and ends at run time",
        ));
    }
    if let Some(variadic) = &func.sig.variadic {
        return Err(Error::new_spanned(
            variadic,
            "#[aitrace::traced] cannot be used on a variadic function",
        ));
    }
    let returned = classify_return(&func)?;
    let captured = captured_arguments(&func, &args)?;
    Ok(wrap(&func, &args, &captured, &returned))
}

/// What the function returns, as far as recording it goes.
enum Returned<'a> {
    /// Nothing (`()`): the body runs inline and nothing is recorded after it.
    Unit,
    /// A type that cannot be named in the body (`impl Trait`, `!`): the body runs
    /// inline; the span ends when the function returns, but the value is not recorded.
    Unnameable,
    /// A type the generated code can name: errors and the returned value are recorded.
    Named(&'a Type),
}

fn classify_return(func: &ItemFn) -> Result<Returned<'_>> {
    let ty = match &func.sig.output {
        ReturnType::Default => return Ok(Returned::Unit),
        ReturnType::Type(_, ty) => &**ty,
    };
    if matches!(ty, Type::Tuple(t) if t.elems.is_empty()) {
        return Ok(Returned::Unit);
    }
    if let (None, Type::ImplTrait(imp)) = (&func.sig.asyncness, ty) {
        let is_future = imp.bounds.iter().any(|b| match b {
            TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Future"),
            _ => false,
        });
        if is_future {
            return Err(Error::new_spanned(
                ty,
                "#[aitrace::traced] on a function that returns `impl Future` would time only the \
                 creation of the future, not its work; write it as an `async fn`, or wrap the \
                 future with `span.wrap(future)`",
            ));
        }
    }
    if matches!(ty, Type::Never(_)) || mentions_impl(ty.to_token_stream()) {
        return Ok(Returned::Unnameable);
    }
    Ok(Returned::Named(ty))
}

/// True when `tokens` hold an `impl` keyword at any depth (`impl Trait` anywhere
/// inside the type, such as `Box<impl Fn()>` or `Result<impl Display, E>`).
fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "impl",
        TokenTree::Group(g) => mentions_impl(g.stream()),
        _ => false,
    })
}

/// The names bound by the function's arguments (`self` excepted), less those
/// skipped; an error for a skipped name that is not an argument.
fn captured_arguments(func: &ItemFn, args: &Args) -> Result<Vec<Ident>> {
    let mut bound = Vec::new();
    for input in &func.sig.inputs {
        if let FnArg::Typed(pat_type) = input {
            bindings(&pat_type.pat, &mut bound);
        }
    }
    for skipped in &args.skip {
        if !bound.iter().any(|b| b.unraw() == skipped.unraw()) {
            let names: Vec<String> = bound.iter().map(|b| format!("`{}`", b.unraw())).collect();
            let has = if names.is_empty() {
                "it takes no arguments that could be recorded".to_string()
            } else {
                format!("its arguments are {}", names.join(", "))
            };
            return Err(Error::new(
                skipped.span(),
                format!(
                    "`skip`: `{}` is not an argument of `{}`; {has}",
                    skipped.unraw(),
                    func.sig.ident.unraw()
                ),
            ));
        }
    }
    if args.skip_all {
        return Ok(Vec::new());
    }
    bound.retain(|b| !args.skip.iter().any(|s| s.unraw() == b.unraw()));
    Ok(bound)
}

/// The identifiers a parameter pattern binds: `x`, and those of destructuring
/// patterns such as `(a, b)` or `Point { x, y }`. `_` binds none.
fn bindings(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                bindings(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| bindings(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| bindings(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| bindings(&f.pat, out)),
        Pat::Reference(r) => bindings(&r.pat, out),
        Pat::Paren(p) => bindings(&p.pat, out),
        Pat::Type(t) => bindings(&t.pat, out),
        _ => {}
    }
}

/// The error for an item that is not a function with a body, at its keyword.
fn not_a_function(item: &Item) -> Error {
    let (what, at): (&str, TokenStream) = match item {
        Item::Struct(i) => ("a struct", i.struct_token.to_token_stream()),
        Item::Enum(i) => ("an enum", i.enum_token.to_token_stream()),
        Item::Union(i) => ("a union", i.union_token.to_token_stream()),
        Item::Trait(i) => ("a trait", i.trait_token.to_token_stream()),
        Item::Impl(i) => (
            "an impl block (put it on the methods)",
            i.impl_token.to_token_stream(),
        ),
        Item::Mod(i) => ("a module", i.mod_token.to_token_stream()),
        Item::Const(i) => ("a const", i.const_token.to_token_stream()),
        Item::Static(i) => ("a static", i.static_token.to_token_stream()),
        Item::Type(i) => ("a type alias", i.type_token.to_token_stream()),
        Item::Use(i) => ("a use declaration", i.use_token.to_token_stream()),
        Item::Macro(i) => ("a macro", i.mac.path.to_token_stream()),
        Item::Verbatim(tokens) => ("a declaration without a body", tokens.clone()),
        other => ("this item", other.to_token_stream()),
    };
    Error::new_spanned(
        at,
        format!("#[aitrace::traced] applies to functions and methods with a body, not to {what}"),
    )
}

/// The function with its body wrapped.
fn wrap(func: &ItemFn, args: &Args, captured: &[Ident], returned: &Returned<'_>) -> TokenStream {
    // Locals of the generated code are hygienic: the body cannot see them, nor
    // can its names shadow them.
    let span = Ident::new("__aitrace_span", Span::mixed_site());
    let ret = Ident::new("__aitrace_ret", Span::mixed_site());
    let guard = Ident::new("__aitrace_guard", Span::mixed_site());

    let name = match &args.name {
        Some(lit) => lit.to_token_stream(),
        None => {
            let name = func.sig.ident.unraw().to_string();
            quote!(#name)
        }
    };
    let start = match args.kind {
        Kind::Custom => quote!(::aitrace::custom(#name).start()),
        Kind::Tool => quote!(::aitrace::tool(#name).start()),
        Kind::Agent => quote!(::aitrace::agent(#name).start()),
        Kind::Workflow => quote!(::aitrace::trace(#name).start()),
    };
    let capture = capture_arguments(&span, captured);
    let block = &func.block;
    let is_async = func.sig.asyncness.is_some();
    let records_error = matches!(returned, Returned::Named(_)) && !args.no_err;
    let binding = if records_error || is_async {
        quote!(let mut #span)
    } else {
        quote!(let #span)
    };

    let body = match (returned, is_async) {
        (Returned::Named(ty), true) => {
            let record = record_outcome(&span, &ret, args);
            quote! {
                let #ret = #span.wrap::<#ty, _>(async move #block).await;
                #span.completed();
                #record
                #ret
            }
        }
        (Returned::Named(ty), false) => {
            let record = record_outcome(&span, &ret, args);
            quote! {
                let #ret = #span.in_scope::<#ty, _>(move || #block);
                #record
                #ret
            }
        }
        (Returned::Unit | Returned::Unnameable, true) => quote! {
            let #ret = #span.wrap(async move #block).await;
            #span.completed();
            #ret
        },
        (Returned::Unit | Returned::Unnameable, false) => quote! {
            let #guard = #span.enter();
            #block
        },
    };

    let attrs = &func.attrs;
    let vis = &func.vis;
    let defaultness = &func.modifiers.defaultness;
    let sig = &func.sig;
    quote! {
        #(#attrs)*
        #vis #defaultness #sig {
            #binding = ::aitrace::__private::Traced::new(#start, #is_async);
            #capture
            #body
        }
    }
}

/// Records the captured arguments as one JSON object, under the content policy:
/// the closure that builds it runs only when the span records and captures content.
fn capture_arguments(span: &Ident, captured: &[Ident]) -> TokenStream {
    if captured.is_empty() {
        return TokenStream::new();
    }
    let entries = captured.iter().map(|arg| {
        let key = arg.unraw().to_string();
        quote!((#key, (&&&::aitrace::__private::Capture(&#arg)).__aitrace_capture()))
    });
    quote! {
        {
            #[allow(unused_imports)]
            use ::aitrace::__private::{ViaDebug as _, ViaSerialize as _, ViaTypeName as _};
            #span.record_arguments(&::aitrace::__private::Lazy(|| {
                ::aitrace::__private::object([#(#entries),*])
            }));
        }
    }
}

/// Records an `Err` as the span's error, and the returned value (the `Ok` value of
/// a `Result`) as its output, each unless switched off.
fn record_outcome(span: &Ident, ret: &Ident, args: &Args) -> TokenStream {
    let err = Ident::new("__aitrace_error", Span::mixed_site());
    let value = Ident::new("__aitrace_value", Span::mixed_site());
    let error = (!args.no_err).then(|| {
        quote! {
            if let ::core::option::Option::Some(#err) =
                (&&::aitrace::__private::Outcome(&#ret)).__aitrace_err()
            {
                #span.record_failure(|| {
                    (&&&::aitrace::__private::ErrorRef(#err)).__aitrace_describe()
                });
            }
        }
    });
    let output = (!args.skip_output).then(|| {
        quote! {
            if let ::core::option::Option::Some(#value) =
                (&&::aitrace::__private::Outcome(&#ret)).__aitrace_ok()
            {
                if !(&&::aitrace::__private::Capture(#value)).__aitrace_is_unit() {
                    #span.record_returned(&::aitrace::__private::Lazy(|| {
                        (&&&::aitrace::__private::Capture(#value)).__aitrace_capture()
                    }));
                }
            }
        }
    });
    if error.is_none() && output.is_none() {
        return TokenStream::new();
    }
    quote! {
        {
            #[allow(unused_imports)]
            use ::aitrace::__private::{
                ErrorDebug as _, ErrorDisplay as _, ErrorOpaque as _, NotResult as _,
                NotUnit as _, IsResult as _, IsUnit as _, ViaDebug as _, ViaSerialize as _,
                ViaTypeName as _,
            };
            #error
            #output
        }
    }
}
