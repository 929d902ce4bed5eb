#!/usr/bin/env bash
# Runs the whole test suite against real dependencies: SQLite, a real Docker engine (started here
# when none answers) and the real Debian openstack client. Nothing that matters may skip:
# REQUIRE_DOCKER and REQUIRE_CLI turn a missing engine or client into failures.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/ensure-docker.sh
./fixtures/images/build-busybox.sh fixtures/images/busybox.tar
npm run --silent build
REQUIRE_DOCKER=1 REQUIRE_CLI=1 npx mocha "$@"
