//! Misusing `#[traced]` is a compile error at the offending token that says what
//! is accepted: an unknown argument, an unknown kind, a kind that needs data a
//! signature does not give, a `name` that is not a string literal, the attribute
//! on something that is not a function, an argument given twice, a `skip` of an
//! argument that does not exist, a `const fn`, a function returning
//! `impl Future`, a flag given a value. The expected messages are the `.stderr`
//! files beside each case in `tests/ui/traced/`.
#![cfg(feature = "macros")]

#[test]
fn misuse_is_a_clear_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/traced/*.rs");
}
