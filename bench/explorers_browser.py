"""Explorers in a real browser: key press → new figure on the page, and frames per second while
a slider is dragged, next to the floor.

A throw-away JupyterLab (``tests/browser/labdriver.py``) is driven by Debian's chromium at
1400×1000. For each explorer module a notebook displays every factory of
:func:`gdutils.display.explorers.factories` with its defaults, and the *floor*: a trivial slider that
swaps between two tiny pre-rendered PNGs (the same widget protocol, no drawing). Then, for every
explorer:

* every control is moved ``--moves`` times as a learner does (a key press on a slider's handle,
  a click on a toggle, check box or button, a choice in a menu), and the time from the input
  event to the new figure *decoded* on the page is taken in the page (``performance.now()``);
  an explorer's figure is the median of its slowest slider (of its slowest control when it has
  no slider);
* every slider is dragged with the mouse for ``--drag-seconds`` at 60 moves a second; the frames
  decoded before the release give the frames per second, and the last frame must have been
  drawn from the value the slider stopped at (the PNG's ``gd:values`` chunk).

Goals (issue 11, on a quiet 2-core machine): median of the explorers' figures ≤ 100 ms, none
above 150 ms, at least 10 frames a second while dragging. The machine's load average is
recorded before and after: the figures mean little on a busy machine.

Usage::

    .venv/bin/python bench/explorers_browser.py [--moves 5] [--drag-seconds 1.5]
        [--only MODULE_OR_NAME ...] [--screenshots DIR] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

GOAL_MEDIAN_S = 0.100
GOAL_MAX_S = 0.150
GOAL_FPS = 10.0

_SETUP = """\
import ipywidgets as _w
import numpy as _np
from gdutils.display import widgets as _gw
from gdutils.display.explorers import factories as _factories
F = _factories()

def floor_explorer(frames=None, width=8):
    \"\"\"A slider that swaps two pre-rendered PNGs (tiny ones by default): the widget round
    trip and the image's transport and decoding, no drawing.\"\"\"
    tiny = frames or [_gw.encode_png(_np.full((8, 8, 3), c, _np.uint8)) for c in (40, 200)]
    s = _w.IntSlider(0, 0, 100, description="floor", continuous_update=True)
    img = _w.Image(value=tiny[0], format="png", layout=_w.Layout(width=f"{width}px"))
    img.add_class("gd-figure")
    s.observe(lambda ch: setattr(img, "value", tiny[ch["new"] % 2]), names="value")
    row = _w.Box([s]); row.add_class("gd-controls")
    box = _w.VBox([row, img]); box.add_class("gd-explorer")
    return box


def big_floor(name):
    \"\"\"The floor with two real frames of explorer ``name``: what the image's size costs.\"\"\"
    ex = F[name]()
    control, widget = next((c, w) for c, w in ex.controls.items() if _gw.alternative_values(w))
    first = ex.png
    ex.set(**{control: _gw.alternative_values(widget)[0]})
    frames = [first, ex.png]
    ex.close()
    return floor_explorer(frames, ex.css_size[0])
