#!/usr/bin/env bash
# Set up a gdcourse class on one Linux server (JupyterHub + nbgrader's exchange), as root.
#
#   hub/setup.sh [--demo] [--instructor NAME]... [--learner NAME]... [--course]
#
# Idempotent: run it again to add users or update the installation. What it does:
#   1. a virtual environment from the system Python (readable by every user, unlike a pyenv
#      under /root): JupyterHub, JupyterLab, nbgrader, this course's package (gdutils, gdcourse)
#      and the hub's exchange plugin (hub/gdcourse_hub);
#   2. configurable-http-proxy from npm, into the prefix;
#   3. the unix groups of instructors and learners, the users (created when missing) with
#      private homes (0700: Debian's useradd makes 0755 homes that every user can read);
#   4. nbgrader's exchange: a sticky world-writable root and the course's folder owned by the
#      first instructor and the instructors' group, so no learner can take the course id first;
#   5. the system-wide nbgrader configuration (exchange root, course id, private submissions)
#      in the hub environment's etc/jupyter, which every user's server and terminal reads (and no
#      other Python on the machine); the learners' and instructors' Jupyter configuration,
#      JupyterLab defaults (no news pop-up), the hub's configuration and settings in <prefix>/etc/;
#   6. with --course (implied by --demo): a copy of this course in the first instructor's home,
#      <home>/gdcourse, ready for `gdcourse release ... --exchange`.
# --demo: instructor `instructor`, learners `learner1`, `learner2` (unless others are named).
# Start the hub afterwards with hub/start.sh (or the systemd unit hub/gdcourse-hub.service).
#
# Settings (environment; defaults in brackets):
#   GDHUB_PREFIX [/opt/gdcourse-hub]            venv, proxy, configuration, hub state
#   GDHUB_EXCHANGE [/srv/nbgrader/exchange]     nbgrader's exchange root
#   GDHUB_COURSE_ID [gdcourse]                  nbgrader's course id
#   GDHUB_JUPYTER_ETC [<prefix>/venv/etc/jupyter]   where the system-wide nbgrader_config.py
#                                               goes (/etc/jupyter works too: every Python reads it)
#   GDHUB_INSTRUCTOR_GROUP [gdcourse-instructors], GDHUB_LEARNER_GROUP [gdcourse-learners]
#   GDHUB_BIND_URL [http://127.0.0.1:8000]      where the hub listens (written to hub.env)
#   GDHUB_SOURCE [the repository holding this script]   the course to install and copy
#   GDHUB_PYTHON [/usr/bin/python3]             the Python of the venv (>= 3.11)
#   GDHUB_USER_COMMENT [gdcourse hub user]      the GECOS field of users this script creates
set -euo pipefail
umask 022

HUB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PREFIX="${GDHUB_PREFIX:-/opt/gdcourse-hub}"
EXCHANGE="${GDHUB_EXCHANGE:-/srv/nbgrader/exchange}"
COURSE_ID="${GDHUB_COURSE_ID:-gdcourse}"
JUPYTER_ETC="${GDHUB_JUPYTER_ETC:-${GDHUB_PREFIX:-/opt/gdcourse-hub}/venv/etc/jupyter}"
INSTRUCTOR_GROUP="${GDHUB_INSTRUCTOR_GROUP:-gdcourse-instructors}"
LEARNER_GROUP="${GDHUB_LEARNER_GROUP:-gdcourse-learners}"
BIND_URL="${GDHUB_BIND_URL:-http://127.0.0.1:8000}"
SOURCE="${GDHUB_SOURCE:-$(dirname "$HUB_DIR")}"
PYTHON="${GDHUB_PYTHON:-/usr/bin/python3}"
COMMENT="${GDHUB_USER_COMMENT:-gdcourse hub user}"
PROXY_VERSION="5.3.0"
VENV="$PREFIX/venv"

instructors=()
learners=()
copy_course=0
demo=0
while [ $# -gt 0 ]; do
    case "$1" in
        --demo) demo=1; copy_course=1 ;;
        --course) copy_course=1 ;;
        --instructor) instructors+=("$2"); shift ;;
        --learner) learners+=("$2"); shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "setup.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
