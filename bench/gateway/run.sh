#!/usr/bin/env bash
# Gateway throughput/latency benchmark: wrk on loopback against one cheap upstream (nginx `return 200`),
# four arms alternated over several rounds:
#   direct   wrk -> upstream
#   gateway  wrk -> Codeur.Gateway (bearer auth, both rate limiters, YARP forwarding) -> upstream
#   yarp     wrk -> bare YARP (BareYarp/: the same Yarp.ReverseProxy version, route and cluster, none of our middleware)
#   nginx    wrk -> nginx reverse proxy (upstream keepalive) -> upstream
# Same request everywhere: POST /api/tasks, small JSON body, Authorization: Bearer.
# It is a measurement, not a test: it prints PASS/MISS against the goals of issues 2 and 16 and exits 0 either way
# (non-zero only when the setup itself fails). See README.md next to it.
#
# Knobs (environment):
#   ROUNDS=3            rounds of direct -> gateway -> yarp -> nginx
#   DURATION=10         seconds measured per arm and connection count
#   WARMUP=2            seconds of unmeasured load right before each measurement
#   INITIAL_WARMUP=15   seconds of load on the gateway per connection count once at start (tiered JIT + PGO)
#   CONNECTIONS="16 64" connection counts (the goals are judged at 16)
#   THREADS=2           wrk threads
#   PORT_BASE=18180     upstream=PORT_BASE, gateway=+1, nginx proxy=+2, bare YARP=+3
#   UPSTREAM_WORKERS=1  nginx workers of the upstream
#   PROXY_WORKERS=auto  nginx workers of the nginx arm (auto = one per core, like Kestrel's thread pool)
#   GATEWAY_DIR=        reuse an already published gateway (directory holding Codeur.Gateway.dll)
#   YARP_DIR=           reuse an already published bare YARP (directory holding BareYarp.dll)
#   GATEWAY_ENV=        extra "NAME=value ..." for the gateway process (experiments, e.g. DOTNET_gcServer=0)
#   KEEP_TMP=0          1 keeps the temp dir (configs, logs, raw wrk outputs)
#   QUIET_MAX_WAIT=10   seconds to wait before each measurement for the machine to be quiet (0 = never wait)
#   QUIET_BUSY_PCT=15   "quiet" = less than this % of all cores busy during one second
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
INITIAL_WARMUP=${INITIAL_WARMUP:-15}
CONNECTIONS=${CONNECTIONS:-"16 64"}
THREADS=${THREADS:-2}
PORT_BASE=${PORT_BASE:-18180}
UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-1}
PROXY_WORKERS=${PROXY_WORKERS:-auto}
GATEWAY_DIR=${GATEWAY_DIR:-}
YARP_DIR=${YARP_DIR:-}
GATEWAY_ENV=${GATEWAY_ENV:-}
KEEP_TMP=${KEEP_TMP:-0}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-10}
QUIET_BUSY_PCT=${QUIET_BUSY_PCT:-15}

UPSTREAM_PORT=$PORT_BASE
GATEWAY_PORT=$((PORT_BASE + 1))
PROXY_PORT=$((PORT_BASE + 2))
YARP_PORT=$((PORT_BASE + 3))
TOKEN="bench-token-$RANDOM$RANDOM"
PATH_UNDER_TEST=/api/tasks
ARMS=(direct gateway yarp nginx)
GOAL_RATIO=0.6       # gateway requests/s >= 0.6 x nginx's
GOAL_ADDED_P99=2.0   # ms, gateway p99 - direct p99, at 16 connections
GOAL_YARP_CPU=1.15   # gateway CPU per request <= 1.15 x bare YARP's (issue 16)

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)

# shellcheck source=SCRIPTDIR/../lib.sh
source "$SCRIPT_DIR/../lib.sh"

# ---------------------------------------------------------------- prerequisites
need_install=()
command -v wrk >/dev/null || need_install+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_install+=(nginx-light)
install_missing "${need_install[@]}"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v dotnet >/dev/null || [ -n "$GATEWAY_DIR" ] || die "dotnet SDK not found"
command -v curl >/dev/null || die "curl not found"

require_free_ports "$UPSTREAM_PORT" "$GATEWAY_PORT" "$PROXY_PORT" "$YARP_PORT"

