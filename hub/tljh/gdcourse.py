"""The Littlest JupyterHub: gdcourse's roles, as a snippet of TLJH's configuration.

``hub/tljh/install-course.sh`` copies it to ``/opt/tljh/config/jupyterhub_config.d/gdcourse.py``
(TLJH loads every file there after its own configuration). Documented, not run in CI.

TLJH's users are unix users ``jupyter-<name>``, created at their first log-in; its user
environment is ``/opt/tljh/user``. This snippet gives members of the unix group
``gdcourse-instructors`` the course's configuration (formgrader, course commands) and everyone
else the learners' (no formgrader), makes homes private, and opens JupyterLab.
"""

from __future__ import annotations

import grp
import os
import pwd
from typing import Any

c = get_config()  # noqa: F821 - provided by traitlets

USER_ENV = "/opt/tljh/user"
ETC = os.path.join(USER_ENV, "etc", "gdcourse")
INSTRUCTORS = "gdcourse-instructors"


def _is_instructor(system_user: str) -> bool:
    try:
        return system_user in grp.getgrnam(INSTRUCTORS).gr_mem
    except KeyError:
        return False


def _private_home(system_user: str) -> None:
    # TLJH creates the user on the first log-in (inside start()): the first time there is no
    # home yet, and login.defs' HOME_MODE 0700 (set by install-course.sh) covers it
    try:
        home = pwd.getpwnam(system_user).pw_dir
    except KeyError:
        return
    if os.path.isdir(home):
        os.chmod(home, 0o700)


def _gdcourse_pre_spawn(spawner: Any) -> None:
    system_user = f"jupyter-{spawner.user.name}"
    _private_home(system_user)
    if _is_instructor(system_user):
        home = f"/home/{system_user}"
        config_path = os.pathsep.join([os.path.join(home, "gdcourse", "autograde"),
                                       os.path.join(ETC, "instructor")])
    else:
        config_path = os.path.join(ETC, "learner")
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": config_path,
                           "JUPYTER_PREFER_ENV_PATH": "0"}


_previous = c.Spawner.pre_spawn_hook if "pre_spawn_hook" in c.Spawner else None


def pre_spawn_hook(spawner: Any) -> Any:
    """TLJH's own hook (if any), then gdcourse's roles."""
    result = _previous(spawner) if callable(_previous) else None
    _gdcourse_pre_spawn(spawner)
    return result


c.Spawner.pre_spawn_hook = pre_spawn_hook
c.Spawner.default_url = "/lab"
