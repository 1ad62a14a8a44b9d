#!/usr/bin/env bash
# End to end, from a signed GitHub comment at the real gateway to the pull-request request at a recording GitHub
# stand-in, for a scripted two-step agent run; the time outside the agent broken down from the task's own spans.
# A measurement, not a test: prints PASS/MISS against the goal (<= 3 s outside the agent, median) and exits 0 either
# way (non-zero only if the setup fails). See bench/agents/README.md.
#
#   bench/agents/run.sh                 RUNS=5 runs, one after the other
# Knobs:
#   RUNS=5                  comments sent, one at a time (each waits for its pull request)
#   BUILD_DIR=              reuse published binaries (BUILD_DIR/{gateway,runner}/)
#   SANDBOX_IMAGE=codeur/sandbox:latest   image of the agent, the git steps and the push
#   RUNNER_ENV="NAME=value" extra environment for the runner (experiments)
#   PORT_BASE=18480         gateway, runner, stand-in on PORT_BASE..+2 (loopback)
#   KEEP_TMP=0              1 keeps configs, logs, spans and the repositories
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../lib.sh
. "$REPO/bench/lib.sh"

RUNS=${RUNS:-5}
BUILD_DIR=${BUILD_DIR:-}
SANDBOX_IMAGE=${SANDBOX_IMAGE:-codeur/sandbox:latest}
RUNNER_ENV=${RUNNER_ENV:-}
PORT_BASE=${PORT_BASE:-18480}
KEEP_TMP=${KEEP_TMP:-0}
GATEWAY_PORT=$PORT_BASE RUNNER_PORT=$((PORT_BASE + 1)) STAND_IN_PORT=$((PORT_BASE + 2))
GOAL_MS=3000

missing=()
for tool in curl openssl git python3; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} -eq 0 ] || install_missing "${missing[@]/python3/python3-minimal}"
docker info >/dev/null 2>&1 || die "no Docker engine (deploy/ensure-docker.sh)"
docker image inspect "$SANDBOX_IMAGE" >/dev/null 2>&1 || die "sandbox image $SANDBOX_IMAGE missing (deploy/sandbox/build-offline.sh)"
require_free_ports "$GATEWAY_PORT" "$RUNNER_PORT" "$STAND_IN_PORT"

TMP=$(mktemp -d /tmp/codeur-agents-bench.XXXXXX)
RUN_ID=$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')
FORGE_NET=codeur-bench-forge-$RUN_ID
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pids
  docker ps -aq --filter "label=codeur.runner=bench-agents-$RUN_ID" 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker network rm "$FORGE_NET" >/dev/null 2>&1 || true
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "$BUILD_DIR" ]; then
  BUILD_DIR=$TMP/bin
  publish_services "$BUILD_DIR" gateway runner
fi
[ -f "$BUILD_DIR/gateway/Codeur.Gateway.dll" ] && [ -f "$BUILD_DIR/runner/Codeur.Runner.dll" ] || die "no published services in $BUILD_DIR"

# ---------------------------------------------------------------- the project, its remote, the forge's network
PROJECT=$TMP/projects/backend
mkdir -p "$PROJECT" "$TMP/forge" "$TMP/out"
git -C "$PROJECT" init -q -b main
printf '# bench project\n' >"$PROJECT/README.md"
git -C "$PROJECT" -c user.name=bench -c user.email=bench@example.invalid add README.md
git -C "$PROJECT" -c user.name=bench -c user.email=bench@example.invalid commit -q -m "Initial commit"
git init -q --bare "$TMP/forge/backend.git"
git -C "$TMP/forge/backend.git" config http.receivepack true
git -C "$PROJECT" push -q "$TMP/forge/backend.git" main
chown -R 10001:10001 "$TMP/projects"
# The push container joins an internal network whose only reachable address is the host's end of it: the forge.
docker network create --internal "$FORGE_NET" >/dev/null
FORGE_IP=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' "$FORGE_NET")
python3 "$REPO/bench/agents/stand-in.py" "$STAND_IN_PORT" "$TMP/forge" "$TMP/out" "$FORGE_IP" >"$TMP/stand-in.out" 2>&1 &
PIDS+=($!)

