#!/usr/bin/env bash
# Make sure Redis answers on 127.0.0.1:6379 before the test runs (the cache tests run against it).
# Installs Debian's redis-server when missing and starts it when down. Under CI=true an unreachable server is an
# error; elsewhere the Redis half of the cache tests is skipped, loudly (tests/dashboard/test_cache.py).
set -uo pipefail
ready() { python3 - <<'PY' 2>/dev/null
import socket, sys
s = socket.create_connection(("127.0.0.1", 6379), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
}
if ready; then exit 0; fi
if ! command -v redis-server >/dev/null; then
  echo "redis-server is missing; installing Debian's"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } || true
fi
echo "Redis is down; starting it"
if command -v redis-server >/dev/null; then
  # Loopback only, no disk snapshots: a cache for this machine's tests and servers.
  redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save "" --appendonly no >/dev/null 2>&1 || true
fi
for _ in $(seq 1 15); do
  if ready; then echo "Redis is up"; exit 0; fi
  sleep 1
done
if [ "${CI:-}" = "true" ]; then
  echo "ERROR: Redis is not reachable on 127.0.0.1:6379 and CI=true" >&2
  exit 1
fi
echo "WARNING: Redis is not reachable on 127.0.0.1:6379; the Redis cache tests will be SKIPPED" >&2
