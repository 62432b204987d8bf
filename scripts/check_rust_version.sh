#!/usr/bin/env bash
# Checks that the workspace `rust-version` is honest: equal to the highest
# `rust-version` declared by the packages in Cargo.lock (every package that
# `cargo metadata` resolves, for every platform, dev-dependencies included since they
# are locked too). Lower, and a user's older compiler fails inside a dependency;
# higher, and the crates refuse compilers they would build with. Computed rather than
# tried because only one toolchain is installed. Also checks that every workspace
# member inherits it and that the READMEs state it ("Rust 1.xx or newer").
#
# On a mismatch it prints the packages that set the highest version, and fails. Needs
# python3; takes well under a second (no build, no network with a current lock file).
set -euo pipefail

cd "$(dirname "$0")/.."

python3 - <<'PY'
import glob
import json
import re
import subprocess
import sys

def parse(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))

def show(version):
    return ".".join(str(p) for p in (version[:2] if version[2] == 0 else version))

meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        check=True, capture_output=True, text=True,
    ).stdout
)
members = set(meta["workspace_members"])
deps = [p for p in meta["packages"] if p["id"] not in members and p.get("rust_version")]
if not deps:
    sys.exit("check_rust_version: no locked package declares a rust-version")
highest = max(parse(p["rust_version"]) for p in deps)

problems = []
for p in meta["packages"]:
    if p["id"] not in members:
        continue
    if not p.get("rust_version"):
        problems.append(f"{p['name']} sets no rust-version (use rust-version.workspace = true)")
        continue
    if parse(p["rust_version"]) != highest:
        problems.append(f"{p['name']} has rust-version {p['rust_version']}")
for readme in ["README.md"] + sorted(glob.glob("crates/*/README.md")):
    with open(readme, encoding="utf-8") as f:
        stated = re.findall(r"\bRust\b[^\n]{0,20}?\b(\d+\.\d+(?:\.\d+)?) or newer", f.read())
    for version in stated:
        if parse(version) != highest:
            problems.append(f"{readme} says Rust {version} or newer")

setters = ", ".join(sorted(f"{p['name']} {p['version']}" for p in deps
                           if parse(p["rust_version"]) == highest))
if problems:
    print(f"check_rust_version: the locked packages need Rust {show(highest)} ({setters}), but", file=sys.stderr)
    for p in problems:
        print(f"  {p}", file=sys.stderr)
    print(f"Set rust-version = \"{show(highest)}\" in [workspace.package] of Cargo.toml and "
          "\"Rust ... or newer\" in the READMEs.", file=sys.stderr)
    sys.exit(1)
print(f"check_rust_version: {show(highest)}, the highest among the locked packages ({setters})")
PY