# The scripted two-step agent: creates a file and commits, edits it and commits, printing the container's clock
# (the host's) before and after, so its own time is known exactly.
AGENT='echo "agent-start $(date +%s%N)"; printf "# Greeting\n\nHello.\n" > GREETING.md && git add GREETING.md && git commit -q -m "Create GREETING.md" && sed -i "s/Hello./Hello, edited./" GREETING.md && git commit -q -am "Edit GREETING.md"; echo "agent-end $(date +%s%N)"'
SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat >"$TMP/agent.yaml" <<EOF
webhook:
  host: 127.0.0.1
  port: $GATEWAY_PORT
  workers: 2
  auth_token: bench-token-$RUN_ID
  github_webhook_secret: "$SECRET"
  github_token: "bench-forge-token-$RUN_ID"
  rate_limit: 1000000
  address_rate_limit: 1000000
  project_mapping:
    - pattern: "bench/backend"
      path: "$PROJECT"
      name: backend
      publish: {mode: pull_request, remote: "http://$FORGE_IP:$STAND_IN_PORT/git/backend.git", base: main, repository: bench/backend,
                api_url: "http://127.0.0.1:$STAND_IN_PORT", network: "$FORGE_NET"}
  allowed_commands: [run, analyze, search, status]
  runner: {url: "http://127.0.0.1:$RUNNER_PORT", internal_token: "bench-internal-$RUN_ID", instance_id: "bench-agents-$RUN_ID"}
  replies: {github_api_url: "http://127.0.0.1:$STAND_IN_PORT"}
  tokens:
    observer: {token: "bench-observer-$RUN_ID", scopes: [api, "tasks:read"]}
  sandbox:
    image: "$SANDBOX_IMAGE"
    memory: 512m
    cpus: 1
    commands: {run: ["bash", "-c", $(printf '%s' "$AGENT" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'), "agent", "{task}"]}
  queue: {backend: sqlite, path: "$TMP/codeur.db"}
  audit: {path: "$TMP/audit.jsonl"}
EOF

start_dotnet() { # name dll env...
  local name=$1 dll=$2; shift 2
  (
    cd "$TMP"
    # shellcheck disable=SC2086
    exec env Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1 \
      OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$STAND_IN_PORT" OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf \
      OTEL_BSP_SCHEDULE_DELAY=100 "$@" dotnet "$dll" --config "$TMP/agent.yaml"
  ) >"$TMP/$name.out" 2>&1 &
  PIDS+=($!)
}
# shellcheck disable=SC2086
start_dotnet runner "$BUILD_DIR/runner/Codeur.Runner.dll" $RUNNER_ENV; RUNNER_PID=$!
wait_health "http://127.0.0.1:$RUNNER_PORT/health" runner "$RUNNER_PID" 300
start_dotnet gateway "$BUILD_DIR/gateway/Codeur.Gateway.dll"; GATEWAY_PID=$!
wait_health "http://127.0.0.1:$GATEWAY_PORT/health" gateway "$GATEWAY_PID" 300

# ---------------------------------------------------------------- runs
pulls() { if [ -f "$TMP/out/pulls.jsonl" ]; then wc -l <"$TMP/out/pulls.jsonl"; else echo 0; fi; }
comment() { # n
  printf '{"action":"created","issue":{"number":%d,"title":"Greeting"},"comment":{"id":%d,"body":"!agent run '"'"'Add a greeting, then edit it (run %d)'"'"'","user":{"login":"bench","type":"User"},"author_association":"OWNER"},"repository":{"full_name":"bench/backend"},"sender":{"login":"bench","type":"User"}}' "$1" "$1" "$1"
}
: >"$TMP/runs.jsonl"
# One warm-up run (JIT, first container of the image, the SQLite file), not counted.
for n in $(seq 0 "$RUNS"); do
  body=$(comment "$((n + 100))")
  sig=sha256=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.* //')
  sent=$(date +%s%N)
  answer=$(curl -sS -X POST "http://127.0.0.1:$GATEWAY_PORT/webhook/github" -H 'Content-Type: application/json' \
    -H 'X-GitHub-Event: issue_comment' -H "X-GitHub-Delivery: bench-$RUN_ID-$n" -H "X-Hub-Signature-256: $sig" \
    --data-binary "$body" -w '\n%{http_code}')
  accepted=$(date +%s%N)
  [ "${answer##*$'\n'}" = 202 ] || die "comment $n not accepted: $answer"
  task=$(printf '%s' "${answer%$'\n'*}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["task_id"])')
  pulls_before=$(pulls)
  for _ in $(seq 1 600); do
    [ "$(pulls)" -gt "$pulls_before" ] && break
    sleep 0.1
  done
  [ "$(pulls)" -gt "$pulls_before" ] || die "no pull request for run $n (task $task); see $TMP/runner.out"
  state=
  for _ in $(seq 1 100); do
    view=$(curl -fsS "http://127.0.0.1:$GATEWAY_PORT/api/tasks/$task" -H "Authorization: Bearer bench-observer-$RUN_ID")
    state=$(printf '%s' "$view" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
    [ "$state" = succeeded ] && break
    sleep 0.1
  done
  [ "$state" = succeeded ] || die "task $task ended $state"
  printf '%s' "$view" | python3 -c 'import json,sys; t=json.load(sys.stdin); print(json.dumps({"n": int(sys.argv[1]), "task": t["task_id"], "sent": int(sys.argv[2]), "accepted": int(sys.argv[3]), "output": t.get("output") or ""}))' \
    "$n" "$sent" "$accepted" >>"$TMP/runs.jsonl"
  log "run $n: task $task, pull request opened"
done
sleep 1   # the last spans leave in the next export batch (OTEL_BSP_SCHEDULE_DELAY=100 ms)

python3 "$REPO/bench/agents/report.py" "$TMP/runs.jsonl" "$TMP/out/spans.jsonl" "$TMP/out/pulls.jsonl" "$TMP/out/git.jsonl" "$GOAL_MS"
