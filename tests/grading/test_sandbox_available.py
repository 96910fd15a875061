"""Where bubblewrap can work, the grader really sandboxes: a silent fall-back to "no sandbox"
would let learner code read the hidden tests and the gradebook."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

from gdcourse.trusted import launcher as sandbox

pytestmark = [pytest.mark.slow, pytest.mark.grading]

CAN_SANDBOX = sys.platform.startswith("linux") and shutil.which("bwrap") is not None and (
    os.geteuid() == 0 or os.path.exists("/proc/sys/user/max_user_namespaces")
)


@pytest.mark.skipif(not CAN_SANDBOX, reason="needs Linux with bubblewrap (CI installs it)")
def test_bubblewrap_is_used_where_it_can_be() -> None:
    sandbox.probe.cache_clear()
    info = sandbox.probe("auto")
    assert info.mode in ("root", "userns"), info.warning


def test_throwaway_mounts_come_before_the_binds() -> None:
    # A checkout under /tmp (CI's, say) must stay visible: the /tmp tmpfs has to be mounted
    # before the venv and gdutils are bound on top of it.
    argv = sandbox.bwrap_argv(sandbox.SandboxSettings(), False, {}, ["python"])
    tmpfs = argv.index("/tmp", argv.index("--tmpfs"))
    binds = [i for i, a in enumerate(argv) if a == "--ro-bind" and not argv[i + 1].startswith(("/usr", "/etc", "/bin", "/lib", "/sbin"))]
    assert binds and all(i > tmpfs for i in binds)
