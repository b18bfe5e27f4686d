#!/usr/bin/env bash
# `npm run test:e2e`: the real VS Code (code-server in Debian's Chromium, ../shared/recipes/vscode-web.sh) with the
# packaged .vsix installed, against the real engine. Screenshots go to test-results/e2e/ (kept by CI, not committed).
set -euo pipefail
cd "$(dirname "$0")/../.."
RECIPES=${RECIPES:-$(cd .. && pwd)/shared/recipes}
bash "$RECIPES/vscode-web.sh" install
npm run package --silent >/dev/null
export DFSIZE_VSIX="$PWD/dockerfile-size-insights.vsix" DFSIZE_VSCODE_WEB="$RECIPES/vscode-web.sh"
mkdir -p test-results/e2e
npx mocha --no-config --require tsx/cjs --timeout 600000 --reporter spec 'test/e2e/**/*.e2e.ts'
