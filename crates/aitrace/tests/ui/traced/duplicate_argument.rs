#[aitrace::traced(kind = tool, name = "search", kind = agent)]
fn search() {}

fn main() {}
