#[aitrace::traced(skip_all = true)]
fn step(secret: &str) {
    let _ = secret;
}

fn main() {}
