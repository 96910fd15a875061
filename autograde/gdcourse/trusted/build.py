"""The notebook that is graded: the instructor's source, with the learner's contents in it.

Grading starts from the instructor's source notebook, never from the submission. A submission
contributes exactly two things, as TEXT (and, for feedback, its own saved outputs):

* the contents of its answer cells, matched to the source's answer cells by nbgrader ``grade_id``
  (or, when a tool stripped the metadata, by nbformat cell id);
* cells the learner added (and narrative code cells the learner edited), which run in the sandbox
  as learner code, exactly like answers.

Everything else in the submission — its metadata, checksums, kernelspec, its copies of test cells —
is read only to match cells and to warn, and never decides what is a test, what it is worth, or
what runs outside the sandbox. Test cells, their points and the notebook's metadata come from the
source alone.

Two steps, so the part that parses hostile input runs in the fenced judge process and the part the
parent trusts is pure:

:func:`extract`  submission notebook (any JSON) -> :class:`Contributions` (strings and lists);
:func:`assemble` source notebook + contributions -> :class:`Graded` (the notebook nbgrader stores
                 and the plan the judge executes). Deterministic, so the parent re-assembles from
                 the judge's contributions rather than trusting a notebook built elsewhere.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .. import cells as sc

#: a submitted notebook larger than this is refused, unread
MAX_NOTEBOOK_BYTES = 50 << 20
#: JSON nesting deeper than this is refused before parsing (nothing in a notebook needs more)
MAX_JSON_DEPTH = 100
MAX_CELLS = 2000
MAX_SOURCE = 1 << 20  # characters of one cell's source
MAX_OUTPUTS_PER_CELL = 20
MAX_TEXT_OUTPUT = 20_000
MAX_IMAGE_B64 = 2 << 20
#: learner outputs shown in feedback: inert formats only (no HTML, SVG, JavaScript, widgets)
SAFE_IMAGES = {"image/png": b"\x89PNG", "image/jpeg": b"\xff\xd8\xff"}
LEARNER = "learner"


# ---------------------------------------------------------------------------------------------
# Reading a submitted notebook


def json_depth_exceeds(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``limit`` (strings skipped);
    a linear scan, so a hostile nesting is refused before any recursive parser sees it."""
    depth = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def parse_notebook(data: bytes, filename: str) -> tuple[dict | None, str | None]:
    """Parse a submitted notebook leniently: ``(nb, None)`` or ``(None, reason)``."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        return None, f"{filename} is larger than {MAX_NOTEBOOK_BYTES >> 20} MB"
    if json_depth_exceeds(data):
        return None, f"{filename} nests deeper than {MAX_JSON_DEPTH} levels (not a notebook)"
    try:
        nb = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        return None, f"{filename} is not valid notebook JSON ({type(exc).__name__}: {str(exc)[:120]})"
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, f"{filename} is not a notebook (no cell list)"
    return nb, None


def normalised_text(source: str) -> str:
    """Cell text compared for edits: trailing spaces and surrounding blank lines do not count
    (nbgrader's released copy and an editor's save differ in exactly those)."""
    return "\n".join(line.rstrip() for line in source.strip("\n").splitlines()).strip()


# ---------------------------------------------------------------------------------------------
# What a learner contributes


@dataclass
class LearnerCell:
    """One cell's contents as the learner wrote it: its type, text and saved outputs."""

    kind: str  # code | markdown | raw
    source: str
    outputs: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "source": self.source, "outputs": self.outputs}

    @classmethod
    def from_dict(cls, d: Any) -> LearnerCell:
        if not isinstance(d, dict) or d.get("kind") not in ("code", "markdown", "raw"):
            raise ValueError("malformed learner cell")
        src = d.get("source")
        if type(src) is not str or len(src) > MAX_SOURCE:
            raise ValueError("malformed learner cell source")
        outs = d.get("outputs") if isinstance(d.get("outputs"), list) else []
        return cls(d["kind"], src, sanitise_outputs(outs))


