#!/usr/bin/env bash
# Real registries on loopback (Debian's docker-registry 2.8), in the three modes users meet:
#   127.0.0.1:5000  open (no auth): gzip layers, base-image sizes, anonymous pulls
#   127.0.0.1:5001  basic auth (htpasswd, bcrypt)
#   127.0.0.1:5002  bearer tokens: the registry sends clients to the realm http://127.0.0.1:5003/token, a small token
#                   server the tests start (test/support/tokenServer.ts) with the key pair made here
#   127.0.0.1:5004  open, and takes manifests with foreign / non-distributable layers whose URLs are http(s) (a
#                   registry refuses them unless validation.manifests.urls allows them, as Docker Hub does)
#   IP:5443         TLS, off loopback (IP: this machine's first non-loopback address), with a server certificate
#                   for IP and 127.0.0.1 signed by a CA made here (DATA_DIR/tls/ca.pem): what --ca-cert is for
#   IP:5080         plain HTTP off loopback: what --insecure-registry is for
#                   Both serve the open registry's storage: an image pushed to 127.0.0.1:5000 is read through them.
# dockerd treats 127.0.0.0/8 as insecure registries by default, so `docker push 127.0.0.1:5000/x:y` works with no
# daemon change. Idempotent: a registry already answering on its port is left as it is (the TLS one when it answers
# with the CA made here, for the current IP).
#   registry.sh serve [DATA_DIR]   (default /tmp/dfsize-registry)
# Prints one line per registry, and where the test credentials are: DATA_DIR/auth/{user,password} (basic and token
# modes share them) and DATA_DIR/token-keys/{key.pem,cert.pem} (the token server signs with key.pem; the registry trusts
# cert.pem); DATA_DIR/tls/{ca.pem,addr} for the TLS mode (addr: IP:5443). The package's own /etc/docker/registry config
# is not used: this script writes its own.
PART=registry
source "$(dirname "$0")/lib.sh"
usage "registry.sh serve [DATA_DIR]" "${1:-serve}" serve
DATA=${2:-/tmp/dfsize-registry}
SERVICE=dfsize-test-registry
ISSUER=dfsize-test-token-server

need_curl
command -v docker-registry >/dev/null || apt_install docker-registry
command -v htpasswd >/dev/null || apt_install apache2-utils

# answers ADDR [URL_SCHEME [CURL_ARGS...]]: the registry API answers there (401 counts: an auth mode answers
# anonymous probes with it).
answers() {
  local addr=$1 scheme=${2:-http} code; shift $(( $# < 2 ? $# : 2 ))
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "$scheme://$addr/v2/" || true)
  [ "$code" = 200 ] || [ "$code" = 401 ]
}

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

# tls_files IP: a CA (made once) and a server certificate for IP and 127.0.0.1 that it signed (made again when IP
# changed), in DATA/tls.
tls_files() {
  local ip=$1 t="$DATA/tls"
  mkdir -p "$t"
  [ -s "$t/ca.pem" ] || logged "$WORK/registry-openssl.log" openssl req -x509 -newkey rsa:2048 -nodes -days 3650 \
    -subj "/CN=dfsize test registry CA" -keyout "$t/ca-key.pem" -out "$t/ca.pem"
  [ -s "$t/server.pem" ] && [ "$(cat "$t/ip" 2>/dev/null)" = "$ip" ] && return 0
  logged "$WORK/registry-openssl.log" openssl req -newkey rsa:2048 -nodes -subj "/CN=$ip" \
    -keyout "$t/server-key.pem" -out "$t/server.csr"
  printf 'subjectAltName=IP:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$ip" >"$t/server.ext"
  logged "$WORK/registry-openssl.log" openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca-key.pem" \
    -CAcreateserial -days 3650 -extfile "$t/server.ext" -out "$t/server.pem"
  echo "$ip" >"$t/ip"
}

# start NAME ADDR AUTH_YAML [DATA_DIR [SCHEME CURL_ARGS...]]: writes NAME's config and starts it, unless something
# answers on ADDR already (probed with SCHEME and CURL_ARGS); its storage is DATA_DIR (default its own).
start() {
  local name=$1 addr=$2 auth=$3 dir="$DATA/$1" store=${4:-$DATA/$1/data}; shift $(( $# < 4 ? $# : 4 ))
  if answers "$addr" "$@"; then say "$name: already answering on $addr"; return 0; fi
  mkdir -p "$dir" "$store"
  cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $store
  delete:
    enabled: true
http:
  addr: $addr
$auth
CONFIG
  nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  local pid=$!
  wait_for 30 pid=$pid answers "$addr" "$@" || fail "$name: no answer on $addr (docker-registry exited, or 30 s passed)" "$dir/registry.log"
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
# Off loopback: this machine's first non-loopback IPv4 address (where a client must verify TLS, or be told it may not).
IP=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.' | head -n1 || true)
[ -n "$IP" ] || fail "no non-loopback IPv4 address on this machine for the TLS and plain-HTTP registries"
tls_files "$IP"
start tls "$IP:5443" "  tls:
    certificate: $DATA/tls/server.pem
    key: $DATA/tls/server-key.pem" "$DATA/open/data" https --cacert "$DATA/tls/ca.pem"
start plain "$IP:5080" "" "$DATA/open/data"
echo "$IP:5443" >"$DATA/tls/addr"
echo "$IP:5080" >"$DATA/tls/plain-addr"
echo "registry=127.0.0.1:5000 foreign=127.0.0.1:5004 basic=127.0.0.1:5001 token=127.0.0.1:5002 realm=http://127.0.0.1:5003/token credentials=$DATA/auth keys=$DATA/token-keys tls=$IP:5443 (CA $DATA/tls/ca.pem) plain=$IP:5080"
