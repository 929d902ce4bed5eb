#!/usr/bin/env bash
# Runs the whole test suite against real dependencies: SQLite and PostgreSQL, a real Docker engine
# (started here when none answers) and the real Debian openstack client. Nothing that matters may skip:
# REQUIRE_* turn a missing engine, database or client into failures. Then the tempest regression
# gate (tempest-compat/run --gate) runs the real tempest tests listed in expected-pass.txt.
# The last line sums both: "N passed, N failed". Arguments go to mocha and skip the tempest gate.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/ensure-docker.sh
NOVASHIM_TEST_POSTGRES=$(./scripts/ensure-postgres.sh)
export NOVASHIM_TEST_POSTGRES
./fixtures/images/build-busybox.sh fixtures/images/busybox.tar
npm run --silent build

# "<passed> <failed>" from the last line of FILE that starts with PREFIX and reads "N passed, N failed"
counts() {
  local line
  line=$(grep -E "^$2[0-9]+ passed, [0-9]+ failed" "$1" 2>/dev/null | tail -1)
  [ -n "$line" ] || { echo "0 1"; return; }  # no summary: the run crashed, count it as a failure
  echo "$line" | sed -E "s/^$2([0-9]+) passed, ([0-9]+) failed.*/\1 \2/"
}

LOGS=$(mktemp -d)
set +e
REQUIRE_DOCKER=1 REQUIRE_CLI=1 REQUIRE_POSTGRES=1 npx mocha "$@" 2>&1 | tee "$LOGS/mocha.txt"
mocha_rc=${PIPESTATUS[0]}
read -r mocha_passed mocha_failed < <(counts "$LOGS/mocha.txt" '')
gate_rc=0 gate_passed=0 gate_failed=0
if [ $# -eq 0 ]; then
  echo; echo "== tempest regression gate: tempest-compat/run --gate =="
  tempest-compat/run --gate 2>&1 | tee "$LOGS/tempest.txt"
  gate_rc=${PIPESTATUS[0]}
  read -r gate_passed gate_failed < <(counts "$LOGS/tempest.txt" 'gate: ')
fi
set -e

failed=$((mocha_failed + gate_failed))
[ "$mocha_rc" -eq 0 ] && [ "$gate_rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1  # a non-zero exit is never green
echo
echo "mocha: $mocha_passed passed, $mocha_failed failed; tempest gate: $gate_passed passed, $gate_failed failed"
echo "$((mocha_passed + gate_passed)) passed, $failed failed"
[ "$failed" -eq 0 ]