@dataclass
class Contributions:
    """What one submitted notebook contributes to the graded one (text only)."""

    answers: dict[str, list[LearnerCell]] = field(default_factory=dict)
    narrative: dict[int, LearnerCell] = field(default_factory=dict)
    extras: dict[int, list[LearnerCell]] = field(default_factory=dict)
    tests_present: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    invalid: str | None = None

    def to_dict(self) -> dict:
        return {
            "answers": {g: [c.to_dict() for c in cs] for g, cs in self.answers.items()},
            "narrative": {str(i): c.to_dict() for i, c in self.narrative.items()},
            "extras": {str(i): [c.to_dict() for c in cs] for i, cs in self.extras.items()},
            "tests_present": list(self.tests_present),
            "warnings": list(self.warnings),
            "invalid": self.invalid,
        }

    @classmethod
    def from_dict(cls, d: Any, source_nb: dict) -> Contributions:
        """Validate what a judge process sent back: only known grade_ids and cell positions,
        only strings; anything else is a protocol error (``ValueError``)."""
        if not isinstance(d, dict):
            raise ValueError("contributions must be an object")
        src = _source_cells(source_nb)
        answer_ids = {sc.grade_id(c) for c in src if sc.is_answer(c)}
        n = len(src)
        out = cls()
        for gid, cells in (d.get("answers") or {}).items():
            if gid not in answer_ids or not isinstance(cells, list):
                raise ValueError(f"unknown answer cell {str(gid)[:40]!r}")
            out.answers[gid] = [LearnerCell.from_dict(c) for c in cells[:50]]
        for key, cell in (d.get("narrative") or {}).items():
            i = _index(key, n)
            if i < 0 or sc.grade_id(src[i]) or src[i]["cell_type"] != "code":
                raise ValueError("narrative contribution for a cell that is not narrative code")
            out.narrative[i] = LearnerCell.from_dict(cell)
        for key, cells in (d.get("extras") or {}).items():
            if not isinstance(cells, list):
                raise ValueError("malformed extra cells")
            out.extras[_index(key, n)] = [LearnerCell.from_dict(c) for c in cells[:MAX_CELLS]]
        out.tests_present = [str(g)[:100] for g in (d.get("tests_present") or [])][:500]
        out.warnings = [str(w)[:500] for w in (d.get("warnings") or [])][:100]
        inv = d.get("invalid")
        out.invalid = None if inv is None else str(inv)[:500]
        return out


def _index(key: Any, n: int) -> int:
    try:
        i = int(key)
    except (TypeError, ValueError):
        raise ValueError("bad cell position") from None
    if not -1 <= i < n:
        raise ValueError("cell position out of range")
    return i


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        if not all(isinstance(s, str) for s in value):
            return None
        value = "".join(value)
    return value if isinstance(value, str) else None


def sanitise_outputs(outputs: Any) -> list[dict]:
    """A learner's saved outputs, reduced to inert formats fit for feedback: text streams,
    ``text/plain`` results, PNG/JPEG images, and errors as text. HTML, SVG, JavaScript, widget
    state and every metadata field are dropped (feedback must not run learner markup)."""
    out: list[dict] = []
    if not isinstance(outputs, list):
        return out
    for o in outputs[:MAX_OUTPUTS_PER_CELL]:
        if not isinstance(o, dict):
            continue
        kind = o.get("output_type")
        if kind == "stream":
            text = _text(o.get("text"))
            name = o.get("name") if o.get("name") in ("stdout", "stderr") else "stdout"
            if text is not None:
                out.append({"output_type": "stream", "name": name, "text": text[:MAX_TEXT_OUTPUT]})
        elif kind in ("execute_result", "display_data"):
            data = o.get("data") if isinstance(o.get("data"), dict) else {}
            clean: dict[str, str] = {}
            plain = _text(data.get("text/plain"))
            if plain is not None:
                clean["text/plain"] = plain[:MAX_TEXT_OUTPUT]
            for mime, magic in SAFE_IMAGES.items():
                b64 = _text(data.get(mime))
                if b64 is not None and len(b64) <= MAX_IMAGE_B64 and _is_image(b64, magic):
                    clean[mime] = b64.replace("\n", "")
            if clean:
                item: dict[str, Any] = {"output_type": kind, "data": clean, "metadata": {}}
                if kind == "execute_result":
                    item["execution_count"] = None
                out.append(item)
        elif kind == "error":
            ename = o.get("ename") if isinstance(o.get("ename"), str) else "Error"
            evalue = o.get("evalue") if isinstance(o.get("evalue"), str) else ""
            tb = o.get("traceback") if isinstance(o.get("traceback"), list) else []
            out.append({"output_type": "error", "ename": ename[:200], "evalue": evalue[:2000],
                        "traceback": [t[:2000] for t in tb if isinstance(t, str)][-40:]})
    return out


def _is_image(b64: str, magic: bytes) -> bool:
    try:
        head = base64.b64decode(re.sub(r"\s+", "", b64[:64])[:32] + "==", validate=False)
    except (binascii.Error, ValueError):
        return False
    return head.startswith(magic)