# ---------------------------------------------------------------- temp dir and cleanup
TMP=$(mktemp -d /tmp/codeur-gateway-bench.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pids 50
  if [ "$KEEP_TMP" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- gateway build
if [ -z "$GATEWAY_DIR" ]; then
  GATEWAY_DIR=$TMP/gateway
  log "publishing the gateway (Release) to $GATEWAY_DIR"
  # --artifacts-path keeps bin/obj out of the source tree.
  dotnet publish "$REPO/gateway/Codeur.Gateway.csproj" -c Release -o "$GATEWAY_DIR" \
    --artifacts-path "$TMP/artifacts" -nologo -v quiet >"$TMP/publish.log" 2>&1 \
    || { tail -30 "$TMP/publish.log" >&2; die "dotnet publish failed"; }
fi
[ -f "$GATEWAY_DIR/Codeur.Gateway.dll" ] || die "no Codeur.Gateway.dll in $GATEWAY_DIR"
if [ -z "$YARP_DIR" ]; then
  YARP_DIR=$TMP/bareyarp
  log "publishing bare YARP (Release) to $YARP_DIR"
  dotnet publish "$SCRIPT_DIR/BareYarp/BareYarp.csproj" -c Release -o "$YARP_DIR" \
    --artifacts-path "$TMP/artifacts" -nologo -v quiet >>"$TMP/publish.log" 2>&1 \
    || { tail -30 "$TMP/publish.log" >&2; die "dotnet publish BareYarp failed"; }
fi
[ -f "$YARP_DIR/BareYarp.dll" ] || die "no BareYarp.dll in $YARP_DIR"

# ---------------------------------------------------------------- configs
cat >"$TMP/upstream.conf" <<EOF
worker_processes $UPSTREAM_WORKERS;
pid $TMP/upstream.pid;
error_log $TMP/upstream.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/upstream-body;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  server {
    listen 127.0.0.1:$UPSTREAM_PORT backlog=4096;
    location / {
      default_type application/json;
      return 200 '{"task_id":"x"}';
    }
  }
}
EOF

cat >"$TMP/proxy.conf" <<EOF
worker_processes $PROXY_WORKERS;
pid $TMP/proxy.pid;
error_log $TMP/proxy.error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $TMP/proxy-body;
  proxy_temp_path $TMP/proxy-temp;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  upstream runner {
    server 127.0.0.1:$UPSTREAM_PORT;
    keepalive 32;
    keepalive_requests 100000000;
  }
  server {
    listen 127.0.0.1:$PROXY_PORT backlog=4096;
    location / {
      proxy_pass http://runner;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF

cat >"$TMP/gateway.yaml" <<EOF
webhook:
  host: 127.0.0.1
  port: $GATEWAY_PORT
  auth_token: $TOKEN
  rate_limit: 1000000000
  address_rate_limit: 1000000000
  runner:
    url: http://127.0.0.1:$UPSTREAM_PORT
    internal_token: bench-internal-token
  audit:
    path: $TMP/audit.jsonl
EOF

cat >"$TMP/request.lua" <<EOF
wrk.method = "POST"
wrk.path = "$PATH_UNDER_TEST"
wrk.body = '{"task":"run","project":"bench","prompt":"print hello world","user":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
EOF

# ---------------------------------------------------------------- servers
"$NGINX" -e stderr -p "$TMP" -c "$TMP/upstream.conf" -g 'daemon off;' >"$TMP/upstream.out" 2>&1 &
PIDS+=($!); UPSTREAM_PID=$!
"$NGINX" -e stderr -p "$TMP" -c "$TMP/proxy.conf" -g 'daemon off;' >"$TMP/proxy.out" 2>&1 &
PIDS+=($!); PROXY_PID=$!
(
  cd "$TMP"
  # Quiet logs: the JSON console logger honours the usual Logging__LogLevel__* configuration keys.
  # shellcheck disable=SC2086
  exec env Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1 $GATEWAY_ENV \
    dotnet "$GATEWAY_DIR/Codeur.Gateway.dll" --config "$TMP/gateway.yaml"
) >"$TMP/gateway.out" 2>&1 &
PIDS+=($!); GATEWAY_PID=$!
(
  cd "$TMP"
  # shellcheck disable=SC2086
  exec env ASPNETCORE_ENVIRONMENT=Production DOTNET_NOLOGO=1 $GATEWAY_ENV \
    dotnet "$YARP_DIR/BareYarp.dll" --urls "http://127.0.0.1:$YARP_PORT" --upstream "http://127.0.0.1:$UPSTREAM_PORT"
) >"$TMP/yarp.out" 2>&1 &
PIDS+=($!); YARP_PID=$!

url_of() {
  case $1 in
    direct) echo "http://127.0.0.1:$UPSTREAM_PORT$PATH_UNDER_TEST" ;;
    gateway) echo "http://127.0.0.1:$GATEWAY_PORT$PATH_UNDER_TEST" ;;
    yarp) echo "http://127.0.0.1:$YARP_PORT$PATH_UNDER_TEST" ;;
    nginx) echo "http://127.0.0.1:$PROXY_PORT$PATH_UNDER_TEST" ;;
  esac
}
probe() {
  curl -s -o "$TMP/probe.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' --data '{"task":"probe"}' "$1" 2>/dev/null || true
}
for arm in "${ARMS[@]}"; do
  ok=""
  for _ in $(seq 1 150); do
    for pid in "$UPSTREAM_PID" "$PROXY_PID" "$GATEWAY_PID" "$YARP_PID"; do
      kill -0 "$pid" 2>/dev/null || { tail -20 "$TMP"/*.out >&2; die "a server exited during start-up"; }
    done
    if [ "$(probe "$(url_of "$arm")")" = 200 ] && grep -q task_id "$TMP/probe.body"; then ok=1; break; fi
    sleep 0.2
  done
  [ -n "$ok" ] || { tail -20 "$TMP"/*.out >&2; die "$arm arm does not answer 200 on $(url_of "$arm")"; }
done
# The gateway must reject a wrong token (proves authentication is in the path being measured).
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Authorization: Bearer wrong' --data '{}' "$(url_of gateway)")
[ "$code" = 401 ] || die "gateway answered $code, not 401, to a wrong bearer token"
# Console lines the gateway wrote while starting (e.g. the plain-HTTP warning): the goal counts only those of the run.
GATEWAY_START_LINES=$(wc -l <"$TMP/gateway.out")

# ---------------------------------------------------------------- measurement helpers
# CPU time (ms) used so far by a process and its children processes (nginx workers).
cpu_ms() {
  local total=0 pid ticks
  for pid in "$1" $(pgrep -P "$1" || true); do
    ticks=$(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    total=$((total + ticks))
  done
  echo $((total * 1000 / $(getconf CLK_TCK)))
}
# Busy jiffies of the whole machine (all cores) and the CPU time of this shell's waited-for children (wrk).
busy_jiffies() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
# CPU ms of this shell's waited-for children so far (wrk). `times` must run in this shell, not in a $(...) subshell
# (a fork starts with no waited-for children): call snapshot_children, then children_ms.
snapshot_children() { times >"$TMP/times.txt"; }
children_ms() {
  awk 'NR == 2 { split($1, u, "m"); split($2, s, "m"); printf "%d\n", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }' "$TMP/times.txt"
}
servers_ms() { echo $(( $(cpu_ms "$UPSTREAM_PID") + $(cpu_ms "$PROXY_PID") + $(cpu_ms "$GATEWAY_PID") + $(cpu_ms "$YARP_PID") )); }
# Other sessions share this machine: wait (up to QUIET_MAX_WAIT s) for a second in which the machine's CPU use is
# below QUIET_BUSY_PCT of all cores while our servers are idle, so that measurements start on a quiet machine.
wait_quiet() {
  local deadline=$((SECONDS + QUIET_MAX_WAIT)) b0 b1 pct
  while :; do
    b0=$(busy_jiffies); sleep 1; b1=$(busy_jiffies)
    pct=$(( (b1 - b0) * 1000 / $(getconf CLK_TCK) / $(nproc) / 10 ))
    [ "$pct" -lt "$QUIET_BUSY_PCT" ] && return 0
    [ "$SECONDS" -ge "$deadline" ] && { log "machine still ${pct}% busy with other work; measuring anyway"; return 0; }
  done
}
server_pid_of() {
  case $1 in direct) echo "$UPSTREAM_PID" ;; gateway) echo "$GATEWAY_PID" ;; yarp) echo "$YARP_PID" ;; nginx) echo "$PROXY_PID" ;; esac
}

# wrk --latency output -> "rps p50_ms p99_ms requests non2xx socket_errors"
parse_wrk() {
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    / requests in / { reqs = $1 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /Socket errors:/ { gsub(",", ""); errs = $4 + $6 + $8 + $10 }
    END { printf "%.0f %.3f %.3f %d %d %d\n", rps, p50, p99, reqs, non2xx, errs }
  ' "$1"
}

run_wrk() { # arm connections seconds output
  wrk -t"$THREADS" -c"$2" -d"$3"s --latency -s "$TMP/request.lua" "$(url_of "$1")" >"$4" 2>&1
}

RESULTS=$TMP/results.tsv   # round conns arm rps p50 p99 requests non2xx errors cpu_us_per_req other_cpu_pct
: >"$RESULTS"

# .NET needs a long first warm-up (tier-0 -> instrumented -> optimised code); nginx only needs its connections.
log "initial warm-up: gateway ${INITIAL_WARMUP}s, others ${WARMUP}s, per connection count"
for arm in "${ARMS[@]}"; do
  for c in $CONNECTIONS; do
    run_wrk "$arm" "$c" "$(case $arm in gateway | yarp) echo "$INITIAL_WARMUP" ;; *) echo "$WARMUP" ;; esac)" "$TMP/warmup.txt"
  done
done

log "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); ${ROUNDS} rounds x {${CONNECTIONS}} connections x ${#ARMS[@]} arms x ${DURATION}s"
for round in $(seq 1 "$ROUNDS"); do
  printf '\nRound %d (load average %s)\n' "$round" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '  %-8s %5s %10s %9s %9s %7s %10s %10s\n' arm conns "req/s" "p50 ms" "p99 ms" errors "us CPU/req" "other CPU"
  for c in $CONNECTIONS; do
    for arm in "${ARMS[@]}"; do
      wait_quiet
      run_wrk "$arm" "$c" "$WARMUP" "$TMP/warmup.txt"
      pid=$(server_pid_of "$arm")
      snapshot_children
      before=$(cpu_ms "$pid"); ours0=$(( $(servers_ms) + $(children_ms) )); busy0=$(busy_jiffies)
      out=$TMP/wrk-r$round-c$c-$arm.txt
      run_wrk "$arm" "$c" "$DURATION" "$out"
      snapshot_children
      after=$(cpu_ms "$pid"); ours1=$(( $(servers_ms) + $(children_ms) )); busy1=$(busy_jiffies)
      # CPU used by other processes during the measurement, in % of all cores (noise indicator).
      other=$(( ( (busy1 - busy0) * 1000 / $(getconf CLK_TCK) - (ours1 - ours0) ) * 100 / ($(nproc) * DURATION * 1000) ))
      [ "$other" -ge 0 ] || other=0
      read -r rps p50 p99 reqs non2xx errs <<<"$(parse_wrk "$out")"
      [ "${reqs:-0}" -gt 0 ] || { cat "$out" >&2; die "wrk produced no requests for $arm"; }
      cpu_us=$(( (after - before) * 1000 / reqs ))
      bad=$((non2xx + errs))
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$c" "$arm" "$rps" "$p50" "$p99" "$reqs" "$non2xx" "$errs" "$cpu_us" "$other" >>"$RESULTS"
      printf '  %-8s %5s %10s %9s %9s %7s %10s %9s%%\n' "$arm" "$c" "$rps" "$p50" "$p99" "$bad" "$cpu_us" "$other"
    done
  done
done

# ---------------------------------------------------------------- summary
printf '\nSummary: median over %d rounds (%ss each), wrk -t%s, loopback, %s cores shared by wrk and the servers\n' \
  "$ROUNDS" "$DURATION" "$THREADS" "$(nproc)"
# Only Warning and above count: Kestrel's refusals of bad framing are logged at Debug on purpose (wrk cutting a
# request in half when a run ends shows up there), and are not what the goal is about.
warnings_after() { tail -n +"$(($2 + 1))" "$1" | grep -v '"LogLevel":"\(Trace\|Debug\|Information\)"' || true; }
gateway_run_lines=$(warnings_after "$TMP/gateway.out" "$GATEWAY_START_LINES" | wc -l)
awk -v conns="$CONNECTIONS" -v goal_ratio="$GOAL_RATIO" -v goal_p99="$GOAL_ADDED_P99" -v goal_yarp="$GOAL_YARP_CPU" -v log_lines="$gateway_run_lines" '
  function median(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function add(key, v) { vals[key] = (key in vals) ? vals[key] " " v : v }
  {
    add($2 SUBSEP $3 SUBSEP "rps", $4); add($2 SUBSEP $3 SUBSEP "p50", $5); add($2 SUBSEP $3 SUBSEP "p99", $6)
    add($2 SUBSEP $3 SUBSEP "cpu", $10); add($2 SUBSEP $3 SUBSEP "oth", $11); bad[$2 SUBSEP $3] += $8 + $9
  }
  END {
    nc = split(conns, cs, " ")
    for (k = 1; k <= nc; k++) {
      c = cs[k]
      printf "\n  %s connections\n", c
      printf "  %-8s %10s %9s %9s %12s %10s %8s\n", "arm", "req/s", "p50 ms", "p99 ms", "CPU us/req", "other CPU", "errors"
      split("direct gateway yarp nginx", arms, " ")
      for (i = 1; i <= 4; i++) {
        a = arms[i]
        rps[a] = median(c SUBSEP a SUBSEP "rps"); p50[a] = median(c SUBSEP a SUBSEP "p50"); p99[a] = median(c SUBSEP a SUBSEP "p99")
        cpu[a] = median(c SUBSEP a SUBSEP "cpu")
        printf "  %-8s %10.0f %9.3f %9.3f %12.0f %9d%% %8d\n", a, rps[a], p50[a], p99[a], median(c SUBSEP a SUBSEP "cpu"), median(c SUBSEP a SUBSEP "oth"), bad[c SUBSEP a]
      }
      ratio_n = rps["gateway"] / rps["nginx"]
      printf "  gateway/direct req/s: %.2fx   gateway/nginx req/s: %.2fx   nginx/direct req/s: %.2fx\n", \
        rps["gateway"] / rps["direct"], ratio_n, rps["nginx"] / rps["direct"]
      ratio_y = cpu["yarp"] > 0 ? cpu["gateway"] / cpu["yarp"] : 0
      printf "  gateway/yarp: req/s %.2fx, CPU per request %.2fx (%d vs %d us): our middleware costs %+d us over YARP itself\n", \
        rps["gateway"] / rps["yarp"], ratio_y, cpu["gateway"], cpu["yarp"], cpu["gateway"] - cpu["yarp"]
      added99 = p99["gateway"] - p99["direct"]
      printf "  added by the gateway over direct: p50 %+.3f ms, p99 %+.3f ms   (nginx adds p50 %+.3f ms, p99 %+.3f ms)\n", \
        p50["gateway"] - p50["direct"], added99, p50["nginx"] - p50["direct"], p99["nginx"] - p99["direct"]
      if (c == 16) {
        g1 = ratio_n >= goal_ratio ? "PASS" : "MISS"
        g2 = added99 <= goal_p99 ? "PASS" : "MISS"
        goals = goals sprintf("  goal gateway >= %.1fx nginx req/s at 16 connections: %.2fx  %s\n", goal_ratio, ratio_n, g1)
        goals = goals sprintf("  goal added p99 <= %.1f ms at 16 connections:        %+.3f ms  %s\n", goal_p99, added99, g2)
        goals16 = sprintf("  goal gateway CPU/request <= %.2fx bare YARP:       %.2fx  %s\n", goal_yarp, ratio_y, (ratio_y > 0 && ratio_y <= goal_yarp ? "PASS" : "MISS"))
      }
    }
    printf "\nGoals (issue 2)\n%s", goals ? goals : "  (16 connections not measured; goals not judged)\n"
    printf "\nGoals (issue 16)\n%s", goals16 ? goals16 : "  (16 connections not measured; CPU goal not judged)\n"
    printf "  goal zero Warning/Error lines during the run:   %d  %s\n", log_lines, (log_lines == 0 ? "PASS" : "MISS")
    for (key in bad) if (bad[key] > 0) { split(key, kk, SUBSEP); printf "  WARNING: %d non-2xx/socket errors for %s at %s connections: figures are suspect\n", bad[key], kk[2], kk[1] }
  }
' "$RESULTS"

if [ "$gateway_run_lines" -gt 0 ]; then
  printf '\nWarning/Error lines written under load (first 5):\n'
  warnings_after "$TMP/gateway.out" "$GATEWAY_START_LINES" | head -5 | cut -c1-400 | sed 's/^/  /'
fi
audit_lines=$( [ -f "$TMP/audit.jsonl" ] && wc -l <"$TMP/audit.jsonl" || echo 0)
gateway_log_lines=$(wc -l <"$TMP/gateway.out")
printf '\nGateway side effects during the run: %s audit lines, %s console log lines (Warning and above)\n' "$audit_lines" "$gateway_log_lines"
exit 0
