#!/bin/sh
# Entrypoint of the prometheus service in docker-compose.yml: renders prometheus.yml with
# the dashboard's user name from the environment (Prometheus cannot read variables in its
# configuration) and links the password file it names to the dashboard's password
# secret ($LOGCLUSTER_DASHBOARD_PASSWORD_FILE), then runs Prometheus with the arguments
# given.
#
# Everything rendered goes to $RENDER_DIR, a tmpfs: the rendered configuration, the link
# to the password file, and a link to alerts.yml, so that the relative paths in
# prometheus.yml resolve as they do next to the original. Edits to alerts.yml are seen
# on reload (SIGHUP); edits to prometheus.yml need a restart of the service.
set -eu

SOURCE_DIR=${SOURCE_DIR:-/etc/prometheus}
RENDER_DIR=${RENDER_DIR:-/run/logcluster}
# The tests run this script with promtool in place of Prometheus, to check what it renders.
PROMETHEUS_BIN=${PROMETHEUS_BIN:-/bin/prometheus}

fail() {
  echo "prometheus entrypoint: $*" >&2
  exit 1
}

user=${LOGCLUSTER_DASHBOARD_USER:-}
password_file=${LOGCLUSTER_DASHBOARD_PASSWORD_FILE:-}
[ -n "$user" ] || fail "LOGCLUSTER_DASHBOARD_USER is not set"
[ -n "$password_file" ] || fail "LOGCLUSTER_DASHBOARD_PASSWORD_FILE is not set"
[ -r "$password_file" ] || fail "cannot read LOGCLUSTER_DASHBOARD_PASSWORD_FILE ($password_file): is the secret there, and readable by uid $(id -u)?"
# The name goes into YAML (and through sed): letters, digits and . _ @ - only.
case "$user" in
  *[!A-Za-z0-9._@-]*) fail "LOGCLUSTER_DASHBOARD_USER may hold only letters, digits and . _ @ -" ;;
esac

umask 077
mkdir -p "$RENDER_DIR"
ln -sf "$password_file" "$RENDER_DIR/dashboard-password"
sed -e 's|${LOGCLUSTER_DASHBOARD_USER}|'"$user"'|g' "$SOURCE_DIR/prometheus.yml" > "$RENDER_DIR/prometheus.yml"
ln -sf "$SOURCE_DIR/alerts.yml" "$RENDER_DIR/alerts.yml"
if ! grep -qF "username: \"$user\"" "$RENDER_DIR/prometheus.yml"; then
  fail "$SOURCE_DIR/prometheus.yml has no username: \"\${LOGCLUSTER_DASHBOARD_USER}\" line to render"
fi

exec "$PROMETHEUS_BIN" "$@"