def _clean(c: Any) -> tuple[LearnerCell, str | None, str | None] | None:
    """A submitted cell as ``(contents, claimed grade_id, cell id)``, or None if malformed."""
    if not isinstance(c, dict) or c.get("cell_type") not in ("code", "markdown", "raw"):
        return None
    src = _text(c.get("source", ""))
    if src is None or len(src) > MAX_SOURCE:
        return None
    outs = sanitise_outputs(c.get("outputs")) if c["cell_type"] == "code" else []
    cid = c.get("id") if isinstance(c.get("id"), str) else None
    return LearnerCell(c["cell_type"], src, outs), sc.grade_id(c), cid


def _source_cells(source_nb: dict) -> list[dict]:
    cells = source_nb.get("cells", [])
    for c in cells:
        if not isinstance(c, dict) or c.get("cell_type") not in ("code", "markdown", "raw"):
            raise ValueError("the source notebook has malformed cells")
    return cells


def extract(source_nb: dict, student_nb: dict) -> Contributions:
    """Match the submission's cells to the source's; keep only their contents."""
    src = _source_cells(source_nb)
    out = Contributions()
    raw = student_nb.get("cells", [])
    if len(raw) > MAX_CELLS:
        out.invalid = f"the notebook has {len(raw)} cells (more than {MAX_CELLS})"
        return out
    cleaned = []
    for c in raw:
        item = _clean(c)
        if item is None:
            out.warnings.append("a malformed cell was dropped")
        else:
            cleaned.append(item)
    by_gid = {sc.grade_id(c): i for i, c in enumerate(src) if sc.grade_id(c)}
    answer_ids = {sc.grade_id(c) for c in src if sc.is_answer(c)}
    by_cell_id = {c.get("id"): i for i, c in enumerate(src) if c.get("id")}
    graded = {g for g, i in by_gid.items() if sc.is_answer(src[i]) or sc.is_test(src[i])}
    if graded and not any(g in graded for _, g, _ in cleaned) and not any(
            cid in by_cell_id and sc.grade_id(src[by_cell_id[cid]]) in graded for _, _, cid in cleaned):
        out.invalid = "the notebook holds none of the assignment's graded cells"
        return out

    answers: dict[str, list[LearnerCell]] = defaultdict(list)
    extras: dict[int, list[LearnerCell]] = defaultdict(list)
    claimed: set[int] = set()
    edited: set[str] = set()
    present: list[str] = []
    anchor = -1
    for cell, gid, cid in cleaned:
        si = by_gid.get(gid) if gid else None
        if si is None and not gid and cid in by_cell_id:
            si = by_cell_id[cid]  # metadata stripped by a tool: the cell id still says which
        if si is not None and sc.grade_id(src[si]) in answer_ids:
            answers[sc.grade_id(src[si])].append(cell)
            anchor = si
        elif si is not None and sc.grade_id(src[si]):
            # a test or locked cell: the source's version is used; the learner's copy only tells
            # us where we are and whether it was edited
            g = sc.grade_id(src[si])
            if sc.is_test(src[si]):
                present.append(g)
                released = normalised_text(sc.strip_hidden(sc.source_of(src[si])))
                if normalised_text(cell.source) not in (released, normalised_text(sc.source_of(src[si]))):
                    edited.add(g)
            anchor = si
        elif si is not None and si not in claimed:
            claimed.add(si)
            if cell.kind == "code" and src[si]["cell_type"] == "code" and \
                    normalised_text(cell.source) != normalised_text(sc.source_of(src[si])):
                out.narrative[si] = cell
            anchor = si
        else:
            if gid:
                out.warnings.append(f"cell with unknown grade_id {gid[:60]!r} kept as ordinary code")
            extras[anchor].append(cell)
    for g in sorted(edited):
        out.warnings.append(f"edits to test cell {g!r} ignored (the source version was run)")
    out.answers = dict(answers)
    out.extras = dict(extras)
    out.tests_present = present
    return out


# ---------------------------------------------------------------------------------------------
# The graded notebook


@dataclass
class Slot:
    """One cell of the graded notebook and what grading does with it."""

    kind: str  # test | answer | written | learner | narrative | text
    grade_id: str | None = None
    points: float = 0.0
    run: str | None = None  # code the kernel executes (answers, learner cells, narrative code)
    test_source: str | None = None  # the instructor's full test source (hidden part included)


@dataclass
class Graded:
    """The notebook to store (``nb``) and, cell by cell, what grading does (``slots``)."""

    nb: dict
    slots: list[Slot]
    warnings: list[str] = field(default_factory=list)


