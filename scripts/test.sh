#!/usr/bin/env bash
# Runs the whole test suite, SQLite and MongoDB adapters alike. Without MONGODB_URL it
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
exec npx vitest run "$@"
