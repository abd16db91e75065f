#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. installs what the tests need on Debian/Ubuntu when missing (PostgreSQL, Chromium, aiosmtpd),
#      and Azurite from npm (infra/tools);
#   2. starts a throwaway PostgreSQL server on a free loopback port;
#   3. checks every provider's migrations against the model and writes the SQL Server script;
#   4. runs the integration suite on SQLite, then again on PostgreSQL, and the Stripe emulator's suite;
#   5. publishes the site and runs the browser journeys in Chromium;
#   6. runs infra/scale-test.sh: three site processes on that PostgreSQL server, a worker killed mid-delivery.
# Ends with one line: "tests: N passed, M failed". Exit code 0 only when nothing failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
artifacts="$root/artifacts"
results="$artifacts/test-results"
rm -rf "$results" && mkdir -p "$results" "$artifacts/sql"
passed=0
failed=0

# Each stage's heading, and how long the one before it took (the whole run is kept under ~60 minutes).
stage=""
stage_started=$SECONDS
log() {
  stage_took
  stage="$*"
  stage_started=$SECONDS
  printf '\n== %s\n' "$*"
}
stage_took() {
  [ -n "$stage" ] && printf -- '-- %s: %d s\n' "$stage" $((SECONDS - stage_started))
  return 0
}

# as_root, free_port, start_postgres (exports MEMBERSHIP_TEST_POSTGRES), stop_postgres.
source "$root/infra/lib/common.sh"

trap stop_postgres EXIT

# A check that is not an xunit test (migrations, script): counted as one test.
check() {
  local name="$1"; shift
  if "$@" >"$results/$name.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; tail -n 30 "$results/$name.log"
  fi
}

# Runs one test project and adds its trx counters; a run that produced no trx counts as one failure.
run_tests() {
  local name="$1" project="$2"; shift 2
  log "Tests: $name"
  env "$@" dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results"
  local trx="$results/$name.trx"
  if [ ! -f "$trx" ]; then
    echo "FAIL $name: no results (the test run crashed)"
    failed=$((failed + 1))
    return
  fi
  local counters p f e
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")"
  f="$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")"
  e="$(sed -E 's/.* error="([0-9]+)".*/\1/' <<<"$counters")"
  passed=$((passed + p)); failed=$((failed + f + e))
  echo "$name: $p passed, $((f + e)) failed"
}

install_prerequisites postgresql chromium python3-aiosmtpd
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Azurite (Azure Blob Storage emulator) for the upload storage tests, at the version pinned in
# infra/tools/package-lock.json; the test fixture starts it from infra/tools/node_modules.
# Installed again only when the lock file changed since the last install (npm ci starts afresh).
log "Azurite"
if ! cmp -s infra/tools/package-lock.json infra/tools/node_modules/.installed-lock.json; then
  if (cd infra/tools && npm ci --no-audit --no-fund --loglevel=error); then
    cp infra/tools/package-lock.json infra/tools/node_modules/.installed-lock.json
  else
    echo "FAIL azurite: npm ci in infra/tools did not install it (the blob storage tests will fail)"
    failed=$((failed + 1))
  fi
fi

log "Build"
dotnet tool restore >/dev/null
if ! dotnet build Membership.sln -c Release --nologo -v quiet; then
  echo "tests: 0 passed, 1 failed"
  exit 1
fi

log "Migrations"
for provider in Sqlite SqlServer PostgreSql; do
  check "migrations-$provider-match-model" \
    dotnet ef migrations has-pending-model-changes --no-build --configuration Release --project "src/Membership.Data.$provider"
done
check "migrations-sqlserver-idempotent-script" \
  dotnet ef migrations script --idempotent --no-build --configuration Release --project src/Membership.Data.SqlServer \
  -o "$artifacts/sql/membership-sqlserver.sql"

run_tests sqlite tests/Membership.Tests MEMBERSHIP_TEST_DATABASE=Sqlite
run_tests stripe-emulator tests/Membership.StripeEmulator.Tests

log "PostgreSQL"
if start_postgres; then
  run_tests postgresql tests/Membership.Tests MEMBERSHIP_TEST_DATABASE=PostgreSql
else
  echo "FAIL postgresql: the server did not start"
  failed=$((failed + 1))
fi

log "Publish"
published=false
if dotnet publish src/Membership.Web -c Release --no-build --nologo -v quiet -o "$artifacts/publish"; then
  published=true
else
  echo "FAIL publish"
  failed=$((failed + 1))
fi

log "Browser journeys"
if $published; then
  run_tests browser tests/Membership.BrowserTests \
    MEMBERSHIP_PUBLISH_DIR="$artifacts/publish" MEMBERSHIP_ARTIFACTS_DIR="$artifacts/browser"
fi

# Three site processes on the PostgreSQL server above, a worker killed mid-delivery (infra/scale-test.sh).
log "Scale-out: three nodes on PostgreSQL"
if $published && [ -n "${MEMBERSHIP_TEST_POSTGRES:-}" ]; then
  if bash infra/scale-test.sh --publish-dir "$artifacts/publish" >"$results/scale-test.log" 2>&1; then
    passed=$((passed + 1)); echo "ok   scale-test"
  else
    failed=$((failed + 1)); echo "FAIL scale-test (logs: artifacts/scale/)"
  fi
  sed -n '/^Scale test:/,$p' "$results/scale-test.log"
  grep -q '^Scale test:' "$results/scale-test.log" || tail -n 30 "$results/scale-test.log"
else
  echo "FAIL scale-test: needs the published site and the PostgreSQL server"
  failed=$((failed + 1))
fi

stage_took
echo "-- whole run: $SECONDS s"
echo
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
