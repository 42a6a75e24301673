#!/usr/bin/env bash
# A new user's first minutes, on the built service and a fresh embedded database: start the service,
# issue a key with the CLI while it runs, send the spec's curl example (201), the same again (200 +
# Idempotent-Replayed), a wrong key (401) and a missing field (400). Prints one line per check.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export EMBEDDED_DB_DIR="$dir/pglite" PORT="$port" HOST=127.0.0.1 NODE_ENV=production
unset DATABASE_URL DB_POOL_SIZE
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

npm run build >/dev/null
node dist/src/main.js >"$dir/service.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$port/docs-json" >/dev/null && break; sleep 0.5; done

key=$(bin/license issue --enterprise smoke --json | node -pe "JSON.parse(require('fs').readFileSync(0, 'utf8')).apiKey")
url="http://127.0.0.1:$port/api/vendor/v1/sms/callback"
body='{"msisdn":"84912345678","requestId":"REQ-1","sendTime":"2025-05-01 17:15:30","responseTimeTelco":"2025-05-01 17:15:32","status":0,"referentId":"MSG-1","retryCount":0}'
fail=0
check() { # name, expected status, curl args...
  local name=$1 expected=$2; shift 2
  local got
  got=$(curl -s -o "$dir/body" -D "$dir/headers" -w '%{http_code}' "$@")
  if [ "$got" = "$expected" ] && grep -q "\"code\":$expected" "$dir/body"; then
    echo "ok   $name: $got $(head -c 160 "$dir/body")"
  else
    echo "FAIL $name: expected $expected, got $got $(cat "$dir/body")"; fail=1
  fi
}
check "spec example" 201 -X POST "$url" -H 'accept: */*' -H "API-KEY: $key" -H 'Content-Type: application/json' -d "$body"
check "replay" 200 -X POST "$url" -H 'accept: */*' -H "API-KEY: $key" -H 'Content-Type: application/json' -d "$body"
grep -qi '^Idempotent-Replayed: true' "$dir/headers" && echo "ok   replay header" || { echo "FAIL replay header missing"; fail=1; }
check "wrong key" 401 -X POST "$url" -H 'API-KEY: smscb_wrong' -H 'Content-Type: application/json' -d "$body"
check "missing field" 400 -X POST "$url" -H "API-KEY: $key" -H 'Content-Type: application/json' -d '{"msisdn":"84912345678"}'
grep -q '"requestId"' "$dir/body" && echo "ok   400 names requestId" || { echo "FAIL 400 does not name requestId"; fail=1; }
check "docs redirect" 302 "http://127.0.0.1:$port/"
check "liveness" 200 "http://127.0.0.1:$port/health/live"
check "readiness" 200 "http://127.0.0.1:$port/health/ready"
metrics=$(curl -s "http://127.0.0.1:$port/metrics" || true)
if grep -q '^sms_callbacks_stored_total 1$' <<<"$metrics"; then
  echo "ok   metrics count the stored callback"
else
  echo "FAIL metrics: sms_callbacks_stored_total is not 1: $(grep -m1 '^sms_callbacks_stored_total' <<<"$metrics" || head -c 300 <<<"$metrics")"
  fail=1
fi
if [ "$fail" != 0 ]; then
  echo "--- service log"; cat "$dir/service.log"; exit 1
fi
echo "smoke: all checks passed"
