#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, examples, then doc tests, and
# checks that the crates can be published. Sets up what the tests need first, so it
# works on a fresh clone.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "cargo not found: install Rust from https://rustup.rs" >&2
    exit 1
fi

# The workspace rust-version is the highest among the locked packages (no build).
./scripts/check_rust_version.sh

# Third-party peers the end-to-end tests run against, from PyPI, into
# ${AITRACE_PEERS_DIR:-$HOME/.cache/aitrace-peers}: the rotel OTLP collector,
# check-jsonschema (compose file validation) and the MLflow tracking server (what an
# AI backend makes of each span type; about 850 MB and a few minutes the first time,
# then cached). Needs python3 with venv.
./scripts/install_peers.sh
# The OpenTelemetry reference propagators, Python (from PyPI) and JavaScript (from npm,
# needs node and npm), for the interoperability tests.
./scripts/install_propagator_ref.sh
# aitrace serve's tests: the OpenTelemetry Python SDK and its OTLP exporters (a Python
# application as a sender), and Debian's Chromium with playwright-core (the web view in
# a real browser; installing Chromium needs root and apt-get, or AITRACE_CHROMIUM).
./scripts/install_otel_python.sh
./scripts/install_browser.sh

# Every feature on, so that the tests of optional integrations (the `tracing`
# bridge, the HTTP layer and middleware) run too.
cargo test --workspace --all-targets --all-features
cargo test --workspace --doc --all-features
# Every crate that is not `publish = false` packages with what it needs and builds
# from its tarball (`cargo publish --dry-run --workspace`); last, so that it reuses
# the dependencies the tests built.
./scripts/check_publish.sh
