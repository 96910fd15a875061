"""Every solution notebook in a real JupyterLab: Run All without errors; every explorer's slider
moves its figure; every explorer is shown at its natural size, fits the window, cuts or wraps no
label, and redraws while its slider is dragged, ending on the value the slider stopped at
(issue 11, measured by ``explorerprobe``).

The tier's own fixture (``tests/fixtures/browser/explorer-demo.ipynb``) runs first, so the
machinery is proven even before the course notebooks exist; the course's notebooks are picked up
from ``solutions/`` as they appear (``nbtools.assignments()``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import labdriver
import nbtools
import pytest
from explorerprobe import FIT_HEIGHT_PX, ExplorerProbe

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# (test id, path relative to the server root)
NOTEBOOKS = [("fixture-explorer-demo", "browser-fixtures/explorer-demo.ipynb")] + [
    (a, f"solutions/{a}/{a}.ipynb") for a in nbtools.assignments()
]
MAX_EXPLORERS = 6      # explorers checked per notebook (one slider each)
DRAG_SECONDS = 1.5     # each explorer's first slider is dragged this long


@dataclass
class Run:
    name: str
    page: labdriver.NotebookPage
    seconds: float
    errors: list[str]
    explorers: list[dict[str, Any]]
    nbs: labdriver.Notebooks
    failed: bool = False


@pytest.fixture(scope="module", params=NOTEBOOKS, ids=[n for n, _ in NOTEBOOKS])
def solution_run(request: pytest.FixtureRequest, lab_server: labdriver.LabServer,
                 lab_app: labdriver.LabApp) -> Iterator[Run]:
    """One notebook opened and Run All'd once, shared by the tests below (pytest runs all tests of
    one parameter before opening the next notebook)."""
    name, path = request.param
    nbs = labdriver.Notebooks(lab_server, lab_app)
    run = None
    try:
        try:
            page = nbs.open(path)
            seconds = page.run_all()
        except Exception:
            nbs.save_artifacts(f"{name}-run-all")
            raise
        run = Run(name, page, seconds, page.error_outputs(), page.explorers(), nbs)
        labdriver.EXPLORER_COUNTS[name] = len(run.explorers)
        yield run
    finally:
        nbs.close(failed=run is None or run.failed)


@pytest.fixture
def keep_artifacts(solution_run: Run, request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if labdriver.failed(request.node):
        solution_run.failed = True
        solution_run.nbs.save_artifacts(request.node.nodeid)


@pytest.mark.timeout(300)
def test_run_all_without_errors(solution_run: Run, keep_artifacts: None,
                                record_property: Any) -> None:
    record_property("run_all_seconds", round(solution_run.seconds, 2))
    print(f"{solution_run.name}: Run All took {solution_run.seconds:.1f} s in the browser")
    assert not solution_run.errors, (
        f"{solution_run.name}: error or stderr output after Run All:\n" + "\n".join(solution_run.errors))


@pytest.mark.timeout(300)
def test_sliders_move_their_figures(solution_run: Run, keep_artifacts: None,
                                    record_property: Any) -> None:
    explorers = solution_run.explorers
    if solution_run.name.startswith("fixture-"):
        assert len(explorers) == 2, f"the fixture has two slider explorers, found {explorers}"
    if not explorers:
        print(f"{solution_run.name}: no slider explorer in this notebook")
        return
    checks = [solution_run.page.move_slider(k) for k in range(min(len(explorers), MAX_EXPLORERS))]
    for c in checks:
        print(f"{solution_run.name}: cell {c.cell} slider {c.slider!r} "
              f"{c.readout_before} -> {c.readout_after}: image changed={c.changed} in {c.seconds:.2f} s")
    record_property("slider_seconds", [round(c.seconds, 3) for c in checks])
    stuck = [c for c in checks if c.readout_before == c.readout_after]
    assert not stuck, f"sliders that did not move with the keyboard: {stuck}"
    frozen = [c for c in checks if not c.changed]
    assert not frozen, f"sliders whose figure did not change within {labdriver.IMAGE_CHANGE_S} s: {frozen}"


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_explorers_fit_and_follow_a_drag(solution_run: Run, keep_artifacts: None,
                                         record_property: Any) -> None:
    """Every explorer (``.gd-explorer``) of the notebook, in the 1400×1000 window: its figure is
    not upscaled (a 2× PNG shown at most at half its pixel width), the explorer is at most
    ``FIT_HEIGHT_PX`` high, no control's label is cut or wrapped; dragging its first slider with
    the mouse shows more than one frame before the release and the last frame was drawn from
    the value the slider stopped at (the PNG's ``gd:values`` chunk). Speed goals are the bench's
    (``bench/explorers_browser.py``), not asserted here."""
    probe = ExplorerProbe(solution_run.page)
    found = probe.explorers()
    if not found:
        print(f"{solution_run.name}: no explorer in this notebook")
        return
    layout_issues: list[str] = []
    drag_issues: list[str] = []
    drags = []
    for ex in found:
        k = ex["index"]
        where = f"cell {ex['cell']} explorer {k}"
        layout = probe.layout(k)
        layout_issues += [f"{where}: {issue}" for issue in layout.issues()]
        layout_issues += [f"{where}: control {c['index']} ({c['kind']}) shows no label"
                          for c in ex["controls"] if not c["label"]]
        slider = next((c for c in ex["controls"] if c["kind"] == "slider"), None)
        if slider is None:
            continue
        d = probe.drag(k, slider["index"], seconds=DRAG_SECONDS)
        drags.append(d)
        print(f"{solution_run.name}: {where} {layout.box_height:.0f} px high, scale "
              f"{layout.scale:.2f}; drag {d.control!r}: {d.frames_during} frames in "
              f"{d.seconds:.2f} s, stopped at {d.readout}, last frame {d.final_values}")
        # more than one frame *before the release*: the figure follows the hand, not only the
        # release (a frame count per second is the bench's, this machine may be busy)
        if d.frames_during < 2:
            drag_issues.append(f"{where}: dragging {d.control!r} for {d.seconds:.1f} s showed "
                               f"{d.frames_during} frame(s) before the release")
        if not d.value_ok:
            drag_issues.append(f"{where}: {d.control!r} stopped at {d.readout} but the last "
                               f"frame was drawn from {d.final_values}")
        # the frames of a drag may be drafts; the one it settles on is full resolution
        if (d.final_values or {}).get("scale") != 2:
            drag_issues.append(f"{where}: after dragging {d.control!r} the figure stayed a "
                               f"draft ({d.final_values})")
    record_property("explorer_fps", [round(d.fps, 1) for d in drags])
    assert not layout_issues, (
        f"{solution_run.name}: explorers upscaled, over {FIT_HEIGHT_PX} px high or with a cut "
        "or wrapped label:\n" + "\n".join(layout_issues))
    assert not drag_issues, (f"{solution_run.name}: explorers that do not follow a drag:\n"
                             + "\n".join(drag_issues))


@pytest.mark.timeout(300)
def test_the_optimum_buttons_draw_the_exact_optimum(solution_run: Run, keep_artifacts: None) -> None:
    """The momentum explorer's buttons set α and β to computed values (the optimum, gradient
    descent's best α) that lie between the sliders' steps. The browser's sliders stand on their
    steps only and send the nearest one back; the figure must keep showing the computed values,
    not redraw at the step (``Explorer`` takes that change for the echo it is)."""
    probe = ExplorerProbe(solution_run.page)
    pressed = []
    for ex in probe.explorers():
        k = ex["index"]
        for c in ex["controls"]:
            if c["kind"] != "button" or not c["label"].startswith(("optimal", "gradient descent")):
                continue
            probe.control(k, c["index"]).scroll_into_view_if_needed()
            probe.record(k)
            probe.control(k, c["index"]).click()
            probe.wait_quiet(quiet_s=0.5)
            values = dict((probe.frame_values(k) or {}).get("values", []))
            pressed.append((c["label"], values))
            lr = values.get("lr")
            assert lr is not None, f"{c['label']!r}: the last frame has no α: {values}"
            exponent = 20 * math.log10(lr)          # the α slider has 20 steps a decade
            assert abs(exponent - round(exponent)) > 1e-6, (
                f"{c['label']!r}: the figure shows α = {lr}, a step of the slider, not the "
                f"computed value: the slider's echo was drawn ({values})")
            if c["label"].startswith("optimal"):
                beta = values["beta"]
                assert abs(100 * beta - round(100 * beta)) > 1e-6, (
                    f"{c['label']!r}: the figure shows β = {beta}, a step of the slider, not "
                    f"the optimum ({values})")
    if not pressed:
        print(f"{solution_run.name}: no explorer with an optimum button")
    else:
        print(f"{solution_run.name}: {pressed}")
