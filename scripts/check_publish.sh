#!/usr/bin/env bash
# Checks that every crate of the workspace that is not `publish = false` can go to
# crates.io, without naming the crates (a new member is checked as soon as it exists):
#
# 1. What each crate ships (from `cargo package --list`): LICENSE and its README;
#    description, repository, keywords, categories and `[package.metadata.docs.rs]`;
#    no file over 128 KiB; and no shipped source that reaches outside what ships
#    (`include_str!`, `include_bytes!` or `#[path]` to a file left out of the
#    tarball, or a `CARGO_MANIFEST_DIR` path with `..`), since such a test or
#    benchmark cannot build or run from the published crate.
# 2. `cargo publish --dry-run --workspace`: packages the crates and builds each one
#    from its tarball, against the tarballs of the workspace crates it depends on.
#
# Cost: the listings take about a second; the dry run builds only the libraries of
# the published crates (no tests), reusing the dependencies already in target/, so
# run after the tests it adds tens of seconds to CI.
#
# Needs python3 and access to the crates.io index (the dry run resolves the packaged
# manifests against it). `--allow-dirty` so that it also checks a working tree with
# uncommitted changes, as it would be packaged.
set -euo pipefail

cd "$(dirname "$0")/.."

python3 - <<'PY'
import json
import os
import re
import subprocess
import sys

MAX_BYTES = 128 * 1024
# Files cargo writes into the tarball itself.
GENERATED = {"Cargo.toml", "Cargo.toml.orig", "Cargo.lock", ".cargo_vcs_info.json"}
INCLUDE = re.compile(r'(?:include_str|include_bytes)!\s*\(\s*"([^"]+)"\s*\)|#\[path\s*=\s*"([^"]+)"\]')
# A path built from CARGO_MANIFEST_DIR: the rest of the statement, and its string literals.
FROM_MANIFEST = re.compile(r'CARGO_MANIFEST_DIR"([^;]*)')
LITERAL = re.compile(r'"([^"]*)"')

meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--locked"],
        check=True, capture_output=True, text=True,
    ).stdout
)
problems = []
published = [p for p in meta["packages"] if p.get("publish") != []]
if not published:
    problems.append("no crate of the workspace is published: nothing to check")

for pkg in published:
    name = pkg["name"]
    crate_dir = os.path.dirname(pkg["manifest_path"])

    def problem(what):
        problems.append(f"{name}: {what}")

    for field in ("description", "license", "repository", "readme", "rust_version"):
        if not pkg.get(field):
            problem(f"`{field.replace('_', '-')}` is not set in {pkg['manifest_path']}")
    for field in ("keywords", "categories"):
        if not pkg.get(field):
            problem(f"`{field}` is empty in {pkg['manifest_path']}")
    if "rs" not in ((pkg.get("metadata") or {}).get("docs") or {}):
        problem(f"no [package.metadata.docs.rs] in {pkg['manifest_path']}")

    listing = subprocess.run(
        ["cargo", "package", "--list", "--allow-dirty", "--locked", "-p", name],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    shipped = set(listing)

    if not any(f.split("/")[-1].upper().startswith(("LICENSE", "LICENCE")) for f in listing
               if "/" not in f):
        problem("the tarball has no LICENSE file at its root")
    readme = pkg.get("readme")
    if readme:
        inside = os.path.relpath(os.path.join(crate_dir, readme), crate_dir)
        if inside not in shipped and os.path.basename(readme) not in shipped:
            problem(f"the tarball lacks its readme {readme}")

    for rel in listing:
        if rel in GENERATED:
            continue
        path = os.path.join(crate_dir, rel)
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            problem(f"{rel} is {size // 1024} KiB (limit {MAX_BYTES // 1024} KiB): leave it out with `exclude`")
        if not rel.endswith(".rs"):
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            target = m.group(1) or m.group(2)
            resolved = os.path.normpath(os.path.join(os.path.dirname(rel), target))
            if resolved not in shipped:
                line = text.count("\n", 0, m.start()) + 1
                problem(f"{rel}:{line} uses {target}, which is not in the tarball")
        for m in FROM_MANIFEST.finditer(text):
            if any(".." in lit.split("/") for lit in LITERAL.findall(m.group(1))):
                line = text.count("\n", 0, m.start()) + 1
                problem(f"{rel}:{line} reads outside the crate (CARGO_MANIFEST_DIR with `..`)")

if problems:
    print("check_publish: a published crate would ship broken or incomplete:", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    sys.exit(1)
print("check_publish: " + ", ".join(p["name"] for p in published) + ": contents and metadata ok")
PY

# Cargo takes a crate from a registry for immutable: the dry run's local registry
# of packaged workspace crates is unpacked under $CARGO_HOME/registry/src/-<hash>/
# (the directories whose names start with `-` are local registries, never
# crates.io) and a crate unpacked by an earlier run (same name and version, other
# contents) would be reused, as would its build. Remove both, so that the check
# passes or fails on the code as it is now (about 45 s on 2 cores).
export CARGO_TARGET_DIR=target/publish-check
rm -rf "$CARGO_TARGET_DIR"
for name in $(cargo metadata --format-version 1 --no-deps --offline 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(p["name"] + "-" + p["version"] for p in json.load(sys.stdin)["packages"]))'); do
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$name"
done

# `exclude` leaves out of the tarballs the tests and benchmarks that need the
# repository, and cargo warns once for each target it drops: filter those lines only.
set +e
cargo publish --dry-run --workspace --locked --allow-dirty 2>&1 |
    grep -v -E '^warning: ignoring (test|benchmark) `[^`]+` as `[^`]+` is not included in the published package$'
status=${PIPESTATUS[0]}
set -e
rm -rf "$CARGO_TARGET_DIR"
exit "$status"
