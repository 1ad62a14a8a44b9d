#!/usr/bin/env bash
# The restart arm of the runner benchmark (issue 18): signed GitHub comments at a fixed rate through the gateway
# with its file spool on, two arms alternated in each round:
#   steady   nothing happens to the runner (the baseline of the same run)
#   restart  the runner is SIGKILLed RESTART_AT seconds into the run and started again at once (RESTART_SIGNAL=TERM
#            for an upgrade-like stop); meanwhile the gateway spools, then drains in arrival order
# Per arm: accepted requests/s (any 2xx: 202 task_id from the runner, 202 spool_id from the spool), requests not
# accepted (any other status or socket error: the goal is 0), wrk's p50/p99 of the client's answer, and for the
# restart arm the latency of each spooled request until its task exists (the gateway's webhook_drained audit
# record: arrival -> the runner's 2xx, which it sends once the task is in its queue), p50/p99/max, and how long
# the runner was away. At the end every 2xx must be exactly one task in the SQLite queue (dedupe on the delivery id).
# A measurement, not a test: it exits 0 whatever the figures (non-zero only when the setup fails).
#
# Knobs: ROUNDS=2 RATE=100 (req/s) DURATION=20 (s per arm) RESTART_AT=5 (s) RESTART_SIGNAL=KILL CONNECTIONS=8
#        PORT_BASE=18380 BUILD_DIR= SANDBOX_IMAGE=codeur/sandbox:latest WORKERS=1 KEEP_TMP=0
set -euo pipefail

ROUNDS=${ROUNDS:-2}
RATE=${RATE:-100}
DURATION=${DURATION:-20}
RESTART_AT=${RESTART_AT:-5}
RESTART_SIGNAL=${RESTART_SIGNAL:-KILL}
CONNECTIONS=${CONNECTIONS:-8}
PORT_BASE=${PORT_BASE:-18380}
BUILD_DIR=${BUILD_DIR:-}
SANDBOX_IMAGE=${SANDBOX_IMAGE:-codeur/sandbox:latest}
WORKERS=${WORKERS:-1}
KEEP_TMP=${KEEP_TMP:-0}
THREADS=2

GATEWAY_PORT=$PORT_BASE
RUNNER_PORT=$((PORT_BASE + 1))
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
source "$SCRIPT_DIR/../lib.sh"

need_install=()
for tool in wrk sqlite3 openssl jq; do command -v "$tool" >/dev/null || need_install+=("$tool"); done
install_missing "${need_install[@]}"
docker info >/dev/null 2>&1 || die "no Docker engine (see deploy/ensure-docker.sh); the runner's worker needs one"
docker image inspect "$SANDBOX_IMAGE" >/dev/null 2>&1 || die "sandbox image $SANDBOX_IMAGE missing"
require_free_ports "$GATEWAY_PORT" "$RUNNER_PORT"

