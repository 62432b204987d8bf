#!/usr/bin/env bash
# Run an MLflow tracking server (installed by scripts/install_peers.sh mlflow) on
# loopback, to look at aitrace's traces in MLflow's UI. MLflow takes OTLP over HTTP
# only, with an `x-mlflow-experiment-id` header:
#
#   scripts/mlflow.sh start     # http://127.0.0.1:5000, store in $AITRACE_PEERS_DIR/run
#   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:5000 \
#   OTEL_EXPORTER_OTLP_HEADERS=x-mlflow-experiment-id=0 \
#     cargo run --example agent_workflow
#   scripts/mlflow.sh status
#   scripts/mlflow.sh stop      # the store is kept; `scripts/mlflow.sh reset` drops it
#
# Settings: AITRACE_MLFLOW_PORT (5000), AITRACE_PEERS_DIR (see install_peers.sh). The
# first install takes minutes and about 850 MB. The integration tests do not use this
# script; they start their own servers on free ports
# (crates/aitrace-sdk/tests/support/mlflow.rs).
set -euo pipefail

PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
RUN=$PEERS/run
PID_FILE=$RUN/mlflow.pid
LOG=$RUN/mlflow.log
STORE=$RUN/mlflow-store
PORT=${AITRACE_MLFLOW_PORT:-5000}

running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
healthy() { curl -fsS -o /dev/null -m 5 "http://127.0.0.1:$PORT/health" 2>/dev/null; }

start() {
  if running; then echo "mlflow already running (pid $(cat "$PID_FILE"), log $LOG)"; return; fi
  local bin
  bin=$("$(dirname "$0")/install_peers.sh" mlflow | sed -n 's/^mlflow=//p')
  mkdir -p "$RUN" "$STORE"
  # setsid: a process group of its own, so that stop ends the server and its workers.
  # The job runner (seven worker processes, about 1 GB) is not needed for tracing.
  MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false setsid nohup "$bin" server --host 127.0.0.1 \
    --port "$PORT" --workers 1 --backend-store-uri "sqlite:///$STORE/mlflow.db" \
    --default-artifact-root "$STORE/artifacts" >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  echo "$PORT" >"$RUN/mlflow.port"
  local t0=$SECONDS
  until healthy; do
    if ! running; then echo "mlflow exited; its log:" >&2; tail -n 40 "$LOG" >&2; rm -f "$PID_FILE"; exit 1; fi
    if [ $((SECONDS - t0)) -ge 180 ]; then echo "mlflow not answering after 180s" >&2; stop; exit 1; fi
    sleep 0.5
  done
  echo "mlflow ready in $((SECONDS - t0))s: UI and OTLP/HTTP at http://127.0.0.1:$PORT (header x-mlflow-experiment-id: 0), pid $(cat "$PID_FILE"), log $LOG"
}

stop() {
  if ! running; then rm -f "$PID_FILE"; echo "mlflow not running"; return; fi
  local pid
  pid=$(cat "$PID_FILE")
  kill -TERM -- "-$pid" 2>/dev/null || kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL -- "-$pid" 2>/dev/null || kill -9 "$pid"; fi
  rm -f "$PID_FILE"
  echo "mlflow stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  reset) stop; rm -rf "$STORE"; echo "mlflow store removed" ;;
  status) if running; then echo "running (pid $(cat "$PID_FILE"), http://127.0.0.1:$(cat "$RUN/mlflow.port" 2>/dev/null || echo "$PORT"), log $LOG)"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|reset" >&2; exit 2 ;;
esac
