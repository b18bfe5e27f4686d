#!/usr/bin/env bash
# A real registry on 127.0.0.1:5000 (Debian's docker-registry 2.8, no auth), for gzip layers and base-image sizes.
# dockerd treats 127.0.0.0/8 as an insecure registry by default, so `docker push localhost:5000/x:y` and pulls work
# with no daemon change. Idempotent: a registry already answering there is left as it is.
#   registry.sh serve [DATA_DIR]   (default /tmp/dfsize-registry) -> prints registry=127.0.0.1:5000 pid=PID
# The package's own /etc/docker/registry config (htpasswd auth) is not used: this script writes its own.
PART=registry
source "$(dirname "$0")/lib.sh"
usage "registry.sh serve [DATA_DIR]" "${1:-serve}" serve
DATA=${2:-/tmp/dfsize-registry}
ADDR=127.0.0.1:5000
answers() { curl -fs --max-time 3 "http://$ADDR/v2/" >/dev/null 2>&1; }

need_curl
if answers; then say "already answering on $ADDR"; exit 0; fi
command -v docker-registry >/dev/null || apt_install docker-registry
mkdir -p "$DATA/data"
cat >"$DATA/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $DATA/data
  delete:
    enabled: true
http:
  addr: $ADDR
CONFIG
nohup docker-registry serve "$DATA/config.yml" >"$DATA/registry.log" 2>&1 &
pid=$!
wait_for 30 pid=$pid answers || fail "no answer on $ADDR (docker-registry exited, or 30 s passed)" "$DATA/registry.log"
say "started docker-registry (data $DATA)"
echo "registry=$ADDR pid=$pid"
