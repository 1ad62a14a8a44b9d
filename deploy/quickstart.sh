#!/usr/bin/env bash
# Brings the whole system up on its embedded defaults, on this machine:
#   - a Docker engine (reused, or installed/started when root) and the default sandbox image (built offline if missing)
#   - gVisor (runsc) registered with that engine when possible (deploy/ensure-runsc.sh); the sample config then runs
#     every sandbox container under it, and says so
#   - a sample .agent.yaml with fresh random secrets and a demo git project, under ./data/quickstart/
#   - the runner on 127.0.0.1:8081 (SQLite queue in ./data/quickstart/codeur.db) and the gateway on 127.0.0.1:8080
# Then prints where to send a first webhook. Ctrl-C stops both services.
#   deploy/quickstart.sh [--detach]     (--detach: leave both running in the background; PIDs in ./data/quickstart/*.pid)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state="$root/data/quickstart"
mkdir -p "$state"

log() { printf '==> %s\n' "$*" >&2; }

command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
deploy/ensure-docker.sh
deploy/sandbox/build-offline.sh codeur/sandbox:latest >&2
# gVisor when the engine can have it: a second kernel between the agent and the host's.
if deploy/ensure-runsc.sh >/dev/null; then
  runtime=runsc
  log "gVisor (runsc) is registered: sandbox containers run under it (webhook.sandbox.runtime: runsc)"
else
  runtime=
  log "gVisor (runsc) is not available here (see the line above): sandbox containers run under runc, the engine's default"
fi

log "building gateway and runner (Release)"
dotnet publish gateway -c Release -o "$state/bin/gateway" -v quiet -nologo >&2
dotnet publish runner -c Release -o "$state/bin/runner" -v quiet -nologo >&2

project="$state/projects/demo"
if [ ! -d "$project/.git" ]; then
  log "creating the demo project $project"
  mkdir -p "$project/src"
  printf '# Demo API\n\nA tiny project for Codeur Gateway'"'"'s quickstart.\n' > "$project/README.md"
  printf 'def handler(request):\n    return {"status": "ok"}\n' > "$project/src/api.py"
  printf 'export function health() { return "ok"; }\n' > "$project/src/server.js"
  git -C "$project" init -q -b main
  git -C "$project" -c user.name=quickstart -c user.email=quickstart@localhost add -A
  git -C "$project" -c user.name=quickstart -c user.email=quickstart@localhost commit -qm "Demo project"
fi
# The sandbox runs as uid 10001: let it write to the demo project (a real project would be owned by that user).
chown -R 10001:10001 "$project" 2>/dev/null || chmod -R a+rwX "$project"

secrets="$state/secrets.env"
if [ ! -f "$secrets" ]; then
  umask 077
  {
    echo "AGENT_WEBHOOK_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "GITHUB_WEBHOOK_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    echo "CODEUR_INTERNAL_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  } > "$secrets"
fi
set -a; . "$secrets"; set +a

config="$state/.agent.yaml"
if [ ! -f "$config" ]; then
  cat > "$config" <<YAML
# Quickstart configuration: secrets come from $secrets through the environment.
webhook:
  host: "127.0.0.1"
  port: 8080
  workers: 2
  # One operator on one machine: this token submits tasks and may also read and cancel the ones chat and GitHub
  # create (a plain auth_token reads only its own: docs/CONFIGURATION.md, "Tokens and scopes").
  tokens:
    operator:
      token: "\${AGENT_WEBHOOK_TOKEN}"
      scopes: [api, relay:github, relay:slack, relay:discord, tasks:read, tasks:cancel]
  github_webhook_secret: "\${GITHUB_WEBHOOK_SECRET}"
  # The live task page at /ui/ (off by default on a real edge; here the gateway listens on loopback only).
  ui: {enabled: true}
  rate_limit: 100
  timeout: 300
  project_mapping:
    - {pattern: "demo|backend|api|server", path: "$project", name: demo}
  allowed_commands: [run, analyze, search, status]
  forbidden_paths: ["/etc", "/var", "/root", "~/.ssh"]
  runner: {url: "http://127.0.0.1:8081", internal_token: "\${CODEUR_INTERNAL_TOKEN}"}
  sandbox:
    image: "codeur/sandbox:latest"
${runtime:+    runtime: $runtime   # gVisor (deploy/ensure-runsc.sh); remove this line to use runc
}    memory: "1g"
    cpus: 1
    # A stand-in agent: appends the task text to a file in the project. The text is one argv element (\$1), never shell code.
    commands: {run: ["bash", "-c", "printf '%s\\\\n' \"\$1\" >> AGENT_TASKS.md && tail -5 AGENT_TASKS.md", "agent", "{task}"]}
    # The stand-in is no reviewer: analyze stays the built-in report (with a real agent, drop this line: docs/AGENTS.md).
    review: false
  queue: {backend: sqlite, path: "$state/codeur.db"}
  spool: {backend: file, path: "$state/spool"}
  audit: {path: "$state/audit.log"}
YAML
fi

pids=()
stop() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }

