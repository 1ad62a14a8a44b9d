#!/bin/bash
# Seed a local stand-in for debian:bookworm-slim on machines without a registry,
# so that deploy/sandbox/Dockerfile (and other Dockerfiles) build unchanged:
#
#   deploy/sandbox/seed-base-image.sh [--force] [TAG]   (default TAG: codeur/base-debian:bookworm)
#   docker build --build-arg BASE_IMAGE=codeur/base-debian:bookworm -t codeur/sandbox:latest deploy/sandbox
#
# `debootstrap --variant=minbase bookworm` (≈ 60 s), trimmed (apt lists, docs, man
# pages, locales), then `tar -c . | docker import`. Idempotent: does nothing when
# TAG exists (use --force to rebuild). Needs root; installs debootstrap if missing.
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian),
#              DEBIAN_SECURITY_MIRROR (default http://deb.debian.org/debian-security).
set -Eeuo pipefail

readonly PROG=seed-base-image
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
on_err() {
  local rc=$?
  printf '%s: error: command failed (exit %d, line %d): %s\n' "$PROG" "$rc" "$1" "$2" >&2
  exit "$rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

FORCE=0 TAG=
while (($#)); do
  case $1 in
    --force | -f) FORCE=1 ;;
    -h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option: $1" ;;
    *) [[ -z $TAG ]] || die "more than one TAG given"; TAG=$1 ;;
  esac
  shift
done
TAG=${TAG:-codeur/base-debian:bookworm}
readonly SUITE=bookworm
readonly MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

((EUID == 0)) || die "must run as root"
docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine"

if docker image inspect "$TAG" >/dev/null 2>&1 && ((!FORCE)); then
  echo "image $TAG already present; use --force to rebuild"
  exit 0
fi

if ! command -v debootstrap >/dev/null; then
  echo "$PROG: installing debootstrap" >&2
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null ||
    die "cannot install debootstrap"
fi

START=$SECONDS
WORK=$(mktemp -d /var/tmp/codeur-base-debian.XXXXXX)
trap 'rm -rf -- "$WORK"' EXIT
ROOT=$WORK/rootfs

echo "$PROG: debootstrap --variant=minbase $SUITE ($MIRROR)" >&2
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 30 "$WORK/debootstrap.log" >&2
  die "debootstrap failed"
}

# Same sources as the official image (so `apt-get update` works inside).
rm -f "$ROOT/etc/apt/sources.list"
cat >"$ROOT/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
# Like debian:*-slim: no docs/man/locales from future installs, no apt caches.
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
EOF
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$ROOT/etc/apt/apt.conf.d/docker-norecommends"
printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };\n' \
  >"$ROOT/etc/apt/apt.conf.d/docker-clean"

rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb \
  "$ROOT"/var/log/* "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/*
find "$ROOT/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
: >"$ROOT/etc/machine-id"
rm -f "$ROOT/etc/hostname" "$ROOT/etc/resolv.conf"

chmod 0755 "$ROOT"
ID=$(tar -C "$ROOT" --numeric-owner -c . |
  docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' \
    --change 'LABEL org.opencontainers.image.title=codeur-base-debian' \
    --message "debootstrap --variant=minbase $SUITE" - "$TAG")
SIZE=$(docker image inspect -f '{{.Size}}' "$TAG")
printf 'built %s (%.12s) in %ds; image size %d bytes (%d MB)\n' \
  "$TAG" "${ID#sha256:}" "$((SECONDS - START))" "$SIZE" "$((SIZE / 1000000))"
