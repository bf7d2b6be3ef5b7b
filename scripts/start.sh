#!/usr/bin/env bash
# Runs the gateway with no configuration needed: embedded store, simulated clinics.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/ensure-node.sh
exec node src/start.mjs "$@"
