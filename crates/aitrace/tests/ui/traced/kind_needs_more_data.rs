#[aitrace::traced(kind = generation)]
fn ask_model(prompt: &str) -> String {
    prompt.to_string()
}

fn main() {}
