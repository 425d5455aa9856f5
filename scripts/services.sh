#!/usr/bin/env bash
# Check that the local PostgreSQL and Redis respond, and start either one that
# stopped with the command this machine image uses for it.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "PostgreSQL is not responding on 127.0.0.1:5432; starting it" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    echo "Redis is not responding on 127.0.0.1:6379; starting it" >&2
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
        --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && exit 0
    sleep 1
done
echo "PostgreSQL or Redis did not start within 30 s" >&2
exit 1
