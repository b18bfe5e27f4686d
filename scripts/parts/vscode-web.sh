#!/usr/bin/env bash
# The real VS Code for the end-to-end suite: code-server 4.139.1 (VS Code 1.139.1, from the npm registry, on Node 24)
# driven in Debian's Chromium by playwright-core. (@vscode/test-electron cannot download VS Code where no CDN answers.)
#   vscode-web.sh install                          -> Node 24, code-server and chromium under $CACHE (~4-6 min once)
#   vscode-web.sh install-vsix EXT_DIR FILE.vsix   -> installs a packaged extension into EXT_DIR (offline, ~2 s)
#   vscode-web.sh serve EXT_DIR FOLDER [PORT]      -> serves FOLDER; prints url=… pid=… log=…
# serve opens FOLDER trusted; TRUST=on keeps workspace trust on, so FOLDER opens in Restricted Mode.
PART=vscode-web
source "$(dirname "$0")/lib.sh"
CACHE=${CACHE:-$HOME/.cache/dfsize-vscode-web}
NODE24=$CACHE/node24/node_modules/node/bin
CS=$CACHE/code-server/node_modules/.bin/code-server

# npm_into DIR SPEC: installs one npm package into its own folder under $CACHE.
npm_into() {
  mkdir -p "$1"
  (cd "$1" && { [ -f package.json ] || npm init -y >/dev/null; })
  logged "$1/install.log" env PATH="$NODE24:$PATH" npm --prefix "$1" install --no-audit --no-fund "$2"
}

install() {
  mkdir -p "$CACHE"
  apt_install libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev chromium
  [ -x "$NODE24/node" ] || npm_into "$CACHE/node24" node@24
  [ -x "$CS" ] || npm_into "$CACHE/code-server" code-server@4.139.1
  say "installed: node $("$NODE24/node" --version), code-server at $CS, chromium at $(command -v chromium)"
}

install_vsix() {
  mkdir -p "$1"
  PATH="$NODE24:$PATH" "$CS" --extensions-dir "$(realpath "$1")" --install-extension "$(realpath "$2")"
}

serve() {
  local ext folder port data trust=false flag=--disable-workspace-trust
  ext=$(realpath "$1"); folder=$(realpath "$2"); port=${3:-8765}
  data=$(mktemp -d); mkdir -p "$data/User"
  [ "${TRUST:-off}" = on ] && { trust=true; flag=; }
  # No welcome page, no AI side panel.
  printf '{"security.workspace.trust.enabled":%s,"workbench.startupEditor":"none","chat.disableAIFeatures":true,"workbench.secondarySideBar.defaultVisibility":"hidden"}\n' \
    "$trust" >"$data/User/settings.json"
  PATH="$NODE24:$PATH" nohup "$CS" --auth none --bind-addr "127.0.0.1:$port" --extensions-dir "$ext" --user-data-dir "$data" \
    --disable-telemetry --disable-update-check $flag "$folder" >"$data/code-server.log" 2>&1 &
  local pid=$!
  need_curl
  wait_for 30 pid=$pid curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" || fail "code-server did not answer on port $port (it exited, or 30 s passed)" "$data/code-server.log"
  echo "url=http://127.0.0.1:$port/?folder=$folder pid=$pid log=$data/code-server.log"
}

case "${1:-}" in
install) install;;
install-vsix) [ $# -eq 3 ] || { echo "usage: vscode-web.sh install-vsix EXT_DIR FILE.vsix" >&2; exit 2; }; install_vsix "$2" "$3";;
serve) [ $# -ge 3 ] || { echo "usage: vscode-web.sh serve EXT_DIR FOLDER [PORT]" >&2; exit 2; }; serve "$2" "$3" "${4:-}";;
*) echo "usage: vscode-web.sh install | install-vsix EXT_DIR FILE.vsix | serve EXT_DIR FOLDER [PORT]" >&2; exit 2;;
esac
