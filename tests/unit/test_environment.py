"""The set-up files agree with each other: pyproject.toml, environment.yml, Makefile, .ci/run."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_matches_pyproject() -> None:
    project = _pyproject()["project"]
    wanted = {_name(r): r.replace(" ", "") for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {_name(d): d.replace(" ", "") for d in env["dependencies"] if isinstance(d, str)}
    missing = sorted(set(wanted) - set(conda))
    assert not missing, f"environment.yml lacks {missing} (declared in pyproject.toml)"
    extra = sorted(set(conda) - set(wanted) - {"python", "pip"})
    assert not extra, f"environment.yml has {extra}, which pyproject.toml does not declare"
    for name, spec in wanted.items():
        assert conda[name] == spec, f"{name}: pyproject says {spec!r}, environment.yml {conda[name]!r}"
    py = next(d for d in env["dependencies"] if isinstance(d, str) and _name(d) == "python")
    assert py.replace("python", "") == project["requires-python"]
    assert "conda-forge" in env["channels"]


def test_nbgrader_is_new_enough_for_jupyterlab_4() -> None:
    deps = _pyproject()["project"]["dependencies"]
    assert "nbgrader>=0.9.6,<0.10" in [d.replace(" ", "") for d in deps]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and re.search(r"^make test$", ci, re.M), (
        "README's test command and .ci/run must agree"
    )


def test_torch_pin_is_the_cpu_build() -> None:
    extras = _pyproject()["project"]["optional-dependencies"]
    assert extras["torch"] == ["torch==2.13.0"]
    assert "torch==2.13.0" in (ROOT / ".ci" / "run").read_text()
