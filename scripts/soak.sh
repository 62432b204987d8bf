#!/usr/bin/env bash
# Soak run of the OTLP pipeline against a real collector (rotel, on loopback),
# with the collector stopped and restarted on the same ports midway.
#
#   scripts/soak.sh            # 180 s (the default)
#   scripts/soak.sh 60         # a shorter run
#
# It builds and runs examples/soak.rs: AITRACE_SOAK_THREADS threads (4) record
# agent runs (4 AI spans each) at AITRACE_SOAK_RUNS_PER_SEC per thread (50), and
# print spans sent, exported, dropped, failed and RSS every AITRACE_SOAK_REPORT_SECS
# (10). At a third of the run rotel is stopped for AITRACE_SOAK_DOWN_SECS (15),
# then started again on the same ports. Everything ends by itself: the binary
# stops after the run time, rotel is stopped on exit, and the whole script gives
# up after the run time plus 120 s.
#
# The run fails (exit status 1, "SOAK FAILED: ..." on stderr) when exported + failed
# + dropped differs from the spans made, when the collector's count differs from
# exported, or when resident memory grows past AITRACE_SOAK_MAX_RSS_GROWTH_KIB
# (16384 by default) from the first report to the peak.
#
# Other settings: AITRACE_SOAK_PROTOCOL (grpc or http/protobuf, default grpc),
# AITRACE_SOAK_PROFILE (release or dev, default release), AITRACE_SOAK_DIR (where
# the logs go; default a new temporary directory). OTEL_* and AITRACE_* variables
# are passed on to the binary (for example OTEL_BSP_MAX_QUEUE_SIZE).
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-${AITRACE_SOAK_SECS:-180}}
DOWN=${AITRACE_SOAK_DOWN_SECS:-15}
PROTOCOL=${AITRACE_SOAK_PROTOCOL:-grpc}
PROFILE=${AITRACE_SOAK_PROFILE:-release}
DIR=${AITRACE_SOAK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/aitrace-soak.XXXXXX")}
mkdir -p "$DIR"
case $SECS in '' | *[!0-9]*) echo "run time must be a number of seconds, not '$SECS'" >&2; exit 2 ;; esac
if [ "$SECS" -lt 20 ]; then echo "give the run at least 20 s" >&2; exit 2; fi
if [ $((DOWN * 2)) -ge "$SECS" ]; then DOWN=$((SECS / 4)); fi

bin=$(scripts/install_peers.sh rotel | sed -n 's/^rotel-agent=//p')
[ -x "$bin" ] || { echo "rotel-agent not found" >&2; exit 1; }

echo "building the soak example ($PROFILE)..." >&2
if [ "$PROFILE" = release ]; then
  cargo build --quiet --release -p aitrace-examples --example soak
  soak=target/release/examples/soak
else
  cargo build --quiet -p aitrace-examples --example soak
  soak=target/debug/examples/soak
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 40000))
    if ! listening "$p"; then echo "$p"; return; fi
  done
  echo "no free port found" >&2; exit 1
}
GRPC=$(free_port)
HTTP=$(free_port)
while [ "$HTTP" = "$GRPC" ]; do HTTP=$(free_port); done

ROTEL_PID=
SOAK_PID=
start_rotel() {
  # rotel reads ROTEL_* variables; start it without any the caller may have set.
  # Its basic debug log has one "Received traces ... spans=N" line per request.
  env $(env | sed -n 's/^\(ROTEL_[A-Za-z0-9_]*\)=.*/-u \1/p') NO_COLOR=1 \
    "$bin" start --exporter blackhole --debug-log traces --debug-log-verbosity basic \
    --otlp-grpc-endpoint "127.0.0.1:$GRPC" --otlp-http-endpoint "127.0.0.1:$HTTP" \
    --pid-file "$DIR/rotel-agent.pid" --log-file "$DIR/rotel-agent.log" \
    >>"$DIR/rotel.log" 2>&1 </dev/null &
  ROTEL_PID=$!
  for _ in $(seq 200); do
    if listening "$GRPC" && listening "$HTTP"; then return; fi
    kill -0 "$ROTEL_PID" 2>/dev/null || { echo "rotel exited; see $DIR/rotel.log" >&2; exit 1; }
    sleep 0.05
  done
  echo "rotel not listening after 10 s" >&2; exit 1
}
stop_rotel() {
  [ -n "$ROTEL_PID" ] || return 0
  kill "$ROTEL_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$ROTEL_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$ROTEL_PID" 2>/dev/null || true
  wait "$ROTEL_PID" 2>/dev/null || true
  ROTEL_PID=
  for _ in $(seq 50); do listening "$GRPC" || listening "$HTTP" || break; sleep 0.1; done
}
cleanup() {
  if [ -n "$SOAK_PID" ]; then kill "$SOAK_PID" 2>/dev/null || true; fi
  stop_rotel
}
trap cleanup EXIT INT TERM

