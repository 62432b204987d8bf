#[aitrace::traced(level = "info")]
fn step() {}

fn main() {}
