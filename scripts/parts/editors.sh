#!/usr/bin/env bash
# Real editors other than VS Code, from Debian, for the suite that drives the stdio language server from their own LSP
# clients (test/lsp/editors.test.ts, scripts in test/editors/): Neovim (bookworm: 0.7.x, built-in LSP client) and
# Emacs 28 with eglot (elpa-eglot). Idempotent.
#   editors.sh install   -> prints one line per editor: its path and version
PART=editors
source "$(dirname "$0")/lib.sh"
usage "editors.sh install" "${1:-install}" install
apt_install neovim emacs-nox elpa-eglot
echo "nvim=$(command -v nvim) $(nvim --version | head -1)"
echo "emacs=$(command -v emacs) $(emacs --version | head -1) eglot=$(dpkg-query -W -f='${Version}' elpa-eglot)"
