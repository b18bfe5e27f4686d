#!/usr/bin/env bash
# Base images the suites and the demo build on, made locally (no registry is needed). Idempotent: an image that is
# already on the engine is kept.
#   base-images.sh [busybox] [debian] [modern]      (no argument: busybox)
#     busybox  local/busybox:latest on the 20.10 engine: a rootfs of Debian's busybox-static (~2 MB, ~1 s)
#     debian   local/debian:bookworm-slim on the 20.10 engine: debootstrap minbase bookworm (~117 MB, ~35 s);
#              apt-get works inside builds on it
#     modern   copies those two, where the 20.10 engine has them, into the engine of modern-engine.sh
PART=base-images
source "$(dirname "$0")/lib.sh"
LOCAL=unix:///var/run/docker.sock
MODERN=unix://${DFSIZE_MODERN_SOCKDIR:-/tmp/dfsize-modern}/docker.sock

busybox() {
  local ref=local/busybox:latest
  has_image "$LOCAL" "$ref" && { say "$ref present"; return 0; }
  [ -x /bin/busybox ] || apt_install busybox-static
  local root=$WORK/busybox-root a
  rm -rf "$root"
  mkdir -p "$root"/{bin,sbin,etc,tmp,root,proc,sys,dev,var,usr/bin,usr/sbin}
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$root/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -c . \
    | $DOCKER import -c 'CMD ["sh"]' -m 'busybox-static rootfs' - "$ref" >/dev/null
  say "$ref imported"
}

debian() {
  local ref=local/debian:bookworm-slim
  has_image "$LOCAL" "$ref" && { say "$ref present"; return 0; }
  command -v debootstrap >/dev/null || apt_install debootstrap
  local root=$WORK/bookworm-root
  if [ ! -x "$root/bin/bash" ]; then
    rm -rf "$root"
    logged "$WORK/debootstrap-bookworm.log" debootstrap --variant=minbase bookworm "$root"
  fi
  tar -C "$root" --exclude='./var/cache/apt/archives/*.deb' --exclude='./var/lib/apt/lists/*_*' --exclude='./var/cache/apt/*.bin' -c . \
    | $DOCKER import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$ref" >/dev/null
  say "$ref imported"
}

modern() {
  local ref
  for ref in local/busybox:latest local/debian:bookworm-slim; do
    has_image "$LOCAL" "$ref" || { say "$ref is not on the 20.10 engine: not copied to $MODERN"; continue; }
    if has_image "$MODERN" "$ref"; then say "$ref present on $MODERN"; continue; fi
    $DOCKER save "$ref" | DOCKER_HOST=$MODERN $DOCKER load -q >/dev/null || fail "copying $ref to $MODERN failed"
    say "$ref copied to $MODERN"
  done
}

for set in ${*:-busybox}; do
  case "$set" in
  busybox|debian|modern) "$set";;
  *) echo "usage: base-images.sh [busybox] [debian] [modern]" >&2; exit 2;;
  esac
done
