#!/usr/bin/env bash
# Install the reference propagators the aitrace-sdk interoperability tests compare against:
# the OpenTelemetry Python API with its W3C trace-context and baggage propagators, and the
# B3 and Jaeger propagator packages, in their own virtual environment (python3 -m venv + pip,
# nothing global).
#
# Usage: scripts/install_propagator_ref.sh
#
# Location: $AITRACE_PEERS_DIR/otel-venv, default $HOME/.cache/aitrace-peers/otel-venv
# (outside the git tree). Prints `python=<path>` on stdout. Safe to run again: a matching
# install is detected from a stamp file in milliseconds; concurrent runs are serialised with
# flock(1) when available. Versions can be overridden with AITRACE_OTEL_PY_API_VERSION and
# AITRACE_OTEL_PY_PROPAGATORS_VERSION; the interpreter with PYTHON.
set -euo pipefail

API_VERSION=${AITRACE_OTEL_PY_API_VERSION:-1.45.2}
PROPAGATORS_VERSION=${AITRACE_OTEL_PY_PROPAGATORS_VERSION:-1.45.1}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
VENV=$PEERS/otel-venv
PY=${PYTHON:-python3}
STAMP="opentelemetry-api $API_VERSION, propagators $PROPAGATORS_VERSION"

log() { echo "install_propagator_ref: $*" >&2; }

mkdir -p "$PEERS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS/.install-otel-venv.lock"
  flock 9
fi

if [ "$(cat "$VENV/.aitrace-installed" 2>/dev/null || true)" != "$STAMP" ]; then
  log "installing $STAMP into $VENV"
  t0=$SECONDS
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    "opentelemetry-api==$API_VERSION" \
    "opentelemetry-propagator-b3==$PROPAGATORS_VERSION" \
    "opentelemetry-propagator-jaeger==$PROPAGATORS_VERSION"
  "$VENV/bin/python" -c 'import opentelemetry.propagators.b3, opentelemetry.propagators.jaeger, opentelemetry.baggage.propagation, opentelemetry.trace.propagation.tracecontext'
  echo "$STAMP" >"$VENV/.aitrace-installed"
  log "installed in $((SECONDS - t0))s ($(du -sh "$VENV" | cut -f1))"
fi
echo "python=$VENV/bin/python"
