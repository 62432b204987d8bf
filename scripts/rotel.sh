#!/usr/bin/env bash
# Run rotel (a small OTLP collector, installed by scripts/install_peers.sh) on loopback
# as a "wire dump": it accepts OTLP and writes every span it receives, decoded, to a
# log file. Handy to see exactly what aitrace puts on the wire without Docker.
#
#   scripts/rotel.sh start    # gRPC 127.0.0.1:4317, HTTP 127.0.0.1:4318 (/v1/traces)
#   scripts/rotel.sh log      # follow the decoded spans
#   scripts/rotel.sh status
#   scripts/rotel.sh stop
#
# Settings: AITRACE_ROTEL_GRPC_PORT (4317), AITRACE_ROTEL_HTTP_PORT (4318),
# AITRACE_ROTEL_FORWARD=http://host:port to also forward to another OTLP/gRPC receiver
# (instead of discarding), AITRACE_PEERS_DIR (see install_peers.sh). State (pid, log)
# lives in $AITRACE_PEERS_DIR/run. The integration tests do not use this script; they
# start their own instances on free ports (crates/aitrace-sdk/tests/support/rotel.rs).
set -euo pipefail

PEERS=${AITRACE_PEERS_DIR:-${HOME:-${TMPDIR:-/tmp}}/.cache/aitrace-peers}
RUN=$PEERS/run
PID_FILE=$RUN/rotel.pid
LOG=$RUN/rotel.log
GRPC=${AITRACE_ROTEL_GRPC_PORT:-4317}
HTTP=${AITRACE_ROTEL_HTTP_PORT:-4318}

running() { [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
  if running; then echo "rotel already running (pid $(cat "$PID_FILE"), log $LOG)"; return; fi
  local bin
  bin=$("$(dirname "$0")/install_peers.sh" rotel | sed -n 's/^rotel-agent=//p')
  mkdir -p "$RUN"
  local exporter=(--exporter blackhole)
  if [ -n "${AITRACE_ROTEL_FORWARD:-}" ]; then
    exporter=(--exporter otlp --otlp-exporter-endpoint "$AITRACE_ROTEL_FORWARD" --otlp-exporter-protocol grpc)
  fi
  # rotel reads ROTEL_* variables; start it without any the caller may have set
  env $(env | sed -n 's/^\(ROTEL_[A-Za-z0-9_]*\)=.*/-u \1/p') NO_COLOR=1 \
    nohup "$bin" start "${exporter[@]}" --debug-log traces --debug-log-verbosity detailed \
    --otlp-grpc-endpoint "127.0.0.1:$GRPC" --otlp-http-endpoint "127.0.0.1:$HTTP" \
    --pid-file "$RUN/rotel-agent.pid" --log-file "$RUN/rotel-agent.log" \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  local t0=$SECONDS
  until listening "$GRPC" && listening "$HTTP"; do
    if ! running; then echo "rotel exited; its log:" >&2; cat "$LOG" >&2; rm -f "$PID_FILE"; exit 1; fi
    if [ $((SECONDS - t0)) -ge 15 ]; then echo "rotel not listening after 15s" >&2; stop; exit 1; fi
    sleep 0.05
  done
  echo "rotel ready: grpc http://127.0.0.1:$GRPC, http http://127.0.0.1:$HTTP/v1/traces (pid $(cat "$PID_FILE"), log $LOG)"
}

stop() {
  if ! running; then rm -f "$PID_FILE"; echo "rotel not running"; return; fi
  local pid
  pid=$(cat "$PID_FILE")
  kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
  rm -f "$PID_FILE"
  echo "rotel stopped"
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  status) if running; then echo "running (pid $(cat "$PID_FILE"), log $LOG)"; else echo "not running"; exit 1; fi ;;
  log) exec tail -n +1 -f "$LOG" ;;
  *) echo "usage: $0 start|stop|status|log" >&2; exit 2 ;;
esac
