"""Finding the course and reading its nbgrader configuration (``autograde/nbgrader_config.py``)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets import Bool, Float, Int, List, Unicode
from traitlets.config import Configurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"


class GdGrade(Configurable):
    """Settings of ``gdcourse grade`` (the ``c.GdGrade`` section of the course config)."""

    workers = Int(2, help="worker processes grading submissions in parallel").tag(config=True)
    cell_timeout = Float(30.0, help="seconds per cell or per test interaction").tag(config=True)
    timeout = Float(600.0, help="hard limit in seconds for a whole submission").tag(config=True)
    sandbox = Unicode("auto", help="auto | bwrap | userns | none (userns: bubblewrap in a user "
                      "namespace even as root)").tag(config=True)
    memory_mb = Int(3072, help="memory of one learner kernel and everything it starts (MB): a "
                    "cgroup limit where available, and each process's address space").tag(config=True)
    judge_memory_mb = Int(2048, help="memory of the process running one submission's tests, "
                          "beyond what it shares with the grader (MB)").tag(config=True)
    cgroups = Unicode("auto", help="auto | off | required: per-sandbox memory and pids cgroups").tag(config=True)
    nproc = Int(64, help="process limit of the learner's kernel").tag(config=True)
    fsize_mb = Int(64, help="largest file the learner's kernel may write (MB)").tag(config=True)
    uid_base = Int(64000, help="as root: kernels run as uid uid_base + worker slot, judges as "
                   "uid_base + 1000 + slot").tag(config=True)
    show_hidden = Bool(False, help="autograded notebooks show why hidden tests failed").tag(config=True)
    reference_modules = List(Unicode(), ["gdutils"],
                             help="modules whose @checks.reference solutions are guarded").tag(config=True)
    extra_paths = List(Unicode(), [],
                       help="extra read-only import paths inside the sandbox").tag(config=True)


@dataclass
class Course:
    """A course directory and its loaded nbgrader configuration."""

    root: Path
    config: Any

    @property
    def autograde(self) -> Path:
        """The course's ``autograde/`` folder."""
        return self.root / "autograde"

    def coursedir(self, **kw: Any) -> Any:
        """nbgrader's ``CourseDirectory`` for this course (``kw`` overrides traits)."""
        from nbgrader.coursedir import CourseDirectory

        cd = CourseDirectory(config=self.config)
        for k, v in kw.items():
            setattr(cd, k, v)
        return cd

    def path(self, step: str) -> Path:
        """The folder of one nbgrader step (``source``, ``release``, ``submitted``, ...)."""
        cd = self.coursedir()
        return Path(cd.root) / getattr(cd, f"{step}_directory")

    @property
    def db_url(self) -> str:
        """The gradebook's SQLAlchemy URL."""
        return self.coursedir().db_url

    @property
    def course_id(self) -> str:
        """nbgrader's course id."""
        return self.coursedir().course_id

    def grade_settings(self) -> GdGrade:
        """``c.GdGrade``: the grader's settings."""
        return GdGrade(config=self.config)

    @property
    def results_dir(self) -> Path:
        """Where ``gdcourse grade`` keeps one JSON record per student and assignment."""
        return self.autograde / "results"

    def source_notebooks(self, assignment: str) -> dict[str, Path]:
        """The assignment's source notebooks by name (without ``.ipynb``)."""
        folder = self.path("source") / assignment
        if not folder.is_dir():
            raise FileNotFoundError(f"no source assignment {folder}")
        nbs = {p.stem: p for p in sorted(folder.glob("*.ipynb"))}
        if not nbs:
            raise FileNotFoundError(f"no notebook in {folder}")
        return nbs

    def assignments(self) -> list[str]:
        """Assignment ids that have a source notebook."""
        src = self.path("source")
        return sorted(p.name for p in src.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if src.is_dir() else []


def find_course(start: str | os.PathLike | None = None) -> Path:
    """The nearest ancestor of ``start`` (default: cwd) holding ``solutions/`` and the config."""
    here = Path(start or os.getcwd()).resolve()
    for d in [here, *here.parents]:
        if (d / "solutions").is_dir() and (d / "autograde" / CONFIG_NAME).is_file():
            return d
    raise FileNotFoundError(
        f"no course directory above {here} (a folder holding solutions/ and autograde/{CONFIG_NAME}); "
        "use --course-dir"
    )


def load_course(course_dir: str | os.PathLike | None = None) -> Course:
    """The course at ``course_dir`` (default: found above the current directory)."""
    root = Path(course_dir).resolve() if course_dir else find_course()
    cfg_file = root / "autograde" / CONFIG_NAME
    if not cfg_file.is_file():
        raise FileNotFoundError(f"{cfg_file} does not exist")
    loader = PyFileConfigLoader(CONFIG_NAME, path=str(cfg_file.parent))
    config = loader.load_config()
    _ensure_tools_on_path()
    return Course(root, config)


def _ensure_tools_on_path() -> None:
    # nbgrader shells out to `alembic` when it creates a gradebook: it must be on PATH
    bindir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if bindir not in path.split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + path


def atomic_write_json(path: Path, data: Any) -> None:
    """Write JSON to ``path`` so that readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True, default=str))
    os.replace(tmp, path)
