#!/usr/bin/env bash
# Brings up novashim on its embedded defaults: SQLite under ./data, the local Docker engine
# (installed from Debian and started if none answers), the busybox fixture image registered.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/ensure-docker.sh
./fixtures/images/build-busybox.sh fixtures/images/busybox.tar
npm run --silent build
exec node dist/src/main.js
