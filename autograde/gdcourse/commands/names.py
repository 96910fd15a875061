"""One validation of every name that reaches the instructor's machine from outside.

Student ids, assignment names, file names inside a submission, LMS ids after ``--map``: they are
all written by students or by an LMS, and each becomes part of a path, a CSV cell or a line on the
instructor's terminal. They are checked here, where they enter, and nowhere else; no path is built
from a name this module did not accept, and :func:`inside` checks the result after resolution.

Rules (each one has a test in ``tests/grading/test_names.py``):

* **student id** -- ``STUDENT_PATTERN``: an ASCII letter or digit, then ASCII letters, digits and
  ``. _ - @ +``, at most 64 characters. ``+`` is allowed because nbgrader's exchange allows it in
  user names (it splits folder names from the right).
* **assignment** -- ``ASSIGNMENT_PATTERN``: an ASCII letter or digit, then ASCII letters, digits and
  ``. _ -``, at most 64 characters.
* **file inside a submission** -- :func:`relative_file`: ``/``-separated, every component
  non-empty and not ``.`` or ``..``, no NUL, control character or backslash, valid UTF-8, at most
  255 bytes per component, 1024 bytes in all, 8 components deep. Spaces, parentheses and Unicode
  letters are fine.
* **names from an LMS or a folder** -- :func:`map_student_id` folds Unicode to ASCII and spaces to
  ``_`` and says so; whatever still breaks the student-id rule is refused.

A refusal is a :class:`RefusedName`: a ``ValueError`` whose message is one line naming the value
(escaped, shortened) and the rule it broke.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

STUDENT_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}"
ASSIGNMENT_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
MAX_COMPONENT_BYTES = 255
MAX_PATH_BYTES = 1024
MAX_DEPTH = 8
SHOWN_CHARS = 100
# What a spreadsheet starts a formula with (OWASP, "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# nbgrader's own timestamps; dateutil (through nbgrader) reads the rest of ISO 8601, but only
# after this prefix matched, because dateutil alone happily reads "5" as the 5th of this month.
_TIME_PREFIX = re.compile(r"\s*\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
_NBGRADER_TIME = "%Y-%m-%d %H:%M:%S.%f UTC"
# nbgrader's parse_utc reads a separate "+0200" as 200 seconds; such offsets are read here instead
_NUMERIC_ZONE = re.compile(r"(?P<when>\d{4}-\d{2}-\d{2}[ T][\d:.]+) (?P<zone>[+-]\d{2}:?\d{2})")
MAX_TIME_CHARS = 64

# Latin letters NFKD leaves alone; everything else non-ASCII after folding is refused.
_TRANSLIT = {
    "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
    "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ı": "i",
}

T = TypeVar("T")


class RefusedName(ValueError):
    """A name from outside broke a rule; ``str()`` is one line: the value and the rule.

    Parameters
    ----------
    kind
        What the name was meant to be (``"student id"``, ``"file name"``, ...).
    value
        The offending value, shown escaped and shortened.
    rule
        The rule it broke, in words.
    """

    def __init__(self, kind: str, value: object, rule: str) -> None:
        self.kind = kind
        self.value = value
        self.rule = rule
        super().__init__(f"{kind} {shown(value)} refused: {rule}")


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``value`` safe to print on one terminal line: ``repr``-escaped and at most ``limit`` chars.

    Parameters
    ----------
    value
        Any value; strings keep their quotes, control characters become escapes.
    limit
        Longest result; longer ones end with ``...`` and the full length.

    Returns
    -------
    str
        The printable form.
    """
    text = repr(value) if isinstance(value, str) else repr(str(value))
    if len(text) > limit:
        full = len(value) if isinstance(value, str) else len(text)
        text = f"{text[:limit]}... ({full} chars)"
    return text


_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_STUDENT_EXTRA = "._-@+"
_ASSIGNMENT_EXTRA = "._-"


def _check_pattern(kind: str, raw: object, pattern: str, extra: str) -> str:
    if not isinstance(raw, str):
        raise RefusedName(kind, raw, "not a string")
    if re.fullmatch(pattern, raw) is not None:
        return raw
    if raw == "":
        raise RefusedName(kind, raw, "empty")
    if len(raw) > 64:
        raise RefusedName(kind, raw, f"longer than 64 characters ({len(raw)})")
    if raw[0] not in _ALNUM:
        raise RefusedName(kind, raw, "must start with an ASCII letter or digit")
    bad = next((c for c in raw if c not in _ALNUM + extra), "?")
    raise RefusedName(kind, raw, f"character {shown(bad)} not allowed "
                                 f"(only ASCII letters, digits and {' '.join(extra)})")


