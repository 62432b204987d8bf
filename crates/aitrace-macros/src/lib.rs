//! The `#[traced]` attribute of [aitrace](https://docs.rs/aitrace).
//!
//! Do not depend on this crate directly: use `#[aitrace::traced]`, which the
//! `aitrace` crate re-exports behind its default `macros` feature and documents
//! there. The code the attribute generates refers to `::aitrace` paths only.
#![warn(missing_docs)]

mod args;
mod expand;

use proc_macro::TokenStream;

/// (This attribute is defined in the `aitrace-macros` crate; depend on
/// `aitrace` and write `#[aitrace::traced]`.)
#[proc_macro_attribute]
pub fn traced(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = match syn::parse::<args::Args>(attr) {
        Ok(args) => args,
        Err(e) => return with_item(e, item),
    };
    let parsed = match syn::parse::<syn::Item>(item.clone()) {
        Ok(parsed) => parsed,
        Err(e) => return with_item(e, item),
    };
    match expand::expand(args, parsed) {
        Ok(tokens) => tokens.into(),
        Err(e) => with_item(e, item),
    }
}

/// The error, followed by the item unchanged: the build reports the attribute's
/// mistake alone, not a cascade of errors about a function that went missing.
fn with_item(error: syn::Error, item: TokenStream) -> TokenStream {
    let mut out: TokenStream = error.to_compile_error().into();
    out.extend(item);
    out
}
