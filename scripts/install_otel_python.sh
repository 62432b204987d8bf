#!/usr/bin/env bash
# Install the OpenTelemetry Python SDK with its OTLP exporters (gRPC and HTTP/protobuf)
# in their own virtual environment (python3 -m venv + pip, nothing global): the
# aitrace-cli ingest tests send spans to `aitrace serve` from a Python application, as
# a user of OpenLLMetry or OpenInference would.
#
# Usage: scripts/install_otel_python.sh
#
# Location: $AITRACE_PEERS_DIR/otel-sdk-venv, default $HOME/.cache/aitrace-peers/otel-sdk-venv
# (outside the git tree). Prints `python=<path>` on stdout. Safe to run again: a matching
# install is detected from a stamp file in milliseconds (about 20 s and 60 MB the first
# time); concurrent runs are serialised with flock(1) when available. The version can be
# overridden with AITRACE_OTEL_PY_SDK_VERSION; the interpreter with PYTHON.
set -euo pipefail

SDK_VERSION=${AITRACE_OTEL_PY_SDK_VERSION:-1.45.2}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
VENV=$PEERS/otel-sdk-venv
PY=${PYTHON:-python3}
STAMP="opentelemetry-sdk and OTLP exporters $SDK_VERSION"

log() { echo "install_otel_python: $*" >&2; }

mkdir -p "$PEERS"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$PEERS/.install-otel-sdk-venv.lock"
  flock 9
fi

if [ "$(cat "$VENV/.aitrace-installed" 2>/dev/null || true)" != "$STAMP" ]; then
  log "installing $STAMP into $VENV"
  t0=$SECONDS
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
    "opentelemetry-sdk==$SDK_VERSION" \
    "opentelemetry-exporter-otlp-proto-grpc==$SDK_VERSION" \
    "opentelemetry-exporter-otlp-proto-http==$SDK_VERSION"
  "$VENV/bin/python" -c 'import opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.grpc.trace_exporter, opentelemetry.exporter.otlp.proto.http.trace_exporter'
  echo "$STAMP" >"$VENV/.aitrace-installed"
  log "installed in $((SECONDS - t0))s ($(du -sh "$VENV" | cut -f1))"
fi
echo "python=$VENV/bin/python"
