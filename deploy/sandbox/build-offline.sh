#!/bin/bash
# Build the Codeur sandbox image without any container registry.
#
#   deploy/sandbox/build-offline.sh [--force] [TAG]      (default TAG: codeur/sandbox:latest)
#
# How (see docs: ENVIRONMENT.md, "Base images without a registry"):
#   1. resolve the dependency closure of the sandbox packages with
#      `apt-cache depends --recurse`, picking one alternative per dependency and
#      leaving out what a container without dpkg does not need (perl, debconf, ...)
#   2. `apt-get download` the .debs into a cache that is reused across runs
#   3. extract each with `dpkg-deb --fsys-tarfile | tar -x --keep-directory-symlink`
#      into a merged-/usr root; no maintainer scripts run, so the few things they
#      would do (awk/sh links, CA bundle, users) are done here
#   4. `tar -c . | docker import` with USER/WORKDIR/ENV/LABEL changes, smoke-test
#      the result (non-root, read-only, no network), then tag it
#
# The image carries a label with a hash of its inputs (exact package versions,
# codeur-tool, gitconfig and this script). When TAG already carries the same hash
# nothing is rebuilt ("image TAG already present"); --force rebuilds anyway.
#
# Environment: CODEUR_SANDBOX_CACHE (default /var/cache/codeur-sandbox).
# Needs root (file ownership in the image), a Docker engine and the Debian apt
# tools; network only for `apt-get update`/downloads when the cache is cold.
set -Eeuo pipefail

readonly PROG=build-offline
SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
SCRIPT_PATH="$SCRIPT_DIR/$(basename -- "${BASH_SOURCE[0]}")"
readonly SCRIPT_DIR SCRIPT_PATH
readonly TOOL_SRC="$SCRIPT_DIR/codeur-tool"
readonly GITCONFIG_SRC="$SCRIPT_DIR/gitconfig"
readonly CACHE_DIR=${CODEUR_SANDBOX_CACHE:-/var/cache/codeur-sandbox}
readonly HASH_LABEL=io.codeur.sandbox.inputs
readonly AGENT_UID=10001

# Packages the image is built from (the Dockerfile installs the same set).
readonly ROOT_PACKAGES=(
  bash dash coreutils git grep sed mawk findutils diffutils patch tar gzip ca-certificates
  libc-bin # C.UTF-8 locale, getent, iconv
)
# Never installed, and dependencies on them are dropped: perl (git works for
# everyday commands without it), git-man, and the packaging machinery whose
# only job would be to run maintainer scripts.
readonly EXCLUDE_RE='^(perl|perl-base|perl-modules-.*|libperl.*|liberror-perl|git-man|debconf|cdebconf|dpkg|install-info)$'
# Preferred provider when a dependency has alternatives / is virtual (awk).
readonly PREFER='mawk'

log() { printf "%s: [%3ds] %s\n" "$PROG" "$((SECONDS - ${START:-0}))" "$*" >&2; }
die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
on_err() {
  local rc=$? line=$1 cmd=$2
  printf '%s: error: command failed (exit %d, line %d): %s\n' "$PROG" "$rc" "$line" "$cmd" >&2
  exit "$rc"
}
trap 'on_err "$LINENO" "$BASH_COMMAND"' ERR

usage() {
  cat >&2 <<EOF
usage: $0 [--force] [TAG]
  Build the Codeur sandbox image (default TAG codeur/sandbox:latest) without a registry.
  --force   rebuild even if TAG already carries the same inputs hash
EOF
}

# ------------------------------------------------------------------ arguments
FORCE=0
TAG=
while (($#)); do
  case $1 in
    --force | -f) FORCE=1 ;;
    -h | --help) usage; exit 0 ;;
    -*) usage; die "unknown option: $1" ;;
    *)
      [[ -z $TAG ]] || { usage; die "more than one TAG given"; }
      TAG=$1
      ;;
  esac
  shift
