#[aitrace::traced(kind = llm)]
fn step() {}

fn main() {}
