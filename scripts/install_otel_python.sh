#!/usr/bin/env bash
# Install the OpenTelemetry Python SDK with its OTLP exporters (gRPC and HTTP/protobuf),
# the `openai` client and the two instrumentations of it that Python AI applications use
# (OpenInference's and OpenLLMetry's), in their own virtual environment (python3 -m venv
# + pip, nothing global): the aitrace-cli ingest tests send spans to `aitrace serve` from
# a Python application, as a user of OpenLLMetry or OpenInference would.
#
# Usage: scripts/install_otel_python.sh
#
# Location: $AITRACE_PEERS_DIR/otel-sdk-venv, default $HOME/.cache/aitrace-peers/otel-sdk-venv
# (outside the git tree). Prints `python=<path>` on stdout. Safe to run again: a matching
# install is detected from a stamp file in milliseconds (about 40 s and 110 MB the first
# time); concurrent runs are serialised with flock(1) when available. The versions can be
# overridden with AITRACE_OTEL_PY_SDK_VERSION, AITRACE_OPENAI_PY_VERSION,
# AITRACE_OPENINFERENCE_OPENAI_VERSION and AITRACE_OPENLLMETRY_OPENAI_VERSION; the
# interpreter with PYTHON.
set -euo pipefail

SDK_VERSION=${AITRACE_OTEL_PY_SDK_VERSION:-1.45.2}
OPENAI_VERSION=${AITRACE_OPENAI_PY_VERSION:-3.57.0}
OPENINFERENCE_VERSION=${AITRACE_OPENINFERENCE_OPENAI_VERSION:-0.1.66}
OPENLLMETRY_VERSION=${AITRACE_OPENLLMETRY_OPENAI_VERSION:-0.62.4}
PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
VENV=$PEERS/otel-sdk-venv
PY=${PYTHON:-python3}
STAMP="opentelemetry-sdk and OTLP exporters $SDK_VERSION, openai $OPENAI_VERSION, openinference-instrumentation-openai $OPENINFERENCE_VERSION, opentelemetry-instrumentation-openai $OPENLLMETRY_VERSION"

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
    "opentelemetry-exporter-otlp-proto-http==$SDK_VERSION" \
    "openai==$OPENAI_VERSION" \
    "openinference-instrumentation-openai==$OPENINFERENCE_VERSION" \
    "opentelemetry-instrumentation-openai==$OPENLLMETRY_VERSION"
  "$VENV/bin/python" -c 'import opentelemetry.sdk.trace, opentelemetry.exporter.otlp.proto.grpc.trace_exporter, opentelemetry.exporter.otlp.proto.http.trace_exporter, openai, openinference.instrumentation.openai, opentelemetry.instrumentation.openai'
  echo "$STAMP" >"$VENV/.aitrace-installed"
  log "installed in $((SECONDS - t0))s ($(du -sh "$VENV" | cut -f1))"
fi
echo "python=$VENV/bin/python"
