#!/usr/bin/env bash
# Runs the whole test suite, SQLite and MongoDB adapters and browser tests alike. Without MONGODB_URL it
# builds (once, then cached) FerretDB for the mongo tests, on PostgreSQL when it can; if that fails the mongo tests
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
# FerretDB stores into a throwaway PostgreSQL cluster per test file (test/support/postgres.ts;
# much faster than its SQLite backend, docs/ferretdb.md): install Debian's PostgreSQL when its
# server binaries are missing. FERRETDB_HANDLER=sqlite keeps the SQLite backend instead.
if [ -z "${MONGODB_URL:-}" ] && [ "${FERRETDB_HANDLER:-}" != sqlite ] && [ -z "${PG_BIN_DIR:-}" ] &&
  ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v pg_config >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL from Debian's packages (for FerretDB's PostgreSQL backend) ..." >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  else
    echo "test.sh: no PostgreSQL server binaries (apt-get install postgresql, or PG_BIN_DIR); FerretDB uses its SQLite backend" >&2
    export FERRETDB_HANDLER=sqlite
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
