"""Explorer responsiveness: kernel-side seconds from a control change to a redrawn figure.

Every explorer factory in ``gdutils.display.explorers`` (the public functions of its modules that return a
:class:`gdutils.widgets.Explorer`) is built with its defaults. Then every control is changed
several times, exactly as a learner would (``Explorer.set``; buttons with ``Explorer.press``), and
``explorer.last_draw_seconds`` — the ``update`` call plus the PNG encoding — is read after each
change (after one unmeasured warm-up change per control). An explorer's figure is the median over the changes of its slowest control. The aim is
under 0.15 s (what a slider feels like in the browser adds roughly 0.1 s of transport and image
decoding on top; see docs/pitfalls).

Usage::

    .venv/bin/python bench/explorers.py [--changes 7] [--kernel] [--json [FILE]]

``--kernel`` repeats the measurement inside a real IPython kernel (with ipywidgets' comms live).
``--json`` alone prints JSON on stdout instead of the table; ``--json FILE`` also writes FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AIM_S = 0.15


def measure(name: str, factory: Any, changes: int) -> dict[str, Any]:
    from gdutils import widgets
    from gdutils.display.widgets import Explorer

    start = time.perf_counter()
    ex = factory()
    build = time.perf_counter() - start
    if not isinstance(ex, Explorer):
        return {"explorer": name, "skipped": f"returned {type(ex).__name__}, not an Explorer"}
    per_control: dict[str, dict[str, Any]] = {}
    defaults = ex.values
    for cname, widget in ex.controls.items():
        vals = widgets.alternative_values(widget)
        if not vals:
            per_control[cname] = {"skipped": f"no alternative values for {type(widget).__name__}"}
            continue
        # one unmeasured change first: the first draw with a new value pays one-time costs
        # (text and tick layouts, caches) that a learner meets once, not on every move
        ex.set(**{cname: vals[-1]})
        draws, walls = [], []
        for i in range(changes):
            t0 = time.perf_counter()
            ex.set(**{cname: vals[i % len(vals)]})
            walls.append(time.perf_counter() - t0)
            draws.append(ex.last_draw_seconds)
        ex.set(**{cname: defaults[cname]})
        per_control[cname] = {"kind": type(widget).__name__, "draw_median": statistics.median(draws),
                              "wall_median": statistics.median(walls), "draws": draws}
    for label in ex.actions:
        ex.press(label)
        draws, walls = [], []
        for _ in range(changes):
            t0 = time.perf_counter()
            ex.press(label)
            walls.append(time.perf_counter() - t0)
            draws.append(ex.last_draw_seconds)
        per_control[f"[{label}]"] = {"kind": "Button", "draw_median": statistics.median(draws),
                                     "wall_median": statistics.median(walls), "draws": draws}
    measured = {k: v for k, v in per_control.items() if "draw_median" in v}
    worst = max(measured, key=lambda k: measured[k]["draw_median"], default=None)
    ex.close()
    return {
        "explorer": name,
        "build_seconds": build,
        "controls": per_control,
        "slowest_control": worst,
        "seconds": measured[worst]["draw_median"] if worst else float("nan"),
        "wall_seconds": measured[worst]["wall_median"] if worst else float("nan"),
        "all_controls_median": statistics.median(
            [d for v in measured.values() for d in v["draws"]]) if measured else float("nan"),
        "png_bytes": len(ex.png),
    }


def measure_all(package: str, changes: int) -> dict[str, Any]:
    os.environ.pop("NBGRADER_EXECUTION", None)   # explorers are static under nbgrader
    import matplotlib

    if "ipykernel" not in sys.modules:
        matplotlib.use("Agg")       # in-process only; never exported to kernels
    from gdutils.display.explorers import factories

    notes: list[str] = []
    rows = []
    for name, fn in factories(package).items():
        try:
            rows.append(measure(name, fn, changes))
        except Exception as exc:
            rows.append({"explorer": name, "error": f"{type(exc).__name__}: {exc}",
                         "traceback": traceback.format_exc(limit=3)})
    return {"rows": rows, "notes": notes}


_KERNEL_CODE = """
import json, sys
sys.path.insert(0, {bench!r})
import explorers as _bench
print("@@JSON@@" + json.dumps(_bench.measure_all({package!r}, {changes!r})))
"""


def measure_in_kernel(package: str, changes: int) -> dict[str, Any]:
    """The same measurement inside a fresh IPython kernel."""
    from jupyter_client.manager import start_new_kernel

    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    env.pop("NBGRADER_EXECUTION", None)
    km, kc = start_new_kernel(kernel_name="python3", env=env, stderr=subprocess.DEVNULL)
    chunks: list[str] = []
    try:
        reply = kc.execute_interactive(
            _KERNEL_CODE.format(bench=str(Path(__file__).parent), package=package, changes=changes),
            timeout=900, output_hook=lambda m: chunks.append(m["content"].get("text", ""))
            if m["msg_type"] == "stream" else None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"kernel measurement failed: {reply['content'].get('evalue')}")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    text = "".join(chunks)
    return json.loads(text.split("@@JSON@@", 1)[1].strip().splitlines()[0])


def run(package: str, changes: int, kernel: bool) -> dict[str, Any]:
    res = measure_all(package, changes)
    if kernel:
        inside = {r["explorer"]: r for r in measure_in_kernel(package, changes)["rows"]}
        for r in res["rows"]:
            k = inside.get(r["explorer"], {})
            r["kernel_seconds"] = k.get("seconds", float("nan"))
    ok_rows = [r for r in res["rows"] if "seconds" in r]
    slow = [r["explorer"] for r in ok_rows if not r["seconds"] < AIM_S]
    if kernel:
        slow = sorted(set(slow) | {r["explorer"] for r in ok_rows if not r["kernel_seconds"] < AIM_S})
    return {
        "benchmark": "explorers",
        "aim_seconds": AIM_S,
        "changes_per_control": changes,
        "explorers": res["rows"],
        "notes": res["notes"],
        "count": len(ok_rows),
        "median_seconds": statistics.median([r["seconds"] for r in ok_rows]) if ok_rows else None,
        "max_seconds": max((r["seconds"] for r in ok_rows), default=None),
        "slowest": max(ok_rows, key=lambda r: r["seconds"])["explorer"] if ok_rows else None,
        "missing_aim": slow,
        "errors": [r["explorer"] for r in res["rows"] if "error" in r],
    }


def table(res: dict[str, Any]) -> str:
    kernel = any("kernel_seconds" in r for r in res["explorers"])
    head = f"{'explorer':<40} {'redraw s':>9} {'wall s':>7}" + (f" {'kernel s':>9}" if kernel else "") \
        + f" {'build s':>8}  slowest control"
    lines = [head]
    for r in res["explorers"]:
        if "error" in r:
            lines.append(f"{r['explorer']:<40} ERROR {r['error']}")
            continue
        if "skipped" in r:
            lines.append(f"{r['explorer']:<40} skipped: {r['skipped']}")
            continue
        flag = "" if r["seconds"] < AIM_S and r.get("kernel_seconds", 0) < AIM_S else "  MISSES the aim"
        lines.append(f"{r['explorer']:<40} {r['seconds']:>9.3f} {r['wall_seconds']:>7.3f}"
                     + (f" {r['kernel_seconds']:>9.3f}" if kernel else "")
                     + f" {r['build_seconds']:>8.3f}  {r['slowest_control']}{flag}")
    for n in res["notes"]:
        lines.append(f"note: {n}")
    if res["count"]:
        lines.append(f"{res['count']} explorers; median {res['median_seconds']:.3f} s, max "
                     f"{res['max_seconds']:.3f} s ({res['slowest']}); aim < {AIM_S} s")
        lines.append("missing the aim: " + (", ".join(res["missing_aim"]) or "none"))
    else:
        lines.append("no explorer factories found in gdutils.display.explorers")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--changes", type=int, default=7, help="measured changes per control (default 7)")
    p.add_argument("--kernel", action="store_true", help="also measure inside a real kernel")
    p.add_argument("--package", default="gdutils.display.explorers", help=argparse.SUPPRESS)
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help="print JSON (no FILE) or also write it to FILE")
    args = p.parse_args(argv)
    res = run(args.package, args.changes, args.kernel)
    if args.json == "-":
        print(json.dumps(res, indent=2))
    else:
        print(table(res))
        if args.json:
            Path(args.json).write_text(json.dumps(res, indent=2))
            print(f"wrote {args.json}")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
