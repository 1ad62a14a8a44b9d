#!/bin/bash
# Install the gateway and runner as systemd services from published binaries (no container runtime needed for
# the services themselves; the runner still needs a Docker engine for the sandboxes):
#
#   deploy/systemd/install.sh [--prefix /opt/codeur]
#
#   1. dotnet publish both services self-contained, single-file, into PREFIX/gateway and PREFIX/runner
#      (or, on a host without the SDK: copy those two directories from a build machine and pass --no-build)
#   2. creates the system users codeur-gateway and codeur-runner (the latter in the docker group)
#   3. installs /etc/codeur/agent.yaml and one environment file per service (fresh random secrets, mode 0600)
#      when missing: /etc/codeur/gateway.env holds only what the gateway verifies with (bearer token, platform
#      signing secrets, the internal token), /etc/codeur/runner.env what the runner acts with (the internal token,
#      reply and agent credentials). An older shared /etc/codeur/codeur.env is split into the two by variable name.
#      Then the units codeur-gateway.service and codeur-runner.service
# Then: systemctl enable --now codeur-runner codeur-gateway
set -Eeuo pipefail
cd "$(dirname "$0")/../.."
prefix=/opt/codeur build=1
while (($#)); do
  case $1 in
    --prefix) prefix=$2; shift ;;
    --no-build) build=0 ;;
    *) echo "usage: $0 [--prefix DIR] [--no-build]" >&2; exit 2 ;;
  esac
  shift
done
((EUID == 0)) || { echo "install.sh: must run as root" >&2; exit 1; }

if ((build)); then
  for svc in gateway runner; do
    dotnet publish "$svc" -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
      -p:EnableCompressionInSingleFile=true -p:DebugType=none -o "$prefix/$svc" -v quiet -nologo
  done
fi
test -x "$prefix/gateway/Codeur.Gateway" && test -x "$prefix/runner/Codeur.Runner" ||
  { echo "install.sh: binaries missing under $prefix" >&2; exit 1; }
chown -R root:root "$prefix"; chmod -R go-w "$prefix"
install -m 0644 README.md "$prefix/README.md"
# The README links into docs/ (configuration reference, platforms): keep them beside it.
install -d -m 0755 "$prefix/docs" && install -m 0644 docs/*.md "$prefix/docs/"

for user in codeur-gateway codeur-runner; do
  id -u "$user" >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
done
getent group docker >/dev/null || groupadd --system docker
usermod -aG docker codeur-runner

install -d -m 0755 /etc/codeur
[ -f /etc/codeur/agent.yaml ] || install -m 0644 deploy/systemd/agent.yaml /etc/codeur/agent.yaml
# What the gateway verifies with; every other variable is the runner's (docs/SECURITY.md, "Separate secrets").
gateway_vars='^(AGENT_WEBHOOK_TOKEN|GITHUB_WEBHOOK_SECRET|SLACK_SIGNING_SECRET|DISCORD_PUBLIC_KEY|CODEUR_INTERNAL_TOKEN|REDIS_CONNECTION)='
umask 077
if [ ! -f /etc/codeur/gateway.env ] && [ ! -f /etc/codeur/runner.env ]; then
  if [ -f /etc/codeur/codeur.env ]; then
    grep -E "$gateway_vars" /etc/codeur/codeur.env | grep -v '^REDIS_CONNECTION=' >/etc/codeur/gateway.env || true
    grep -vE "$gateway_vars" /etc/codeur/codeur.env >/etc/codeur/runner.env || true
    grep -E '^CODEUR_INTERNAL_TOKEN=' /etc/codeur/codeur.env >>/etc/codeur/runner.env || true
    echo "install.sh: split /etc/codeur/codeur.env into gateway.env and runner.env; set REDIS_CONNECTION per service" \
      "(its own Redis user) if you use Redis, then remove codeur.env" >&2
  else
    secret() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
    internal=$(secret)
    printf 'AGENT_WEBHOOK_TOKEN=%s\nCODEUR_INTERNAL_TOKEN=%s\nGITHUB_WEBHOOK_SECRET=%s\n' "$(secret)" "$internal" "$(secret)" \
      >/etc/codeur/gateway.env
    printf 'CODEUR_INTERNAL_TOKEN=%s\n# GITHUB_TOKEN=\n# SLACK_BOT_TOKEN=\n# DISCORD_BOT_TOKEN=\n' "$internal" >/etc/codeur/runner.env
  fi
fi
chmod 0600 /etc/codeur/gateway.env /etc/codeur/runner.env

unit_dir=${SYSTEMD_UNIT_DIR:-/etc/systemd/system}
sed "s|/opt/codeur|$prefix|g" deploy/systemd/codeur-gateway.service >"$unit_dir/codeur-gateway.service"
sed "s|/opt/codeur|$prefix|g" deploy/systemd/codeur-runner.service >"$unit_dir/codeur-runner.service"
systemctl daemon-reload 2>/dev/null || true
echo "installed under $prefix; start with: systemctl enable --now codeur-runner codeur-gateway"
