"""``gdcourse lint``: check source notebooks against docs/authoring.md.

Checks: valid JSON with nbformat 4.5 cell ids; nbgrader metadata schema v3 with the right flags
for each cell kind; unique grade_ids; answer cells carry ``### BEGIN/END SOLUTION`` (code) or a
model answer (markdown); test cells have points, compile, use no IPython magics, split into a
visible and a hidden part that compile apart, and are self-contained (every free name is a name
the notebook's answer cells bind); no test cell rebinds a name that a later code cell of the
notebook reads (a learner runs the test cells in the notebook's own namespace, so a test's
``hs = ...`` would change what the next cell computes); hidden-test markers balanced; no outputs,
no execution counts.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from .. import cells as sc

KINDS = {
    "answer": {"grade": False, "solution": True, "locked": False},
    "tests": {"grade": True, "solution": False, "locked": True},
    "written": {"grade": True, "solution": True, "locked": False},
    "readonly": {"grade": False, "solution": False, "locked": True},
}


def lint_notebook(path: str | Path) -> list[str]:
    """Problems of one source notebook, one line each (empty: none)."""
    path = Path(path)
    problems: list[str] = []

    def bad(where: str, msg: str) -> None:
        problems.append(f"{path}: {where}: {msg}")

    try:
        nb = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return [f"{path}: not valid JSON ({exc})"]
    if nb.get("nbformat") != 4 or nb.get("nbformat_minor", 0) < 5:
        bad("notebook", "must be nbformat 4.5 (cell ids)")
    cells = nb.get("cells", [])
    seen: dict[str, int] = {}
    answer_names: set[str] = set()
    for i, cell in enumerate(cells):
        src = sc.source_of(cell)
        gid = sc.grade_id(cell)
        where = f"cell {i}" + (f" ({gid})" if gid else "")
        if not cell.get("id"):
            bad(where, "no cell id")
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            bad(where, "has outputs or an execution count (commit notebooks without outputs)")
        meta = sc.nbmeta(cell)
        if not meta:
            continue
        if meta.get("schema_version") != 3:
            bad(where, "nbgrader schema_version must be 3")
        if not gid:
            bad(where, "nbgrader cell without grade_id")
            continue
        if gid in seen:
            bad(where, f"grade_id {gid!r} already used by cell {seen[gid]}")
        seen[gid] = i
        flags = {k: bool(meta.get(k)) for k in ("grade", "solution", "locked")}
        kind = next((k for k, v in KINDS.items() if v == flags), None)
        if kind is None:
            bad(where, f"unknown combination of nbgrader flags {flags}")
            continue
        if kind in ("tests", "written") and not isinstance(meta.get("points"), int | float):
            bad(where, "graded cell without points")
        if kind == "answer":
            if cell.get("cell_type") == "code":
                if sc.BEGIN_SOLUTION not in src or sc.END_SOLUTION not in src:
                    bad(where, "answer cell without ### BEGIN SOLUTION / ### END SOLUTION")
                try:
                    answer_names |= sc.bound_names(sc.solution_code(src))
                except SyntaxError as exc:
                    bad(where, f"does not compile: {exc}")
            else:
                bad(where, "a markdown answer cell must be graded (grade: true, points)")
        if kind == "written" and cell.get("cell_type") != "markdown":
            bad(where, "written answers are markdown cells")
        if kind == "tests" and cell.get("cell_type") != "code":
            bad(where, "test cells are code cells")
    for i, cell in enumerate(cells):
        if not sc.is_test(cell):
            continue
        src = sc.source_of(cell)
        where = f"cell {i} ({sc.grade_id(cell)})"
        if sc.has_magic(src):
            bad(where, "IPython magics or shell escapes in a test cell")
            continue
        if src.count(sc.BEGIN_HIDDEN) != src.count(sc.END_HIDDEN) or src.count(sc.BEGIN_HIDDEN) > 1:
            bad(where, "unbalanced or repeated hidden-test markers")
        elif sc.BEGIN_HIDDEN in src:
            visible, hidden = sc.split_hidden(src)
            try:
                compile(visible, "visible", "exec")
                compile(hidden, "hidden", "exec")
            except SyntaxError:
                bad(where, "the visible and hidden parts do not compile apart (hidden-test markers "
                    "inside a block?): hidden tests must sit at the cell's top level")
        try:
            free = sc.free_names(src)
        except SyntaxError as exc:
            bad(where, f"does not compile: {exc}")
            continue
        stray = sorted(free - answer_names)
        if stray:
            bad(where, "not self-contained: uses " + ", ".join(stray)
                + " (import it in the cell, or it must be defined by an answer cell)")
        if "forbid_reference" not in src:
            bad(where, "calls learner code outside checks.forbid_reference(...)")
    problems.extend(f"{path}: {line}" for line in rebound_names(cells))
    return problems


class _TopLevelStores(ast.NodeVisitor):
    """Names a cell binds in the notebook's namespace: assignments, loop and ``with`` targets,
    ``def`` and ``class`` names at module level (imports excluded: importing a module again
    changes nothing). Function bodies, lambdas and comprehensions have their own scope."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            self.names.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.names.add(node.name)  # the body is another scope

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.names.add(node.name)
        self.generic_visit(node)

    def _skip(self, node: ast.AST) -> None:
        return None

    visit_Lambda = visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _skip  # type: ignore[assignment]
    visit_Import = visit_ImportFrom = _skip  # type: ignore[assignment]


def _stores(source: str) -> set[str]:
    v = _TopLevelStores()
    v.visit(ast.parse(source))
    return v.names


def rebound_names(cells: list) -> list[str]:
    """One line per name a test cell rebinds that a later answer or narrative code cell reads.

    The learner's kernel runs every cell, test cells included, in one namespace: a test cell that
    sets ``hs`` changes the ``hs`` the next cell uses (and a later cell that needs a test cell's
    variable breaks under the hardened grader, which runs tests elsewhere).
    """
    problems: list[str] = []
    last: dict[str, tuple[str, int]] = {}  # name -> (test grade_id, cell index) that bound it last
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        src = sc.source_of(cell)
        if sc.is_test(cell):
            try:
                names = _stores(src)
            except SyntaxError:
                continue
            for name in names:
                last[name] = (sc.grade_id(cell) or f"cell {i}", i)
            continue
        code = sc.solution_code(src) if sc.is_answer(cell) else src
        try:
            used, bound = sc.free_names(code), sc.bound_names(code)
        except SyntaxError:
            continue
        for name in sorted(used):
            if name in last:
                gid, j = last.pop(name)
                problems.append(f"cell {j} ({gid}): rebinds `{name}`, which cell {i} reads afterwards: give "
                                "the test's variable another name (test cells share the learner's namespace)")
        for name in bound:
            last.pop(name, None)
    return problems


def default_notebooks(root: Path) -> list[Path]:
    """Every source notebook of the course."""
    return sorted((root / "solutions").glob("*/*.ipynb"))
