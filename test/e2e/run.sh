#!/usr/bin/env bash
# `npm run test:e2e`: the real VS Code (code-server in Debian's Chromium, scripts/parts/vscode-web.sh) with the
# packaged .vsix installed, against the real engine. Screenshots go to test-results/e2e/ (kept by CI, not committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/parts/vscode-web.sh install
npm run package --silent >/dev/null
export DFSIZE_VSIX="$PWD/dockerfile-size-insights.vsix"
mkdir -p test-results/e2e
npx mocha --no-config --require tsx/cjs --timeout 600000 --reporter spec 'test/e2e/**/*.e2e.ts'
