"""Run every benchmark in bench/ in one go and report them in one table.

Each script ``bench/<name>.py`` (except this one) is run in turn, alone on the machine, with
``--json FILE``; its JSON is collected, the whole run is saved to ``bench/results/`` and a table
is printed. ``--write-readme`` also puts the table, with the machine it came from, into README.md
between ``<!-- perf:start -->`` and ``<!-- perf:end -->`` (adding a "Performance" section before
"## Layout" the first time).

A benchmark script's contract: accept ``--json FILE`` and write one JSON object there. Scripts this
runner knows (notebooks, explorers, mlp_epoch) get their own rows; for any other, a
``"rows": [{"what", "value", "goal"}]`` list is used when present, else its numeric top-level
fields. A script without a ``--json`` option is run as it is, and its ``label: value`` output
lines become the rows.

Usage::

    .venv/bin/python bench/run_all.py [--write-readme] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = ROOT / "README.md"
RESULTS = HERE / "results"
START, END = "<!-- perf:start -->", "<!-- perf:end -->"
ORDER = ["notebooks", "explorers", "grading", "mlp_epoch"]
EXTRA_ARGS = {"explorers": ["--kernel"]}
TIMEOUT_S = 3600


# -- machine -----------------------------------------------------------------------------------

def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"os": f"{platform.system()} {platform.release()}",
                            "python": platform.python_version()}
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info["cpu"] = cpu
    info["cores"] = os.cpu_count()
    if hasattr(os, "sched_getaffinity"):
        info["cores_usable"] = len(os.sched_getaffinity(0))
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        info["ram_gb"] = round(kb / 1024**2, 1)
    except (OSError, AttributeError):
        info["ram_gb"] = None
    for mod in ("numpy", "matplotlib", "ipywidgets", "jupyterlab", "nbgrader", "torch"):
        try:
            info[mod] = __import__(mod).__version__
        except Exception:
            info[mod] = None
    info["date"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return info


# -- running -----------------------------------------------------------------------------------

def scripts(only: list[str] | None) -> list[Path]:
    found = {p.stem: p for p in HERE.glob("*.py") if p.name != Path(__file__).name
             and not p.name.startswith("_")}
    names = [n for n in ORDER if n in found] + sorted(set(found) - set(ORDER))
    if only:
        names = [n for n in names if n in only]
    return [found[n] for n in names]


def run_script(path: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)        # kernels started by a benchmark would lose inline figures
    with tempfile.TemporaryDirectory(prefix="gd-bench-") as tmp:
        out = Path(tmp) / "result.json"
        # a script without a --json option is run as it is and its "label: value" lines reported
        takes_json = "--json" in path.read_text()
        cmd = [sys.executable, str(path), *EXTRA_ARGS.get(path.stem, [])]
        if takes_json:
            cmd += ["--json", str(out)]
        print(f"\n=== {path.name}: {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "seconds": time.perf_counter() - start}
        seconds = time.perf_counter() - start
        print(proc.stdout.rstrip())
        if proc.returncode != 0:
            print(proc.stderr.rstrip()[-3000:])
        data: Any = None
        if out.exists():
            data = json.loads(out.read_text())
        else:
            try:
                data = json.loads(proc.stdout)
            except json.JSONDecodeError:
                data = _text_rows(proc.stdout) if proc.returncode == 0 else None
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        if data is None:
            status += ", no JSON"
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            return {"status": status, "seconds": seconds, "error": last[:300]}
        return {"status": status, "seconds": seconds, "result": data}


def _text_rows(stdout: str) -> dict[str, Any] | None:
    """The ``label: value`` lines of a script that prints no JSON, as generic rows."""
    rows = []
    for line in stdout.splitlines():
        label, sep, value = line.partition(": ")
        if sep and label.strip() and value.strip() and len(label) < 80:
            rows.append({"what": label.strip(), "value": " ".join(value.split()), "goal": "—"})
    return {"rows": rows, "from_text_output": True} if rows else None


# -- table -------------------------------------------------------------------------------------

def _s(x: float | None, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.{digits}f} s"


def rows_notebooks(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    rows = [("kernel start + course imports (the floor)", _s(r["floor_seconds"]), "—")]
    for nb in r["notebooks"]:
        note = f" ({_s(nb['above_floor'])} above the floor)"
        if nb["problems"]:
            note += f"; problems: {'; '.join(nb['problems'][:2])}"
        rows.append((f"notebook `{nb['assignment']}`, top to bottom", _s(nb["seconds"]) + note,
                     f"< {r['budget_seconds']:.0f} s (aim 10 s)"))
    if r["notebooks"]:
        rows.append((f"all {len(r['notebooks'])} solution notebooks, one after another",
                     _s(r["total_seconds"], 1) + f" ({_s(r['total_above_floor'], 1)} above the floor)",
                     f"< {r['total_budget_seconds']:.0f} s"))
    return rows


def rows_explorers(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    aim = f"< {r['aim_seconds']} s"
    if not r["count"]:
        return [("explorer redraw (control change → new figure)", "no explorers found", aim)]
    by_name = {e["explorer"]: e for e in r["explorers"] if "seconds" in e}

    def both(name: str) -> str:
        e = by_name[name]
        kernel = e.get("kernel_seconds")
        return _s(e["seconds"], 3) + (f" (in a kernel {_s(kernel, 3)})" if kernel is not None else "")

    rows = [(f"explorer redraw, median over {r['count']} explorers", _s(r["median_seconds"], 3), aim),
            (f"slowest explorer (`{r['slowest']}`)", both(r["slowest"]), aim),
            ("explorers missing the aim (in-process or in a kernel)",
             "; ".join(f"`{e}` {both(e)}" for e in r["missing_aim"]) or "none", "none")]
    if r["errors"]:
        rows.append(("explorers that failed", ", ".join(r["errors"]), "none"))
    return rows


def rows_mlp(r: dict[str, Any]) -> list[tuple[str, str, str]]:
    spe = r["seconds_per_epoch"]
    m = r.get("machine", {})
    setup = (f"{'-'.join(map(str, r['sizes']))} MLP, {r['steps_per_epoch']} Adam steps of "
             f"{r['batch_size']}, {m.get('threads_requested', '?')} thread(s)")
    rows = [(f"one epoch, gdutils (numpy): {setup}", _s(spe["gdutils"], 3), "—"),
            ("one epoch, torch (CPU), same weights and batches", _s(spe["torch"], 3), "—"),
            ("gdutils / torch", f"{r['ratio_gdutils_over_torch']:.2f}×"
             + ("" if r.get("loss_trajectories_match", True) else " (loss trajectories DIFFER)"), "—")]
    if "reference_wrapper_overhead" in r:
        rows.append(("cost of the `checks.reference` wrappers",
                     f"{100 * r['reference_wrapper_overhead']:+.1f} %", "—"))
    return rows


def rows_generic(name: str, r: Any) -> list[tuple[str, str, str]]:
    if isinstance(r, dict) and isinstance(r.get("rows"), list):
        return [(str(x.get("what", "?")), str(x.get("value", "?")), str(x.get("goal", "—")))
                for x in r["rows"] if isinstance(x, dict)]
    rows = []
    if isinstance(r, dict):
        for k, v in r.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                rows.append((f"{name}: {k}", f"{v:.4g}", "—"))
            elif isinstance(v, dict):
                for k2, v2 in v.items():
                    if isinstance(v2, int | float) and not isinstance(v2, bool):
                        rows.append((f"{name}: {k}.{k2}", f"{v2:.4g}", "—"))
    return rows[:15] or [(name, "(no numeric results)", "—")]


RENDERERS = {"notebooks": rows_notebooks, "explorers": rows_explorers, "mlp_epoch": rows_mlp}
TITLES = {"notebooks": "Solution notebooks (nbclient, fresh kernel each)",
          "explorers": "Explorer responsiveness (kernel side)",
          "mlp_epoch": "Training epoch, numpy vs torch",
          "grading": "Grading throughput"}


def render(results: dict[str, dict[str, Any]], info: dict[str, Any]) -> str:
    lines = ["| benchmark | measured | goal |", "|---|---|---|"]
    for name, res in results.items():
        lines.append(f"| **{TITLES.get(name, name)}** | | |")
        if "result" not in res:
            lines.append(f"| `bench/{name}.py` | not measured: {res['status']}"
                         f"{' — ' + res['error'] if res.get('error') else ''} | |")
            continue
        try:
            render_rows = RENDERERS[name] if name in RENDERERS else (lambda r, n=name: rows_generic(n, r))
            rows = render_rows(res["result"])
        except (KeyError, TypeError, ValueError) as exc:
            rows = rows_generic(name, res["result"]) + [(f"({name}: unexpected JSON: {exc})", "", "")]
        if res["status"] != "ok":
            rows.append((f"`bench/{name}.py` exit status", res["status"], "ok"))
        for what, value, goal in rows:
            lines.append(f"| {what} | {value} | {goal} |")
    explorers = results.get("explorers", {}).get("result", {}).get("explorers", [])
    measured = [e for e in explorers if "seconds" in e]
    if measured:
        lines += ["", "<details><summary>Every explorer: seconds from a control change to the redrawn "
                      "figure (median of its slowest control)</summary>", "",
                  "| explorer | redraw | in a kernel | slowest control |", "|---|---|---|---|"]
        for e in measured:
            flag = "" if e["seconds"] < 0.15 and e.get("kernel_seconds", 0) < 0.15 else " ⚠"
            lines.append(f"| `{e['explorer']}`{flag} | {_s(e['seconds'], 3)} | "
                         f"{_s(e.get('kernel_seconds'), 3)} | {e['slowest_control']} |")
        lines += ["", "</details>"]
    cores = f"{info['cores']} cores" + (f" ({info['cores_usable']} usable)"
                                       if info.get("cores_usable") not in (None, info["cores"]) else "")
    versions = ", ".join(f"{k} {info[k]}" for k in ("python", "numpy", "matplotlib", "ipywidgets",
                                                     "jupyterlab", "nbgrader", "torch") if info.get(k))
    lines += ["", f"Measured {info['date']} on {info['cpu']}, {cores}, {info['ram_gb']} GB RAM, "
                  f"{info['os']}; {versions}. All figures come from one run of "
                  "`python bench/run_all.py --write-readme`."]
    return "\n".join(lines)


SECTION = """## Performance

