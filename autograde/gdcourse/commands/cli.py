"""``gdcourse``: release, collect, grade, feedback, export, lint.

Exit status: 0 when the command did its job (for ``grade``: every submission got a status and a
score, whatever they are); 1 when the pipeline itself failed; 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import __version__


def _course(args: argparse.Namespace):
    from .config import load_course

    return load_course(args.course_dir)


def cmd_release(args: argparse.Namespace) -> int:
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


def cmd_collect(args: argparse.Namespace) -> int:
    from . import collect

    course = _course(args)
    if args.zip:
        out = collect.from_zip(course, args.assignment, args.zip, args.map)
        print(f"collected {len(out['collected'])} students: {', '.join(out['collected'])}")
        for s in out["skipped"]:
            print(f"  skipped {s}", file=sys.stderr)
    else:
        collect.from_exchange(course, args.assignment)
        print(f"collected {args.assignment} from the exchange")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from .pipeline import grade_assignment

    course = _course(args)
    report = grade_assignment(course, args.assignment, students=args.student or None,
                              workers=args.workers, timeout=args.timeout,
                              cell_timeout=args.cell_timeout, sandbox=args.sandbox,
                              show_hidden=args.show_hidden or None)
    return 0 if report.ok else 1


def cmd_feedback(args: argparse.Namespace) -> int:
    from .feedback import generate

    course = _course(args)
    pages = generate(course, args.assignment, students=args.student or None, show_hidden=args.show_hidden)
    print(f"{len(pages)} feedback pages in {course.path('feedback')}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .export import render

    course = _course(args)
    text = render(course, args.format, args.assignment)
    if args.output and args.output != "-":
        Path(args.output).write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from .lint import default_notebooks, lint_notebook

    paths = [Path(p) for p in args.notebooks]
    if not paths:
        paths = default_notebooks(_course(args).root)
    problems = [p for path in paths for p in lint_notebook(path)]
    for p in problems:
        print(p)
    print(f"{len(paths)} notebooks, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gdcourse", description="The course's hardened nbgrader pipeline.")
    p.add_argument("--version", action="version", version=f"gdcourse {__version__}")
    p.add_argument("--course-dir", help="course root (default: nearest ancestor with solutions/ and autograde/)")
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("release", help="generate learner notebooks in course/ (and release to the exchange)")
    r.add_argument("assignments", nargs="*", metavar="ASSIGNMENT")
    r.add_argument("--exchange", action="store_true", help="also nbgrader release_assignment")
    r.set_defaults(func=cmd_release)

    c = sub.add_parser("collect", help="collect submissions from the exchange or an LMS zip")
    c.add_argument("assignment", metavar="ASSIGNMENT")
    c.add_argument("--zip", metavar="FILE", help="an LMS download (Moodle, Canvas, folder per student)")
    c.add_argument("--map", metavar="CSV", help="lms_id,student_id renaming for --zip")
    c.set_defaults(func=cmd_collect)

    g = sub.add_parser("grade", help="grade submissions (sandboxed, trusted verdicts)")
    g.add_argument("assignment", metavar="ASSIGNMENT")
    g.add_argument("--workers", type=int, help="parallel workers (default from config: 2)")
    g.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    g.add_argument("--timeout", type=float, metavar="S", help="hard limit per submission, seconds")
    g.add_argument("--cell-timeout", type=float, metavar="S", help="limit per cell / test call, seconds")
    g.add_argument("--sandbox", choices=["auto", "bwrap", "none"], help="sandbox mode (default: auto)")
    g.add_argument("--show-hidden", action="store_true", help="autograded notebooks show hidden-test messages")
    g.set_defaults(func=cmd_grade)

    f = sub.add_parser("feedback", help="feedback HTML without hidden tests")
    f.add_argument("assignment", metavar="ASSIGNMENT")
    f.add_argument("--student", action="append", metavar="ID")
    f.add_argument("--show-hidden", action="store_true", help="include hidden tests and their messages")
    f.set_defaults(func=cmd_feedback)

    e = sub.add_parser("export", help="grades as CSV or JSON")
    e.add_argument("--format", choices=["csv", "json"], default="csv")
    e.add_argument("-o", "--output", metavar="FILE")
    e.add_argument("--assignment", metavar="ASSIGNMENT", help="only this assignment")
    e.set_defaults(func=cmd_export)

    lt = sub.add_parser("lint", help="check source notebooks against docs/authoring.md")
    lt.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    lt.set_defaults(func=cmd_lint)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"gdcourse {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