if [ "$demo" = 1 ]; then
    [ ${#instructors[@]} -gt 0 ] || instructors=(instructor)
    [ ${#learners[@]} -gt 0 ] || learners=(learner1 learner2)
fi

say() { printf '\033[1m==> %s\033[0m  (%d s)\n' "$*" "$SECONDS"; }
die() { echo "setup.sh: $*" >&2; exit 1; }

# -- what this machine must have -------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "run as root: it creates users, groups, the exchange and $PREFIX"
command -v useradd >/dev/null || die "useradd not found (Debian: apt-get install passwd)"
command -v npm >/dev/null && command -v node >/dev/null \
    || die "node and npm are needed for configurable-http-proxy (Debian: apt-get install nodejs npm)"
"$PYTHON" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "$PYTHON must be Python >= 3.11 with venv (Debian: apt-get install python3-venv)"
[ -f "$SOURCE/pyproject.toml" ] && [ -d "$SOURCE/solutions" ] \
    || die "GDHUB_SOURCE=$SOURCE is not the course repository (no pyproject.toml, solutions/)"
if [ "$copy_course" = 1 ] && [ ${#instructors[@]} = 0 ]; then
    die "--course needs an --instructor to own the course"
fi

# -- 1. the Python environment -----------------------------------------------------------------
say "Python environment $VENV (from $PYTHON)"
mkdir -p "$PREFIX"
chmod 0755 "$PREFIX"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
stamp="$VENV/.gdhub-installed"
# reinstall only when something in the source changed since the last install (make hub again)
if [ -f "$stamp" ] && [ -z "$(find "$SOURCE" \( -path "$SOURCE/.git" -o -path "$SOURCE/.venv" \
        -o -path "$SOURCE/autograde/submitted" -o -path "$SOURCE/test-artifacts" \) -prune \
        -o -type f -newer "$stamp" -print -quit)" ]; then
    echo "    up to date (nothing in $SOURCE changed since the last install)"
else
    stage="$(mktemp -d)"
    trap 'rm -rf "$stage"' EXIT
    # build from a copy: pip builds in the source tree, and neither the repository nor hub/
    # should collect build/ and *.egg-info folders from a root install
    tar -C "$SOURCE" --exclude=./.venv --exclude=./.git --exclude=./autograde/submitted \
        --exclude=./autograde/autograded --exclude=./autograde/feedback --exclude=./test-artifacts \
        -cf - . | tar -C "$stage" -xf -
    pip_log="$PREFIX/pip-install.log"
    { "$VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
      "$VENV/bin/python" -m pip install --disable-pip-version-check "$stage[hub]" "$stage/hub"; } \
        > "$pip_log" 2>&1 || { tail -n 40 "$pip_log" >&2; die "pip install failed (log: $pip_log)"; }
    # users cannot write bytecode into a root-owned venv: compile it now, or every server start
    # and every nbgrader command compiles JupyterLab, nbgrader and numpy again
    env -u PYTHONDONTWRITEBYTECODE "$VENV/bin/python" -m compileall -q -j 0 "$VENV/lib" \
        >/dev/null 2>&1 || true
    touch "$stamp"
fi

# -- 2. the proxy ------------------------------------------------------------------------------
say "configurable-http-proxy $PROXY_VERSION (npm) in $PREFIX/proxy"
CHP="$PREFIX/proxy/node_modules/.bin/configurable-http-proxy"
if [ ! -x "$CHP" ] || ! "$CHP" --version 2>/dev/null | grep -qx "$PROXY_VERSION"; then
    mkdir -p "$PREFIX/proxy"
    # the npm cache stays inside the prefix (and is removed): nothing is left in root's home
    npm install --silent --no-audit --no-fund --no-save --prefix "$PREFIX/proxy" \
        --cache "$PREFIX/proxy/.npm-cache" "configurable-http-proxy@$PROXY_VERSION" >/dev/null
    rm -rf "$PREFIX/proxy/.npm-cache"
fi

# -- 3. groups and users -----------------------------------------------------------------------
say "groups $INSTRUCTOR_GROUP, $LEARNER_GROUP; users with private homes"
getent group "$INSTRUCTOR_GROUP" >/dev/null || groupadd "$INSTRUCTOR_GROUP"
getent group "$LEARNER_GROUP" >/dev/null || groupadd "$LEARNER_GROUP"
add_user() {  # add_user NAME GROUP
    if ! id -u "$1" >/dev/null 2>&1; then
        useradd --create-home --shell /bin/bash --comment "$COMMENT" "$1"
    fi
    usermod --append --groups "$2" "$1"
    local home
    home="$(getent passwd "$1" | cut -d: -f6)"
    # learners must not read each other's notebooks, nor the instructor's solutions
    [ -d "$home" ] && chmod 0700 "$home"
    echo "    $1 ($2), home $home (0700)"
}
for u in "${instructors[@]}"; do add_user "$u" "$INSTRUCTOR_GROUP"; done
for u in "${learners[@]}"; do add_user "$u" "$LEARNER_GROUP"; done

# -- 4. the exchange ---------------------------------------------------------------------------
say "nbgrader exchange $EXCHANGE (course $COURSE_ID)"
mkdir -p "$EXCHANGE"
# world-writable, as nbgrader requires of every user, and sticky: nobody removes others' folders
chmod 1777 "$EXCHANGE"
owner="${instructors[0]:-}"
if [ -z "$owner" ] && [ -d "$EXCHANGE/$COURSE_ID" ]; then
    owner="$(stat -c %U "$EXCHANGE/$COURSE_ID")"
fi
[ -n "$owner" ] || die "name an --instructor: the course's exchange folder must belong to one"
# nbgrader's own modes (release_assignment would make the same), made in advance so that the
# instructor owns them; setgid: everything below gets the instructors' group, whoever creates it
mkdir -p "$EXCHANGE/$COURSE_ID"
for d in inbound outbound feedback; do mkdir -p "$EXCHANGE/$COURSE_ID/$d"; done
chown "$owner:$INSTRUCTOR_GROUP" "$EXCHANGE/$COURSE_ID" "$EXCHANGE/$COURSE_ID"/{inbound,outbound,feedback}
chmod 2755 "$EXCHANGE/$COURSE_ID" "$EXCHANGE/$COURSE_ID/outbound"
chmod 2733 "$EXCHANGE/$COURSE_ID/inbound"     # learners create, nobody but the owner lists
chmod 2711 "$EXCHANGE/$COURSE_ID/feedback"    # fetched by name only

# -- 5. configuration --------------------------------------------------------------------------
say "configuration: $JUPYTER_ETC/nbgrader_config.py, $PREFIX/etc/"
mkdir -p "$JUPYTER_ETC" "$PREFIX/etc" "$PREFIX/state"
chmod 0700 "$PREFIX/state"           # the hub's database and cookie secret
{
    cat "$HUB_DIR/nbgrader_config.py"
    echo
    echo "# written by hub/setup.sh"
    echo "c.Exchange.root = \"$EXCHANGE\""
    echo "c.CourseDirectory.course_id = \"$COURSE_ID\""
} > "$JUPYTER_ETC/nbgrader_config.py"
rm -rf "$PREFIX/etc/learner" "$PREFIX/etc/instructor"
cp -r "$HUB_DIR/learner" "$PREFIX/etc/learner"           # no formgrader, no course list
cp -r "$HUB_DIR/instructor" "$PREFIX/etc/instructor"     # the formgrader may be framed
mkdir -p "$VENV/share/jupyter/lab/settings"
cp "$HUB_DIR/lab-overrides.json" "$VENV/share/jupyter/lab/settings/overrides.json"
cp "$HUB_DIR/jupyterhub_config.py" "$PREFIX/etc/jupyterhub_config.py"
cat > "$PREFIX/etc/hub.env" <<EOF
GDHUB_PREFIX=$PREFIX
GDHUB_STATE=$PREFIX/state
GDHUB_BIND_URL=$BIND_URL
GDHUB_INSTRUCTOR_GROUP=$INSTRUCTOR_GROUP
GDHUB_LEARNER_GROUP=$LEARNER_GROUP
EOF
chmod -R a+rX "$PREFIX/etc" "$JUPYTER_ETC/nbgrader_config.py"

# -- 6. the course -----------------------------------------------------------------------------
if [ "$copy_course" = 1 ]; then
    home="$(getent passwd "$owner" | cut -d: -f6)"
    course="$home/gdcourse"
    if [ -e "$course" ]; then
        say "course $course exists: kept as it is"
    else
        say "course copied to $course"
        mkdir -p "$course/autograde"
        for d in solutions course docs; do
            [ -d "$SOURCE/$d" ] && cp -r "$SOURCE/$d" "$course/$d"
        done
        cp "$SOURCE/README.md" "$course/" 2>/dev/null || true
        # the configuration and templates, none of a run's folders (submissions, gradebook, the
        # course-local exchange), and not the grader's source: the venv's copy is the one used
        find "$SOURCE/autograde" -maxdepth 1 -type f ! -name 'nbgrader_config_local.py' \
            ! -name '*.db' ! -name '*.db-journal' -exec cp {} "$course/autograde/" \;
        [ -d "$SOURCE/autograde/templates" ] && cp -r "$SOURCE/autograde/templates" "$course/autograde/"
        chown -R "$owner:" "$course"
        chmod 0750 "$course"
    fi
fi

if [ "$demo" = 1 ]; then
    say "done"
else
    say "done. Start the hub with: $HUB_DIR/start.sh   (or systemd: $HUB_DIR/gdcourse-hub.service)"
fi
