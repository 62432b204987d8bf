#!/usr/bin/env bash
# Install the third-party tools the aitrace-sdk integration tests run against, each in
# its own Python virtual environment (python3 -m venv + pip, nothing global):
#
#   rotel             OTLP collector whose wheel carries the `rotel-agent` binary; the
#                     tests start it on loopback and read the spans it logs.
#   check-jsonschema  validates docker-compose.yml against the Compose specification.
#   mlflow            the MLflow tracking server, which ingests OTLP/HTTP traces; the
#                     backend tests export to it and read back, with its Python client,
#                     how it classifies each span type (large: about 850 MB and two
#                     minutes on the first run, then cached like the others).
#
# Usage: scripts/install_peers.sh [rotel] [check-jsonschema] [mlflow]   (no argument: all)
#
# Location: $AITRACE_PEERS_DIR, default $HOME/.cache/aitrace-peers (outside the git tree).
# Stable links to the binaries are made in $AITRACE_PEERS_DIR/bin and printed as
# `name=path` lines on stdout. Safe to run again: an installed, matching version is
# detected in milliseconds. Versions can be overridden with AITRACE_ROTEL_VERSION,
# AITRACE_CHECK_JSONSCHEMA_VERSION and AITRACE_MLFLOW_VERSION; the interpreter with PYTHON.
set -euo pipefail

ROTEL_VERSION=${AITRACE_ROTEL_VERSION:-0.0.1a15}
CHECK_JSONSCHEMA_VERSION=${AITRACE_CHECK_JSONSCHEMA_VERSION:-0.39.0}
MLFLOW_VERSION=${AITRACE_MLFLOW_VERSION:-3.17.2}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
PY=${PYTHON:-python3}

log() { echo "install_peers: $*" >&2; }

mkdir -p "$PEERS/bin"

# install <venv-name> <pip-requirement> <stamp> <path-of-binary-inside-venv-glob> <link-name>
install() {
  local venv=$PEERS/$1 req=$2 stamp=$3 pattern=$4 link=$5 bin
  # Serialise concurrent runs (parallel test binaries) when flock(1) is available, one
  # lock per peer: a test that needs rotel does not wait for a first MLflow install.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$PEERS/.install-$1.lock"
    flock 9
  fi
  if [ "$(cat "$venv/.aitrace-installed" 2>/dev/null || true)" != "$stamp" ]; then
    log "installing $req into $venv"
    local t0=$SECONDS
    [ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --no-input --disable-pip-version-check "$req"
    echo "$stamp" >"$venv/.aitrace-installed"
    log "installed $req in $((SECONDS - t0))s ($(du -sh "$venv" | cut -f1))"
  fi
  # shellcheck disable=SC2086 # the pattern is a glob on purpose
  bin=$(ls -d $venv/$pattern 2>/dev/null | head -n1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    log "no executable matching $venv/$pattern after installing $req"
    rm -f "$venv/.aitrace-installed"
    exit 1
  fi
  ln -sfn "$bin" "$PEERS/bin/$link"
  echo "$link=$PEERS/bin/$link"
}

[ $# -gt 0 ] || set -- rotel check-jsonschema mlflow
for what in "$@"; do
  case $what in
    rotel)
      install rotel-venv "rotel==$ROTEL_VERSION" "rotel $ROTEL_VERSION" \
        'lib/python3*/site-packages/rotel/rotel-agent' rotel-agent ;;
    check-jsonschema)
      install jsonschema-venv "check-jsonschema==$CHECK_JSONSCHEMA_VERSION" \
        "check-jsonschema $CHECK_JSONSCHEMA_VERSION" bin/check-jsonschema check-jsonschema ;;
    mlflow)
      # The server (`mlflow server`) and the client the tests read traces back with
      # (`python -c 'import mlflow'`) come from the same venv. The interpreter is
      # printed, not linked: Python finds its venv next to the path it was run as.
      install mlflow-venv "mlflow==$MLFLOW_VERSION" "mlflow $MLFLOW_VERSION" bin/mlflow mlflow
      echo "mlflow-python=$PEERS/mlflow-venv/bin/python" ;;
    *) log "unknown peer '$what' (expected: rotel, check-jsonschema, mlflow)"; exit 2 ;;
  esac
done
