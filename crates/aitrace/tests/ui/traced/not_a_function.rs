#[aitrace::traced]
struct Agent {
    name: String,
}

fn main() {}
