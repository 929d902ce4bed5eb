#!/usr/bin/env bash
# Makes a throwaway PostgreSQL answer on 127.0.0.1:${PGPORT:-55432} for the store tests
# (Debian's postgresql; its own cluster under /var/tmp, started by hand as there is no systemd).
# Prints the admin URL to use as NOVASHIM_TEST_POSTGRES.
set -euo pipefail
PORT=${PGPORT:-55432}
DIR=/var/tmp/novashim-pg
if ! dpkg -s postgresql >/dev/null 2>&1; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_MODE=l apt-get install -y --no-install-recommends postgresql >/dev/null
fi
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
run_pg() { runuser -u postgres -- "$@"; }
if ! run_pg "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR" && chown postgres:postgres "$DIR"
    run_pg "$BIN/initdb" -D "$DIR" -A trust -U postgres >/dev/null
  fi
  run_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1" start >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