def student_id(raw: str) -> str:
    """Return ``raw`` if it is a valid course student id, else raise :class:`RefusedName`.

    The pattern is ``STUDENT_PATTERN``: an ASCII letter or digit first, then ASCII letters,
    digits, ``.``, ``_``, ``-``, ``@``, ``+``; 1 to 64 characters. So ``.``, ``..``, the empty
    string, anything with ``/``, ``\\``, NUL, whitespace or control characters, and anything
    starting with a spreadsheet formula character (``=``, ``+``, ``-``, ``@``) is refused.

    Parameters
    ----------
    raw
        The candidate id.

    Returns
    -------
    str
        ``raw`` unchanged.

    Raises
    ------
    RefusedName
        When ``raw`` breaks the pattern; the message names the first offending character.
    """
    return _check_pattern("student id", raw, STUDENT_PATTERN, _STUDENT_EXTRA)


def assignment_id(raw: str) -> str:
    """Return ``raw`` if it is a valid assignment name, else raise :class:`RefusedName`.

    The pattern is ``ASSIGNMENT_PATTERN``: an ASCII letter or digit first, then ASCII letters,
    digits, ``.``, ``_``, ``-``; 1 to 64 characters. ``.``, ``..``, ``a/b`` and absolute paths are
    refused.

    Parameters
    ----------
    raw
        The candidate assignment name.

    Returns
    -------
    str
        ``raw`` unchanged.

    Raises
    ------
    RefusedName
        When ``raw`` breaks the pattern.
    """
    return _check_pattern("assignment", raw, ASSIGNMENT_PATTERN, _ASSIGNMENT_EXTRA)


