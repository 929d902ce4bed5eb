#!/usr/bin/env bash
# Installs what novashim and its tests need from Debian and npm, skipping what is already there.
# Usage: install-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker.io tini iptables busybox-static openssh-client ca-certificates)
# the real OpenStack clients: for the tour in README and for the CLI tests
packages+=(python3-openstackclient python3-novaclient)
# the real tempest, for tempest-compat/run and its regression gate
packages+=(tempest)

missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when node_modules is missing or older than the lock file
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "installing npm packages"
  npm ci --no-audit --no-fund >/dev/null
fi
