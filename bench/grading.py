"""Benchmark: `gdcourse grade --workers 2` against plain serial `nbgrader autograde`.

For each assignment (default: 02-gd-1d and 04-linear-regression), both grade the same 8 correct
submissions, each in a fresh throw-away course with its own fresh gradebook (registering the
assignment is set-up, not timed, for both). Ours runs twice: with per-sandbox cgroups (where the
machine allows them) and with rlimits only (``c.GdGrade.cgroups = "off"``).

    .venv/bin/python bench/grading.py [--assignment ID ...] [--n 8] [--workers 2] [--json FILE]

Prints seconds in total and per submission, and the ratio ours/plain (goal: <= 0.45, aim 0.30).
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

from gdcourse import copies  # noqa: E402

DEFAULT = ["02-gd-1d", "04-linear-regression"]
GOAL, AIM = 0.45, 0.30


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PATH"] = os.path.dirname(sys.executable) + os.pathsep + e.get("PATH", "")
    e.pop("MPLBACKEND", None)
    return e


def make_course(root: Path, src: Path, n: int, extra: str = "") -> str:
    a = src.name
    (root / "solutions").mkdir(parents=True)
    (root / "course").mkdir()
    (root / "autograde").mkdir()
    shutil.copytree(src, root / "solutions" / a)
    shutil.copy(REPO / "autograde" / "nbgrader_config.py", root / "autograde")
    if extra:
        (root / "autograde" / "nbgrader_config_local.py").write_text("c = get_config()\n" + extra)
    nb_path = next((root / "solutions" / a).glob("*.ipynb"))
    good = copies.correct_submission(nb_path)
    for i in range(n):
        d = root / "autograde" / "submitted" / f"student{i:02d}" / a
        d.mkdir(parents=True)
        (d / nb_path.name).write_text(json.dumps(good))
    subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", a, "--force",
                    "--CourseDirectory.release_directory=" + str(root / "release")],
                   cwd=root / "autograde", env=env(), check=True, capture_output=True)
    return a


def plain(src: Path, n: int, tmp: Path) -> float:
    root = tmp / f"plain-{src.name}"
    a = make_course(root, src, n)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "nbgrader", "autograde", a],
                       cwd=root / "autograde", env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        print(p.stdout[-2000:], p.stderr[-2000:])
        raise SystemExit("plain nbgrader autograde failed")
    return seconds


def ours(src: Path, n: int, workers: int, tmp: Path, cgroups: str) -> tuple[float, str, int]:
    root = tmp / f"ours-{cgroups}-{src.name}"
    a = make_course(root, src, n, extra=f"c.GdGrade.cgroups = {cgroups!r}\n")
    gd = os.path.join(os.path.dirname(sys.executable), "gdcourse")
    t0 = time.perf_counter()
    q = subprocess.run([gd, "--course-dir", str(root), "grade", a, "--workers", str(workers)],
                       env=env(), capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if q.returncode != 0:
        print(q.stdout[-3000:], q.stderr[-3000:])
        raise SystemExit("gdcourse grade failed")
    records = [json.loads(f.read_text()) for f in (root / "autograde" / "results" / a).glob("*.json")]
    full = sum(1 for r in records if r["status"] == "ok" and r["auto_score"] == r["auto_max_score"])
    memory = records[0]["sandbox"].split("memory:", 1)[-1].strip() if records else ""
    return seconds, memory, full


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assignment", action="append")
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--json", metavar="FILE")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for a in args.assignment or DEFAULT:
            src = REPO / "solutions" / a
            if not src.is_dir():
                raise SystemExit(f"no assignment {a}")
            p = plain(src, args.n, tmp)
            with_cg, memory, full = ours(src, args.n, args.workers, tmp, "auto")
            no_cg, _, full2 = ours(src, args.n, args.workers, tmp, "off")
            print(f"{a}: plain nbgrader autograde (serial) {p:6.2f} s ({p / args.n:.2f} s/submission)")
            print(f"{a}: gdcourse grade --workers {args.workers}, {memory}: {with_cg:6.2f} s "
                  f"({with_cg / args.n:.2f} s/submission), ratio {with_cg / p:.2f}; full marks {full}/{args.n}")
            print(f"{a}: gdcourse grade --workers {args.workers}, rlimits only: {no_cg:6.2f} s "
                  f"({no_cg / args.n:.2f} s/submission), ratio {no_cg / p:.2f}; full marks {full2}/{args.n}")
            goal = f"<= {GOAL} (aim {AIM})"
            rows += [
                {"what": f"{a}: plain nbgrader autograde (serial), {args.n} correct submissions",
                 "value": f"{p:.2f} s ({p / args.n:.2f} s/submission)", "goal": "—"},
                {"what": f"{a}: gdcourse grade --workers {args.workers}, cgroups ({memory})",
                 "value": f"{with_cg:.2f} s, ratio {with_cg / p:.2f}", "goal": goal},
                {"what": f"{a}: gdcourse grade --workers {args.workers}, rlimits only",
                 "value": f"{no_cg:.2f} s, ratio {no_cg / p:.2f}", "goal": goal},
            ]
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows}, indent=1))


if __name__ == "__main__":
    main()
