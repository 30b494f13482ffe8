#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 before the PostgreSQL test run.
# Starts the local cluster if it is down. Under CI=true an unreachable server is an error; elsewhere the
# PostgreSQL run is skipped with a loud message (a marker file tells the Makefile).
set -uo pipefail
rm -f .postgres-unavailable
ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || python3 - <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
}
if ready; then exit 0; fi
echo "PostgreSQL is down; starting it"
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>&1 || true
  done
fi
for _ in $(seq 1 30); do
  if ready; then echo "PostgreSQL is up"; exit 0; fi
  sleep 1
done
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true" >&2
  exit 1
fi
echo "WARNING: PostgreSQL is not reachable on 127.0.0.1:5432; the PostgreSQL run will be skipped" >&2
touch .postgres-unavailable
