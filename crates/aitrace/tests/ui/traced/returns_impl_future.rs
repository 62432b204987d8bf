use std::future::Future;

#[aitrace::traced]
fn fetch() -> impl Future<Output = u8> {
    async { 1 }
}

fn main() {}
