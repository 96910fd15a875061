#!/usr/bin/env bash
# `make hub`: a demo class on this machine in one command, as root. A JupyterHub at
# http://127.0.0.1:8000 (GDHUB_BIND_URL) with the users instructor, learner1 and learner2, one
# password for all (printed; or GDCOURSE_HUB_PASSWORD), the instructor's course in
# /home/instructor/gdcourse ready for `gdcourse release ... --exchange`. Ctrl-C stops the hub,
# the proxy and every user's server. Then follow docs/instructors.md, "Run a class".
set -euo pipefail
HUB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIND_URL="${GDHUB_BIND_URL:-http://127.0.0.1:8000}"

if [ "$(id -u)" != 0 ]; then
    cat >&2 <<MSG
make hub: needs root, and changes this machine (it is meant for a machine of its own, or a VM):
  * creates the unix users instructor, learner1, learner2 (private homes) and the groups
    gdcourse-instructors, gdcourse-learners;
  * creates nbgrader's exchange /srv/nbgrader/exchange;
  * installs /opt/gdcourse-hub: a venv from the system Python (JupyterHub, JupyterLab, nbgrader,
    this course, the class's nbgrader configuration) and configurable-http-proxy from npm;
  * runs JupyterHub as root, which starts each user's server as that user.
Needs: python3 >= 3.11 with venv, node and npm, and bubblewrap to grade in a sandbox
(Debian: apt-get install python3-venv nodejs npm bubblewrap). Then: sudo make hub
MSG
    exit 2
fi
missing=()
command -v node >/dev/null && command -v npm >/dev/null || missing+=("nodejs npm")
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=("python3-venv")
if [ ${#missing[@]} -gt 0 ]; then
    echo "make hub: missing ${missing[*]} (Debian: apt-get install ${missing[*]})" >&2
    exit 2
fi
command -v bwrap >/dev/null \
    || echo "make hub: warning: no bubblewrap: gdcourse grade will grade without a sandbox (apt-get install bubblewrap)" >&2
port="${BIND_URL##*:}"; port="${port%%/*}"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "make hub: something already listens on port $port (set GDHUB_BIND_URL=http://127.0.0.1:PORT)" >&2
    exit 2
fi

GDHUB_BIND_URL="$BIND_URL" "$HUB_DIR/setup.sh" --demo

password="${GDCOURSE_HUB_PASSWORD:-$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(12))')}"
if [ ${#password} -lt 8 ]; then
    echo "make hub: GDCOURSE_HUB_PASSWORD must have at least 8 characters" >&2
    exit 2
fi
cat <<MSG

  JupyterHub      $BIND_URL   (Ctrl-C stops the hub, the proxy and every user's server)
  users           instructor, learner1, learner2
  password        $password   (the same for every user: a demo, not a class)
  the course      /home/instructor/gdcourse   (the instructor's terminal: cd gdcourse)
  next            docs/instructors.md, "Run a class": release, fetch, submit, grade, feedback

MSG
export GDHUB_BIND_URL="$BIND_URL" GDHUB_AUTHENTICATOR=shared-password GDCOURSE_HUB_PASSWORD="$password"
exec "$HUB_DIR/start.sh"