done
TAG=${TAG:-codeur/sandbox:latest}
readonly TAG FORCE
# name[:tag], name = [host[:port]/]path with lowercase components
[[ $TAG =~ ^([A-Za-z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$ ]] ||
  die "invalid image tag: $TAG"

START=$SECONDS

# ------------------------------------------------------------------ preflight
((EUID == 0)) || die "must run as root (the image's file ownership comes from the extracted tree)"
for c in docker apt-get apt-cache dpkg-deb tar sha256sum flock awk ldconfig; do
  command -v "$c" >/dev/null || die "required command not found: $c"
done
[[ -r $TOOL_SRC ]] || die "missing $TOOL_SRC"
[[ -r $GITCONFIG_SRC ]] || die "missing $GITCONFIG_SRC"
docker info >/dev/null 2>&1 || die "cannot talk to the Docker engine (is it running, may this user use it?)"
[[ $(dpkg --print-architecture 2>/dev/null || echo amd64) == amd64 ]] ||
  die "only amd64 is supported (ld.so path, multiarch dir)"

mkdir -p "$CACHE_DIR/debs" "$CACHE_DIR/partial"
# One build at a time per cache (the cache is pruned and rewritten).
exec 9>"$CACHE_DIR/.lock"
flock -w 600 9 || die "another build holds $CACHE_DIR/.lock"

# ------------------------------------------------------------------ apt lists
have_apt_lists() {
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}
APT_UPDATED=0
apt_update() {
  ((APT_UPDATED)) && return 1
  log "running apt-get update"
  apt-get update -qq >&2 || die "apt-get update failed (is the Debian mirror reachable?)"
  APT_UPDATED=1
}
have_apt_lists || apt_update

# ------------------------------------------------------------------ closure
# Reads `apt-cache depends --recurse` output; walks it from the root packages,
# choosing per dependency group an already chosen member, else the preferred
# one, else the first not excluded; groups made only of excluded packages are
# dropped (reported on stderr).
resolve_closure() {
  local out
  out=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${ROOT_PACKAGES[@]}" 2>&1) ||
    { printf '%s\n' "$out" >&2; return 1; }
  awk -v roots="${ROOT_PACKAGES[*]}" -v excl="$EXCLUDE_RE" -v prefer="$PREFER" '
    function clean(n) { sub(/:any$/, "", n); return n }
    function add(n) { g = cur SUBSEP ng[cur]; gm[g, ++gc[g]] = clean(n) }
    /^[^ ]/ { cur = clean($1); real[cur] = ($1 !~ /^</); cont = 0; next }
    /^ [ |](Pre)?Depends: / {
      if (!cont) ng[cur]++
      add($2)
      cont = (substr($0, 2, 1) == "|")
      next
    }
    /^    [^ ]/ { add($1); next }      # providers of a virtual package
    END {
      np = split(prefer, pa, " "); for (i = 1; i <= np; i++) pref[pa[i]] = 1
      nr = split(roots, q, " ")
      for (i = 1; i <= nr; i++) {
        if (!(q[i] in real) || !real[q[i]]) { print "unknown package: " q[i] > "/dev/stderr"; bad = 1 }
        sel[q[i]] = 1
      }
      if (bad) exit 3
      for (h = 1; h <= nr; h++) {
        p = q[h]
        for (k = 1; k <= ng[p]; k++) {
          g = p SUBSEP k; ok = 0; pick = ""; desc = ""
          for (m = 1; m <= gc[g]; m++) {
            c = gm[g, m]; desc = desc (m > 1 ? "|" : "") c
            if (c in sel) ok = 1
          }
          if (ok) continue
          for (m = 1; m <= gc[g] && pick == ""; m++) {
            c = gm[g, m]; if ((c in pref) && real[c] && c !~ excl) pick = c
          }
          for (m = 1; m <= gc[g] && pick == ""; m++) {
            c = gm[g, m]; if (real[c] && c !~ excl) pick = c
          }
          if (pick == "") { dropped[p " -> " desc] = 1; continue }
          sel[pick] = 1; q[++nr] = pick
        }
      }
      for (d in dropped) print "-" d       # dependency left out by design
      for (s in sel) print s
    }' <<<"$out" | sort
}

# Prints "filename sha256 size url" per package (from local lists, no network).
package_manifest() {
  apt-get download --print-uris "$@" 2>&1 |
    awk '/^\x27/ {
      url = $1; gsub(/\x27/, "", url); h = $4; sub(/^SHA256:/, "", h)
      if ($4 !~ /^SHA256:/) { print "no SHA256 for " $2 > "/dev/stderr"; exit 3 }
      print $2, h, $3, url; n++
    }
    !/^\x27/ { print > "/dev/stderr"; err = 1 }
    END { if (err || n == 0) exit 3 }'
}

resolve() {
  local all
  all=$(resolve_closure) || return 1
  PACKAGES=$(grep -v '^-' <<<"$all")
  DROPPED=$(grep '^-' <<<"$all" | sed 's/^-//' | paste -sd, - | sed 's/,/, /g' || true)
  # shellcheck disable=SC2086
  MANIFEST=$(package_manifest $PACKAGES) || return 1
}

PACKAGES='' MANIFEST='' DROPPED=''
if ! resolve; then
  apt_update || die "cannot resolve the package set (see messages above)"
  resolve || die "cannot resolve the package set after apt-get update"
fi
NPKG=$(wc -l <<<"$MANIFEST")

# Hash of everything the image is made from: exact .debs, tool, config, script.
inputs_hash() {
  {
    printf '%s\n' "$MANIFEST" | awk '{print $1, $2}'
    sha256sum <"$TOOL_SRC"
    sha256sum <"$GITCONFIG_SRC"
    sha256sum <"$SCRIPT_PATH"
  } | sha256sum | cut -d' ' -f1
}
INPUTS_HASH=$(inputs_hash)

OLD_ID=$(docker image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)
if [[ -n $OLD_ID ]] && ((!FORCE)); then
  old_hash=$(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$TAG" 2>/dev/null || true)
  if [[ $old_hash == "$INPUTS_HASH" ]]; then
    echo "image $TAG already present (inputs unchanged, ${INPUTS_HASH:0:12}); use --force to rebuild"
    exit 0
  fi
  log "image $TAG exists with different inputs; rebuilding"
fi

log "$NPKG packages; dependencies left out by design: ${DROPPED:-none}"

# ------------------------------------------------------------------ download
deb_ok() { # file sha256
  [[ -f $1 ]] && [[ $(sha256sum <"$1" | cut -d' ' -f1) == "$2" ]]
}

fetch_missing() {
  local f h missing=()
  while read -r f h _; do
    deb_ok "$CACHE_DIR/debs/$f" "$h" || missing+=("$f")
  done <<<"$MANIFEST"
  ((${#missing[@]})) || { log "all $NPKG packages cached"; return 0; }
  log "downloading ${#missing[@]} of $NPKG packages"
  local names=() f2
  for f2 in "${missing[@]}"; do names+=("${f2%%_*}"); done
  rm -f "$CACHE_DIR"/partial/*.deb
  # apt drops privileges to _apt for downloads; the partial dir is root's.
  (cd "$CACHE_DIR/partial" && apt-get download -qq -o APT::Sandbox::User=root "${names[@]}") >&2 || return 1
  while read -r f h _; do
    [[ -f $CACHE_DIR/partial/$f ]] || continue
    deb_ok "$CACHE_DIR/partial/$f" "$h" || { log "checksum mismatch: $f"; return 1; }
    mv -f "$CACHE_DIR/partial/$f" "$CACHE_DIR/debs/$f"
  done <<<"$MANIFEST"
  for f2 in "${missing[@]}"; do
    [[ -f $CACHE_DIR/debs/$f2 ]] || { log "not downloaded: $f2"; return 1; }
  done
}

if ! fetch_missing; then
  # Stale package lists give 404s: refresh once and retry with the new versions.
  apt_update || die "download failed (see messages above)"
  resolve || die "cannot resolve the package set after apt-get update"
  NPKG=$(wc -l <<<"$MANIFEST")
  fetch_missing || die "download failed after apt-get update"
  INPUTS_HASH=$(inputs_hash) # package versions changed with the refreshed lists
fi
readonly INPUTS_HASH

# Keep the cache bounded: drop debs that are no longer part of the set.
declare -A wanted=()
while read -r f _; do wanted[$f]=1; done <<<"$MANIFEST"
for f in "$CACHE_DIR"/debs/*.deb; do
  [[ -e $f && -z ${wanted[$(basename -- "$f")]+x} ]] && rm -f -- "$f"
done

# ------------------------------------------------------------------ root fs
BUILD_DIR=$(mktemp -d /var/tmp/codeur-sandbox-build.XXXXXX)
IMPORTED_ID=
cleanup() {
  rm -rf -- "$BUILD_DIR"
  if [[ -n $IMPORTED_ID ]]; then docker rmi "$IMPORTED_ID" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT
ROOT=$BUILD_DIR/rootfs
mkdir -m 0755 "$ROOT"
cd "$ROOT"

# merged /usr: the debs' /bin, /lib, ... land in /usr via these links
mkdir -p usr/bin usr/lib usr/lib64 usr/sbin
ln -s usr/bin bin
ln -s usr/lib lib
ln -s usr/lib64 lib64
ln -s usr/sbin sbin

log "extracting $NPKG packages"
while read -r f _; do
  dpkg-deb --fsys-tarfile "$CACHE_DIR/debs/$f" | tar -x --keep-directory-symlink -C "$ROOT" ||
    die "extracting $f failed"
done <<<"$MANIFEST"
for l in bin lib lib64 sbin; do
  [[ -L $l ]] || die "/$l was replaced by a directory while extracting (merged-/usr broken)"
done

# What maintainer scripts / update-alternatives would have done.
[[ -e usr/bin/sh ]] || ln -s dash usr/bin/sh
[[ -e usr/bin/awk ]] || ln -s mawk usr/bin/awk
[[ -e usr/bin/nawk ]] || ln -s mawk usr/bin/nawk
mkdir -p etc/ssl/certs
cat usr/share/ca-certificates/*/*.crt >etc/ssl/certs/ca-certificates.crt
[[ -s etc/ssl/certs/ca-certificates.crt ]] || die "CA bundle is empty"

# Users: root and the unprivileged agent (uid/gid 10001).
cat >etc/passwd <<EOF
root:x:0:0:root:/root:/bin/bash
agent:x:$AGENT_UID:$AGENT_UID:Codeur agent:/home/agent:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/bin/false
EOF
cat >etc/group <<EOF
root:x:0:
agent:x:$AGENT_UID:
nogroup:x:65534:
EOF
chmod 0644 etc/passwd etc/group
printf 'passwd: files\ngroup: files\nhosts: files dns\n' >etc/nsswitch.conf

install -d -m 0700 root
install -d -m 0755 -o "$AGENT_UID" -g "$AGENT_UID" home/agent workspace
install -d -m 1777 tmp var/tmp
install -d -m 0755 usr/local/bin
install -m 0755 "$TOOL_SRC" usr/local/bin/codeur-tool
install -m 0644 "$GITCONFIG_SRC" etc/gitconfig

# Trim: documentation (keeping copyright files), man/info pages, translations.
find usr/share/doc -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
find usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf usr/share/man usr/share/info usr/share/locale usr/share/lintian usr/share/bug \
  usr/share/doc-base usr/share/bash-completion usr/share/gitweb usr/share/menu
# No setuid/setgid anything.
find . -xdev -type f -perm /6000 -exec chmod ug-s {} +
# Loader cache for the libraries in the tree.
ldconfig -r "$ROOT" 2>/dev/null || log "warning: ldconfig -r failed; relying on default library paths"
printf 'codeur-sandbox inputs=%s\n' "$INPUTS_HASH" >etc/codeur-sandbox-release

# ------------------------------------------------------------------ import
log "importing into Docker"
IMPORTED_ID=$(
  tar -C "$ROOT" --numeric-owner -c . |
    docker import \
      --change "USER $AGENT_UID:$AGENT_UID" \
      --change 'WORKDIR /workspace' \
      --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin HOME=/home/agent LANG=C.UTF-8' \
      --change 'LABEL org.opencontainers.image.title=codeur-sandbox' \
      --change "LABEL $HASH_LABEL=$INPUTS_HASH" \
      --change 'CMD ["/bin/bash"]' \
      --message "codeur sandbox (offline build)" - 
) || die "docker import failed"
IMPORTED_ID=${IMPORTED_ID##*$'\n'}

# ------------------------------------------------------------------ smoke test
log "smoke-testing ${IMPORTED_ID:7:12}"
# shellcheck disable=SC2016
SMOKE='
set -eu
fail() { echo "smoke: $*" >&2; exit 1; }
[ "$(id -u):$(id -g)" = "'"$AGENT_UID:$AGENT_UID"'" ] || fail "not running as '"$AGENT_UID"'"
[ "$(pwd)" = /workspace ] || fail "workdir is $(pwd)"
git --version >/dev/null
sh -c true
[ -z "$(LC_ALL=C.UTF-8 bash -c : 2>&1)" ] || fail "C.UTF-8 locale missing"
for c in bash cat ls grep sed awk find xargs diff cmp patch tar gzip sort head wc; do
  command -v "$c" >/dev/null || fail "missing $c"
done
echo abc | grep -q b && echo abc | sed s/b/x/ | grep -q axc || fail "grep/sed"
printf "a\n" >/tmp/a; printf "b\n" >/tmp/b
! diff -u /tmp/a /tmp/b >/tmp/p && patch -s /tmp/a /tmp/p && cmp -s /tmp/a /tmp/b || fail "diff/patch"
tar -C /tmp -czf /tmp/t.tgz a && tar -tzf /tmp/t.tgz | grep -q "^a$" || fail "tar/gzip"
codeur-tool status | grep -q "not a git repository" || fail "codeur-tool status"
( cd /tmp && mkdir r && cd r && git init -q && echo x >f && git add f &&
  git -c user.name=t -c user.email=t@t commit -qm m && git log --oneline | grep -q " m$" ) || fail "git commit/log"
missing=$(
  for f in /usr/bin/* /usr/lib/git-core/* /usr/lib/x86_64-linux-gnu/*.so*; do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    [ "$(head -c 4 "$f" 2>/dev/null | tr -d "\177")" = ELF ] || continue
    /lib64/ld-linux-x86-64.so.2 --list "$f" 2>/dev/null | grep "not found" | sed "s|^|$f: |" || true
  done
)
[ -z "$missing" ] || fail "unresolved libraries:
$missing"
echo ok
'
smoke_out=$(docker run --rm --network none --read-only --tmpfs /tmp:size=16m \
  --cap-drop ALL --security-opt no-new-privileges "$IMPORTED_ID" /bin/bash -c "$SMOKE" 2>&1) ||
  die "smoke test failed: $smoke_out"
[[ $smoke_out == *ok ]] || die "smoke test gave unexpected output: $smoke_out"

log "smoke test passed; tagging $TAG"
docker tag "$IMPORTED_ID" "$TAG"
NEW_ID=$IMPORTED_ID
IMPORTED_ID= # tagged: keep it
if [[ -n $OLD_ID && $OLD_ID != "$NEW_ID" ]]; then
  # previous build under this tag; removal fails (harmlessly) if still used/tagged
  docker rmi "$OLD_ID" >/dev/null 2>&1 || true
fi

SIZE=$(docker image inspect -f '{{.Size}}' "$TAG")
printf 'built %s (%s) from %d packages in %ds; image size %d bytes (%d MB)\n' \
  "$TAG" "${NEW_ID#sha256:}" "$NPKG" "$((SECONDS - START))" "$SIZE" "$((SIZE / 1000000))" |
  sed -E 's/\(([0-9a-f]{12})[0-9a-f]*\)/(\1)/'
