#!/usr/bin/env bash
# One command on a fresh machine: install, build the bundles, make sure an engine answers, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
node esbuild.mjs >/dev/null
sock=${DOCKER_HOST:-unix:///var/run/docker.sock}
if [[ "$sock" == unix://* ]] && ! curl -fsS --max-time 3 --unix-socket "${sock#unix://}" http://localhost/_ping >/dev/null 2>&1; then
  recipe=../shared/recipes/start-engine.sh
  if [ -f "$recipe" ] && [ "$(id -u)" = 0 ]; then bash "$recipe"; else echo "no Docker engine answers at $sock: start Docker first" >&2; exit 3; fi
fi
command -v busybox >/dev/null || [ -x /bin/busybox ] || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; }
exec npx tsx scripts/demo.ts