def _stub_checksum(cell: dict) -> str:
    """The checksum nbgrader would compute for the untouched learner stub of this answer cell:
    an unedited written answer then scores 0 without manual grading."""
    from nbformat import from_dict
    from nbgrader.utils import compute_checksum

    stub = copy.deepcopy(cell)
    stub["source"] = sc.learner_stub(cell)
    stub["metadata"]["nbgrader"].pop("checksum", None)
    return compute_checksum(from_dict(stub))


def _learner_cell(cell: LearnerCell, index: int) -> tuple[dict, Slot]:
    nbc: dict[str, Any] = {"cell_type": cell.kind, "id": f"learner-{index:04d}",
                           "metadata": {}, "source": cell.source}
    if cell.kind == "code":
        nbc["outputs"] = list(cell.outputs)
        nbc["execution_count"] = None
        return nbc, Slot("learner", run=cell.source)
    return nbc, Slot("text")


def assemble(source_nb: dict, contrib: Contributions) -> Graded:
    """The graded notebook: every cell, its metadata and its role from the source; answer and
    learner-added contents from ``contrib``."""
    src = _source_cells(source_nb)
    warnings = list(contrib.warnings)
    cells: list[dict] = []
    slots: list[Slot] = []
    counter = 0

    def add_learner(cell: LearnerCell) -> None:
        nonlocal counter
        nbc, slot = _learner_cell(cell, counter)
        counter += 1
        cells.append(nbc)
        slots.append(slot)

    for cell in contrib.extras.get(-1, []):
        add_learner(cell)
    present = set(contrib.tests_present)
    for si, s in enumerate(src):
        gid = sc.grade_id(s)
        base = copy.deepcopy(s)
        base["metadata"] = copy.deepcopy(s.get("metadata") or {})
        if s["cell_type"] == "code":
            base["outputs"], base["execution_count"] = [], None
        if gid and sc.is_answer(s):
            meta = copy.deepcopy(s["metadata"]["nbgrader"])
            meta["checksum"] = _stub_checksum(s)
            base["metadata"]["nbgrader"] = meta
            mine = contrib.answers.get(gid, [])
            if mine:
                base["source"] = mine[0].source
                if s["cell_type"] == "code":
                    base["outputs"] = list(mine[0].outputs)
            else:
                base["source"] = sc.learner_stub(s)
                warnings.append(f"answer cell {gid!r} was deleted: the learner stub was graded")
            cells.append(base)
            if s["cell_type"] == "code":
                slots.append(Slot("answer", gid, run=base["source"]))
            else:
                slots.append(Slot("written", gid, float(sc.nbmeta(s).get("points", 0) or 0)))
            if len(mine) > 1:
                warnings.append(f"answer cell {gid!r} appears {len(mine)} times (copied or split): "
                                "all kept, in order")
                for extra in mine[1:]:
                    add_learner(LearnerCell("code" if s["cell_type"] == "code" else extra.kind,
                                            extra.source, extra.outputs))
        elif gid and sc.is_test(s):
            if gid not in present:
                warnings.append(f"test cell {gid!r} was deleted: re-inserted and graded")
            cells.append(base)
            slots.append(Slot("test", gid, float(sc.nbmeta(s).get("points", 0) or 0),
                              test_source=sc.source_of(s)))
        elif s["cell_type"] == "code":
            mine_narr = contrib.narrative.get(si)
            if mine_narr is not None and not gid:
                add_learner(mine_narr)
            else:
                cells.append(base)
                slots.append(Slot("narrative", gid, run=sc.source_of(s)))
        else:
            cells.append(base)
            slots.append(Slot("text", gid))
        for cell in contrib.extras.get(si, []):
            add_learner(cell)

    seen: set[str] = set()
    for i, c in enumerate(cells):
        cid = c.get("id")
        if not isinstance(cid, str) or not cid or cid in seen:
            cid = f"gd-{i:04d}"
            while cid in seen:
                cid += "x"
        c["id"] = cid
        seen.add(cid)
    nb = {"cells": cells, "metadata": copy.deepcopy(source_nb.get("metadata", {})),
          "nbformat": 4, "nbformat_minor": 5}
    return Graded(nb, slots, warnings)


def blank(source_nb: dict) -> Graded:
    """What an invalid or missing submission is graded as: the learner copy, nothing answered."""
    return assemble(source_nb, Contributions(tests_present=[
        sc.grade_id(c) for c in source_nb.get("cells", []) if sc.is_test(c)]))
