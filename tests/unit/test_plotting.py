"""gdutils.plotting: labels, titles, what is drawn, scales, no global side effects, bad input."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # in-process only; never exported as MPLBACKEND

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gdutils import descent, plotting  # noqa: E402
from gdutils import functions as F  # noqa: E402


@pytest.fixture(autouse=True)
def no_global_side_effects(monkeypatch):
    """Every test: rcParams unchanged afterwards, plt.show never called, figures closed."""

    def forbidden_show(*args, **kwargs):
        raise AssertionError("plotting functions must not call plt.show()")

    monkeypatch.setattr(plt, "show", forbidden_show)
    before = {k: v for k, v in mpl.rcParams.items()}
    yield
    after = {k: v for k, v in mpl.rcParams.items()}
    changed = {k for k in before if before[k] != after[k]}
    plt.close("all")
    assert not changed, f"rcParams changed: {sorted(changed)}"


def assert_labelled(ax):
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def data_lines(ax):
    """Lines that carry data (not the axes grid)."""
    return [ln for ln in ax.get_lines() if ln.get_gid() != "grid"]


def test_palette_is_okabe_ito():
    assert set(plotting.PALETTE) == {
        "#000000",
        "#E69F00",
        "#56B4E9",
        "#009E73",
        "#F0E442",
        "#0072B2",
        "#D55E00",
        "#CC79A7",
    }
    assert plotting.COLORS["vermillion"] == "#D55E00" and len(plotting.PALETTE) == 8


def test_style_context_applies_and_restores():
    with plotting.style():
        assert mpl.rcParams["axes.spines.top"] is False
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][0] == plotting.PALETTE[0]
    # the autouse fixture checks restoration


def test_plot_function_1d():
    fn = F.double_well()
    ax = plotting.plot_function_1d(fn)
    assert isinstance(ax, Axes)
    assert_labelled(ax)
    lines = data_lines(ax)
    assert len(lines) == 2  # the curve and the minima markers
    np.testing.assert_allclose(lines[1].get_xdata(), fn.minima)
    assert ax.get_xlim() == fn.xlim
    with pytest.raises(ValueError, match="xlim"):
        plotting.plot_function_1d(lambda x: x**2)
    ax2 = plotting.plot_function_1d(np.sin, xlim=(0, 3), title="sine")
    assert ax2.get_title() == "sine"


def test_plot_path_1d_draws_curve_iterates_and_numbers():
    fn = F.square()
    res = descent.gradient_descent_1d(fn.df, 8.0, 0.3, 12)
    fig, ax = plt.subplots()
    out = plotting.plot_path_1d(fn, res, ax=ax, annotate=5)
    assert out is ax
    assert_labelled(ax)
    lines = data_lines(ax)
    assert len(lines) == 3  # curve, minima, iterates
    np.testing.assert_allclose(lines[2].get_xdata(), res.path)
    np.testing.assert_allclose(lines[2].get_ydata(), res.path**2)
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2", "3", "4"]
    # overlay a second run without redrawing the curve
    plotting.plot_path_1d(fn, [-8.0, -2.0], ax=ax, show_curve=False, annotate=0, label="other")
    assert len(data_lines(ax)) == 4


def test_plot_path_1d_widens_the_window_for_a_diverging_run():
    fn = F.square()
    res = descent.gradient_descent_1d(fn.df, 10.0, 1.1, 10)
    ax = plotting.plot_path_1d(fn, res)
    lo, hi = ax.get_xlim()
    assert lo <= res.path.min() and hi >= res.path.max()


def test_plot_path_1d_bad_input():
    with pytest.raises(ValueError, match=r"shape \(k,\)"):
        plotting.plot_path_1d(F.square(), np.zeros((3, 2)))


def test_plot_contours_with_paths_and_minima():
    fn = F.himmelblau()
    p1 = descent.gradient_descent(fn.grad, [0.0, 0.0], 0.01, 200, tol=None).path
    p2 = descent.gradient_descent(fn.grad, [-1.0, -1.0], 0.01, 200, tol=None).path
    ax = plotting.plot_contours(fn, paths={"from (0, 0)": p1, "from (−1, −1)": p2})
    assert_labelled(ax)
    assert fn.name in ax.get_title()
    lines = data_lines(ax)
    assert len(lines) == 3  # minima + two paths
    assert len(lines[0].get_xdata()) == 4  # Himmelblau's four minima
    np.testing.assert_allclose(lines[1].get_xydata(), p1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "minima",
        "from (0, 0)",
        "from (−1, −1)",
    ]
    assert ax.get_xlim() == fn.xlim and ax.get_ylim() == fn.ylim
    ax.figure.canvas.draw()  # the LaTeX title renders


def test_plot_contours_levels_are_log_spaced_for_rosenbrock():
    fn = F.rosenbrock()
    ax = plotting.plot_contours(fn)
    cs = [c for c in ax.collections if hasattr(c, "levels")][0]
    lv = np.asarray(cs.levels) - fn.f_min
    ratios = lv[1:] / lv[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert ratios[0] > 1.2


def test_plot_contours_quadratic_bowl_has_equal_aspect_and_quadratic_levels():
    fn = F.quadratic_bowl((1.0, 10.0), angle=0.5)
    ax = plotting.plot_contours(fn, levels=8)
    assert ax.get_aspect() == 1.0
    cs = [c for c in ax.collections if hasattr(c, "levels")][0]
    t = np.sqrt(np.asarray(cs.levels))
    np.testing.assert_allclose(np.diff(t), np.diff(t)[0], rtol=1e-9)  # evenly spaced ellipses
    assert len(cs.levels) == 8


def test_plot_contours_reuses_a_precomputed_grid():
    calls = {"n": 0}
    base = F.booth()

    def f(p):
        calls["n"] += 1
        return base(p)

    grid = plotting.contour_grid(f, (-5, 5), (-5, 5), resolution=50)
    assert calls["n"] == 1, "one vectorised call for the whole grid"
    assert grid.Z.shape == (50, 50)
    ax = plotting.plot_contours(f, grid=grid, paths=np.array([[0.0, 0.0], [1.0, 3.0]]))
    assert calls["n"] == 1
    assert_labelled(ax)


def test_plot_contours_accepts_a_non_vectorised_callable():
    def f(p):
        p = np.asarray(p)
        if p.shape != (2,):
            raise ValueError("one point at a time")
        return float(p @ p)

    grid = plotting.contour_grid(f, (-1, 1), (-1, 1), resolution=10)
    np.testing.assert_allclose(grid.Z, grid.X**2 + grid.Y**2)


def test_draw_paths_returns_updatable_lines():
    fn = F.rosenbrock()
    ax = plotting.plot_contours(fn)
    lines = plotting.draw_paths(ax, {"a": np.zeros((3, 2)), "b": np.ones((2, 2))})
    assert set(lines) == {"a", "b"}
    assert lines["a"].get_color() != lines["b"].get_color()
    new = np.array([[0.0, 0.0], [0.5, 0.25], [1.0, 1.0]])
    lines["a"].set_data(new[:, 0], new[:, 1])
    np.testing.assert_allclose(lines["a"].get_xydata(), new)


@pytest.mark.parametrize("bad", [np.zeros((3, 3)), np.zeros(4), np.zeros((0, 2))])
def test_plot_contours_bad_paths(bad):
    with pytest.raises(ValueError, match=r"\(k, 2\)"):
        plotting.plot_contours(F.booth(), paths=bad)


def test_plot_contours_rejects_other_dimensions_and_bad_limits():
    with pytest.raises(ValueError, match="2 variables"):
        plotting.plot_contours(F.rastrigin(d=3))
    with pytest.raises(ValueError, match="xlim"):
        plotting.plot_contours(F.booth(), xlim=(1.0, -1.0))
    with pytest.raises(ValueError, match="increasing"):
        plotting.plot_contours(F.booth(), levels=[3.0, 1.0])


def test_plot_loss_curves_log_scale_and_legend():
    curves = {"GD": 10.0 ** -np.arange(20.0), "momentum": 10.0 ** (-2 * np.arange(10.0))}
    ax = plotting.plot_loss_curves(curves)
    assert ax.get_yscale() == "log"
    assert_labelled(ax)
    assert len(data_lines(ax)) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["GD", "momentum"]
    ax2 = plotting.plot_loss_curves(curves, logy=False, xlabel="epoch")
    assert ax2.get_yscale() == "linear" and ax2.get_xlabel() == "epoch"


def test_plot_loss_curves_masks_non_positive_and_non_finite_values():
    y = np.array([1.0, 0.1, 0.0, -1e-17, np.inf, 0.01])
    ax = plotting.plot_loss_curves({"run": y})
    shown = data_lines(ax)[0].get_ydata()
    assert np.isnan(shown[[2, 3, 4]]).all() and np.allclose(shown[[0, 1, 5]], [1.0, 0.1, 0.01])
    with pytest.raises(ValueError, match="logy=False"):
        plotting.plot_loss_curves({"run": np.array([0.0, -1.0])})
    lin = plotting.plot_loss_curves({"run": np.array([0.0, -1.0])}, logy=False)
    assert lin.get_yscale() == "linear"


def test_plot_loss_curves_auto_and_inputs():
    assert plotting.plot_loss_curves({"a": [3.0, 2.0, 1.0]}, logy="auto").get_yscale() == "linear"
    assert plotting.plot_loss_curves({"a": [1e3, 1.0, 1e-3]}, logy="auto").get_yscale() == "log"
    res = descent.gradient_descent(lambda x: 2 * x, [1.0], 0.1, 10, tol=None, f=lambda x: x @ x)
    seconds = np.linspace(0, 1, 11)
    ax = plotting.plot_loss_curves({"GD": res, "timed": (seconds, res.losses)}, xlabel="seconds")
    np.testing.assert_allclose(data_lines(ax)[0].get_ydata(), res.losses)
    np.testing.assert_allclose(data_lines(ax)[1].get_xdata(), seconds)
    single = plotting.plot_loss_curves(np.array([1.0, 0.5]))
    assert len(data_lines(single)) == 1
    with pytest.raises(ValueError, match="1-D"):
        plotting.plot_loss_curves({"a": np.ones((2, 2))})
    with pytest.raises(ValueError, match="without losses"):
        plotting.plot_loss_curves({"a": descent.gradient_descent(lambda x: x, [1.0], 0.1, 3)})
    with pytest.raises(ValueError, match="logy"):
        plotting.plot_loss_curves({"a": [1.0]}, logy="yes")


def test_plot_error_vs_h_is_log_log_with_guides():
    hs = np.logspace(-12, -1, 12)
    errs = {"forward": hs + 1e-16 / hs, "centred": hs**2 + 1e-16 / hs}
    ax = plotting.plot_error_vs_h(hs, errs, slopes=(1, 2))
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert_labelled(ax)
    assert len(data_lines(ax)) == 4  # two curves, two guides
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["forward", "centred"] and "$O(h^{2})$" in labels
    with pytest.raises(ValueError, match="positive"):
        plotting.plot_error_vs_h(-hs, errs)
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_error_vs_h(hs, {"a": hs[:3]})
    zero = plotting.plot_error_vs_h(hs[:3], {"exact": np.zeros(3)})
    assert np.isnan(data_lines(zero)[0].get_ydata()).all()


def test_plot_decision_boundary():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    ax = plotting.plot_decision_boundary(lambda P: (P.sum(axis=1) > 0).astype(int), X, y)
    assert_labelled(ax)
    assert len(ax.collections) >= 3  # shading, boundary, and one scatter per class
    scatters = [c for c in ax.collections if c.get_label().startswith("class")]
    assert len(scatters) == 2 and sum(len(s.get_offsets()) for s in scatters) == 60
    # probabilities and score matrices are accepted
    plotting.plot_decision_boundary(lambda P: 1 / (1 + np.exp(-P.sum(axis=1))), X, y, resolution=30)
    plotting.plot_decision_boundary(
        lambda P: np.column_stack([-P.sum(1), P.sum(1)]), X, y, resolution=30
    )


@pytest.mark.parametrize(
    "X, y, predict, match",
    [
        (np.zeros((5, 3)), np.zeros(5, int), lambda P: np.zeros(len(P), int), r"\(n, 2\)"),
        (np.zeros((5, 2)), np.zeros(4, int), lambda P: np.zeros(len(P), int), r"\(5,\)"),
        (np.zeros((5, 2)), np.zeros(5), lambda P: np.zeros(len(P), int), "integer"),
        (np.zeros((5, 2)), np.zeros(5, int), lambda P: np.zeros((len(P), 1, 1)), "shape"),
    ],
)
def test_plot_decision_boundary_bad_input(X, y, predict, match):
    with pytest.raises(ValueError, match=match):
        plotting.plot_decision_boundary(predict, X, y, resolution=10)


def test_plot_race_two_panels_with_matching_colours():
    fn = F.rosenbrock()
    x0 = [-1.5, 2.0]
    results = {
        "GD": descent.gradient_descent(fn.grad, x0, 1e-3, 300, tol=None, f=fn),
        "heavy ball": descent.heavy_ball(fn.grad, x0, 1e-3, 0.9, 300, f=fn),
        "path only": descent.nesterov(fn.grad, x0, 1e-3, 0.9, 300).path,
    }
    fig = plotting.plot_race(fn, results)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    left, right = fig.axes
    for ax in (left, right):
        assert_labelled(ax)
    assert fig._suptitle is not None and fig._suptitle.get_text()
    assert len(data_lines(left)) == 1 + 3 and len(data_lines(right)) == 3
    assert right.get_yscale() == "log"
    assert [ln.get_color() for ln in data_lines(left)[1:]] == [
        ln.get_color() for ln in data_lines(right)
    ]
    np.testing.assert_allclose(
        data_lines(right)[2].get_ydata(), fn(results["path only"]) - fn.f_min, rtol=1e-12
    )
    fig.canvas.draw()
    with pytest.raises(ValueError, match="non-empty"):
        plotting.plot_race(fn, {})


def test_ax_must_be_an_axes():
    with pytest.raises(ValueError, match="Axes"):
        plotting.plot_function_1d(F.square(), ax="not an axes")