wait_health() { # url name pid
  for _ in $(seq 1 100); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    kill -0 "$3" 2>/dev/null || { echo "$2 exited; see $state/$2.log" >&2; tail -20 "$state/$2.log" >&2; return 1; }
    sleep 0.2
  done
  echo "$2 did not become healthy; see $state/$2.log" >&2; return 1
}

log "starting the runner (log: $state/runner.log)"
"$state/bin/runner/Codeur.Runner" --config "$config" >"$state/runner.log" 2>&1 &
pids+=($!); echo $! > "$state/runner.pid"
wait_health http://127.0.0.1:8081/health runner "$!" || { stop; exit 1; }

log "starting the gateway (log: $state/gateway.log)"
"$state/bin/gateway/Codeur.Gateway" --config "$config" >"$state/gateway.log" 2>&1 &
pids+=($!); echo $! > "$state/gateway.pid"
wait_health http://127.0.0.1:8080/health gateway "$!" || { stop; exit 1; }

cat <<TXT

Codeur Gateway is up: gateway http://127.0.0.1:8080 -> runner http://127.0.0.1:8081 (config: $config)
Sandbox runtime: $(sed -n 's/^ *runtime: *\([^ ]*\).*/\1 (gVisor)/p' "$config" | head -1 | grep . || echo "runc (the engine's default)")

Submit a task (bearer token from $secrets) and follow it:

  source $secrets
  curl -s -X POST http://127.0.0.1:8080/api/tasks -H "Authorization: Bearer \$AGENT_WEBHOOK_TOKEN" \\
       -H 'Content-Type: application/json' -d '{"command":"analyze","project":"demo"}'
  curl -N http://127.0.0.1:8080/api/tasks/TASK_ID/logs -H "Authorization: Bearer \$AGENT_WEBHOOK_TOKEN"

Watch queued, running and recent tasks, live logs and cancel: http://127.0.0.1:8080/ui/ (paste \$AGENT_WEBHOOK_TOKEN once).

Send a signed GitHub comment, as GitHub would, and follow the task to its end:

  body='{"action":"created","issue":{"number":1},"comment":{"body":"!agent run '"'"'Add auth to API'"'"'","user":{"login":"you","type":"User"},"author_association":"OWNER"},"repository":{"full_name":"you/demo"},"sender":{"login":"you","type":"User"}}'
  sig=\$(printf '%s' "\$body" | openssl dgst -sha256 -hmac "\$GITHUB_WEBHOOK_SECRET" | sed 's/^.* //')
  task=\$(curl -s http://127.0.0.1:8080/webhook/github -H 'Content-Type: application/json' -H 'X-GitHub-Event: issue_comment' \\
         -H "X-GitHub-Delivery: \$(date +%s%N)" -H "X-Hub-Signature-256: sha256=\$sig" -d "\$body" | sed -E 's/.*"task_id":"([^"]+)".*/\\1/')
  curl -sN http://127.0.0.1:8080/api/tasks/\$task/logs -H "Authorization: Bearer \$AGENT_WEBHOOK_TOKEN"

TXT

if [ "${1:-}" = "--detach" ]; then
  echo "Running in the background: kill \$(cat $state/gateway.pid) \$(cat $state/runner.pid) to stop."
  exit 0
fi
trap 'echo; log "stopping"; stop; exit 0' INT TERM
echo "Ctrl-C stops both."
wait
