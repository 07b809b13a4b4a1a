#!/usr/bin/env bash
# The README's first command: set up, build, seed the demo region and serve on the embedded default (SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_node_modules
build
export PARTA_DEV_LOGIN="${PARTA_DEV_LOGIN:-1}"
exec node packages/server/dist/cli.js start --demo
