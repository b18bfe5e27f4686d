#!/usr/bin/env bash
# Docker Engine 20.10 (Debian bookworm's docker.io) answering on /var/run/docker.sock: the engine every engine suite,
# the demo and the CLI use by default. Idempotent: an engine that already answers is left as it is.
#   engine.sh [start]
# Afterwards /usr/bin/docker is that engine's own client (BuildKit with DOCKER_BUILDKIT=1).
PART=engine
source "$(dirname "$0")/lib.sh"
usage "engine.sh [start]" "${1:-start}" start
SOCK=/var/run/docker.sock
LOG=$WORK/dockerd.log

need_curl
if pings "$SOCK"; then say "already answering on $SOCK"; exit 0; fi
command -v dockerd >/dev/null || apt_install docker.io
nohup dockerd >"$LOG" 2>&1 &
pid=$!
wait_for 60 pid=$pid pings "$SOCK" || fail "dockerd did not answer on $SOCK (it exited, or 60 s passed)" "$LOG"
say "started dockerd $($DOCKER version --format '{{.Server.Version}}') on $SOCK (pid $pid, log $LOG)"
