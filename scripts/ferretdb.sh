#!/usr/bin/env bash
# Builds FerretDB v1.24.2 (the MongoDB-wire-compatible server the mongo adapter is tested
# against where no MongoDB or Docker exists) into a cache kept between runs, and prints
# the binary's path. Needs Go and the Go module proxy.
#
# Why not `go install …@v1.24.2`: the proxy refuses the module's version list, which
# `go install` reads to check for deprecation; and a module-cache build has no
# build/version/version.txt, which FerretDB panics without. So: download the exact
# module, copy it, write version.txt, build.
set -euo pipefail

version=v1.24.2
cache="${XDG_CACHE_HOME:-$HOME/.cache}/fhir-gateway/ferretdb-$version"
bin="$cache/ferretdb"

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { echo "ferretdb.sh: Go is required to build FerretDB" >&2; exit 1; }

work="$(mktemp -d)"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOPATH="${GOPATH:-$HOME/go}"
src_dir="$(cd "$work" && GO111MODULE=on go mod download -json "github.com/FerretDB/FerretDB@$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[ -d "$src_dir" ] || { echo "ferretdb.sh: could not download FerretDB $version" >&2; exit 1; }

cp -r "$src_dir" "$work/src"
chmod -R u+w "$work/src"
echo "$version" > "$work/src/build/version/version.txt"
mkdir -p "$cache"
(cd "$work/src" && go build -trimpath -o "$bin.tmp" ./cmd/ferretdb >&2)
mv "$bin.tmp" "$bin"
"$bin" --version >/dev/null
echo "$bin"
