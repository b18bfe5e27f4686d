#!/usr/bin/env bash
# A real Neovim from Debian (bookworm: 0.7.x), for the suite that drives the stdio language server from Neovim's
# built-in LSP client (test/lsp/neovim.test.ts, test/nvim/). Idempotent.
#   neovim.sh install   -> prints nvim=PATH version=…
PART=neovim
source "$(dirname "$0")/lib.sh"
usage "neovim.sh install" "${1:-install}" install
command -v nvim >/dev/null || apt_install neovim
echo "nvim=$(command -v nvim) version=$(nvim --version | head -1)"
