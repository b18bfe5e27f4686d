#!/usr/bin/env bash
# dive 0.13.1 (github.com/wagoodman/dive), built from its Go module through the Go module proxy, for the conformance
# suite and the bench that compare dfsize with it. Only the binary is kept; dive's code is never part of this repository.
#   dive.sh install [DIR]   (default ~/.cache/dfsize/dive/v0.13.1) -> prints dive=DIR/dive
# Idempotent: a dive binary already in DIR that says it is 0.13.1 is kept. Go comes from PATH or /usr/local/go/bin;
# it is installed from Debian (bookworm's golang-go) when neither has it. Safe to run twice at once: the binary is built
# into a fresh folder beside DIR and moved into place in one rename.
PART=dive
source "$(dirname "$0")/lib.sh"
usage "dive.sh install [DIR]" "${1:-install}" install
VERSION=v0.13.1
DIR=${2:-${HOME:-/root}/.cache/dfsize/dive/$VERSION}
BIN=$DIR/dive

has_dive() { [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -q "dive ${VERSION#v}"; }

go_binary() {
  if command -v go >/dev/null; then command -v go; return; fi
  if [ -x /usr/local/go/bin/go ]; then echo /usr/local/go/bin/go; return; fi
  apt_install golang-go ca-certificates >&2
  command -v go
}

# The module's folder in Go's module cache (downloaded again if the cache was cleaned): dive's test images.
fixtures() {
  local dir
  dir=$("$GO" mod download -json "github.com/wagoodman/dive@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -f "$dir/.data/test-docker-image.tar" ] || fail "no dive test images in the module folder '$dir'"
  echo "$dir/.data"
}

build() {
  mkdir -p "$(dirname "$DIR")"
  local tmp
  tmp=$(mktemp -d "$DIR.build.XXXXXX")
  # Expanded now: the function's local is gone when the shell exits.
  # shellcheck disable=SC2064
  trap "rm -rf -- '$tmp'" EXIT
  say "building dive $VERSION with $("$GO" version | cut -d' ' -f3) (go install, a minute or two)"
  # CGO off: a static binary that does not depend on the C toolchain of the machine that runs it. dive's release
  # builds stamp their version in; `go install` does not, so it is stamped here (what has_dive checks).
  CGO_ENABLED=0 GOBIN=$tmp logged "$WORK/dive-install.log" \
    "$GO" install -ldflags "-X main.version=${VERSION#v}" "github.com/wagoodman/dive@$VERSION"
  mkdir -p "$DIR"
  mv -f "$tmp/dive" "$BIN"
  has_dive || fail "$BIN does not report dive ${VERSION#v}" "$WORK/dive-install.log"
  say "installed $("$BIN" --version) at $BIN"
}

GO=$(go_binary)
if has_dive; then say "found $("$BIN" --version) at $BIN"; else build; fi
echo "export DFSIZE_DIVE=$BIN DFSIZE_DIVE_FIXTURES=$(fixtures)"
