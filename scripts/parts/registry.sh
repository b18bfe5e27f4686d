#!/usr/bin/env bash
# Real registries on loopback (Debian's docker-registry 2.8), in the three modes users meet:
#   127.0.0.1:5000  open (no auth): gzip layers, base-image sizes, anonymous pulls
#   127.0.0.1:5001  basic auth (htpasswd, bcrypt)
#   127.0.0.1:5002  bearer tokens: the registry sends clients to the realm http://127.0.0.1:5003/token, a small token
#                   server the tests start (test/support/tokenServer.ts) with the key pair made here
#   127.0.0.1:5004  open, and takes manifests with foreign / non-distributable layers whose URLs are http(s) (a
#                   registry refuses them unless validation.manifests.urls allows them, as Docker Hub does)
# dockerd treats 127.0.0.0/8 as insecure registries by default, so `docker push 127.0.0.1:5000/x:y` works with no
# daemon change. Idempotent: a registry already answering on its port is left as it is.
#   registry.sh serve [DATA_DIR]   (default /tmp/dfsize-registry)
# Prints one line per registry, and where the test credentials are: DATA_DIR/auth/{user,password} (basic and token
# modes share them) and DATA_DIR/token-keys/{key.pem,cert.pem} (the token server signs with key.pem; the registry trusts
# cert.pem). The package's own /etc/docker/registry config is not used: this script writes its own.
PART=registry
source "$(dirname "$0")/lib.sh"
usage "registry.sh serve [DATA_DIR]" "${1:-serve}" serve
DATA=${2:-/tmp/dfsize-registry}
SERVICE=dfsize-test-registry
ISSUER=dfsize-test-token-server

need_curl
command -v docker-registry >/dev/null || apt_install docker-registry
command -v htpasswd >/dev/null || apt_install apache2-utils

# answers ADDR: the registry API answers there (401 counts: an auth mode answers anonymous probes with it).
answers() { local code; code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$1/v2/" || true); [ "$code" = 200 ] || [ "$code" = 401 ]; }

# credentials: one user for the basic and token modes, made once; the password is random, never printed.
credentials() {
  mkdir -p "$DATA/auth" && chmod 700 "$DATA/auth"
  [ -s "$DATA/auth/password" ] || { echo dfsize >"$DATA/auth/user"; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$DATA/auth/password"; }
  [ -s "$DATA/auth/htpasswd" ] || htpasswd -Bbn "$(cat "$DATA/auth/user")" "$(cat "$DATA/auth/password")" >"$DATA/auth/htpasswd" 2>/dev/null
}

# token_keys: the token server's RSA key and the self-signed certificate the registry trusts.
token_keys() {
  mkdir -p "$DATA/token-keys"
  [ -s "$DATA/token-keys/cert.pem" ] && return 0
  logged "$WORK/registry-openssl.log" openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$ISSUER" \
    -keyout "$DATA/token-keys/key.pem" -out "$DATA/token-keys/cert.pem"
}

# start NAME ADDR AUTH_YAML: writes NAME's config and starts it, unless something answers on ADDR already.
start() {
  local name=$1 addr=$2 auth=$3 dir="$DATA/$1"
  if answers "$addr"; then say "$name: already answering on $addr"; return 0; fi
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $addr
$auth
CONFIG
  nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  local pid=$!
  wait_for 30 pid=$pid answers "$addr" || fail "$name: no answer on $addr (docker-registry exited, or 30 s passed)" "$dir/registry.log"
  say "$name: started docker-registry on $addr (data $dir, pid $pid)"
}

credentials
token_keys

start open 127.0.0.1:5000 ""
start basic 127.0.0.1:5001 "auth:
  htpasswd:
    realm: dfsize-test-basic
    path: $DATA/auth/htpasswd"
start token 127.0.0.1:5002 "auth:
  token:
    realm: http://127.0.0.1:5003/token
    service: $SERVICE
    issuer: $ISSUER
    rootcertbundle: $DATA/token-keys/cert.pem"
start foreign 127.0.0.1:5004 "validation:
  manifests:
    urls:
      allow:
        - ^https?://"
echo "registry=127.0.0.1:5000 foreign=127.0.0.1:5004 basic=127.0.0.1:5001 token=127.0.0.1:5002 realm=http://127.0.0.1:5003/token credentials=$DATA/auth keys=$DATA/token-keys"
