#!/usr/bin/env bash
# Runs the whole test suite, SQLite and MongoDB adapters and browser tests alike. Without MONGODB_URL it
# builds (once, then cached) FerretDB for the mongo tests; if that fails the mongo tests
# fail loudly rather than being skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
if [ -z "${MONGODB_URL:-}" ] && [ -z "${FERRETDB_BIN:-}" ]; then
  if FERRETDB_BIN="$(bash scripts/ferretdb.sh)"; then
    export FERRETDB_BIN
  else
    echo "test.sh: FerretDB could not be built; the mongo tests will fail (set MONGODB_URL to use a server)" >&2
  fi
fi
# Browser tests drive Debian's chromium (playwright-core downloads no browser).
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing chromium from Debian's packages ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2
  else
    echo "test.sh: chromium is missing (apt-get install chromium); the browser tests will fail" >&2
  fi
fi
exec npx vitest run "$@"
