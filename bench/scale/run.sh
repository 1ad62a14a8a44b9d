#!/usr/bin/env bash
# Scale-out benchmark: the SQLite queue (one gateway + one runner) against the Redis queue (one pair, then two
# pairs sharing one redis-server), on this machine. Two measurements per arm:
#   accept   wrk POST /api/tasks (bearer) as fast as it goes: accepted tasks/s (202s; each one is a durable task).
#            The runners' Docker endpoint points nowhere during this phase, so no container competes for the CPU.
#   e2e      E2E_TASKS tasks (a cheap `run` in a real container, spread over PROJECTS projects) submitted at once:
#            tasks/s from the first submission until the last task has ended, WORKERS workers in total.
# Prints a table and the Redis/SQLite ratios. A measurement, not a test: exits 0 unless the setup fails.
#
# Knobs (environment):
#   DURATION=10         seconds of wrk per accept run (after WARMUP seconds unmeasured)
#   WARMUP=15          (four .NET processes share 2 cores in the x2 arm: tiered JIT needs it)
#   CONNECTIONS=16      wrk connections (split over the gateways of the arm)
#   E2E_TASKS=200       tasks per end-to-end run
#   PROJECTS=8          projects those tasks are spread over (one running task per project at a time)
#   WORKERS=4           workers in total per arm (split over the runners of the arm)
#   PORT_BASE=18380     gateways PORT_BASE, +2; runners +1, +3; redis +9
#   BUILD_DIR=          reuse published binaries (BUILD_DIR/{gateway,runner}/)
#   REDIS_APPENDFSYNC=always   redis-server durability for the bench (always = fsync per write, like SQLite FULL)
#   KEEP_TMP=0          1 keeps configs, logs and wrk outputs
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-15}
CONNECTIONS=${CONNECTIONS:-16}
E2E_TASKS=${E2E_TASKS:-200}
PROJECTS=${PROJECTS:-8}
WORKERS=${WORKERS:-4}
PORT_BASE=${PORT_BASE:-18380}
BUILD_DIR=${BUILD_DIR:-}
REDIS_APPENDFSYNC=${REDIS_APPENDFSYNC:-always}
KEEP_TMP=${KEEP_TMP:-0}
SANDBOX_IMAGE=${SANDBOX_IMAGE:-codeur/sandbox:latest}
REDIS_PORT=$((PORT_BASE + 9))

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)

# shellcheck source=SCRIPTDIR/../lib.sh
source "$SCRIPT_DIR/../lib.sh"

need_install=()
command -v wrk >/dev/null || need_install+=(wrk)
command -v redis-server >/dev/null || need_install+=(redis-server)
command -v redis-cli >/dev/null || need_install+=(redis-tools)
command -v sqlite3 >/dev/null || need_install+=(sqlite3)
install_missing "${need_install[@]}"
docker info >/dev/null 2>&1 || die "no Docker engine (deploy/ensure-docker.sh)"
docker image inspect "$SANDBOX_IMAGE" >/dev/null 2>&1 || die "sandbox image $SANDBOX_IMAGE missing (deploy/sandbox/build-offline.sh)"
require_free_ports $PORT_BASE $((PORT_BASE + 1)) $((PORT_BASE + 2)) $((PORT_BASE + 3)) $REDIS_PORT

