#!/usr/bin/env bash
# Archives in the shapes Docker >= 25 and the containerd image store write (dockerd 20.10's own `docker save` writes
# only the legacy shape), made by the containerd that dockerd 20.10 runs (`ctr`, shipped with Debian's docker.io):
#   containerd-save.sh IMAGE OUT.tar [gzip] [no-manifest-json]
#     default            an OCI layout (oci-layout, index.json, blobs/sha256) plus manifest.json, layers uncompressed
#     gzip               gzip layers: the image goes through the registry of registry.sh, which must be serving
#     no-manifest-json   a pure OCI layout: index.json only
# The manifests keep Docker's media types (manifest.v2+json, rootfs.diff.tar[.gzip]).
PART=containerd-save
source "$(dirname "$0")/lib.sh"
[ $# -ge 2 ] || { echo "usage: containerd-save.sh IMAGE OUT.tar [gzip] [no-manifest-json]" >&2; exit 2; }
IMG=$1; OUT=$2; shift 2
GZ=""; BARE=""
for o in "$@"; do
  case "$o" in gzip) GZ=1;; no-manifest-json) BARE=1;; *) echo "containerd-save.sh: unknown option $o" >&2; exit 2;; esac
done
CTR=(ctr -a /var/run/docker/containerd/containerd.sock -n dfsize-save)
LOG=$WORK/containerd-save.log

if [ -n "$GZ" ]; then
  name=${IMG#docker.io/}
  ref="localhost:5000/dfsize-save/${name//[:\/]/-}:latest"
  $DOCKER tag "$IMG" "$ref"
  logged "$LOG" $DOCKER push -q "$ref"
  logged "$LOG" "${CTR[@]}" images pull --plain-http "$ref"
  $DOCKER rmi "$ref" >/dev/null
else
  saved=$(mktemp)
  $DOCKER save "$IMG" -o "$saved"
  logged "$LOG" "${CTR[@]}" images import "$saved"
  rm -f "$saved"
  ref=$(sed -nE 's/^unpacking ([^ ]+) .*/\1/p' "$LOG" | head -1)
  [ -n "$ref" ] || fail "ctr imported no image from the save of $IMG" "$LOG"
fi
logged "$LOG" "${CTR[@]}" images export --platform linux/amd64 "$OUT" "$ref"
"${CTR[@]}" images rm "$ref" >/dev/null 2>&1 || say "note: could not remove $ref from the dfsize-save namespace"
# ctr 1.6 ignores --skip-manifest-json (and GNU tar --delete mangles this archive): copy it without that entry.
if [ -n "$BARE" ]; then
  node "$PARTS_DIR/without-entry.mjs" "$OUT" manifest.json || fail "could not drop manifest.json from $OUT"
fi
say "$OUT: $(tar -tf "$OUT" | grep -c '^blobs/sha256/.') blobs$(tar -tf "$OUT" | grep -qx manifest.json && echo ', with manifest.json')"
