#!/bin/sh
# Entrypoint of the redis service in docker-compose.yml: runs redis-server with the
# password of the file $REDIS_PASSWORD_FILE (a compose secret), so that it is on no
# command line (`ps` shows every process's arguments to every user of the host) and in
# no environment. The password goes into a configuration file on a tmpfs ($RENDER_DIR),
# readable by this user only; the arguments given follow it.
set -eu

RENDER_DIR=${RENDER_DIR:-/tmp}
# The tests run this script with a stand-in for redis-server, to check what it writes.
REDIS_SERVER_BIN=${REDIS_SERVER_BIN:-redis-server}

fail() {
  echo "redis entrypoint: $*" >&2
  exit 1
}

file=${REDIS_PASSWORD_FILE:-}
[ -n "$file" ] || fail "REDIS_PASSWORD_FILE is not set"
[ -r "$file" ] || fail "cannot read REDIS_PASSWORD_FILE ($file): is the secret there, and readable by uid $(id -u)?"
password=$(cat "$file")
# The clients put it into a redis:// URL, and it goes into redis.conf here: URL-safe
# characters only (e.g. `openssl rand -hex 32`).
case "$password" in
  '') fail "$file is empty" ;;
  *[!A-Za-z0-9._~-]*) fail "the password in $file may hold only letters, digits and . _ ~ -" ;;
esac

umask 077
printf 'requirepass %s\n' "$password" >"$RENDER_DIR/redis.conf"
exec "$REDIS_SERVER_BIN" "$RENDER_DIR/redis.conf" "$@"