case $PROTOCOL in
  grpc) ENDPOINT=http://127.0.0.1:$GRPC ;;
  http/protobuf) ENDPOINT=http://127.0.0.1:$HTTP ;;
  *) echo "AITRACE_SOAK_PROTOCOL must be grpc or http/protobuf" >&2; exit 2 ;;
esac

start_rotel
echo "rotel on 127.0.0.1:$GRPC (gRPC) and :$HTTP (HTTP); logs in $DIR" >&2

OTEL_EXPORTER_OTLP_ENDPOINT=$ENDPOINT OTEL_EXPORTER_OTLP_PROTOCOL=$PROTOCOL \
  OTEL_EXPORTER_OTLP_TIMEOUT=${OTEL_EXPORTER_OTLP_TIMEOUT:-2000} \
  OTEL_BSP_SCHEDULE_DELAY=${OTEL_BSP_SCHEDULE_DELAY:-500} \
  AITRACE_SOAK_SECS=$SECS \
  "$soak" >"$DIR/soak.out" 2>"$DIR/soak.err" </dev/null &
SOAK_PID=$!
T0=$SECONDS

# Follow the report while waiting for the restart points and the end.
tail -n +1 -f "$DIR/soak.out" --pid "$SOAK_PID" &
TAIL_PID=$!

# Sleeps until $1 s into the run, or until the binary has ended.
until_t() {
  while [ $((SECONDS - T0)) -lt "$1" ] && kill -0 "$SOAK_PID" 2>/dev/null; do sleep 1; done
}
DOWN_AT=$((SECS / 3))
until_t "$DOWN_AT"
if kill -0 "$SOAK_PID" 2>/dev/null; then
  echo "soak event t=$((SECONDS - T0))s collector=stopped" | tee -a "$DIR/events.log"
  stop_rotel
  until_t $((DOWN_AT + DOWN))
  start_rotel
  echo "soak event t=$((SECONDS - T0))s collector=restarted" | tee -a "$DIR/events.log"
fi

LIMIT=$((SECS + 120))
while kill -0 "$SOAK_PID" 2>/dev/null; do
  if [ $((SECONDS - T0)) -ge "$LIMIT" ]; then
    echo "the soak binary did not end within $LIMIT s; stopping it" >&2
    kill "$SOAK_PID" 2>/dev/null || true
    break
  fi
  sleep 1
done
status=0
wait "$SOAK_PID" || status=$?
SOAK_PID=
wait "$TAIL_PID" 2>/dev/null || true
sleep 1
stop_rotel

received=$(sed -n 's/.*Received traces\..* spans=\([0-9]*\).*/\1/p' "$DIR/rotel.log" | awk '{s += $1} END {print s + 0}')
echo
echo "== soak result ($PROTOCOL, ${SECS}s, collector down for ${DOWN}s from t=${DOWN_AT}s)"
summary=$(grep '^soak summary' "$DIR/soak.out" || true)
echo "${summary:-no summary: the binary failed (status $status)}"
echo "collector received spans=$received"
echo "stderr of the binary (aitrace's own messages, each printed once):"
sed 's/^/  /' "$DIR/soak.err"
echo "logs: $DIR"

# The verdict: the binary's own checks (every span accounted for, memory growth
# within AITRACE_SOAK_MAX_RSS_GROWTH_KIB), and the collector's count against
# what aitrace says it exported.
failed=0
grep '^soak check' "$DIR/soak.out" || true
if [ "$status" -ne 0 ]; then
  echo "SOAK FAILED: the soak binary exited with status $status" >&2
  failed=1
fi
exported=$(printf '%s\n' "$summary" | sed -n 's/.* exported=\([0-9]*\).*/\1/p')
if [ -z "$exported" ]; then
  echo "SOAK FAILED: no exported count in the summary" >&2
  failed=1
elif [ "$exported" != "$received" ]; then
  echo "SOAK FAILED: aitrace exported $exported spans but the collector received $received" >&2
  failed=1
fi
if [ "$failed" -eq 0 ]; then
  echo "SOAK PASSED: every span accounted for, the collector received exactly what was exported, memory within bounds"
fi
exit "$failed"