TMP=$(mktemp -d /tmp/codeur-scale-bench.XXXXXX)
RUN_ID=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
PIDS=()
stop_all() {
  stop_pids
  PIDS=()
  docker ps -aq --filter "label=codeur.runner" --format '{{.ID}} {{.Label "codeur.runner"}}' 2>/dev/null \
    | awk -v id="$RUN_ID" 'index($2, id) { print $1 }' | xargs -r docker rm -f >/dev/null 2>&1 || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  [ -n "${REDIS_PID:-}" ] && kill "$REDIS_PID" 2>/dev/null || true
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$TMP/bin
  publish_services "$BUILD_DIR" gateway runner
fi

# One redis-server for every Redis arm, durable like the SQLite queue (appendfsync always) unless told otherwise.
mkdir -p "$TMP/redis"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync "$REDIS_APPENDFSYNC" \
  --dir "$TMP/redis" >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$REDIS_PORT" ping >/dev/null || die "redis-server did not start"

for p in $(seq 0 $((PROJECTS - 1))); do mkdir -p "$TMP/projects/p$p"; done
chmod -R a+rwX "$TMP/projects"
TOKEN=bench-token-$RUN_ID

# config ARM INDEX WORKERS -> path of an .agent.yaml for gateway/runner pair INDEX of ARM
config() {
  local arm=$1 index=$2 workers=$3 file="$TMP/$1-$2.yaml" queue
  if [ "$arm" = sqlite ]; then
    queue="{backend: sqlite, path: \"$TMP/$arm-$RUN_ID.db\", capacity: 10000000}"
  else
    queue="{backend: redis, connection: \"127.0.0.1:$REDIS_PORT\", capacity: 10000000}"
  fi
  {
    echo "webhook:"
    echo "  host: 127.0.0.1"
    echo "  port: $((PORT_BASE + 2 * index))"
    echo "  workers: $workers"
    echo "  auth_token: $TOKEN"
    echo "  rate_limit: 1000000000"
    echo "  address_rate_limit: 1000000000"
    echo "  project_mapping:"
    for p in $(seq 0 $((PROJECTS - 1))); do echo "    - {pattern: \"^p$p\$\", path: \"$TMP/projects/p$p\", name: p$p}"; done
    echo "  runner: {url: \"http://127.0.0.1:$((PORT_BASE + 2 * index + 1))\", internal_token: \"bench-internal-$RUN_ID\", instance_id: \"bench-$RUN_ID-$arm-$index\", shutdown_grace: 1}"
    echo "  sandbox: {image: \"$SANDBOX_IMAGE\", memory: \"128m\", cpus: 0.5, commands: {run: [\"true\"]}}"
    echo "  queue: $queue"
    echo "  audit: {path: \"$TMP/$arm-$index.audit.log\"}"
  } >"$file"
  echo "$file"
}

wait_listening() { # port log
  for _ in $(seq 1 300); do
    grep -q "Now listening on: http://127.0.0.1:$1" "$2" 2>/dev/null && return 0
    sleep 0.1
  done
  tail -20 "$2" >&2; die "nothing listening on $1"
}

# start ARM PAIRS WORKERS_EACH DOCKER_HOST
start() {
  local arm=$1 pairs=$2 workers=$3 docker_host=$4 i cfg
  for i in $(seq 0 $((pairs - 1))); do
    cfg=$(config "$arm" "$i" "$workers")
    env DOCKER_HOST="$docker_host" Logging__LogLevel__Default=Warning Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
      dotnet "$BUILD_DIR/runner/Codeur.Runner.dll" --config "$cfg" >"$TMP/$arm-$i-runner.log" 2>&1 &
    PIDS+=($!)
    env Logging__LogLevel__Default=Warning Logging__LogLevel__Microsoft.Hosting.Lifetime=Information \
      dotnet "$BUILD_DIR/gateway/Codeur.Gateway.dll" --config "$cfg" >"$TMP/$arm-$i-gateway.log" 2>&1 &
    PIDS+=($!)
    wait_listening $((PORT_BASE + 2 * i + 1)) "$TMP/$arm-$i-runner.log"
    wait_listening $((PORT_BASE + 2 * i)) "$TMP/$arm-$i-gateway.log"
  done
}

cat >"$TMP/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/tasks", nil, '{"command":"run","args":["bench"],"project":"p' .. (n % $PROJECTS) .. '"}')
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %.3f\n", summary.requests, summary.duration / 1e6))
end
EOF
# Accepted = requests minus wrk's "Non-2xx" count (the only 2xx here is 202).
accept_run() { # ARM PAIRS -> accepted/s
  local arm=$1 pairs=$2 i conns=$((CONNECTIONS / $2)) total=0 secs=0
  for i in $(seq 0 $((pairs - 1))); do
    wrk -t1 -c"$conns" -d"${WARMUP}s" -s "$TMP/post.lua" "http://127.0.0.1:$((PORT_BASE + 2 * i))" >/dev/null 2>&1 &
  done
  wait
  for i in $(seq 0 $((pairs - 1))); do
    wrk -t1 -c"$conns" -d"${DURATION}s" -s "$TMP/post.lua" "http://127.0.0.1:$((PORT_BASE + 2 * i))" >"$TMP/$arm-wrk-$i.txt" 2>&1 &
  done
  wait
  for i in $(seq 0 $((pairs - 1))); do
    local reqs non2xx dur
    reqs=$(awk '/^RESULT/ { print $2 }' "$TMP/$arm-wrk-$i.txt")
    dur=$(awk '/^RESULT/ { print $3 }' "$TMP/$arm-wrk-$i.txt")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$TMP/$arm-wrk-$i.txt"); non2xx=${non2xx:-0}
    total=$((total + reqs - non2xx)); secs=$dur
  done
  awk -v t="$total" -v s="$secs" 'BEGIN { printf "%.0f", t / s }'
}

