"""JupyterHub configuration of a gdcourse class on one server (real unix users).

Installed by ``hub/setup.sh`` as ``<prefix>/etc/jupyterhub_config.py`` and read by
``hub/start.sh``; every setting comes from the environment (``<prefix>/etc/hub.env``, written by
``setup.sh``), so the same file serves ``make hub``, a systemd service and the CI test.

* Users: members of the unix groups ``GDHUB_INSTRUCTOR_GROUP`` (instructors) and
  ``GDHUB_LEARNER_GROUP`` (learners); each server runs as its own unix user
  (``LocalProcessSpawner``) with JupyterLab as the default interface.
* Instructors' servers get ``JUPYTER_CONFIG_PATH=<home>/gdcourse/autograde``: the course's
  nbgrader configuration, so the formgrader and ``nbgrader``/``gdcourse`` commands find the course.
  ``<prefix>/etc/instructor`` lets JupyterLab frame the formgrader: JupyterHub >= 4.1 forbids
  framing single-user pages (``frame-ancestors 'none'``, nbgrader issue 1870); the instructor's
  server allows its own origin (``'self'``). On one origin (no ``subdomain_host``) that includes
  other users' pages: serve users from subdomains on a real server (docs/instructors.md).
* Learners' servers get ``<prefix>/etc/learner`` instead: formgrader, course list and "create
  assignment" off; the Assignments tab (fetch, validate, submit, feedback) on.
* Both role folders start terminals as plain ``bash``: under a hub, Jupyter would start a login
  shell, and Debian's ``/etc/profile`` would reset ``PATH`` (``gdcourse: command not found``).
* ``JUPYTER_PREFER_ENV_PATH=0``: inside a virtual environment Jupyter would otherwise rank the
  environment's configuration above ``~/.jupyter``.
* Log-in: PAM (the users' unix passwords) unless ``GDHUB_AUTHENTICATOR=shared-password``, the
  demo's one password for everyone (``GDCOURSE_HUB_PASSWORD``; JupyterHub >= 5.3 calls it
  ``shared-password``, not ``DummyAuthenticator.password``) — fine for a demo, not for a class.

Environment: ``GDHUB_PREFIX`` [/opt/gdcourse-hub], ``GDHUB_STATE`` [<prefix>/state],
``GDHUB_BIND_URL`` [http://127.0.0.1:8000], ``GDHUB_HUB_BIND_URL`` [http://127.0.0.1:8081],
``GDHUB_PROXY_API_URL`` [http://127.0.0.1:8001], ``GDHUB_INSTRUCTOR_GROUP``
[gdcourse-instructors], ``GDHUB_LEARNER_GROUP`` [gdcourse-learners], ``GDHUB_COURSE_DIR``
[gdcourse, in the instructor's home], ``GDHUB_AUTHENTICATOR`` [pam], ``GDCOURSE_HUB_PASSWORD``.
"""

from __future__ import annotations

import grp
import os
import pwd
from typing import Any

c = get_config()  # noqa: F821 - provided by traitlets

PREFIX = os.environ.get("GDHUB_PREFIX", "/opt/gdcourse-hub")
VENV = os.path.join(PREFIX, "venv")
STATE = os.environ.get("GDHUB_STATE", os.path.join(PREFIX, "state"))
INSTRUCTORS = os.environ.get("GDHUB_INSTRUCTOR_GROUP", "gdcourse-instructors")
LEARNERS = os.environ.get("GDHUB_LEARNER_GROUP", "gdcourse-learners")
COURSE_DIR = os.environ.get("GDHUB_COURSE_DIR", "gdcourse")


def members(group: str) -> set[str]:
    """The users listed in a unix group (empty if it does not exist)."""
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:
        return set()


# -- network: the public proxy, the hub and the proxy's API, all on loopback by default ------
c.JupyterHub.bind_url = os.environ.get("GDHUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = os.environ.get("GDHUB_HUB_BIND_URL", "http://127.0.0.1:8081")
c.ConfigurableHTTPProxy.api_url = os.environ.get("GDHUB_PROXY_API_URL", "http://127.0.0.1:8001")
c.ConfigurableHTTPProxy.command = [
    os.path.join(PREFIX, "proxy", "node_modules", ".bin", "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = os.path.join(STATE, "jupyterhub-proxy.pid")

# -- state: database and cookie secret in a root-only folder -------------------------------
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
# stopping the hub (Ctrl-C, systemctl stop) stops the proxy and every user's server
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# -- who may log in --------------------------------------------------------------------------
authenticator = os.environ.get("GDHUB_AUTHENTICATOR", "pam")
c.JupyterHub.authenticator_class = authenticator
if authenticator == "shared-password":
    c.SharedPasswordAuthenticator.user_password = os.environ["GDCOURSE_HUB_PASSWORD"]
    # read once at start: restart the hub after adding users
    c.Authenticator.allowed_users = members(INSTRUCTORS) | members(LEARNERS)
else:
    # checked at every log-in: adding a user to a group is enough
    c.LocalAuthenticator.allowed_groups = {INSTRUCTORS, LEARNERS}
c.JupyterHub.load_groups = {
    "instructors": {"users": sorted(members(INSTRUCTORS))},
    "learners": {"users": sorted(members(LEARNERS))},
}

# -- the users' servers ------------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
# two shared cores and a class logging in at once: starting takes longer than the default 60 s
c.Spawner.start_timeout = 180
c.Spawner.http_timeout = 180
c.Spawner.environment = {
    "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
    "JUPYTER_PREFER_ENV_PATH": "0",
}


def pre_spawn_hook(spawner: Any) -> None:
    """Give instructors the course's configuration and learners theirs (no formgrader)."""
    name = spawner.user.name
    home = pwd.getpwnam(name).pw_dir
    if name in members(INSTRUCTORS):
        config_path = os.pathsep.join([os.path.join(home, COURSE_DIR, "autograde"),
                                       os.path.join(PREFIX, "etc", "instructor")])
    else:
        config_path = os.path.join(PREFIX, "etc", "learner")
    # a new dict: the configured one is shared by every spawner
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": config_path}


c.Spawner.pre_spawn_hook = pre_spawn_hook
