"""Reading the learner's code for delegation, without running it.

No grader can stop a learner from copying reference code that ships with the course (it is in
``gdutils`` and ``solutions/``). What this module does is honest and narrow:

* **direct references** — which gdutils reference solutions (``@checks.reference``) a learner name
  refers to, through imports, aliases and attribute chains, directly or through other learner
  names. A guarded test (``checks.forbid_reference``) calling such a name fails with the
  ``DelegationError`` hint; the kernel also reports each reference that actually ran.
* **indirect access** — constructs an honest answer to these exercises never needs and that hide
  what code runs: ``importlib``/``__import__``, ``exec``/``eval``/``compile``, ``getattr``/
  ``vars``/``__dict__`` on an imported module, function internals (``__wrapped__``,
  ``__closure__``, ``__code__``, ``__globals__``), ``inspect``, ``sys.modules``/``sys._getframe``,
  ``gc`` introspection, and opening files of the course (``gdutils``, ``solutions``, ``.py``).
  Every learner name defined with one of them, directly or through other learner names, is
  *flagged*; every test that uses a flagged name scores 0 with the reason "uses the reference
  implementation", and the export lists the flags.

Everything here parses learner source with :mod:`ast` and nothing else; a cell that does not
parse is skipped (it fails in the kernel anyway).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from .. import cells as sc

INTERNALS = frozenset({"__wrapped__", "__closure__", "__code__", "__globals__", "__builtins__",
                       "__loader__", "__spec__", "__file__", "__path__", "__dict__"})
#: modules whose only use in a learner's answer would be to reach code indirectly
INDIRECT_MODULES = frozenset({"importlib", "inspect", "gc", "ctypes", "marshal", "pickle", "dill",
                              "runpy", "imp", "zipimport", "pkgutil", "linecache", "types"})
_EXEC = frozenset({"exec", "eval", "compile", "__import__"})
_FILE_HINTS = ("gdutils", "solutions", ".py", "site-packages", "/opt/gdgrade", "autograde")


def referenced_qualnames(source: str, qualnames: set[str]) -> set[str]:
    """Which of ``qualnames`` (``gdutils.mod.func``) the code refers to, through imports,
    aliases and attribute chains. Strings and ``getattr`` tricks are not seen here: they are
    :func:`indirect_access`, and the kernel reports the calls that actually ran."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    alias: dict[str, str] = {}
    hits: set[str] = set()

    def check(dotted: str) -> None:
        for q in qualnames:
            if dotted == q or dotted.startswith(q + "."):
                hits.add(q)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                alias[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                if a.name == "*":
                    hits.update(q for q in qualnames if q.rsplit(".", 1)[0] == node.module)
                    continue
                full = f"{node.module}.{a.name}"
                alias[a.asname or a.name] = full
                check(full)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name):
            parts: list[str] = []
            cur: Any = node
            while isinstance(cur, ast.Attribute):
                parts.append(cur.attr)
                cur = cur.value
            if isinstance(cur, ast.Name) and cur.id in alias:
                check(".".join([alias[cur.id]] + parts[::-1]))
    return hits


def indirect_access(source: str) -> list[str]:
    """The indirect-access constructs in a cell (short descriptions, in order of appearance)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    found: list[str] = []
    imported: set[str] = set()

    def hit(what: str) -> None:
        if what not in found:
            found.append(what)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                imported.add(a.asname or a.name.split(".")[0])
                if a.name.split(".")[0] in INDIRECT_MODULES:
                    hit(f"import {a.name.split('.')[0]}")
        elif isinstance(node, ast.ImportFrom):
            for a in node.names:
                imported.add(a.asname or a.name)
            if node.module and node.module.split(".")[0] in INDIRECT_MODULES:
                hit(f"import {node.module.split('.')[0]}")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in _EXEC:
                hit(f"{name}()")
            elif name in ("getattr", "setattr", "vars", "delattr", "hasattr") and node.args:
                target = node.args[0]
                if isinstance(target, ast.Name) and target.id in imported:
                    hit(f"{name}() on the module {target.id}")
            elif name == "open" and node.args and _mentions_course_file(node.args[0]):
                hit("open() on a course file")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("read_text", "read_bytes", "open", "load", "loadtxt", "genfromtxt") \
                    and any(_mentions_course_file(a) for a in [node.func.value, *node.args]):
                hit(f"{node.func.attr}() on a course file")
        if isinstance(node, ast.Attribute):
            if node.attr in INTERNALS and (node.attr != "__dict__" or _rooted_in(node.value, imported)):
                hit(node.attr)
            if isinstance(node.value, ast.Name) and node.value.id == "sys" and \
                    node.attr in ("modules", "_getframe", "meta_path", "path_hooks"):
                hit(f"sys.{node.attr}")
        if isinstance(node, ast.Name) and node.id in ("__builtins__", "__loader__", "__spec__"):
            hit(node.id)
    return found


def _rooted_in(node: Any, names: set[str]) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in names


def _mentions_course_file(node: Any) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and \
                any(h in sub.value for h in _FILE_HINTS):
            return True
        if isinstance(sub, ast.Attribute) and sub.attr in ("__file__", "__path__"):
            return True
        if isinstance(sub, ast.Name) and sub.id == "__file__":
            return True
    return False


@dataclass
class Delegation:
    """What the static reading found in one notebook's learner code."""

    #: learner name -> the reference solutions its definition refers to (direct)
    tainted: dict[str, set[str]] = field(default_factory=dict)
    #: learner name -> indirect-access constructs its definition uses
    flagged: dict[str, list[str]] = field(default_factory=dict)
    #: ``"<construct> (in <cell>)"`` for the export's ``flags`` column
    flags: list[str] = field(default_factory=list)


def analyse(learner_cells: list[tuple[str, str]], references: set[str]) -> Delegation:
    """Read the learner's code cells ``[(where, source), ...]`` (in notebook order).

    A name is tainted (flagged) when a cell that binds it refers to a reference solution (uses
    an indirect construct), or uses a name already tainted (flagged): the closure over every
    learner cell, whatever the order of definitions.
    """
    out = Delegation()
    parsed = []
    for where, src in learner_cells:
        try:
            bound, free = sc.bound_names(src), sc.free_names(src)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        hits = referenced_qualnames(src, references) if references else set()
        constructs = indirect_access(src)
        for c in constructs:
            out.flags.append(f"{c} (in {where})")
        parsed.append((hits, constructs, bound, free))
    changed = True
    while changed:
        changed = False
        for hits, constructs, bound, free in parsed:
            refs = set(hits)
            why = list(constructs)
            for name in free:
                refs |= out.tainted.get(name, set())
                why += [w for w in out.flagged.get(name, []) if w not in why]
            for name in bound:
                if refs and not refs <= out.tainted.get(name, set()):
                    out.tainted.setdefault(name, set()).update(refs)
                    changed = True
                have = out.flagged.setdefault(name, []) if why else out.flagged.get(name, [])
                for w in why:
                    if w not in have:
                        have.append(w)
                        changed = True
    out.flagged = {k: v for k, v in out.flagged.items() if v}
    return out
