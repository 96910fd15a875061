"""The learner's own copies of the notebooks: ``workspace/``, made from ``course/``.

``course/`` holds the released notebooks and is tracked by git; learners who worked in it got
conflicts on ``git pull`` and needed git to start over. ``make lab`` therefore opens
``workspace/`` (git-ignored) instead, after :func:`sync` has copied in whatever it lacks.

* :func:`sync` copies every file of ``course/`` that ``workspace/`` does not have yet, and never
  overwrites one it has: a learner's notebook is theirs once copied, while a notebook released
  later (or a data file beside one) still arrives.
* :func:`restore` puts one notebook back to its released state, keeping the learner's version
  beside it under a name no later restore reuses.

The workspace's place: ``--workspace DIR``, else ``$GDCOURSE_WORKSPACE``, else
``<course root>/workspace``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

WORKSPACE_ENV = "GDCOURSE_WORKSPACE"
WORKSPACE_NAME = "workspace"
# What JupyterLab and Python leave beside notebooks: never part of a release.
_SKIP = {".ipynb_checkpoints", "__pycache__", ".DS_Store", ".virtual_documents"}


class UnknownNotebook(ValueError):
    """A notebook name that matches no released notebook (a usage error: exit status 2)."""


@dataclass
class SyncReport:
    """What :func:`sync` did: files copied in, and notebooks left as the learner had them."""

    workspace: Path
    copied: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the terminal."""
        if not self.copied:
            return f"your notebooks are in {self.workspace} (nothing new to copy)"
        notebooks = [p for p in self.copied if p.suffix == ".ipynb"]
        return (f"your notebooks are in {self.workspace}: copied {len(notebooks)} new notebook(s)"
                f" and {len(self.copied) - len(notebooks)} other file(s) from the course")


def workspace_dir(course_root: Path | None, override: str | os.PathLike | None = None) -> Path:
    """Where the learner's copies live.

    Parameters
    ----------
    course_root : Path or None
        The course root (holding ``course/``); only needed when nothing else says where.
    override : path-like, optional
        An explicit folder (the ``--workspace`` option); wins over ``$GDCOURSE_WORKSPACE``.

    Returns
    -------
    Path
        The workspace folder (absolute; it may not exist yet).
    """
    chosen = override or os.environ.get(WORKSPACE_ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    if course_root is None:
        raise ValueError(f"no workspace folder: give --workspace or set ${WORKSPACE_ENV}")
    return (Path(course_root) / WORKSPACE_NAME).resolve()


def released(course: Path) -> dict[str, Path]:
    """The released notebooks: assignment id -> ``course/<id>/<id>.ipynb``, in course order.

    Parameters
    ----------
    course : Path
        The folder of released notebooks (``course/``).
    """
    if not course.is_dir():
        raise FileNotFoundError(f"no released notebooks: {course} is not a folder")
    return {d.name: d / f"{d.name}.ipynb" for d in sorted(course.iterdir())
            if d.is_dir() and (d / f"{d.name}.ipynb").is_file()}


def _release_files(course: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(course):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIP and not d.startswith("."))
        out += [Path(dirpath, f) for f in sorted(filenames) if f not in _SKIP and not f.startswith(".")]
    return out


def _copy_new(src: Path, dst: Path) -> None:
    # Through a temporary file and a rename: a copy cut short (Ctrl-C, full disk) must not leave
    # a half notebook that every later sync would then keep as "the learner's".
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
            shutil.copyfileobj(inp, out)
        shutil.copymode(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sync(course: Path, workspace: Path) -> SyncReport:
    """Copy into ``workspace`` every file of ``course`` it does not have yet.

    A file already in the workspace is never touched, whatever its content: it may hold the
    learner's work.

    Parameters
    ----------
    course : Path
        The released notebooks (``course/``), left unchanged.
    workspace : Path
        The learner's folder; created if missing.

    Returns
    -------
    SyncReport
        The files copied and the notebooks kept.
    """
    report = SyncReport(workspace)
    files = _release_files(course)
    if not files:
        raise FileNotFoundError(f"no released notebooks in {course}")
    workspace.mkdir(parents=True, exist_ok=True)
    for src in files:
        dst = workspace / src.relative_to(course)
        if dst.exists():
            if dst.suffix == ".ipynb":
                report.kept.append(dst)
            continue
        _copy_new(src, dst)
        report.copied.append(dst)
    return report


def resolve(name: str, course: Path) -> str:
    """The assignment id a learner means by ``name``.

    Parameters
    ----------
    name : str
        ``02``, ``2``, ``02-gd-1d``, or a path to the notebook or its folder (in ``workspace/``
        or ``course/``; a kept copy such as ``02-gd-1d.old-1.ipynb`` names its notebook too).
    course : Path
        The released notebooks (``course/``).

    Returns
    -------
    str
        The assignment id, e.g. ``"02-gd-1d"``.

    Raises
    ------
    UnknownNotebook
        When ``name`` matches no released notebook; the message lists the valid names.
    """
    ids = list(released(course))
    word = Path(name.strip().rstrip("/\\")).name
    word = word.split(".", 1)[0] if word.endswith(".ipynb") else word
    if word in ids:
        return word
    if word.isdigit():
        by_number = [a for a in ids if a.split("-", 1)[0].isdigit() and int(a.split("-", 1)[0]) == int(word)]
        if len(by_number) == 1:
            return by_number[0]
    valid = ", ".join(ids) or "none"
    numbers = ", ".join(a.split("-", 1)[0] for a in ids)
    raise UnknownNotebook(f"no notebook {name!r}; valid names: {valid} (or just the number: {numbers})")


def notebook_path(workspace: Path, assignment: str) -> Path:
    """The learner's copy of ``assignment`` in ``workspace``."""
    return workspace / assignment / f"{assignment}.ipynb"


def _next_kept(target: Path) -> Path:
    pattern = re.compile(re.escape(target.stem) + r"\.old-(\d+)\.ipynb")
    taken = [int(m.group(1)) for p in target.parent.iterdir() if (m := pattern.fullmatch(p.name))]
    return target.with_name(f"{target.stem}.old-{max(taken, default=0) + 1}.ipynb")


def restore(assignment: str, course: Path, workspace: Path) -> tuple[Path, Path | None]:
    """Put the learner's copy of ``assignment`` back to its released state.

    The learner's version is kept beside it as ``<id>.old-N.ipynb``, N one more than any kept
    copy there: an earlier kept copy is never overwritten.

    Parameters
    ----------
    assignment : str
        An assignment id (see :func:`resolve`).
    course : Path
        The released notebooks (``course/``).
    workspace : Path
        The learner's folder.

    Returns
    -------
    (Path, Path or None)
        The restored notebook, and where the learner's version was kept (None if there was none).
    """
    src = released(course)[assignment]
    target = notebook_path(workspace, assignment)
    kept = None
    if target.exists():
        kept = _next_kept(target)
        # "x": exclusive creation, so even a kept copy that appeared meanwhile is not overwritten;
        # and the learner's file is copied, not moved, so it exists under some name throughout.
        with target.open("rb") as inp, kept.open("xb") as out:
            shutil.copyfileobj(inp, out)
    _copy_new(src, target)
    return target, kept
