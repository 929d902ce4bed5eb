#!/usr/bin/env bash
# Make sure a Docker engine answers on DOCKER_HOST (default: the local socket).
# Installs Debian's docker.io when dockerd is missing and starts dockerd when nothing answers.
# There is no systemd here, so dockerd is started in the background with its log under /var/log.
set -euo pipefail
SOCK=/var/run/docker.sock
DOCKER=/usr/bin/docker

answers() { [ -S "$SOCK" ] && "$DOCKER" -H "unix://$SOCK" version >/dev/null 2>&1; }

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix://$SOCK" ]; then
  echo "DOCKER_HOST=$DOCKER_HOST is set: leaving engine management to you"; exit 0
fi
if ! command -v dockerd >/dev/null 2>&1 || [ ! -x "$DOCKER" ]; then
  echo "installing docker.io from Debian"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y --no-install-recommends \
    docker.io tini iptables >/dev/null
fi
if answers; then echo "docker engine answers on $SOCK"; exit 0; fi
echo "starting dockerd (log: /var/log/novashim-dockerd.log)"
setsid dockerd >/var/log/novashim-dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 100); do
  if answers; then echo "docker engine answers on $SOCK"; exit 0; fi
  sleep 0.2
done
echo "dockerd did not answer within 20 s; see /var/log/novashim-dockerd.log" >&2
tail -20 /var/log/novashim-dockerd.log >&2 || true
exit 1
