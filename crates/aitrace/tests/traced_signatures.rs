//! `#[traced]` keeps every kind of signature working: free functions, methods
//! taking `self`, `&self` and `&mut self` (returning borrows of `self` too),
//! generics, `impl Trait` arguments, `where` clauses, destructured arguments,
//! `unsafe fn`, `extern "C" fn`, trait methods with a body, async methods
//! (returning borrows too), and functions that return `impl Trait`; each call
//! returns what the body returns and makes one span named after the function,
//! a child of the caller's span. The generated code's locals are hygienic.
#![cfg(feature = "macros")]

use aitrace_sdk::testing::{by_name, install_in_memory};
use std::fmt::Display;

#[derive(Debug, Default)]
struct Counter {
    hits: Vec<u32>,
    label: String,
}

impl Counter {
    /// Doc comments and other attributes stay on the function.
    #[aitrace::traced]
    #[must_use]
    pub fn label(&self) -> &str {
        &self.label
    }

    #[aitrace::traced]
    fn first_mut(&mut self) -> &mut u32 {
        &mut self.hits[0]
    }

    #[aitrace::traced]
    fn push(&mut self, n: u32) {
        self.hits.push(n);
    }

    #[aitrace::traced]
    fn into_hits(self) -> Vec<u32> {
        self.hits
    }

    #[aitrace::traced]
    fn boxed(self: Box<Self>) -> usize {
        self.hits.len()
    }

    #[aitrace::traced]
    async fn total(&self, extra: u32) -> u32 {
        tokio::task::yield_now().await;
        self.hits.iter().sum::<u32>() + extra
    }

    #[aitrace::traced]
    fn new_labelled(label: impl Into<String>) -> Self {
        Counter {
            hits: vec![0],
            label: label.into(),
        }
    }
}

struct Wrapper<T>(T);

impl<T: std::fmt::Debug> Wrapper<T> {
    #[aitrace::traced]
    async fn inner_async(&self) -> &T {
        tokio::task::yield_now().await;
        &self.0
    }
}

/// The generated code's own locals are hygienic: arguments with their names
/// neither clash with them nor see them.
#[aitrace::traced]
fn shadow(__aitrace_span: u32, __aitrace_ret: u32) -> u32 {
    __aitrace_span + __aitrace_ret
}

#[aitrace::traced]
extern "C" fn callback(x: i32) -> i32 {
    x + 1
}

trait Greeter {
    fn name(&self) -> String;

    #[aitrace::traced]
    fn greet(&self, greeting: &str) -> String {
        format!("{greeting}, {}", self.name())
    }
}

struct World;
impl Greeter for World {
    fn name(&self) -> String {
        "world".into()
    }
}

#[aitrace::traced]
fn largest<T>(items: &[T]) -> Option<&T>
where
    T: PartialOrd,
{
    let mut best = items.first()?;
    for item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

#[aitrace::traced]
fn show(value: impl Display, (a, b): (u8, u8), _: bool) -> String {
    format!("{value} {a} {b}")
}

#[aitrace::traced]
fn evens(limit: u32) -> impl Iterator<Item = u32> {
    (0..limit).filter(|n| n % 2 == 0)
}

/// # Safety
/// `p` must point to a readable `u8`.
#[aitrace::traced]
unsafe fn read(p: *const u8) -> u8 {
    unsafe { *p }
}

#[aitrace::traced]
fn r#type() -> &'static str {
    "raw"
}

#[aitrace::traced]
fn early(n: i32) -> i32 {
    if n < 0 {
        return 0;
    }
    n * 2
}

#[tokio::test]
async fn every_signature_returns_its_value_and_makes_its_span() {
    let exporter = install_in_memory();
    let root = aitrace::custom("test_root").start();
    let trace_id = root.trace_id();
    root.wrap(async {
        let mut c = Counter::new_labelled("hits");
        assert_eq!(c.label(), "hits");
        *c.first_mut() += 5;
        c.push(7);
        assert_eq!(c.total(1).await, 13);
        assert_eq!(World.greet("hello"), "hello, world");
        assert_eq!(largest(&[3, 9, 4]), Some(&9));
        assert_eq!(largest::<u8>(&[]), None);
        assert_eq!(show("x", (1, 2), true), "x 1 2");
        assert_eq!(evens(7).collect::<Vec<_>>(), vec![0, 2, 4, 6]);
        assert_eq!(unsafe { read(&42) }, 42);
        assert_eq!(r#type(), "raw");
        assert_eq!(early(-1), 0);
        assert_eq!(early(2), 4);
        assert_eq!(Box::new(Counter::new_labelled("b")).boxed(), 1);
        assert_eq!(c.into_hits(), vec![5, 7]);
        assert_eq!(Wrapper(vec![1]).inner_async().await, &vec![1]);
        assert_eq!(shadow(2, 3), 5);
        assert_eq!(callback(1), 2);
    })
    .await;
    root.end();
    let spans = exporter.spans_of_trace(trace_id);
    let root = by_name(&spans, "test_root");
    let expected = [
        ("new_labelled", 2),
        ("label", 1),
        ("first_mut", 1),
        ("push", 1),
        ("total", 1),
        ("greet", 1),
        ("largest", 2),
        ("show", 1),
        ("evens", 1),
        ("read", 1),
        ("type", 1),
        ("early", 2),
        ("boxed", 1),
        ("into_hits", 1),
        ("inner_async", 1),
        ("shadow", 1),
        ("callback", 1),
    ];
    for (name, calls) in expected {
        let made: Vec<_> = spans.iter().filter(|s| s.name == name).collect();
        assert_eq!(made.len(), calls, "one span per call of {name}");
        for span in made {
            assert_eq!(
                span.parent_span_id,
                root.span_context.span_id(),
                "{name} is a child of the caller's span"
            );
        }
    }
    let total: usize = expected.iter().map(|(_, n)| n).sum();
    assert_eq!(spans.len(), total + 1, "no other span");
}
