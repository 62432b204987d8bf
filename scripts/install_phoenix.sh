#!/usr/bin/env bash
# Install Arize Phoenix (PyPI `arize-phoenix`) in its own virtual environment, for the
# comparison in the aitrace serve benchmark (docs/performance.md). Not used by the
# tests: about 4 minutes and 850 MB the first time.
#
# Usage: scripts/install_phoenix.sh
#
# Location: $AITRACE_PEERS_DIR/phoenix-venv, default $HOME/.cache/aitrace-peers/phoenix-venv.
# Prints `phoenix=<path of the phoenix command>` on stdout. Safe to run again (a stamp
# file); the version can be overridden with AITRACE_PHOENIX_VERSION, the interpreter
# with PYTHON.
set -euo pipefail

VERSION=${AITRACE_PHOENIX_VERSION:-20.26.1}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
VENV=$PEERS/phoenix-venv
PY=${PYTHON:-python3}
STAMP="arize-phoenix $VERSION"

log() { echo "install_phoenix: $*" >&2; }

mkdir -p "$PEERS"
if [ "$(cat "$VENV/.aitrace-installed" 2>/dev/null || true)" != "$STAMP" ]; then
  log "installing $STAMP into $VENV"
  t0=$SECONDS
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check "arize-phoenix==$VERSION"
  echo "$STAMP" >"$VENV/.aitrace-installed"
  log "installed in $((SECONDS - t0))s ($(du -sh "$VENV" | cut -f1))"
fi
echo "phoenix=$VENV/bin/phoenix"
