#!/usr/bin/env bash
# The README's second command: set up, check (format, lint, types) and run the whole suite on
# SQLite and then on PostgreSQL. Installs or starts what the tests need when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_node_modules
ensure_postgres
ensure_chromium
export PARTA_TEST_PG_URL="${PARTA_TEST_PG_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
build
log "checking format, lint and types"
npm run --silent check
results=$(mktemp -d)
status=0
for dialect in sqlite postgres; do
  log "test suite on $dialect"
  PARTA_TEST_DIALECT=$dialect npx vitest run --reporter=default --reporter=json --outputFile.json="$results/$dialect.json" || status=1
done
node scripts/summarize-tests.mjs "$results"/*.json
exit $status