"""


def _notebook(names: list[str]) -> Any:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(_SETUP), nbformat.v4.new_code_cell("floor_explorer()"),
                nbformat.v4.new_code_cell(f"big_floor({names[0]!r})")]
    nb.cells += [nbformat.v4.new_code_cell(f"F[{name!r}]()") for name in names]
    return nb


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def measure_page(probe: Any, names: list[str], moves: int, drag_s: float,
                 shots: Path | None) -> tuple[list[float], list[dict[str, Any]]]:
    """Floor latencies and one row per explorer of the open notebook (floor first)."""
    found = probe.explorers()
    if len(found) != len(names) + 2:
        raise RuntimeError(f"expected {len(names) + 2} explorers on the page, found {len(found)}")
    floor = probe.latency(0, 0, "slider", moves)
    big = probe.latency(1, 0, "slider", moves)
    print(f"floor {1000 * statistics.median(floor):.0f} ms; with two frames of {names[0]} "
          f"{1000 * statistics.median(big):.0f} ms", flush=True)
    rows = []
    for k, name in enumerate(names, start=2):
        info = found[k]
        row: dict[str, Any] = {"explorer": name}
        try:
            layout = probe.layout(k)
            row["layout"] = {"natural_px": layout.natural, "shown_css_px": layout.shown,
                             "height_css_px": round(layout.box_height), "issues": layout.issues()}
            if shots is not None:
                probe.box(k).screenshot(path=str(shots / f"{name}.png"))
            controls = []
            for c in info["controls"]:
                if c["kind"] == "other":
                    continue
                lat = probe.latency(k, c["index"], c["kind"], moves)
                entry: dict[str, Any] = {"label": c["label"], "kind": c["kind"],
                                         "median_seconds": statistics.median(lat), "seconds": lat}
                if c["kind"] == "slider":
                    d = probe.drag(k, c["index"], seconds=drag_s)
                    entry["drag"] = {"seconds": round(d.seconds, 3), "frames": d.frames_during,
                                     "fps": round(d.fps, 1), "final_value_drawn": d.value_ok,
                                     "readout": d.readout, "value_changes": d.value_changes,
                                     "changes_per_second": round(d.changes_per_second, 1),
                                     "frames_after_release": d.frames_total - d.frames_during,
                                     "keeps_up": d.keeps_up(GOAL_FPS)}
                controls.append(entry)
            sliders = [c for c in controls if c["kind"] == "slider"]
            headline = max(sliders or controls, key=lambda c: c["median_seconds"])
            row.update({
                "controls": controls,
                "seconds": headline["median_seconds"],
                "slowest_control": headline["label"],
                "all_controls_median": statistics.median(
                    [s for c in controls for s in c["seconds"]]),
                # the frame rate of sliders whose drag crossed enough values to show it; a
                # slider with few values is judged by the share of its values drawn
                "fps": min((c["drag"]["fps"] for c in sliders
                            if c["drag"]["changes_per_second"] >= GOAL_FPS),
                           default=min((c["drag"]["fps"] for c in sliders), default=None)),
                "few_values": [f"{c['label']}: {c['drag']['frames']} frames for "
                               f"{c['drag']['value_changes']} values"
                               for c in sliders if c["drag"]["changes_per_second"] < GOAL_FPS],
                "drags_keep_up": all(c["drag"]["keeps_up"] for c in sliders),
                "drags_end_on_final_value": all(c["drag"]["final_value_drawn"] for c in sliders),
            })
        except Exception as exc:
            row["error"] = f"{type(exc).__name__}: {exc}"
            row["traceback"] = traceback.format_exc(limit=4)
            try:  # what the page shows when it happens: a kernel-side traceback lands here
                row["page_errors"] = probe.nb.error_outputs()
                row["kernel_status"] = probe.page.evaluate(_KERNEL_STATUS_JS)
            except Exception as again:
                row["page_errors"] = [f"could not read the page: {again}"]
        rows.append(row)
        print(_line(row), flush=True)
    if rows:
        rows[0]["big_floor_seconds"] = big
    return floor, rows


_KERNEL_STATUS_JS = """
() => { const w = window.jupyterapp.shell.currentWidget;
        const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
        return k ? k.status : null; }