Speed goals are measured here, by the scripts in `bench/` (`make bench`), never by timed tests. The
table below is written by `python bench/run_all.py --write-readme`; every figure in it comes from
one run, on the machine named under it.

{start}
{end}

"""


def write_readme(table: str) -> None:
    text = README.read_text()          # re-read right before the edit: others edit README.md too
    if START not in text or END not in text:
        anchor = text.find("\n## Layout")
        if anchor < 0:
            raise SystemExit("README.md has no '## Layout' section to put the Performance section before")
        text = text[:anchor + 1] + SECTION.format(start=START, end=END) + text[anchor + 1:]
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{table}\n{END}{tail}")
    print(f"wrote the performance table into {README.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    p.add_argument("--only", nargs="+", metavar="NAME", help="run only these bench scripts")
    args = p.parse_args(argv)
    info = machine()
    results = {path.stem: run_script(path) for path in scripts(args.only)}
    RESULTS.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    saved = RESULTS / f"run-{stamp}.json"
    saved.write_text(json.dumps({"machine": info, "results": results}, indent=2))
    table = render(results, info)
    print("\n" + table + f"\n\nraw results: {saved.relative_to(ROOT)}")
    if args.write_readme:
        if args.only:
            print("note: --only was given; the README table holds only these benchmarks")
        write_readme(table)
    return 0 if all(r["status"] == "ok" for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
