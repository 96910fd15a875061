"""``gdcourse``: release, collect, grade, feedback, export, lint; for learners: workspace,
restore, progress.

Exit status: 0 when the command did its job (for ``grade``: every submission got a status and a
score, whatever they are); 1 when the pipeline itself failed; 2 for usage errors. ``collect``: 0
when every upload was collected, 1 when anything was refused or not collected, 2 when nothing
could be done (bad arguments, unreadable or oversized zip, no exchange). ``workspace``,
``restore`` and ``progress``: 0 when they ran (failing exercises included), 2 for a notebook name
that matches none.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import __version__


def _course(args: argparse.Namespace):
    from .config import load_course

    return load_course(args.course_dir)


def cmd_release(args: argparse.Namespace) -> int:
    """Generate learner copies in course/ (and release them to the exchange)."""
    from .gradebook import run_nbgrader

    course = _course(args)
    names = args.assignments or course.assignments()
    if not names:
        print("no assignment found in solutions/", file=sys.stderr)
        return 1
    for a in names:
        run_nbgrader(course, "generate_assignment", a, "--force")
        print(f"released {a} -> {course.path('release') / a}")
        if args.exchange:
            run_nbgrader(course, "release_assignment", a, "--force")
            print(f"  and to the exchange ({course.config.Exchange.root})")
    return 0


def _fail(command: str, message: object, status: int) -> int:
    print(f"gdcourse {command}: error: {message}", file=sys.stderr)
    return status


def _unexpected(command: str, exc: Exception) -> int:
    # bad input must never reach the instructor as a traceback; GDCOURSE_DEBUG=1 shows it anyway
    if os.environ.get("GDCOURSE_DEBUG"):
        raise exc
    return _fail(command, f"unexpected {type(exc).__name__}: {exc} (GDCOURSE_DEBUG=1 shows the "
                          "traceback; please report it)", 1)


def cmd_collect(args: argparse.Namespace) -> int:
    """Collect from a zip or the exchange; 0 all collected, 1 something refused, 2 nothing done."""
    from . import collect
    from .names import RefusedName, assignment_id

    try:
        assignment_id(args.assignment)
    except RefusedName as exc:
        return _fail("collect", exc, 2)
    course = _course(args)
    known = course.assignments()
    if args.assignment not in known:
        return _fail("collect", f"no assignment {args.assignment!r} in "
                                f"{course.path('source')} (known: {', '.join(known) or 'none'})", 2)
    limit = args.max_entries or collect.MAX_ENTRIES
    tz = None
    if args.zip_timezone:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            tz = ZoneInfo(args.zip_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return _fail("collect", f"unknown time zone {args.zip_timezone!r} for --zip-timezone "
                                    "(an IANA name such as UTC or Europe/Paris)", 2)
    try:
        if args.zip:
            report = collect.from_zip(course, args.assignment, args.zip, args.map,
                                      max_entries=limit, zip_timezone=tz)
        else:
            report = collect.from_exchange(course, args.assignment, args.map, max_entries=limit)
    except collect.CollectError as exc:
        return _fail("collect", exc, 2)
    except Exception as exc:  # noqa: BLE001 - see _unexpected
        return _unexpected("collect", exc)
    print(report.summary())
    if report.problems:
        print(f"gdcourse collect: {report.problems} problem(s) refused or not collected; "
              "see the summary above", file=sys.stderr)
    return report.exit_status


def cmd_grade(args: argparse.Namespace) -> int:
    """Exit 0: every submission graded ``ok``; 1: some ``crashed``/``timeout``/``invalid``;
    2: the pipeline failed; 128 + signal when interrupted."""
    from ..trusted.launcher import SandboxError
    from . import names
    from .grade import EXIT_PIPELINE, grade_assignment
    from .names import RefusedName

    course = _course(args)
    try:
        for sid in args.student or []:
            names.student_id(sid)  # a bad id is a usage error: nothing is graded
        report = grade_assignment(course, args.assignment, students=args.student or None,
                                  workers=args.workers, timeout=args.timeout,
                                  cell_timeout=args.cell_timeout, sandbox=args.sandbox,
                                  show_hidden=args.show_hidden or None, restart=args.restart)
    except (RefusedName, FileNotFoundError, SandboxError, ValueError) as exc:
        print(f"gdcourse grade: error: {exc}", file=sys.stderr)
        return EXIT_PIPELINE
    return report.exit_status


def cmd_feedback(args: argparse.Namespace) -> int:
    """Write feedback HTML (and release it with ``--release``); exit 1 if a page would show a
    hidden test (nothing is released then)."""
    from .feedback import generate, release

    if args.release and args.show_hidden:
        return _fail("feedback", "--release with --show-hidden would give learners the hidden "
                                 "tests; release without --show-hidden", 2)
    course = _course(args)
    pages = generate(course, args.assignment, students=args.student or None, show_hidden=args.show_hidden)
    print(f"{len(pages)} feedback pages in {course.path('feedback')}")
    if args.release:
        release(course, args.assignment, students=args.student or None)
        print(f"released to the exchange ({course.config.Exchange.root}): learners use "
              "Fetch Feedback in their Assignments tab")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Grades as CSV (spreadsheet formulas neutralised unless ``--raw``) or exact JSON."""
    from .export import render

    course = _course(args)
    try:
        text = render(course, args.format, args.assignment, raw=args.raw)
    except (FileNotFoundError, RuntimeError, ValueError):
        raise
    except Exception as exc:  # noqa: BLE001 - see _unexpected
        return _unexpected("export", exc)
    if args.output and args.output != "-":
        Path(args.output).write_text(text, newline="")
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def cmd_lint(args: argparse.Namespace) -> int:
    """Check source notebooks against docs/authoring.md; exit 1 on problems."""
    from .lint import default_notebooks, lint_notebook

    paths = [Path(p) for p in args.notebooks]
    if not paths:
        paths = default_notebooks(_course(args).root)
    problems = [p for path in paths for p in lint_notebook(path)]
    for p in problems:
        print(p)
    print(f"{len(paths)} notebooks, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def _learner_folders(args: argparse.Namespace) -> tuple[Path, Path]:
    """``(course/, workspace/)`` for the learner's commands."""
    from .config import find_course
    from .workspace import workspace_dir

    # course/ is nbgrader's release folder (autograde/nbgrader_config.py); taken as is rather
    # than by loading the config, so that `make lab` does not pay for importing nbgrader
    root = None
    if not (args.course and (args.workspace or os.environ.get("GDCOURSE_WORKSPACE"))):
        root = Path(args.course_dir).resolve() if args.course_dir else find_course()
    course = Path(args.course).resolve() if args.course else root / "course"
    return course, workspace_dir(root, args.workspace)


def cmd_workspace(args: argparse.Namespace) -> int:
    """Copy into workspace/ every released notebook (and file) it lacks; never overwrite."""
    from .workspace import sync

    course, workspace = _learner_folders(args)
    print(sync(course, workspace).summary())
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Put one notebook of workspace/ back to its released state, keeping the old one beside it."""
    from .workspace import UnknownNotebook, resolve, restore

    course, workspace = _learner_folders(args)
    try:
        assignment = resolve(args.notebook, course)
    except UnknownNotebook as exc:
        return _fail("restore", exc, 2)
    target, kept = restore(assignment, course, workspace)
    print(f"restored {target} to its released state")
    if kept:
        print(f"your previous version is kept beside it: {kept}")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    """Run the visible tests of the learner's copies; 0 when it ran, whatever the results."""
    from .progress import check, marks
    from .workspace import UnknownNotebook, notebook_path, released, resolve

    course, workspace = _learner_folders(args)
    try:
        names = [resolve(n, course) for n in args.notebooks] or list(released(course))
    except UnknownNotebook as exc:
        return _fail("progress", exc, 2)
    names = list(dict.fromkeys(names))  # `progress 02 02-gd-1d` checks it once
    items = [(a, notebook_path(workspace, a), released(course)[a]) for a in names]
    reports = check(items, workers=args.workers, cell_timeout=args.cell_timeout,
                    notebook_timeout=args.timeout)
    ok, bad = marks(sys.stdout)
    print("\n\n".join(r.render(ok, bad) for r in reports))
    return 0


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0: {text!r}")
    return value


def _learner_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--workspace", metavar="DIR",
                   help="your copies (default: $GDCOURSE_WORKSPACE, else workspace/ in the course)")
    p.add_argument("--course", metavar="DIR",
                   help="the released notebooks (default: course/ in the course)")


