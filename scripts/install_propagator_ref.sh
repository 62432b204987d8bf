#!/usr/bin/env bash
# Install the reference propagators the aitrace-sdk interoperability tests compare against:
#
#   python  the OpenTelemetry Python API, with its W3C trace-context and baggage
#           propagators, and the B3 and Jaeger propagator packages, in their own virtual
#           environment (python3 -m venv + pip, nothing global).
#   js      the OpenTelemetry JavaScript API and core (W3C trace-context and baggage) and
#           the B3 and Jaeger propagator packages, with `npm ci` from the lock file in
#           scripts/propagator_ref_js/ (exact versions and integrity hashes). Needs node
#           18.19 or later and npm.
#
# Usage: scripts/install_propagator_ref.sh [python] [js]   (no argument: both)
#
# Location: $AITRACE_PEERS_DIR/otel-venv and $AITRACE_PEERS_DIR/otel-js, default under
# $HOME/.cache/aitrace-peers (outside the git tree). Prints `python=<interpreter>`,
# `node=<node binary>` and `node_path=<node_modules directory>` on stdout. Safe to run
# again: a matching install is detected from a stamp file in milliseconds; concurrent
# runs are serialised with flock(1) when available. Python versions can be overridden
# with AITRACE_OTEL_PY_API_VERSION and AITRACE_OTEL_PY_PROPAGATORS_VERSION, the
# interpreter with PYTHON; JavaScript versions are those of the lock file.
set -euo pipefail

API_VERSION=${AITRACE_OTEL_PY_API_VERSION:-1.45.2}
PROPAGATORS_VERSION=${AITRACE_OTEL_PY_PROPAGATORS_VERSION:-1.45.1}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
PY=${PYTHON:-python3}
JS_SOURCE=$(cd "$(dirname "$0")" && pwd)/propagator_ref_js

log() { echo "install_propagator_ref: $*" >&2; }

mkdir -p "$PEERS"

# lock <name>: serialise concurrent installs of one component (parallel test binaries).
lock() {
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$PEERS/.install-$1.lock"
    flock 9
  fi
}

install_python() {
  local venv=$PEERS/otel-venv
  local stamp="opentelemetry-api $API_VERSION, propagators $PROPAGATORS_VERSION"
  lock otel-venv
  if [ "$(cat "$venv/.aitrace-installed" 2>/dev/null || true)" != "$stamp" ]; then
    log "installing $stamp into $venv"
    local t0=$SECONDS
    [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
      "opentelemetry-api==$API_VERSION" \
      "opentelemetry-propagator-b3==$PROPAGATORS_VERSION" \
      "opentelemetry-propagator-jaeger==$PROPAGATORS_VERSION"
    "$venv/bin/python" -c 'import opentelemetry.propagators.b3, opentelemetry.propagators.jaeger, opentelemetry.baggage.propagation, opentelemetry.trace.propagation.tracecontext'
    echo "$stamp" >"$venv/.aitrace-installed"
    log "installed in $((SECONDS - t0))s ($(du -sh "$venv" | cut -f1))"
  fi
  echo "python=$venv/bin/python"
}

install_js() {
  local dir=$PEERS/otel-js node stamp
  node=$(command -v node || true)
  if [ -z "$node" ] || ! command -v npm >/dev/null 2>&1; then
    log "node and npm are needed for the JavaScript reference propagators (Node.js 18.19 or later)"
    exit 1
  fi
  if ! "$node" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 19) ? 0 : 1)'; then
    log "node $("$node" --version) is too old: the JavaScript reference propagators need 18.19 or later"
    exit 1
  fi
  stamp="lock $(cksum <"$JS_SOURCE/package-lock.json" | cut -d' ' -f1)"
  lock otel-js
  if [ "$(cat "$dir/.aitrace-installed" 2>/dev/null || true)" != "$stamp" ]; then
    log "installing the packages of $JS_SOURCE/package-lock.json into $dir"
    local t0=$SECONDS
    mkdir -p "$dir"
    cp "$JS_SOURCE/package.json" "$JS_SOURCE/package-lock.json" "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
    NODE_PATH=$dir/node_modules "$node" -e 'for (const p of ["@opentelemetry/api", "@opentelemetry/core", "@opentelemetry/propagator-b3", "@opentelemetry/propagator-jaeger"]) require(p)'
    echo "$stamp" >"$dir/.aitrace-installed"
    log "installed in $((SECONDS - t0))s ($(du -sh "$dir" | cut -f1))"
  fi
  echo "node=$node"
  echo "node_path=$dir/node_modules"
}

[ $# -gt 0 ] || set -- python js
for what in "$@"; do
  case $what in
    python) (install_python) ;;
    js) (install_js) ;;
    *) log "unknown reference '$what' (expected: python, js)"; exit 2 ;;
  esac
done
