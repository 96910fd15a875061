#!/usr/bin/env bash
# gdcourse on The Littlest JupyterHub, after TLJH itself is installed (see docs/instructors.md,
# "Run a class" > "The Littlest JupyterHub"). As root, from a checkout of the course:
#
#   sudo hub/tljh/install-course.sh INSTRUCTOR [EXCHANGE]
#
# INSTRUCTOR is a TLJH user name (its unix user is jupyter-INSTRUCTOR and must exist: log in once
# first). Installs the course and the exchange plugin into TLJH's user environment, the
# system-wide nbgrader configuration, the learners' and instructors' Jupyter configuration, the
# exchange (default /srv/nbgrader/exchange) with the same modes as hub/setup.sh, the group
# gdcourse-instructors, private homes for existing and future users, the course in the
# instructor's home, and hub/tljh/gdcourse.py; then reloads the hub. Documented, not run in CI.
set -euo pipefail
umask 022
HUB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOURCE="$(dirname "$HUB_DIR")"
USER_ENV=/opt/tljh/user
[ "$(id -u)" = 0 ] || { echo "install-course.sh: run as root" >&2; exit 1; }
[ -x "$USER_ENV/bin/pip" ] || { echo "install-course.sh: TLJH not found ($USER_ENV)" >&2; exit 1; }
[ $# -ge 1 ] || { echo "usage: install-course.sh INSTRUCTOR [EXCHANGE]" >&2; exit 2; }
instructor="jupyter-$1"
EXCHANGE="${2:-/srv/nbgrader/exchange}"
id -u "$instructor" >/dev/null || { echo "no unix user $instructor: log in as $1 once first" >&2; exit 1; }

stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
tar -C "$SOURCE" --exclude=./.venv --exclude=./.git -cf - . | tar -C "$stage" -xf -
"$USER_ENV/bin/pip" install --quiet "$stage" "$stage/hub"
env -u PYTHONDONTWRITEBYTECODE "$USER_ENV/bin/python" -m compileall -q -j 0 "$USER_ENV/lib" >/dev/null 2>&1 || true

getent group gdcourse-instructors >/dev/null || groupadd gdcourse-instructors
usermod --append --groups gdcourse-instructors "$instructor"
# private homes: the ones that exist, and (useradd's HOME_MODE) the ones TLJH creates later
for home in /home/jupyter-*; do [ -d "$home" ] && chmod 0700 "$home"; done
if grep -q '^HOME_MODE' /etc/login.defs; then
    sed -i 's/^HOME_MODE.*/HOME_MODE\t0700/' /etc/login.defs
else
    printf 'HOME_MODE\t0700\n' >> /etc/login.defs
fi

mkdir -p "$EXCHANGE/gdcourse"/{inbound,outbound,feedback}
chmod 1777 "$EXCHANGE"
chown "$instructor:gdcourse-instructors" "$EXCHANGE/gdcourse" "$EXCHANGE/gdcourse"/{inbound,outbound,feedback}
chmod 2755 "$EXCHANGE/gdcourse" "$EXCHANGE/gdcourse/outbound"
chmod 2733 "$EXCHANGE/gdcourse/inbound"
chmod 2711 "$EXCHANGE/gdcourse/feedback"

mkdir -p "$USER_ENV/etc/jupyter" "$USER_ENV/etc/gdcourse" "$USER_ENV/share/jupyter/lab/settings"
{ cat "$HUB_DIR/nbgrader_config.py"; echo; echo "c.Exchange.root = \"$EXCHANGE\""; } \
    > "$USER_ENV/etc/jupyter/nbgrader_config.py"
rm -rf "$USER_ENV/etc/gdcourse/learner" "$USER_ENV/etc/gdcourse/instructor"
cp -r "$HUB_DIR/learner" "$HUB_DIR/instructor" "$USER_ENV/etc/gdcourse/"
cp "$HUB_DIR/lab-overrides.json" "$USER_ENV/share/jupyter/lab/settings/overrides.json"

home="$(getent passwd "$instructor" | cut -d: -f6)"
if [ ! -e "$home/gdcourse" ]; then
    mkdir -p "$home/gdcourse/autograde"
    cp -r "$SOURCE/solutions" "$SOURCE/course" "$home/gdcourse/"
    find "$SOURCE/autograde" -maxdepth 1 -type f ! -name 'nbgrader_config_local.py' ! -name '*.db' \
        -exec cp {} "$home/gdcourse/autograde/" \;
    chown -R "$instructor:" "$home/gdcourse"
fi

cp "$HUB_DIR/tljh/gdcourse.py" /opt/tljh/config/jupyterhub_config.d/gdcourse.py
tljh-config reload hub
echo "done: $1 is the instructor (course in $home/gdcourse); exchange $EXCHANGE"
