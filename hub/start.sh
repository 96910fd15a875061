#!/usr/bin/env bash
# Start the class's JupyterHub in the foreground (after hub/setup.sh), as root.
# Settings come from <prefix>/etc/hub.env; a variable already set in the environment wins.
# Ctrl-C (or SIGTERM) stops the hub, the proxy and every user's server.
set -euo pipefail
PREFIX="${GDHUB_PREFIX:-/opt/gdcourse-hub}"
[ "$(id -u)" = 0 ] || { echo "start.sh: run as root (the hub starts each user's server as that user)" >&2; exit 1; }
[ -f "$PREFIX/etc/hub.env" ] || { echo "start.sh: $PREFIX/etc/hub.env missing: run hub/setup.sh first" >&2; exit 1; }
while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
    [ -n "${!key+x}" ] || export "$key=$value"
done < "$PREFIX/etc/hub.env"
cd "$GDHUB_STATE"
export PATH="$PREFIX/venv/bin:$PATH"
exec "$PREFIX/venv/bin/jupyterhub" -f "$PREFIX/etc/jupyterhub_config.py" "$@"
