"""Reading notebook cells without running them: nbgrader's cell kinds, free and bound names,
hidden-test regions, learner stubs."""

from __future__ import annotations

import ast
import builtins
import re
from typing import Any

BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
_BUILTINS = frozenset(dir(builtins)) | {"__name__", "__file__", "__builtins__", "get_ipython", "display"}


def source_of(cell: Any) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def nbmeta(cell: Any) -> dict:
    """The cell's ``nbgrader`` metadata (an empty dict when absent or malformed)."""
    md = cell.get("metadata") or {}
    nb = md.get("nbgrader") if isinstance(md, dict) else None
    return nb if isinstance(nb, dict) else {}


def grade_id(cell: Any) -> str | None:
    """The cell's nbgrader ``grade_id``, or None."""
    gid = nbmeta(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_test(cell: Any) -> bool:
    """An autograder test cell: a graded code cell that is not a solution."""
    m = nbmeta(cell)
    return cell.get("cell_type") == "code" and bool(m.get("grade")) and not m.get("solution")


def is_answer(cell: Any) -> bool:
    """An answer cell (code or written): nbgrader's ``solution`` flag."""
    return bool(nbmeta(cell).get("solution"))


# ---------------------------------------------------------------------------------------------
# Names


class _Names(ast.NodeVisitor):
    def __init__(self) -> None:
        self.loaded: set[str] = set()
        self.bound: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        (self.loaded if isinstance(node.ctx, ast.Load) else self.bound).add(node.id)

    def _bind_args(self, args: ast.arguments) -> None:
        for a in args.posonlyargs + args.args + args.kwonlyargs:
            self.bound.add(a.arg)
        for a in (args.vararg, args.kwarg):
            if a is not None:
                self.bound.add(a.arg)

    def visit_FunctionDef(self, node: Any) -> None:
        self.bound.add(node.name)
        self._bind_args(node.args)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._bind_args(node.args)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.bound.add(node.name)
        self.generic_visit(node)

    def visit_Import(self, node: Any) -> None:
        for alias in node.names:
            self.bound.add((alias.asname or alias.name).split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_Global(self, node: Any) -> None:
        self.bound.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_MatchAs(self, node: Any) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)


def free_names(source: str) -> set[str]:
    """Names a cell uses without binding them anywhere in the cell (builtins excluded).

    Deliberately coarse: a name bound anywhere in the cell counts as bound everywhere in it.
    """
    tree = ast.parse(source)
    v = _Names()
    v.visit(tree)
    return v.loaded - v.bound - _BUILTINS


def bound_names(source: str) -> set[str]:
    """Top-level names a cell defines (assignments, defs, classes, imports)."""
    tree = ast.parse(source)
    out: set[str] = set()
    for node in tree.body:
        v = _Names()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
            continue
        v.visit(node)
        out |= v.bound
    return out


def has_magic(source: str) -> bool:
    """Does the source use IPython magics or shell escapes?"""
    return any(line.lstrip().startswith(("%", "!")) for line in source.splitlines())


# ---------------------------------------------------------------------------------------------
# Hidden tests and solutions


def split_hidden(source: str) -> tuple[str, str]:
    """``(visible, hidden)``: the hidden part is everything from ``### BEGIN HIDDEN TESTS`` on
    (the markers become blank lines, so line numbers still match the source)."""
    lines = source.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.strip() == BEGIN_HIDDEN:
            visible = "".join(lines[:i])
            hidden = "\n" * i + "".join(
                "\n" if ln.strip() in (BEGIN_HIDDEN, END_HIDDEN) else ln for ln in lines[i:]
            )
            return visible, hidden
    return source, ""


def hidden_lines(source: str) -> list[str]:
    """The non-trivial lines of a test cell's hidden part (to check that feedback omits them)."""
    _, hidden = split_hidden(source)
    return [ln.strip() for ln in hidden.splitlines() if len(ln.strip()) >= 12]


def strip_hidden(source: str) -> str:
    """The source without its hidden-test region (what learners see)."""
    lines = source.splitlines(keepends=True)
    out, skipping = [], False
    for line in lines:
        s = line.strip()
        if s == BEGIN_HIDDEN:
            skipping = True
            continue
        if s == END_HIDDEN:
            skipping = False
            continue
        if not skipping:
            out.append(line)
    return "".join(out)


def learner_stub(cell: Any) -> str:
    """What nbgrader's ClearSolutions makes of an answer cell (used when a learner deleted it)."""
    src = source_of(cell)
    if cell.get("cell_type") == "markdown":
        return TEXT_STUB
    if BEGIN_SOLUTION not in src:
        return CODE_STUB
    out, skipping = [], False
    for line in src.splitlines():
        if line.strip() == BEGIN_SOLUTION:
            indent = line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in CODE_STUB.splitlines()]
            skipping = True
            continue
        if line.strip() == END_SOLUTION:
            skipping = False
            continue
        if not skipping:
            out.append(line)
    return "\n".join(out)


def solution_code(source: str) -> str:
    """An answer cell's source with the solution markers removed (the correct submission)."""
    return "\n".join(
        ln for ln in source.splitlines() if ln.strip() not in (BEGIN_SOLUTION, END_SOLUTION)
    )


_WS = re.compile(r"\s+")


def normalise_ws(s: str) -> str:
    """Whitespace collapsed to single spaces, ends stripped."""
    return _WS.sub(" ", s).strip()
