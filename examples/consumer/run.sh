#!/usr/bin/env bash
# The proof that another team's Nest service can consume the library: `npm pack` the repository (compiled
# JavaScript and .d.ts, as the registry would ship it), install that tarball here (not a path link) next to
# this app's own single copy of Nest, TypeORM and the rest, type-check in strict mode, and run the e2e against
# the PostgreSQL database of DATABASE_URL (its own TypeORM connection, the library's entities and migrations).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
: "${DATABASE_URL:?DATABASE_URL must name a PostgreSQL database for the consumer e2e}"

pack_dir=$(mktemp -d)
trap 'rm -rf "$pack_dir"' EXIT
(cd "$root" && npm pack --pack-destination "$pack_dir" --loglevel=warn >/dev/null)
tarball=$(ls "$pack_dir"/*.tgz)
echo "packed $(basename "$tarball"): $(tar -tzf "$tarball" | grep -c '\.d\.ts$') declaration files"

cd "$here"
npm ci --loglevel=warn --no-audit --no-fund
npm install --no-save --loglevel=warn --no-audit --no-fund "$tarball"
npm test
