#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, examples, then doc tests.
# Sets up what the tests need first, so it works on a fresh clone.
set -euo pipefail

cd "$(dirname "$0")/.."

# Nothing to install yet beyond a Rust toolchain with cargo.
if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust from https://rustup.rs" >&2
    exit 1
fi

cargo test --workspace --all-targets
cargo test --workspace --doc
