"""Validate a submission and rebuild it on the source skeleton (trusted code, nothing executed).

Cells are matched by nbgrader ``grade_id`` (and unlabelled cells by nbformat cell id), never by
position:

* answer cells and written answers come from the learner; duplicates (a copy-pasted or split
  cell carrying the same grade_id) are all kept, in the learner's order, only the first keeping
  the grade_id, with a warning; a deleted answer cell becomes the learner stub (it scores 0);
* test cells and locked cells always come from the source (learner copies are ignored, a deleted
  test cell is re-inserted and scored);
* the learner's extra cells (scratch work, helpers) stay after the nearest preceding matched cell.
"""

from __future__ import annotations

import copy
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import sourcecode as sc

CHECKPOINT_DIRS = (".ipynb_checkpoints", "__MACOSX")


@dataclass
class Normalised:
    nb: dict | None
    warnings: list[str] = field(default_factory=list)
    invalid: str | None = None


def read_json_notebook(path: str, max_bytes: int = 50 << 20) -> tuple[dict | None, str | None]:
    """Parse a submitted notebook leniently; ``(nb, None)`` or ``(None, reason)``."""
    try:
        if os.path.getsize(path) > max_bytes:
            return None, f"{os.path.basename(path)} is larger than {max_bytes >> 20} MB"
        with open(path, "rb") as fh:
            nb = json.loads(fh.read().decode("utf-8", errors="replace"))
    except (OSError, ValueError, RecursionError) as exc:
        return None, f"{os.path.basename(path)} is not valid notebook JSON ({type(exc).__name__}: {str(exc)[:120]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, f"{os.path.basename(path)} is not a notebook (no cell list)"
    return nb, None


def pick_notebooks(source_names: list[str], submitted_dir: str) -> tuple[dict[str, str | None], list[str], str | None]:
    """Map each source notebook name (without .ipynb) to a submitted file.

    A notebook submitted under another name is accepted when the pairing is unambiguous: one
    source notebook missing and one unknown notebook submitted.
    """
    found = []
    if os.path.isdir(submitted_dir):
        for root, dirs, files in os.walk(submitted_dir):
            dirs[:] = [d for d in dirs if d not in CHECKPOINT_DIRS and not d.startswith(".")]
            for f in files:
                if f.endswith(".ipynb") and not f.startswith("."):
                    found.append(os.path.join(root, f))
    by_name = {os.path.splitext(os.path.basename(p))[0]: p for p in found}
    mapping: dict[str, str | None] = {n: by_name.get(n) for n in source_names}
    warnings: list[str] = []
    unmatched_src = [n for n, p in mapping.items() if p is None]
    unknown = [p for n, p in by_name.items() if n not in mapping]
    if unmatched_src:
        if len(unmatched_src) == 1 and len(unknown) == 1:
            mapping[unmatched_src[0]] = unknown[0]
            warnings.append(
                f"notebook submitted as {os.path.basename(unknown[0])!r} instead of "
                f"{unmatched_src[0] + '.ipynb'!r}: graded as that notebook"
            )
        elif not found:
            return mapping, warnings, "no notebook in the submission"
        else:
            names = ", ".join(sorted(os.path.basename(p) for p in unknown)) or "none"
            return mapping, warnings, (
                f"cannot tell which submitted notebook is {unmatched_src[0]}.ipynb (found: {names})"
            )
    return mapping, warnings, None


def _clean_cell(c: Any) -> dict | None:
    if not isinstance(c, dict) or c.get("cell_type") not in ("code", "markdown", "raw"):
        return None
    src = c.get("source", "")
    if isinstance(src, list):
        if not all(isinstance(s, str) for s in src):
            return None
        src = "".join(src)
    elif not isinstance(src, str):
        return None
    md = c.get("metadata") if isinstance(c.get("metadata"), dict) else {}
    out = {"cell_type": c["cell_type"], "metadata": copy.deepcopy(md), "source": src}
    if isinstance(c.get("id"), str):
        out["id"] = c["id"][:64]
    return out


def _plain(cell: dict) -> dict:
    cell = copy.deepcopy(cell)
    cell["metadata"].pop("nbgrader", None)
    return cell


def _learner(cell: dict) -> dict:
    cell["metadata"]["gdcourse_origin"] = "learner"
    return cell


def _with_checksum(cell: dict) -> dict:
    """The answer cell's nbgrader checksum is that of the learner stub, so an untouched written
    answer scores 0 automatically (the learner's own metadata is never trusted)."""
    from nbformat import from_dict
    from nbgrader.utils import compute_checksum

    stub = copy.deepcopy(cell)
    stub["source"] = sc.learner_stub(cell)
    stub["metadata"]["nbgrader"].pop("checksum", None)
    return compute_checksum(from_dict(stub))


