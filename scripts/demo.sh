#!/usr/bin/env bash
# `npm run demo`, the one command on a fresh machine: install, build the bundles, run the demo (scripts/demo.ts).
# Needs Node.js >= 20.19 and a Docker engine answering (DOCKER_HOST, or /var/run/docker.sock). When none answers
# and this runs as root on Debian, it starts one with scripts/parts/engine.sh and tries again.
set -euo pipefail
cd "$(dirname "$0")/.."
NO_ENGINE=3   # the demo's exit code when no engine answers (as dfsize's)
[ -d node_modules ] || npm ci --no-audit --no-fund
node esbuild.mjs >/dev/null
code=0
node_modules/.bin/tsx scripts/demo.ts || code=$?
if [ "$code" = "$NO_ENGINE" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ -z "${DOCKER_HOST:-}" ]; then
  bash scripts/parts/engine.sh
  exec node_modules/.bin/tsx scripts/demo.ts
fi
exit "$code"