TMP=$(mktemp -d /tmp/codeur-restart-bench.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pids
  [ -n "${RUN_ID:-}" ] && docker ps -aq --filter "label=codeur.runner=bench-$RUN_ID" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$TMP/bin
  publish_services "$BUILD_DIR" gateway runner
fi

SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
RUN_ID=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
mkdir -p "$TMP/projects/backend"
printf '# bench project\n' >"$TMP/projects/backend/README.md"
chmod -R a+rwX "$TMP/projects"
DB=$TMP/codeur.db
AUDIT=$TMP/audit.jsonl
BODY='{"action":"created","issue":{"number":1},"comment":{"body":"!agent status","user":{"login":"bench","type":"User"},"author_association":"OWNER"},"repository":{"full_name":"bench/backend"},"sender":{"login":"bench","type":"User"}}'
SIG=sha256=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')

cat >"$TMP/agent.yaml" <<EOF
webhook:
  host: 127.0.0.1
  port: $GATEWAY_PORT
  workers: $WORKERS
  github_webhook_secret: "$SECRET"
  rate_limit: 1000000000
  address_rate_limit: 1000000000
  project_mapping:
    - {pattern: "backend", path: "$TMP/projects/backend", name: backend}
  runner: {url: "http://127.0.0.1:$RUNNER_PORT", internal_token: "bench-internal-$RUN_ID", instance_id: "bench-$RUN_ID", shutdown_grace: 2}
  sandbox: {image: "$SANDBOX_IMAGE", memory: "256m", cpus: 1}
  queue: {backend: sqlite, path: "$DB", capacity: 1000000}
  audit: {path: "$AUDIT"}
  spool: {backend: file, path: "$TMP/spool", max_entries: 100000, max_bytes: 1g}
EOF

# Paced by delay() (per thread RATE/THREADS req/s); unique X-GitHub-Delivery per request; any 2xx is accepted.
cat >"$TMP/load.lua" <<EOF
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_timespec; int clock_gettime(int, bench_timespec *); ]]
local ts = ffi.new("bench_timespec")
local function now_ms() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6 end
local threads, next_tid = {}, 1
function setup(thread) thread:set("tid", next_tid); next_tid = next_tid + 1; table.insert(threads, thread) end
local hdrs = {["Content-Type"] = "application/json", ["X-GitHub-Event"] = "issue_comment", ["X-Hub-Signature-256"] = "$SIG"}
local prefix, n, interval, next_slot = "", 0, 0, nil
accepted, other = 0, 0
function init(args)
  prefix = "$RUN_ID-" .. (os.getenv("BENCH_PHASE") or "x") .. "-" .. tid .. "-"
  interval = 1000 / tonumber(os.getenv("BENCH_RATE"))
end
function request() n = n + 1; hdrs["X-GitHub-Delivery"] = prefix .. n; return wrk.format("POST", "/webhook/github", hdrs, '$BODY') end
function response(status) if status >= 200 and status < 300 then accepted = accepted + 1 else other = other + 1 end end
function delay()
  local t = now_ms()
  if next_slot == nil or next_slot < t then next_slot = t end
  next_slot = next_slot + interval
  return math.floor(next_slot - t)
