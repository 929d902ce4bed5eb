#!/usr/bin/env bash
# Runs the whole test suite against real dependencies: SQLite and PostgreSQL, a real Docker engine
# (started here when none answers) and the real Debian openstack client. Nothing that matters may skip:
# REQUIRE_* turn a missing engine, database or client into failures.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/ensure-docker.sh
NOVASHIM_TEST_POSTGRES=$(./scripts/ensure-postgres.sh)
export NOVASHIM_TEST_POSTGRES
./fixtures/images/build-busybox.sh fixtures/images/busybox.tar
npm run --silent build
REQUIRE_DOCKER=1 REQUIRE_CLI=1 REQUIRE_POSTGRES=1 npx mocha "$@"