def normalise(source_nb: dict, student_nb: dict) -> Normalised:
    src_cells = [_clean_cell(c) for c in source_nb.get("cells", [])]
    if any(c is None for c in src_cells):
        raise ValueError("the source notebook has malformed cells")
    warnings: list[str] = []
    raw = student_nb.get("cells", [])
    stud = []
    for c in raw:
        cc = _clean_cell(c)
        if cc is None:
            warnings.append("a malformed cell was dropped")
        else:
            stud.append(cc)
    src_gid = {sc.grade_id(c): i for i, c in enumerate(src_cells) if sc.grade_id(c)}
    src_plain_ids = {c.get("id"): i for i, c in enumerate(src_cells) if not sc.grade_id(c) and c.get("id")}
    graded = {g for g, i in src_gid.items() if sc.is_answer(src_cells[i]) or sc.is_test(src_cells[i])}
    if graded and not any(sc.grade_id(c) in graded for c in stud):
        return Normalised(None, warnings, "the notebook holds none of the assignment's graded cells")

    answers: dict[str, list[dict]] = defaultdict(list)
    plain: dict[int, dict] = {}
    extras: dict[int, list[dict]] = defaultdict(list)
    anchor = -1
    ignored_tests: set[str] = set()
    for c in stud:
        gid = sc.grade_id(c)
        if gid and gid in src_gid:
            si = src_gid[gid]
            if sc.is_answer(src_cells[si]):
                answers[gid].append(c)
            elif sc.source_of(c) not in (src_cells[si]["source"], sc.strip_hidden(src_cells[si]["source"])):
                ignored_tests.add(gid)
            anchor = si
        elif not gid and c.get("id") in src_plain_ids and src_plain_ids[c["id"]] not in plain:
            si = src_plain_ids[c["id"]]
            plain[si] = c
            anchor = si
        else:
            if gid:
                warnings.append(f"cell with unknown grade_id {gid!r} kept as ordinary code")
            extras[anchor].append(_learner(_plain(c)))
    for gid in sorted(ignored_tests):
        if sc.is_test(src_cells[src_gid[gid]]):
            warnings.append(f"edits to test cell {gid!r} ignored (the source version was run)")

    out: list[dict] = list(extras[-1])
    for si, s in enumerate(src_cells):
        gid = sc.grade_id(s)
        if gid and sc.is_answer(s):
            mine = answers.get(gid, [])
            meta = copy.deepcopy(s["metadata"]["nbgrader"])
            meta["checksum"] = _with_checksum(s)
            if not mine:
                cell = copy.deepcopy(s)
                cell["source"] = sc.learner_stub(s)
                cell["metadata"]["nbgrader"] = meta
                warnings.append(f"answer cell {gid!r} was deleted: the learner stub was graded")
                out.append(cell)
            else:
                first = copy.deepcopy(mine[0])
                first["metadata"]["gdcourse_origin"] = "learner"
                first["cell_type"] = s["cell_type"]
                first["metadata"]["nbgrader"] = meta
                out.append(first)
                if len(mine) > 1:
                    warnings.append(
                        f"answer cell {gid!r} appears {len(mine)} times (copied or split): all kept, in order"
                    )
                    out.extend(_learner(_plain(c)) for c in mine[1:])
        elif gid:
            if sc.is_test(s) and not any(sc.grade_id(c) == gid for c in stud):
                warnings.append(f"test cell {gid!r} was deleted: re-inserted and graded")
            out.append(copy.deepcopy(s))
        else:
            mine_plain = plain.get(si)
            if mine_plain is not None and mine_plain["source"] != s["source"]:
                out.append(_learner(copy.deepcopy(mine_plain)))
            else:
                out.append(copy.deepcopy(s))
        out.extend(extras[si])

    seen: set[str] = set()
    for i, c in enumerate(out):
        cid = c.get("id")
        if not cid or cid in seen:
            cid = f"gd-{i:04d}"
            while cid in seen:
                cid += "x"
        c["id"] = cid
        seen.add(cid)
        if c["cell_type"] == "code":
            c["outputs"] = []
            c["execution_count"] = None
    nb = {
        "cells": out,
        "metadata": copy.deepcopy(source_nb.get("metadata", {})),
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return Normalised(nb, warnings, None)


def stub_notebook(source_nb: dict) -> dict:
    """The learner copy rebuilt from the source (what an empty submission is graded as)."""
    empty = {"cells": [c for c in source_nb.get("cells", []) if not sc.is_answer(c)]}
    # every answer cell deleted -> stubs; suppress the 'none of the graded cells' check
    res = normalise(source_nb, {"cells": [c for c in source_nb["cells"] if sc.is_test(c)] or empty["cells"]})
    assert res.nb is not None
    return res.nb