end
function done(summary, latency)
  local acc, oth = 0, 0
  for _, t in ipairs(threads) do acc = acc + t:get("accepted"); oth = oth + t:get("other") end
  local e = summary.errors
  io.write(string.format("BENCH accepted=%d other=%d errors=%d seconds=%.3f p50=%.2f p99=%.2f\n", acc, oth,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
EOF

start_runner() {
  (cd "$TMP" && exec env Logging__LogLevel__Default=Warning DOTNET_NOLOGO=1 dotnet "$BUILD_DIR/runner/Codeur.Runner.dll" --config "$TMP/agent.yaml") >>"$TMP/runner.out" 2>&1 &
  RUNNER_PID=$!
  PIDS+=("$RUNNER_PID")
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$RUNNER_PORT/health" 2>/dev/null && return 0; sleep 0.05; done
  tail -20 "$TMP/runner.out" >&2; die "runner not healthy"
}
start_runner
(cd "$TMP" && exec env Logging__LogLevel__Default=Warning DOTNET_NOLOGO=1 dotnet "$BUILD_DIR/gateway/Codeur.Gateway.dll" --config "$TMP/agent.yaml") >"$TMP/gateway.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do curl -fsS -o /dev/null "http://127.0.0.1:$GATEWAY_PORT/health" 2>/dev/null && break; sleep 0.1; done

spool_entries() { curl -fsS "http://127.0.0.1:$GATEWAY_PORT/metrics" | awk '$1 ~ /^webhook_spool_entries($|\{)/ { print $NF }'; }
wait_drained() {
  for _ in $(seq 1 600); do [ "$(spool_entries)" = 0 ] && return 0; sleep 0.2; done
  die "the spool did not drain"
}

log "warm-up (5 s, not measured)"
BENCH_PHASE=warm BENCH_RATE=$((RATE / THREADS)) wrk -t$THREADS -c"$CONNECTIONS" -d5s -s "$TMP/load.lua" "http://127.0.0.1:$GATEWAY_PORT" >"$TMP/warm.txt" 2>&1 || true
SEEN=$(sed -n 's/^BENCH accepted=\([0-9]*\).*/\1/p' "$TMP/warm.txt")

printf '\n  %-7s %-5s %10s %8s %8s %8s %8s %9s %9s %9s %9s\n' arm round "acc req/s" "not acc" "p50 ms" "p99 ms" spooled "away s" "spool p50" "spool p99" "spool max"
: >"$TMP/results.tsv"
for round in $(seq 1 "$ROUNDS"); do
  for arm in steady restart; do
    wait_drained
    since=$(date -u +%Y-%m-%dT%H:%M:%S.%N)
    BENCH_PHASE="r$round$arm" BENCH_RATE=$((RATE / THREADS)) wrk -t$THREADS -c"$CONNECTIONS" -d"${DURATION}s" -s "$TMP/load.lua" "http://127.0.0.1:$GATEWAY_PORT" >"$TMP/$arm-$round.txt" 2>&1 &
    WRK=$!
    away=0
    if [ "$arm" = restart ]; then
      sleep "$RESTART_AT"
      t0=$(date +%s.%N)
      kill -"$RESTART_SIGNAL" "$RUNNER_PID"
      while kill -0 "$RUNNER_PID" 2>/dev/null; do sleep 0.05; done
      start_runner
      away=$(echo "$(date +%s.%N) - $t0" | bc)
    fi
    wait "$WRK" || true
    wait_drained
    sleep 1.5   # the audit writer drains off the request path
    read -r acc oth errs secs p50 p99 <<<"$(sed -n 's/^BENCH accepted=\([0-9]*\) other=\([0-9]*\) errors=\([0-9]*\) seconds=\([0-9.]*\) p50=\([0-9.]*\) p99=\([0-9.]*\)/\1 \2 \3 \4 \5 \6/p' "$TMP/$arm-$round.txt")"
    SEEN=$((SEEN + acc))
    # Spooled requests of this arm: arrival -> the runner's 2xx (the task exists), from the gateway's audit.
    jq -r --arg since "$since" 'select(.event == "webhook_drained" and .timestamp > $since) | .duration_ms' "$AUDIT" | sort -n >"$TMP/waits.txt"
    spooled=$(wc -l <"$TMP/waits.txt")
    pct() { [ "$spooled" -gt 0 ] && awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.0f", a[i] }' "$TMP/waits.txt" || echo -; }
    printf '  %-7s %-5s %10.1f %8d %8s %8s %8d %9.2f %9s %9s %9s\n' "$arm" "$round" "$(echo "$acc / $secs" | bc -l)" "$((oth + errs))" "$p50" "$p99" "$spooled" "$away" "$(pct 50)" "$(pct 99)" "$(pct 100)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$arm" "$round" "$(echo "$acc / $secs" | bc -l)" "$((oth + errs))" "$p50" "$p99" "$spooled" "$away" >>"$TMP/results.tsv"
  done
done

TASKS=$(sqlite3 -readonly "$DB" "SELECT count(*) FROM tasks;")
log "the gateway's spool metrics at the end:"; curl -fsS "http://127.0.0.1:$GATEWAY_PORT/metrics" | grep -E '^webhook_(spool|spooled|drained)' | sed 's/^/    /' >&2
printf '\n  2xx answers: %d; tasks in the queue: %d (%s)\n' "$SEEN" "$TASKS" "$([ "$TASKS" -ge "$SEEN" ] && echo "none lost" || echo "LOST $((SEEN - TASKS))")"
awk -F'\t' '{ acc[$1] += $3; bad[$1] += $4; n[$1]++ } END {
  printf "  accepted req/s, restart / steady: %.3f; requests not accepted: steady %d, restart %d\n", (acc["restart"] / n["restart"]) / (acc["steady"] / n["steady"]), bad["steady"], bad["restart"] }' "$TMP/results.tsv"
printf '  (spool p50/p99/max: ms from a spooled request'"'"'s arrival to the runner'"'"'s 2xx, i.e. until its task exists)\n'