pending() { # ARM -> queued + running tasks
  if [ "$1" = sqlite ]; then
    sqlite3 "$TMP/sqlite-$RUN_ID.db" "SELECT queued + running FROM queue_counts;"
  else
    echo $(( $(redis-cli -p "$REDIS_PORT" zcard '{codeur}:queued') + $(redis-cli -p "$REDIS_PORT" zcard '{codeur}:running') ))
  fi
}

e2e_run() { # ARM PAIRS -> tasks/s from first submission to last ending
  local arm=$1 pairs=$2 start end
  start=$(date +%s.%N)
  seq 0 $((E2E_TASKS - 1)) | xargs -P 16 -I{} sh -c '
    n={}; port=$(( '"$PORT_BASE"' + 2 * (n % '"$pairs"') ))
    curl -fsS -o /dev/null -X POST "http://127.0.0.1:$port/api/tasks" -H "Authorization: Bearer '"$TOKEN"'" \
      -H "Content-Type: application/json" -d "{\"command\":\"run\",\"args\":[\"e2e\"],\"project\":\"p$((n % '"$PROJECTS"'))\"}"'
  while [ "$(pending "$arm")" != 0 ]; do sleep 0.2; done
  end=$(date +%s.%N)
  awk -v n="$E2E_TASKS" -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", n / (b - a) }'
}

reset_store() { # ARM
  if [ "$1" = sqlite ]; then rm -f "$TMP/sqlite-$RUN_ID.db"*; else redis-cli -p "$REDIS_PORT" flushall >/dev/null; fi
}

declare -A ACCEPT E2E
for spec in "sqlite 1" "redis 1" "redis 2"; do
  set -- $spec; arm=$1; pairs=$2; name="$arm x$pairs"
  log "$name: accept (Docker endpoint unreachable: tasks are only queued)"
  reset_store "$arm"
  start "$arm" "$pairs" 1 unix:///nonexistent/docker.sock
  ACCEPT[$name]=$(accept_run "$arm" "$pairs")
  stop_all
  log "$name: end-to-end, $E2E_TASKS tasks, $WORKERS workers in all"
  reset_store "$arm"
  start "$arm" "$pairs" $((WORKERS / pairs)) "${DOCKER_HOST:-unix:///var/run/docker.sock}"
  E2E[$name]=$(e2e_run "$arm" "$pairs")
  stop_all
done

echo
printf '%-10s %16s %18s\n' "arm" "accepted tasks/s" "end-to-end tasks/s"
for name in "sqlite x1" "redis x1" "redis x2"; do
  printf '%-10s %16s %18s\n' "$name" "${ACCEPT[$name]}" "${E2E[$name]}"
done
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "accept   redis x1 / sqlite = $(ratio "${ACCEPT[redis x1]}" "${ACCEPT[sqlite x1]}")   redis x2 / sqlite = $(ratio "${ACCEPT[redis x2]}" "${ACCEPT[sqlite x1]}")"
echo "e2e      redis x1 / sqlite = $(ratio "${E2E[redis x1]}" "${E2E[sqlite x1]}")   redis x2 / sqlite = $(ratio "${E2E[redis x2]}" "${E2E[sqlite x1]}")"
echo "(2 shared cores: every process, wrk, redis-server and dockerd compete; compare ratios, not absolutes)"
