# Shared helpers for the scripts in scripts/parts/ (sourced, not run). Each part script starts one real part the
# suites use, is idempotent (an answering part is left alone), prints one line saying what it started or found,
# and on failure prints the tail of its log. They need root and Debian's apt (bookworm), like a CI machine.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PART=${PART:-part}
PARTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Where logs and built root filesystems go (outside the repository).
WORK=${DFSIZE_PARTS_WORK:-/tmp/dfsize-base}
mkdir -p "$WORK"
# The 20.10 client that ships with Debian's docker.io (BuildKit works with it); another `docker` may come first on PATH.
DOCKER=/usr/bin/docker
APT_LOCK=(-o DPkg::Lock::Timeout=300)

say() { echo "$PART: $*"; }

# fail MESSAGE [LOG]: the message and the last lines of LOG on stderr, exit 1.
fail() {
  echo "$PART: $1" >&2
  if [ -n "${2:-}" ] && [ -f "$2" ]; then echo "--- last lines of $2:" >&2; tail -n 20 "$2" >&2; fi
  exit 1
}

# logged LOG COMMAND...: runs COMMAND with its output in LOG; on failure says which command and shows the log's tail.
logged() {
  local log=$1; shift
  "$@" >"$log" 2>&1 || fail "failed: $*" "$log"
}

# apt_install PACKAGE...: installs the packages that are not installed yet (apt-get update first, once per call).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]} (apt)"
  logged "$WORK/apt-$PART.log" apt-get "${APT_LOCK[@]}" update -qq
  logged "$WORK/apt-$PART.log" apt-get "${APT_LOCK[@]}" install -y -qq --no-install-recommends "${missing[@]}"
}

# wait_for SECONDS [pid=PID] COMMAND...: true as soon as COMMAND succeeds; false when SECONDS pass first, or at once
# when the process PID (the service being waited for) has exited.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )) pid=""; shift
  case "$1" in pid=*) pid=${1#pid=}; shift;; esac
  until "$@" >/dev/null 2>&1; do
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.5
  done
}

# pings SOCKET: an Engine API (Docker or Podman) answers on this unix socket.
pings() { curl -fsS --max-time 3 --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1; }

# has_image DOCKER_HOST REF: the engine at DOCKER_HOST holds the image REF.
has_image() { DOCKER_HOST=$1 $DOCKER image inspect "$2" >/dev/null 2>&1; }

# need_curl: the scripts check the parts over HTTP with curl.
need_curl() { command -v curl >/dev/null || apt_install curl ca-certificates; }

# usage TEXT ARG EXPECTED...: exits 2 with TEXT unless ARG is one of EXPECTED.
usage() {
  local text=$1 arg=$2; shift 2
  local e; for e in "$@"; do [ "$arg" = "$e" ] && return 0; done
  echo "usage: $text" >&2; exit 2
}