"""


def _line(r: dict[str, Any]) -> str:
    if "error" in r:
        return (f"{r['explorer']:<42} ERROR {r['error']} (kernel {r.get('kernel_status')}; page "
                f"errors: {'; '.join(r.get('page_errors') or []) or 'none'})")
    fps = f"{r['fps']:5.1f}/s" if r.get("fps") is not None else "   — /s"
    issues = r["layout"]["issues"]
    return (f"{r['explorer']:<42} {1000 * r['seconds']:6.0f} ms  drag {fps}  "
            f"({r['slowest_control']}; all controls {1000 * r['all_controls_median']:.0f} ms)"
            + (f"  LAYOUT: {'; '.join(issues)}" if issues else ""))


def run(only: list[str] | None, moves: int, drag_s: float, shots: Path | None) -> dict[str, Any]:
    import labdriver
    from explorerprobe import ExplorerProbe

    from gdutils.display.explorers import factories

    reason = labdriver.missing_requirement()
    if reason:
        return {"benchmark": "explorers_browser", "skipped": reason,
                "rows": [{"what": "explorers in the browser", "value": f"not measured: {reason}",
                          "goal": "—"}]}
    names = [n for n in factories() if not only or n in only or n.split(".")[0] in only]
    modules: dict[str, list[str]] = {}
    for n in names:
        modules.setdefault(n.split(".")[0], []).append(n)
    load_before = _load()
    floors: list[float] = []
    rows: list[dict[str, Any]] = []
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="gd-bench-browser-") as tmp:
        server = labdriver.LabServer(Path(tmp))
        server.start()
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=str(labdriver.CHROMIUM),
                                             args=labdriver.CHROMIUM_ARGS, headless=True)
                context = browser.new_context(viewport=labdriver.VIEWPORT)
                app = labdriver.LabApp(server, context)
                try:
                    for module, members in modules.items():
                        import nbformat

                        path = f"bench-{module}.ipynb"
                        nbformat.write(_notebook(members), server.root / path)
                        page = labdriver.NotebookPage(server, app, path)
                        page.load()
                        page.run_all()
                        errors = page.error_outputs()
                        if errors:
                            rows += [{"explorer": n, "error": "notebook errors: " + "; ".join(errors)[:500]}
                                     for n in members]
                            page.close()
                            continue
                        floor, got = measure_page(ExplorerProbe(page), members, moves, drag_s, shots)
                        floors += floor
                        rows += got
                        page.close()
                finally:
                    app.close()
                    context.close()
                    browser.close()
        finally:
            server.stop()
    load_after = _load()
    return summarise(rows, floors, load_before, load_after, moves, drag_s)


def summarise(rows: list[dict[str, Any]], floors: list[float], load_before: list[float],
              load_after: list[float], moves: int, drag_s: float) -> dict[str, Any]:
    ok = [r for r in rows if "seconds" in r]
    floor = statistics.median(floors) if floors else float("nan")
    med = statistics.median([r["seconds"] for r in ok]) if ok else float("nan")
    slowest = max(ok, key=lambda r: r["seconds"]) if ok else None
    dragged = [r for r in ok if r.get("fps") is not None]
    slow_fps = min(dragged, key=lambda r: r["fps"]) if dragged else None
    missing = [r["explorer"] for r in ok if r["seconds"] > GOAL_MAX_S
               or not r.get("drags_keep_up", True)
               or not r.get("drags_end_on_final_value", True) or r["layout"]["issues"]]

    def ms(s: float) -> str:
        return f"{1000 * s:.0f} ms"

    table = [
        {"what": "floor: a trivial slider that swaps a tiny pre-rendered image (key press → image)",
         "value": f"{ms(floor)} (median of {len(floors)})", "goal": "—"},
        {"what": f"key press → new figure, median over {len(ok)} explorers (each: median of "
                 f"{moves} moves of its slowest slider)",
         "value": f"{ms(med)} (floor {ms(floor)})", "goal": f"≤ {ms(GOAL_MEDIAN_S)}"},
    ]
    if slowest:
        table.append({"what": f"slowest explorer (`{slowest['explorer']}`, {slowest['slowest_control']})",
                      "value": f"{ms(slowest['seconds'])} (floor {ms(floor)})",
                      "goal": f"≤ {ms(GOAL_MAX_S)}"})
    if slow_fps:
        table.append({"what": f"frames per second while dragging a slider ({drag_s:g} s), median "
                              f"over explorers / slowest (`{slow_fps['explorer']}`); a slider "
                              "whose drag crosses fewer values than that must draw 80 % of them",
                      "value": f"{statistics.median([r['fps'] for r in dragged]):.1f} / "
                               f"{slow_fps['fps']:.1f}",
                      "goal": f"≥ {GOAL_FPS:g}"})
    table.append({"what": "explorers missing a goal (latency, frame rate, last frame = final "
                          "value, size on the page)",
                  "value": ", ".join(f"`{m}`" for m in missing) or "none", "goal": "none"})
    errors = [r["explorer"] for r in rows if "error" in r]
    if errors:
        table.append({"what": "explorers that failed", "value": ", ".join(errors), "goal": "none"})
    table.append({"what": "machine load while measuring (1-min load average, before → after)",
                  "value": f"{load_before[0] if load_before else '?'} → "
                           f"{load_after[0] if load_after else '?'} on {os.cpu_count()} cores",
                  "goal": "quiet"})
    for r in ok:
        fps = f"; drag {r['fps']:.0f} frames/s" if r.get("fps") is not None else "; no slider"
        if r.get("few_values"):
            fps += " (" + "; ".join(r["few_values"]) + ")"
        table.append({"what": f"`{r['explorer']}`: key press → figure"
                              + ("; drag" if r.get("fps") is not None else ""),
                      "value": f"{ms(r['seconds'])} (floor {ms(floor)}){fps}",
                      "goal": f"≤ {ms(GOAL_MAX_S)}" + ("; ≥ 10/s" if r.get("fps") is not None else "")})
    return {
        "benchmark": "explorers_browser",
        "goals": {"median_seconds": GOAL_MEDIAN_S, "max_seconds": GOAL_MAX_S, "fps": GOAL_FPS},
        "moves": moves, "drag_seconds": drag_s,
        "floor_seconds": floor, "floor_samples": floors,
        "median_seconds": med,
        "max_seconds": slowest["seconds"] if slowest else None,
        "slowest": slowest["explorer"] if slowest else None,
        "min_fps": slow_fps["fps"] if slow_fps else None,
        "missing_goals": missing, "errors": errors,
        "load_before": load_before, "load_after": load_after,
        "explorers": rows,
        "rows": table,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--moves", type=int, default=5, help="key presses per control (default 5)")
    p.add_argument("--drag-seconds", type=float, default=1.5, help="length of each drag (default 1.5)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="modules or explorers to measure")
    p.add_argument("--screenshots", type=Path, help="save a screenshot of every explorer here")
    p.add_argument("--json", nargs="?", const="-", default=None, metavar="FILE",
                   help="print JSON (no FILE) or also write it to FILE")
    args = p.parse_args(argv)
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    res = run(args.only, args.moves, args.drag_seconds, args.screenshots)
    if args.json == "-":
        print(json.dumps(res, indent=2))
    else:
        for row in res["rows"]:
            print(f"{row['what']}: {row['value']}  (goal {row['goal']})")
        if args.json:
            with contextlib.suppress(OSError):
                Path(args.json).write_text(json.dumps(res, indent=2))
                print(f"wrote {args.json}")
    return 1 if res.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