def map_student_id(raw: str) -> tuple[str, str | None]:
    """A course student id for a name from an LMS or a folder, and what was changed.

    A valid id is returned as it is. Otherwise the name is folded: leading and trailing spaces
    dropped, Unicode decomposed (NFKD) with combining marks removed (``José`` -> ``Jose``), a few
    Latin letters NFKD keeps transliterated (``ß`` -> ``ss``, ``ø`` -> ``o``, ``ł`` -> ``l``...),
    runs of spaces turned into one ``_`` (``Ada Lovelace`` -> ``Ada_Lovelace``). Other characters
    are not guessed at: if the result is not a valid :func:`student_id`, the name is refused.

    Parameters
    ----------
    raw
        The name as the LMS or the folder gave it.

    Returns
    -------
    tuple[str, str | None]
        ``(id, note)``; ``note`` says what was mapped (for the summary), ``None`` if nothing.

    Raises
    ------
    RefusedName
        When no valid id remains after folding.
    """
    try:
        return student_id(raw), None
    except RefusedName as exc:
        if not isinstance(raw, str):
            raise
        first = exc
    folded = unicodedata.normalize("NFKD", raw.strip(" \u00a0"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = "".join(_TRANSLIT.get(c, c) for c in folded)
    folded = re.sub(" +", "_", folded)
    foreign = next((c for c in folded if not c.isascii()), None)
    if foreign is not None:
        rule = f"no ASCII spelling for {shown(foreign)}; give the student an id with --map"
        raise RefusedName("student name", raw, rule)
    if folded == raw:
        raise first
    try:
        sid = student_id(folded)
    except RefusedName as exc:
        rule = f"after mapping to {shown(folded)}: {exc.rule}"
        raise RefusedName("student name", raw, rule) from None
    return sid, f"name {shown(raw)} mapped to {sid!r}"


def relative_file(raw: str, *, max_depth: int = MAX_DEPTH) -> str:
    """Return ``raw`` if it is a safe path inside one submission, else raise :class:`RefusedName`.

    ``/`` is the only separator. Every component is non-empty (so no absolute path, no ``//``, no
    trailing ``/``) and neither ``.`` nor ``..``; no NUL, control character, line separator or
    backslash; valid UTF-8 (a name undecodable from disk arrives with surrogates and is refused);
    at most 255 bytes per component, 1024 bytes in all, ``max_depth`` components (default 8).
    Spaces, parentheses and Unicode letters are fine: ``02-gd-1d (1).ipynb`` passes.

    Parameters
    ----------
    raw
        The path as the zip entry or the exchange folder gave it.
    max_depth
        Most components allowed.

    Returns
    -------
    str
        ``raw`` unchanged.

    Raises
    ------
    RefusedName
        Naming the offending path and the rule.
    """
    kind = "file name"
    if not isinstance(raw, str):
        raise RefusedName(kind, raw, "not a string")
    if raw == "":
        raise RefusedName(kind, raw, "empty")
    if raw.startswith("/"):
        raise RefusedName(kind, raw, "absolute path")
    for c in raw:
        cat = unicodedata.category(c)
        if c == "\\":
            raise RefusedName(kind, raw, "backslash in the name")
        if cat == "Cs":
            raise RefusedName(kind, raw, "not valid UTF-8")
        if cat in ("Cc", "Zl", "Zp"):
            raise RefusedName(kind, raw, f"control character {shown(c)} in the name")
    encoded = raw.encode("utf-8")
    if len(encoded) > MAX_PATH_BYTES:
        raise RefusedName(kind, raw, f"longer than {MAX_PATH_BYTES} bytes ({len(encoded)})")
    parts = raw.split("/")
    if len(parts) > max_depth:
        raise RefusedName(kind, raw, f"nested deeper than {max_depth} folders")
    for part in parts:
        if part == "":
            raise RefusedName(kind, raw, "empty path component ('//' or a trailing '/')")
        if part in (".", ".."):
            raise RefusedName(kind, raw, f"{part!r} path component")
        if len(part.encode("utf-8")) > MAX_COMPONENT_BYTES:
            raise RefusedName(kind, raw, f"a component is longer than {MAX_COMPONENT_BYTES} bytes")
    return raw


def inside(root: Path, *parts: str) -> Path:
    """``root`` joined with ``parts``, resolved, and checked to lie strictly inside ``root``.

    Existing symbolic links are followed by the resolution, so a link planted anywhere on the way
    cannot lead out. The root itself is not "inside" (``inside(root, ".")`` is refused).

    Parameters
    ----------
    root
        The folder the result must stay in (resolved too).
    *parts
        Path components; an absolute one is refused by the check, not honoured.

    Returns
    -------
    Path
        The resolved path.

    Raises
    ------
    RefusedName
        When the resolved path is ``root`` itself or outside it.
    """
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target == base or not target.is_relative_to(base):
        raise RefusedName("path", "/".join(parts), f"resolves to {shown(str(target))}, "
                                                   f"not inside {shown(str(base))}")
    return target


def parse_submission_time(text: str) -> datetime | None:
    """A submission time as a timezone-aware UTC datetime, or ``None``; never raises.

    Accepts nbgrader's timestamps (``2024-05-01 12:00:00.123456 UTC``, the format of
    ``timestamp.txt`` and of the exchange's folder names), a numeric zone after a space
    (``2024-05-01 14:00:00 +0200``), and other ISO 8601 forms through
    ``nbgrader.utils.parse_utc``; a time without a zone is UTC. The text must start with
    ``YYYY-MM-DD HH:MM`` (or ``T`` between) and be at most 64 characters; anything else,
    including an impossible date, is ``None``.

    Parameters
    ----------
    text
        The time as written in a folder name or a file.

    Returns
    -------
    datetime | None
        The time in UTC, or ``None`` when it cannot be read.
    """
    if not isinstance(text, str) or len(text) > MAX_TIME_CHARS or not _TIME_PREFIX.match(text):
        return None
    text = text.strip()
    try:
        return datetime.strptime(text, _NBGRADER_TIME).replace(tzinfo=UTC)
    except ValueError:
        pass
    zoned = _NUMERIC_ZONE.fullmatch(text)
    if zoned:
        try:
            when = datetime.fromisoformat(f"{zoned['when']}{zoned['zone']}")
        except ValueError:
            return None
        return when.astimezone(UTC)
    try:
        from nbgrader.utils import parse_utc

        when = parse_utc(text)
    except Exception:  # noqa: BLE001 - dateutil raises several types, all meaning "unreadable"
        return None
    if not isinstance(when, datetime):
        return None
    return when.replace(tzinfo=UTC)


def format_submission_time(when: datetime) -> str:
    """``when`` in nbgrader's ``timestamp.txt`` format (``%Y-%m-%d %H:%M:%S.%f UTC``).

    Parameters
    ----------
    when
        A timezone-aware time.

    Returns
    -------
    str
        The UTC time as nbgrader writes it.
    """
    return when.astimezone(UTC).strftime(_NBGRADER_TIME)


def csv_safe(value: T) -> T | str:
    """``value`` neutralised for a CSV cell a spreadsheet may open.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    ``'`` so the spreadsheet shows it as text instead of running it as a formula (OWASP, "CSV
    Injection"). Anything else, numbers included, is returned unchanged.

    Parameters
    ----------
    value
        A cell value.

    Returns
    -------
    object
        The neutralised string, or ``value`` itself.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
