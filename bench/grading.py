"""Benchmark: `gdcourse grade --workers 2` against plain serial `nbgrader autograde`.

Both grade the same 8 correct submissions of one assignment, each in a fresh throw-away course
with its own fresh gradebook (registering the assignment is set-up, not timed, for both). Uses
solutions/02-gd-1d when it exists, else the grading tier's fixture assignment.

    .venv/bin/python bench/grading.py [--assignment ID] [--n 8] [--workers 2]

Prints seconds in total and per submission for both, and the ratio (goal: ours <= 0.5 x plain).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from gdcourse import api  # noqa: E402

FIXTURE = REPO / "tests" / "fixtures" / "source" / "00-fixture"


def pick(assignment: str | None) -> Path:
    if assignment:
        for base in (REPO / "solutions", FIXTURE.parent):
            if (base / assignment).is_dir():
                return base / assignment
        raise SystemExit(f"no assignment {assignment}")
    real = REPO / "solutions" / "02-gd-1d"
    if real.is_dir() and any(real.glob("*.ipynb")):
        return real
    return FIXTURE


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e.pop("MPLBACKEND", None)
    return e


PLOT_CELL = {"cell_type": "code", "execution_count": None, "id": "bench-plot", "metadata": {}, "outputs": [],
             "source": "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([0, 1, 2], [2, 1, 0])\n"
                       "ax.set_xlabel('x')\nax.set_ylabel('y')\nax.set_title('a narrative plot')\nplt.show()\n"}


def make_course(root: Path, src: Path, n: int, plot: bool = False) -> str:
    a = src.name
    (root / "solutions").mkdir(parents=True)
    (root / "course").mkdir()
    (root / "autograde").mkdir()
    shutil.copytree(src, root / "solutions" / a)
    shutil.copy(REPO / "autograde" / "nbgrader_config.py", root / "autograde")
    nb_path = next((root / "solutions" / a).glob("*.ipynb"))
    if plot:  # a narrative plotting cell, as the real notebooks have
        nb = json.loads(nb_path.read_text())
        nb["cells"].insert(2, PLOT_CELL)
        nb_path.write_text(json.dumps(nb))
    good = api.correct_submission(nb_path)
    for i in range(n):
        d = root / "autograde" / "submitted" / f"student{i:02d}" / a
        d.mkdir(parents=True)
        (d / nb_path.name).write_text(json.dumps(good))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", a, "--force"],
                   cwd=root / "autograde", env=env(), check=True, capture_output=True)
    return a


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assignment")
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--plot", action="store_true", help="add a matplotlib cell (the fixture has none)")
    args = ap.parse_args()
    src = pick(args.assignment)
    print(f"assignment: {src.name} ({'real' if src.parent.name == 'solutions' else 'fixture'}), "
          f"{args.n} correct submissions{', with a matplotlib cell' if args.plot else ''}")
    with tempfile.TemporaryDirectory() as tmp:
        plain_root, ours_root = Path(tmp) / "plain", Path(tmp) / "ours"
        a = make_course(plain_root, src, args.n, args.plot)
        make_course(ours_root, src, args.n, args.plot)

        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", a],
                           cwd=plain_root / "autograde", env=env(), capture_output=True, text=True)
        plain = time.perf_counter() - t0
        if p.returncode != 0:
            print(p.stdout[-2000:], p.stderr[-2000:])
            raise SystemExit("plain nbgrader autograde failed")

        gd = os.path.join(os.path.dirname(sys.executable), "gdcourse")
        t0 = time.perf_counter()
        q = subprocess.run([gd, "--course-dir", str(ours_root), "grade", a, "--workers", str(args.workers)],
                           env=env(), capture_output=True, text=True)
        ours = time.perf_counter() - t0
        if q.returncode != 0:
            print(q.stdout[-3000:], q.stderr[-3000:])
            raise SystemExit("gdcourse grade failed")
        ex = subprocess.run([gd, "--course-dir", str(ours_root), "export", "--format", "json"],
                            env=env(), capture_output=True, text=True, check=True)
        rows = json.loads(ex.stdout)["rows"]
        full = sum(1 for r in rows if r["status"] == "ok" and r["score"] == r["max_score"] - _manual(r, src))
        print(f"plain nbgrader autograde (serial): {plain:6.2f} s total, {plain / args.n:5.2f} s/submission")
        print(f"gdcourse grade --workers {args.workers}:       {ours:6.2f} s total, {ours / args.n:5.2f} s/submission")
        print(f"ratio ours/plain: {ours / plain:.2f}  (goal <= 0.50)   full marks: {full}/{len(rows)}")


def _manual(row: dict, src: Path) -> float:
    nb = json.loads(next(src.glob("*.ipynb")).read_text())  # manual points are not auto points
    return sum(float(c["metadata"]["nbgrader"].get("points", 0)) for c in nb["cells"]
               if c.get("metadata", {}).get("nbgrader", {}).get("solution")
               and c["metadata"]["nbgrader"].get("grade"))


if __name__ == "__main__":
    main()
