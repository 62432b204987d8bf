const STEP: &str = "step";

#[aitrace::traced(name = STEP)]
fn step() {}

fn main() {}
