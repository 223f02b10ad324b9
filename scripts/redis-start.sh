#!/usr/bin/env bash
# Start a local Redis for tests (rate limits shared by several workers, the production job
# queue), idempotently: installs Debian's redis-server when missing (apt, as root), starts it
# on 127.0.0.1:${REDIS_PORT:-6379} without persistence unless something already answers there.
# URL: redis://127.0.0.1:6379/0
set -euo pipefail

PORT=${REDIS_PORT:-6379}
say() { echo "redis-start: $*"; }

answering() { redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; }

if command -v redis-cli >/dev/null 2>&1 && answering; then
    say "Redis already answers on 127.0.0.1:$PORT"
    exit 0
fi
if ! command -v redis-server >/dev/null 2>&1; then
    say "installing Debian's redis-server"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server \
        >/dev/null
fi
redis-server --bind 127.0.0.1 --port "$PORT" --save '' --appendonly no --daemonize yes \
    --logfile /tmp/registry-redis.log
for _ in $(seq 1 50); do
    if answering; then
        say "Redis answers on 127.0.0.1:$PORT"
        exit 0
    fi
    sleep 0.2
done
echo "redis-start: ERROR: Redis did not answer on 127.0.0.1:$PORT" >&2
exit 1
