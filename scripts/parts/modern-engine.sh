#!/usr/bin/env bash
# A current Docker engine beside the 20.10 one: Docker Engine 28.5 from Debian sid's docker.io, with the containerd
# image store (containerd 2.1) and buildx 0.29, run as a docker-in-docker container on the 20.10 engine (engine.sh).
#   modern-engine.sh start  -> Docker 28.5 answers at unix:///tmp/dfsize-modern/docker.sock; the buildx plugin is in
#                              /tmp/dfsize-base/modern-docker-config/cli-plugins; local/busybox:latest and
#                              local/debian:bookworm-slim are copied in when the 20.10 engine has them. Prints both paths.
#   modern-engine.sh stop   -> removes the container; its image store stays in two named volumes.
# A container already running under the same name is reused as it is.
# Use it from a shell:  DOCKER_HOST=unix:///tmp/dfsize-modern/docker.sock \
#   DOCKER_CONFIG=/tmp/dfsize-base/modern-docker-config /usr/local/bin/docker buildx build --load -t TAG DIR
# (the host's newer client; buildx from the container runs on the host, both are glibc builds.)
# What this machine kind needs, and why:
#   - `docker run --privileged` fails ("unable to apply caps"): the host's capability bounding set lacks
#     CAP_SYS_RESOURCE, and --privileged asks for every capability. So the container gets every other capability by
#     name, unconfined seccomp/AppArmor/system paths, all devices, and a writable cgroup filesystem.
#   - sid's Release file can be past its Valid-Until on the mirror: apt runs with Acquire::Check-Valid-Until=false.
# Override names for a second, independent instance: DFSIZE_MODERN_NAME, DFSIZE_MODERN_SOCKDIR, DFSIZE_MODERN_IMAGE,
# DFSIZE_MODERN_BASE (the sid image it is built from).
PART=modern-engine
source "$(dirname "$0")/lib.sh"
usage "modern-engine.sh start|stop" "${1:-start}" start stop
NAME=${DFSIZE_MODERN_NAME:-dfsize-modern}
SOCKDIR=${DFSIZE_MODERN_SOCKDIR:-/tmp/dfsize-modern}
IMAGE=${DFSIZE_MODERN_IMAGE:-local/dind:sid}
SID=${DFSIZE_MODERN_BASE:-local/debian:sid}
CFG=/tmp/dfsize-base/modern-docker-config
HOST=unix://$SOCKDIR/docker.sock
LOCAL=unix:///var/run/docker.sock
# Every capability but CAP_SYS_RESOURCE (see above).
CAPS=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE
  NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN
  SYS_BOOT SYS_NICE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ)

# Debian sid minbase, imported into the 20.10 engine (no registry is needed).
sid_base() {
  has_image "$LOCAL" "$SID" && return 0
  command -v debootstrap >/dev/null || apt_install debootstrap
  local root=$WORK/sidroot
  if [ ! -x "$root/bin/bash" ]; then
    rm -rf "$root"
    say "debootstrap sid (a few minutes, once)"
    logged "$WORK/debootstrap-sid.log" debootstrap --variant=minbase sid "$root"
  fi
  tar -C "$root" --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*_*' -c . \
    | $DOCKER import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$SID" >/dev/null
}

# The image holding dockerd 28.5, containerd and buildx.
dind_image() {
  has_image "$LOCAL" "$IMAGE" && return 0
  sid_base
  local ctx; ctx=$(mktemp -d)
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $SID
RUN apt-get -o Acquire::Check-Valid-Until=false update \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io docker-buildx containerd iptables ca-certificates procps \\
 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  say "building $IMAGE (apt-get in sid, once)"
  DOCKER_BUILDKIT=0 logged "$WORK/dind-build.log" $DOCKER build -t "$IMAGE" "$ctx"
  rm -rf "$ctx"
}

running() { [ "$($DOCKER inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ]; }

run_container() {
  local args=() c
  for c in "${CAPS[@]}"; do args+=(--cap-add "$c"); done
  mkdir -p "$SOCKDIR"
  printf '{"features":{"containerd-snapshotter":true},"storage-driver":"overlayfs"}\n' >"$WORK/$NAME-daemon.json"
  $DOCKER rm -f "$NAME" >/dev/null 2>&1 || true
  $DOCKER run -d --name "$NAME" "${args[@]}" \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
    --device-cgroup-rule 'a *:* rwm' -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
    -v "$SOCKDIR:/run/modern" -v "$WORK/$NAME-daemon.json:/etc/docker/daemon.json:ro" \
    -v "$NAME-docker:/var/lib/docker" -v "$NAME-containerd:/var/lib/containerd" \
    "$IMAGE" dockerd --host unix:///run/modern/docker.sock >/dev/null
}

container_log() { $DOCKER logs --tail 20 "$NAME" >"$WORK/$NAME.log" 2>&1 || true; echo "$WORK/$NAME.log"; }

start() {
  need_curl
  local how="reused the running container $NAME"
  if ! running; then
    dind_image
    run_container
    how="started container $NAME from $IMAGE"
  fi
  wait_for 60 pings "$SOCKDIR/docker.sock" || fail "no answer at $HOST within 60 s" "$(container_log)"
  mkdir -p "$CFG/cli-plugins"
  [ -x "$CFG/cli-plugins/docker-buildx" ] \
    || $DOCKER cp -L "$NAME:/usr/libexec/docker/cli-plugins/docker-buildx" "$CFG/cli-plugins/docker-buildx"
  DFSIZE_MODERN_SOCKDIR=$SOCKDIR bash "$PARTS_DIR/base-images.sh" modern
  say "$how: Docker $(DOCKER_HOST=$HOST $DOCKER version --format '{{.Server.Version}}' 2>/dev/null) answering"
  echo "DOCKER_HOST=$HOST"
  echo "DOCKER_CONFIG=$CFG"
}

case "${1:-start}" in
start) start;;
stop) $DOCKER rm -f "$NAME" >/dev/null 2>&1 || true; say "removed $NAME (volumes $NAME-docker, $NAME-containerd kept)";;
esac