def parser() -> argparse.ArgumentParser:
    """The ``gdcourse`` argument parser."""
    p = argparse.ArgumentParser(prog="gdcourse", description="The course's hardened nbgrader pipeline.")
    p.add_argument("--version", action="version", version=f"gdcourse {__version__}")
    p.add_argument("--course-dir", help="course root (default: nearest ancestor with solutions/ and autograde/)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="generate learner notebooks in course/ (and release to the exchange)")
    r.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    r.add_argument("--exchange", action="store_true", help="also nbgrader release_assignment")
    r.set_defaults(func=cmd_release)

    c = sub.add_parser("collect", help="collect submissions from the exchange or an LMS zip",
                       description="Exit status: 0 every upload collected, 1 something refused "
                                   "or not collected (see the summary), 2 nothing could be done.")
    c.add_argument("assignment", metavar="ASSIGNMENT")
    c.add_argument("--zip", metavar="FILE",
                   help="an LMS download (Moodle, Canvas, folder per student)")
    c.add_argument("--map", metavar="CSV",
                   help="lms_id,student_id renaming of LMS or exchange names")
    c.add_argument("--max-entries", type=_positive, metavar="N",
                   help="refuse a zip or an exchange with more entries than this (default 20000)")
    c.add_argument("--zip-timezone", metavar="TZ",
                   help="time zone of the zip's entry times (default: this machine's)")
    c.set_defaults(func=cmd_collect)

    g = sub.add_parser("grade", help="grade submissions (sandboxed, trusted verdicts)")
    g.add_argument("assignment", metavar="ASSIGNMENT")
    g.add_argument("--workers", type=int, help="parallel workers (default from config: 2)")
    g.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    g.add_argument("--timeout", type=float, metavar="S", help="hard limit per submission, seconds")
    g.add_argument("--cell-timeout", type=float, metavar="S", help="limit per cell / test call, seconds")
    g.add_argument("--sandbox", choices=["auto", "bwrap", "userns", "none"],
                   help="sandbox mode (default: auto; userns: unprivileged namespaces even as root)")
    g.add_argument("--show-hidden", action="store_true", help="autograded notebooks show hidden-test messages")
    g.add_argument("--restart", action="store_true",
                   help="after an interrupted run: grade everything again instead of resuming")
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", help="feedback HTML without hidden tests")
    f.add_argument("assignment", metavar="ASSIGNMENT")
    f.add_argument("--student", action="append", metavar="ID")
    f.add_argument("--show-hidden", action="store_true", help="include hidden tests and their messages")
    f.add_argument("--release", action="store_true",
                   help="then publish the pages in the exchange (nbgrader release_feedback)")
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="grades as CSV or JSON")
    e.add_argument("--format", choices=["csv", "json"], default="csv")
    e.add_argument("-o", "--output", metavar="FILE")
    e.add_argument("--assignment", metavar="ASSIGNMENT", help="only this assignment")
    e.add_argument("--raw", action="store_true",
                   help="CSV cells exactly as stored (default: cells a spreadsheet would run as a "
                        "formula get a leading ')")
    e.set_defaults(func=cmd_export)

    lt = sub.add_parser("lint", help="check source notebooks against docs/authoring.md")
    lt.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    lt.set_defaults(func=cmd_lint)

    w = sub.add_parser("workspace", help="make your own copies of the notebooks (what `make lab` opens)",
                       description="Copy into your workspace every released notebook (and file "
                                   "beside one) it does not have yet. A notebook already there is "
                                   "never overwritten.")
    _learner_options(w)
    w.set_defaults(func=cmd_workspace)

    rs = sub.add_parser("restore", help="put one of your notebooks back to its released state",
                        description="Replace your copy of NOTEBOOK by the released one; yours is "
                                    "kept beside it as NAME.old-N.ipynb. Exit status 2 for an "
                                    "unknown NOTEBOOK (nothing changes then).")
    rs.add_argument("notebook", metavar="NOTEBOOK", help="02, 02-gd-1d, or a path to the notebook")
    _learner_options(rs)
    rs.set_defaults(func=cmd_restore)

    pr = sub.add_parser("progress", help="which exercises of your notebooks pass their tests",
                        description="Run your notebooks (all, or the NOTEBOOKs named) in fresh "
                                    "kernels, outside JupyterLab, and show which tests pass and "
                                    "why the others fail. Exit status 0 when it ran, whatever the "
                                    "results; 2 for an unknown NOTEBOOK.")
    pr.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="02, 02-gd-1d, or a path")
    _learner_options(pr)
    pr.add_argument("--workers", type=_positive, default=2, metavar="N",
                    help="notebooks run at the same time (default 2)")
    pr.add_argument("--cell-timeout", type=_seconds, default=60.0, metavar="S",
                    help="seconds a cell may run before it is stopped (default 60)")
    pr.add_argument("--timeout", type=_seconds, default=600.0, metavar="S",
                    help="seconds a whole notebook may run (default 600)")
    pr.set_defaults(func=cmd_progress)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gdcourse`` command; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"gdcourse {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
