#!/usr/bin/env bash
# Podman 4.3 (Debian bookworm) serving the Docker Engine API: the second real engine of the suites (it builds as
# root, with overlay storage). Idempotent: a service already answering on SOCKET is left as it is.
#   podman.sh serve [SOCKET]   (default /tmp/podman.sock) -> prints DOCKER_HOST=unix://SOCKET and the service's pid
# A base image from the 20.10 engine: `podman pull docker-daemon:local/busybox:latest` (the suites do it over the API).
PART=podman
source "$(dirname "$0")/lib.sh"
usage "podman.sh serve [SOCKET]" "${1:-serve}" serve
SOCK=${2:-/tmp/podman.sock}
LOG=$WORK/podman-service.log

need_curl
if pings "$SOCK"; then say "already answering on $SOCK"; echo "DOCKER_HOST=unix://$SOCK"; exit 0; fi
command -v podman >/dev/null || apt_install podman
rm -f "$SOCK"
nohup podman system service --time=0 "unix://$SOCK" >"$LOG" 2>&1 &
pid=$!
wait_for 30 pid=$pid pings "$SOCK" || fail "the service did not answer on $SOCK (it exited, or 30 s passed)" "$LOG"
say "started $(podman --version) service (log $LOG)"
echo "DOCKER_HOST=unix://$SOCK pid=$pid"
