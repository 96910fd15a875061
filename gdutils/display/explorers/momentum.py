"""Explorers for momentum (notebook 10): heavy ball on a quadratic, and exponential averages.

Two factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`momentum_explorer` — heavy-ball momentum (torch's convention, ``b ← βb + g``,
  ``x ← x − αb``) on the 2-D quadratic ``½ xᵀAx`` with eigenvalues ``(λmin, λmax)``. The step
  size α (log slider) and the momentum β move four linked views at once:

  1. the trajectory on the contours;
  2. the *rate map*: the theory's convergence rate over the whole (α, β) plane as a heat map
     (computed once), with the current (α, β), the optimum (α*, β*) and gradient descent's best
     step marked, and the stability boundary ``α λmax = 2 + 2β``;
  3. the error along each eigenvector, ``|e_i(k)|``, against the step k on a log axis, next to
     the theory's ``ρ_iᵏ`` for that eigenvalue;
  4. the phase plot of one eigen-direction: position ``e_i(k)`` against velocity
     ``e_i(k) − e_i(k−1)`` (a spiral when the roots are complex, a straight approach when they
     are real).

  Buttons jump to the optimal (α*, β*) and to gradient descent's best step with β = 0.
* :func:`ema_explorer` — a noisy sequence with its exponential moving average (biased and
  debiased) for a β slider, next to the weights ``(1 − β)βᵃ`` by age with the window
  ``1/(1 − β)`` and the half-life marked.

Everything runs on :mod:`gdutils` reference code (:func:`gdutils.descent.heavy_ball`,
:mod:`gdutils.theory`, :func:`gdutils.averages.ema`), never on a learner's answers. Figures are
built once and updated through their artists, so a redraw stays well under 0.15 s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.ticker import MaxNLocator
from numpy.typing import ArrayLike

from gdutils import averages, descent, functions, theory
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import (
    decade_limits,
    ellipse_points,
    fast_log_axis,
    few_ticks,
    fixed_title,
    legend_outside,
    nice_number,
    quadratic_levels,
)
from gdutils.display.explorers._layers import LayeredFigure, PixelImage
from gdutils.display.widgets import Explorer

__all__ = [
    "MOMENTUM_EIGENVALUES",
    "MOMENTUM_START",
    "eigen_errors",
    "rate_map",
    "momentum_explorer",
    "noisy_signal",
    "ema_explorer",
]

#: the course's running example: κ = 20, so GD's best rate is 19/21 and heavy ball's 0.6345
MOMENTUM_EIGENVALUES = (0.2, 4.0)
#: start of the trajectories (the minimum is the origin)
MOMENTUM_START = (-2.6, 1.4)

# beyond this distance a trajectory has left every window: stop and flag it
_DRAW_LIMIT = 1e6
# smallest error drawn on the log axes (below this the run has converged to round-off)
_FLOOR = 1e-16
# the slow and the fast eigen-direction, in every panel
_DIRECTION_COLOURS = (plotting.COLORS["blue"], plotting.COLORS["vermillion"])


def eigen_errors(path: ArrayLike, A: ArrayLike, minimiser: ArrayLike | None = None) -> np.ndarray:
    """The error ``x_k − x*`` of every iterate expressed along the eigenvectors of ``A``.

    On a quadratic each eigen-direction evolves on its own: ``e_i(k) = v_iᵀ(x_k − x*)`` obeys
    the 1-D recurrence of its eigenvalue λ_i.

    Parameters
    ----------
    path : array_like, shape (k + 1, d)
    A : array_like, shape (d, d)
        Symmetric; its eigenvectors are taken in ascending order of eigenvalue.
    minimiser : array_like, shape (d,), optional
        ``x*`` (default: the origin).

    Returns
    -------
    ndarray, shape (k + 1, d)
        Column ``i`` is the error along the eigenvector of the ``i``-th smallest eigenvalue.
    """
    P = np.asarray(path, dtype=np.float64)
    M = np.asarray(A, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"A must be a square matrix, got shape {M.shape}")
    d = M.shape[0]
    if P.ndim != 2 or P.shape[1] != d:
        raise ValueError(f"path must have shape (k, {d}), got {P.shape}")
    xs = np.zeros(d) if minimiser is None else np.asarray(minimiser, dtype=np.float64)
    if xs.shape != (d,):
        raise ValueError(f"minimiser must have shape ({d},), got {xs.shape}")
    _, V = np.linalg.eigh(0.5 * (M + M.T))
    return (P - xs) @ V


def rate_map(
    eigenvalues: ArrayLike,
    lrs: ArrayLike,
    betas: ArrayLike,
) -> np.ndarray:
    """The heavy-ball rate on every point of an (α, β) grid: ``R[i, j] = ρ(lrs[j], betas[i])``.

    A thin wrapper of :func:`gdutils.theory.heavy_ball_rate` (rows are β, columns are α, the
    layout ``imshow`` expects with ``origin="lower"``).
    """
    a = np.asarray(lrs, dtype=np.float64)
    b = np.asarray(betas, dtype=np.float64)
    if a.ndim != 1 or b.ndim != 1 or a.size < 2 or b.size < 2:
        raise ValueError("lrs and betas must be 1-D arrays of at least 2 values")
    A, B = np.meshgrid(a, b)
    return np.asarray(theory.heavy_ball_rate(A, B, eigenvalues), dtype=np.float64)


def _measured_rate(errors: np.ndarray) -> float:
    """Per-step contraction of ‖e‖ over the second half of a run (nan if too short)."""
    norms = np.linalg.norm(errors, axis=1)
    k = len(norms) - 1
    if k < 4:
        return float("nan")
    lo = k // 2
    if norms[lo] <= _FLOOR or norms[k] <= _FLOOR:
        # converged to round-off: fit on the part above the floor
        above = np.flatnonzero(norms > 1e3 * _FLOOR)
        if above.size < 4:
            return float("nan")
        k = int(above[-1])
        lo = k // 2
    return float((norms[k] / norms[lo]) ** (1.0 / (k - lo)))


# --------------------------------------------------------------------------------------------
# The momentum explorer: a figure builder and one update function per panel


@dataclass
class _MomentumFigure:
    """The four panels' changing artists (everything else is the static layer)."""

    fig: LayeredFigure
    ax_path: Any
    ax_map: Any
    ax_err: Any
    ax_phase: Any
    path: Any
    here: Any
    errors: list[Any]
    envelopes: list[Any]
    phase: Any
    phase_start: Any
    path_title: Any
    err_title: Any
    phase_title: Any


@dataclass
class _Run:
    """One heavy-ball run and the theory for its (α, β): what the panels draw."""

    lr: float
    beta: float
    steps: int
    path: np.ndarray
    errors: np.ndarray
    velocities: np.ndarray
    rates: np.ndarray
    rate: float
    stable: bool
    complex_roots: np.ndarray
    measured: float
    diverging: bool
    status: str


def _rate_pixels(R: np.ndarray) -> np.ndarray:
    """The rate map as RGBA pixels: viridis on [0, 1], grey where the run diverges (ρ ≥ 1)."""
    cmap = matplotlib.colormaps["viridis"].with_extremes(over="#d9d9d9")
    return cmap(np.where(R >= 1.0, 2.0, R), bytes=True)


def _momentum_figure(lam: np.ndarray, x0: np.ndarray, lr_max: float, beta_max: float,
                     optimum: tuple[float, float], gd_lr: float) -> _MomentumFigure:
    c = plotting.COLORS
    colours = _DIRECTION_COLOURS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 6.9))
        ax_path = fig.add_axes((0.07, 0.575, 0.25, 0.33))
        ax_map = fig.add_axes((0.55, 0.575, 0.34, 0.33))
        ax_cbar = fig.add_axes((0.905, 0.575, 0.013, 0.33), label="<colorbar>")
        ax_err = fig.add_axes((0.07, 0.165, 0.38, 0.28))
        ax_phase = fig.add_axes((0.55, 0.165, 0.34, 0.28))
        fig.suptitle(f"Heavy-ball momentum on $\\frac{{1}}{{2}}x^TAx$, eigenvalues "
                     f"$\\lambda = {lam[0]:g}, {lam[1]:g}$ ($\\kappa = {lam[1] / lam[0]:g}$)",
                     fontsize=11, y=0.99)

        # (1) the trajectory on the contours: ellipses of the bowl, drawn once
        ax_path.set_anchor("W")
        for level in quadratic_levels(0.5 * lam[1] * 9.0, n=14):
            pts = ellipse_points(np.diag(lam), (0.0, 0.0), level)
            ax_path.plot(pts[:, 0], pts[:, 1], color=c["sky_blue"], linewidth=0.6, alpha=0.8)
        ax_path.plot([0.0], [0.0], marker="*", markersize=12, color=c["black"], linestyle="none",
                     label="minimum $x^*$")
        (start,) = ax_path.plot([x0[0]], [x0[1]], marker="s", markersize=6, linestyle="none",
                                color=c["green"], label="start $x_0$", zorder=4)
        (path,) = ax_path.plot([], [], marker="o", markersize=2.5, linewidth=1.2,
                               color=c["vermillion"], label="iterates $x_k$", zorder=3)
        ax_path.set_xlim(-3.0, 3.0)
        ax_path.set_ylim(-3.0, 3.0)
        ax_path.set_aspect("equal")
        ax_path.set_xlabel(f"$x_1$ ($\\lambda = {lam[0]:g}$)")
        ax_path.set_ylabel(f"$x_2$ ($\\lambda = {lam[1]:g}$)")
        legend_outside(ax_path, side="right")
        path_title = fixed_title(ax_path, "", fontsize=10, loc="left")

        # (2) the rate map (computed once) with the stability edge and the two optima
        grid_a = np.linspace(0.0, lr_max, 301)
        grid_b = np.linspace(0.0, beta_max, 199)
        PixelImage(ax_map, _rate_pixels(rate_map(lam, grid_a, grid_b)),
                   (0.0, lr_max, 0.0, beta_max), zorder=0)
        mappable = ScalarMappable(Normalize(0.0, 1.0), matplotlib.colormaps["viridis"])
        fig.colorbar(mappable, cax=ax_cbar, extend="max", extendfrac=0.06,
                     label="rate $\\rho$ (grey: diverges)")
        bb = np.linspace(0.0, beta_max, 50)
        ax_map.plot((2 + 2 * bb) / lam[1], bb, color=c["black"], linestyle="--", linewidth=1.2,
                    label="edge $\\alpha\\lambda_{max} = 2 + 2\\beta$")
        ax_map.plot([optimum[0]], [optimum[1]], marker="*", markersize=13, color=c["yellow"],
                    markeredgecolor="black", linestyle="none",
                    label=f"optimum $\\alpha^* = {optimum[0]:.3f}$, $\\beta^* = {optimum[1]:.3f}$")
        ax_map.plot([gd_lr], [0.0], marker="D", markersize=7, color=c["orange"],
                    markeredgecolor="black", linestyle="none", clip_on=False,
                    label=f"best gradient descent ($\\alpha = {gd_lr:.3f}$, $\\beta = 0$)")
        (here,) = ax_map.plot([], [], marker="o", markersize=10, markerfacecolor="none",
                              markeredgewidth=2.2, color=c["vermillion"], linestyle="none",
                              label="current $(\\alpha, \\beta)$", clip_on=False)
        ax_map.set_xlim(0.0, lr_max)
        ax_map.set_ylim(0.0, beta_max)
        ax_map.set_xlabel("step size $\\alpha$")
        ax_map.set_ylabel("momentum $\\beta$")
        ax_map.grid(False)
        fixed_title(ax_map, "rate $\\rho(\\alpha, \\beta)$ over the plane", fontsize=10)

        # (3) the error along each eigenvector against the theory's ρᵏ
        errors, envelopes = [], []
        for i, name in enumerate(("slow", "fast")):
            (ln,) = ax_err.plot([], [], color=colours[i], marker="o", markersize=2.5,
                                linewidth=1.2, label=f"{name}: $|e_{i + 1}(k)|$ "
                                                     f"($\\lambda = {lam[i]:g}$)")
            (th,) = ax_err.plot([], [], color=colours[i], linestyle="--", linewidth=1.0,
                                label=f"{name}: theory $|e_{i + 1}(0)|\\,\\rho_{i + 1}^k$")
            errors.append(ln)
            envelopes.append(th)
        fast_log_axis(ax_err)
        ax_err.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax_err.set_xlabel("step $k$")
        ax_err.set_ylabel("error along eigenvector $i$")
        err_title = fixed_title(ax_err, "", fontsize=10, loc="left")

        # (4) the phase plot of one eigen-direction
        ax_phase.axhline(0.0, color="0.6", linewidth=0.8)
        ax_phase.axvline(0.0, color="0.6", linewidth=0.8)
        (phase,) = ax_phase.plot([], [], marker="o", markersize=2.5, linewidth=1.0)
        (phase_start,) = ax_phase.plot([], [], marker="s", markersize=6, linestyle="none")
        (origin,) = ax_phase.plot([0.0], [0.0], marker="*", markersize=11, color=c["black"],
                                  linestyle="none")
        few_ticks(ax_phase)
        ax_phase.set_xlabel("position $e_i(k)$")
        ax_phase.set_ylabel("velocity $e_i(k) - e_i(k-1)$")
        phase_title = fixed_title(ax_phase, "", fontsize=10, loc="left")

        # one legend for the map and the errors, under the figure: off the data
        handles, labels = [], []
        for ax in (ax_map, ax_err):
            h, lab = ax.get_legend_handles_labels()
            handles += h
            labels += lab
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncols=4,
                   fontsize=8, frameon=False, handlelength=1.8, columnspacing=1.2)
        # in drawing order: the start square and the minimum's star stay on top of the curves
        # that pass through them, as in a full draw. The phase panel's limits move in coarse
        # steps (see _phase_limit), so its ticks and labels stay in the static layer.
        fig.add_dynamic(path, start, here, *errors, *envelopes, phase, phase_start, origin,
                        path_title, err_title, phase_title)
    return _MomentumFigure(fig, ax_path, ax_map, ax_err, ax_phase, path, here, errors,
                           envelopes, phase, phase_start, path_title, err_title, phase_title)


def _run(fn: Any, lam: np.ndarray, x0: np.ndarray, a: float, b: float,
         steps: int) -> _Run:
    res = descent.heavy_ball(fn.grad, x0, a, b, steps, on_divergence="stop",
                             divergence_threshold=_DRAW_LIMIT)
    path = np.array(res.path)
    errors = eigen_errors(path, fn.A)
    vel = np.vstack([np.zeros((1, 2)), np.diff(errors, axis=0)])
    rates = np.array([float(theory.heavy_ball_rate(a, b, [l])) for l in lam])
    rate = float(rates.max())
    T = 1.0 + b - a * lam
    return _Run(a, b, steps, path, errors, vel, rates, rate,
                bool(theory.heavy_ball_stable(a, b, lam)), T * T < 4.0 * b,
                _measured_rate(errors), bool(rate >= 1.0 or res.diverged), res.status)


def _draw_path(f: _MomentumFigure, r: _Run) -> None:
    f.path.set_data(r.path[:, 0], r.path[:, 1])
    if r.diverging:
        verdict = ("diverges: outside 0 < αλ < 2 + 2β" if not r.stable
                   else "does not converge")
    else:
        verdict = f"converges, ρ = {r.rate:.4f}"
        if np.isfinite(r.measured):
            verdict += f" (measured {r.measured:.4f})"
    # plain text: a mathtext string is parsed anew for each new value (about 10 ms)
    f.path_title.set_text(f"α = {r.lr:.4g}, β = {r.beta:.3g}: {verdict}")


def _draw_map(f: _MomentumFigure, r: _Run, lr_max: float) -> None:
    f.here.set_data([min(r.lr, lr_max)], [r.beta])


def _draw_errors(f: _MomentumFigure, r: _Run) -> None:
    kk = np.arange(r.steps + 1, dtype=np.float64)
    ks = np.arange(len(r.path))
    drawn = []
    for i in range(2):
        shown = np.abs(r.errors[:, i])
        shown = np.where(shown > _FLOOR, shown, np.nan)
        f.errors[i].set_data(ks, shown)
        with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
            env = abs(r.errors[0, i]) * r.rates[i] ** kk
        env = np.where(np.isfinite(env) & (env > _FLOOR) & (env < 1e12), env, np.nan)
        f.envelopes[i].set_data(kk, env)
        drawn += [shown, env]
    # limits in steps (whole decades, 1-2-5 step counts): the static layer stays put
    f.ax_err.set_xlim(0, nice_number(max(r.steps, 1)))
    lo, hi = decade_limits(np.concatenate(drawn), low=_FLOOR, high=1e13)
    # both ends in three coarse steps: the limits (and the static layer) stay put over most
    # of a drag, and a diverging run does not move the top a decade at a time
    # (decade_limits may pad a decade beyond the floor or the ceiling: clamped, or the limits
    # alternate between 1e-17 and 1e-16 during a drag, each time a new static layer)
    lo = next((b for b in (1e-4, 1e-8) if b <= lo), _FLOOR)
    hi = next((t for t in (10.0, 1e4) if t >= hi), 1e13)
    f.ax_err.set_ylim(lo, hi)
    f.err_title.set_text(f"errors per eigenvector: ρ₁ = {r.rates[0]:.3f} (slow), "
                         f"ρ₂ = {r.rates[1]:.3f} (fast)")


def _phase_limit(values: np.ndarray, cap: float) -> float:
    """Half-width of a symmetric phase-plot axis: the smallest 1, 2 or 5 × 10ᵏ that holds
    ``1.1 · max |values|``, at most ``cap``.

    Three steps a decade (not 2.5 as well) and a cap: each step re-renders the figure's
    static layer (the phase panel's ticks), so a drag should cross few of them. A run that
    grows past the cap diverges and leaves the frame instead of shrinking everything else.
    """
    with np.errstate(invalid="ignore"):
        top = float(np.nanmax(np.abs(values))) if values.size else 0.0
    x = 1.1 * top if np.isfinite(top) and top > 1e-9 else 1e-9
    exp = math.floor(math.log10(x))
    step = next((m * 10.0 ** exp for m in (1.0, 2.0, 5.0) if m * 10.0 ** exp >= x * (1 - 1e-12)),
                10.0 ** (exp + 1))
    return min(step, cap)


def _draw_phase(f: _MomentumFigure, r: _Run, i: int, caps: tuple[float, float]) -> None:
    colour = _DIRECTION_COLOURS[i]
    e, v = r.errors[:, i], r.velocities[:, i]
    f.phase.set_data(e, v)
    f.phase.set_color(colour)
    f.phase_start.set_data(e[:1], v[:1])
    f.phase_start.set_color(colour)
    # limits in coarse steps, symmetric about the minimum: the static layer stays put
    px, pv = _phase_limit(e, caps[0]), _phase_limit(v, caps[1])
    f.ax_phase.set_xlim(-px, px)
    f.ax_phase.set_ylim(-pv, pv)
    with np.errstate(invalid="ignore"):
        clipped = not (np.nanmax(np.abs(e)) <= px and np.nanmax(np.abs(v)) <= pv)
    if clipped:
        kind = "grows out of the frame"
    else:
        kind = "complex roots: a spiral" if r.complex_roots[i] else "real roots: no spiral"
    f.phase_title.set_text(f"phase plot of the {('slow', 'fast')[i]} direction ({kind})")


def momentum_explorer(
    *,
    eigenvalues: Sequence[float] = MOMENTUM_EIGENVALUES,
    lr: float | None = None,
    beta: float = 0.0,
    n_steps: int = 60,
    start: Sequence[float] = MOMENTUM_START,
    static: bool | None = None,
) -> Explorer:
    """Heavy ball on a 2-D quadratic: α and β sliders linked to the trajectory, the rate map,
    the per-eigenvalue errors and a phase plot.

    Parameters
    ----------
    eigenvalues : pair of float
        ``(λmin, λmax)`` of the axis-aligned bowl ``½ xᵀ diag(λ) x`` (so the eigenvectors are
        the coordinate axes and ``e_i`` is simply ``x_i``).
    lr : float, optional
        Initial step size α (default: gradient descent's best, ``2/(λmin + λmax)``).
    beta : float
        Initial momentum β in [0, 0.99].
    n_steps : int
        Initial step budget (slider 10…200).
    start : pair of float
        The starting point ``x₀``.
    static : bool, optional
        Force the static view (default: static under nbgrader).

    Controls
    --------
    ``lr`` (log slider 0.01…1.5), ``beta`` (0…0.99), ``steps`` (10…200), ``direction``
    (which eigen-direction the phase plot shows: 0 = slow λmin, 1 = fast λmax). Buttons
    ``"optimal α, β"`` and ``"gradient descent (β = 0)"``.

    ``state`` holds ``lr``, ``beta``, ``path`` ((k+1, 2)), ``errors`` ((k+1, 2), signed, per
    eigen-direction), ``velocities`` ((k+1, 2), ``e(k) − e(k−1)``, 0 at k = 0), ``rate`` (the
    theory's ρ(α, β)), ``rates`` (per eigenvalue), ``measured_rate`` (fitted on the second
    half of the run), ``stable`` (``0 < αλ < 2 + 2β`` for both λ), ``diverging`` (``rate >= 1``
    or the run blew up), ``status``, ``optimum`` ((α*, β*, ρ*)), ``gd_optimum`` ((α, ρ) of the
    best step with β = 0), ``direction`` and ``complex_roots`` (per eigenvalue).
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64))
    if lam.shape != (2,) or not np.all(np.isfinite(lam)) or lam[0] <= 0:
        raise ValueError(f"eigenvalues must be two positive numbers, got {eigenvalues!r}")
    x0 = np.asarray(start, dtype=np.float64)
    if x0.shape != (2,):
        raise ValueError(f"start must have shape (2,), got {x0.shape}")
    fn = functions.quadratic(np.diag(lam))
    opt_lr, opt_beta, opt_rate = theory.heavy_ball_optimal(lam)
    gd_lr = theory.gd_optimal_lr(lam)
    gd_rate = float(theory.gd_rate(gd_lr, lam))
    lr0 = gd_lr if lr is None else float(lr)
    lr_max, beta_max = 1.5, 0.99
    f = _momentum_figure(lam, x0, lr_max, beta_max, (opt_lr, opt_beta), gd_lr)
    # a few times the start's distance: beyond it a run is diverging (velocities are at most
    # twice the largest position)
    phase_caps = [(_phase_limit(np.array([4.0 * e0]), np.inf),
                   _phase_limit(np.array([8.0 * e0]), np.inf)) for e0 in np.abs(x0)]

    def update(v: dict[str, Any]) -> dict[str, Any]:
        i_dir = int(v["direction"])
        r = _run(fn, lam, x0, float(v["lr"]), float(v["beta"]), int(v["steps"]))
        _draw_path(f, r)
        _draw_map(f, r, lr_max)
        _draw_errors(f, r)
        _draw_phase(f, r, i_dir, phase_caps[i_dir])
        return {
            "lr": r.lr, "beta": r.beta, "path": r.path, "errors": r.errors,
            "velocities": r.velocities, "rate": r.rate, "rates": r.rates,
            "measured_rate": r.measured, "stable": r.stable, "diverging": r.diverging,
            "status": r.status, "optimum": (opt_lr, opt_beta, opt_rate),
            "gd_optimum": (gd_lr, gd_rate), "direction": i_dir,
            "complex_roots": r.complex_roots,
        }

    controls = {
        "lr": widgets.log_slider("step size α", lr0, 0.01, lr_max),
        "beta": widgets.slider("momentum β", float(beta), 0.0, beta_max, 0.01),
        "steps": widgets.int_slider("steps", int(n_steps), 10, 200),
        "direction": widgets.dropdown("phase plot",
                                      {f"slow direction (λ = {lam[0]:g})": 0,
                                       f"fast direction (λ = {lam[1]:g})": 1}, value=0),
    }

    def to_optimum(ex: Explorer) -> None:
        ex.set(lr=opt_lr, beta=opt_beta)

    def to_gd(ex: Explorer) -> None:
        ex.set(lr=gd_lr, beta=0.0)

    return Explorer(
        f.fig, controls, update, static=static,
        actions={"optimal α, β": to_optimum, "gradient descent (β = 0)": to_gd},
        caption="Drag α and β: the circle moves on the rate map, and the three other views "
                "follow. The star is the optimum, the diamond gradient descent's best.",
    )


# --------------------------------------------------------------------------------------------
# Exponential moving averages


def noisy_signal(n: int = 80, seed: int = 0) -> np.ndarray:
    """A slowly varying signal plus noise (seeded): what an EMA is meant to smooth.

    ``x_t = 2 + sin(2π t / n) + N(0, 0.6²)`` for ``t = 0 … n − 1``.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    t = np.arange(int(n), dtype=np.float64)
    rng = np.random.default_rng(seed)
    return 2.0 + np.sin(2 * np.pi * t / n) + 0.6 * rng.normal(size=int(n))


#: tops of the EMA weights' axis
_WEIGHT_TOPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.1)


@dataclass
class _EmaFigure:
    fig: LayeredFigure
    ema: Any
    debiased: Any
    ax_w: Any
    weights: Any
    window: Any
    half: Any
    title: Any
    w_title: Any


def _ema_figure(x: np.ndarray, n: int) -> _EmaFigure:
    c = plotting.COLORS
    t = np.arange(1, n + 1)
    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 3.9))
        ax, ax_w = fig.subplots(1, 2, width_ratios=(1.35, 1.0))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.26, top=0.84, wspace=0.22)
        ax.plot(t, x, marker="o", markersize=3, linestyle="none", color="0.55",
                label="values $x_t$")
        (ema,) = ax.plot([], [], color=c["blue"], label="EMA $s_t$ (from $s_0 = 0$)")
        (debiased,) = ax.plot([], [], color=c["vermillion"], linestyle="--",
                              label="debiased $s_t / (1 - \\beta^t)$")
        ax.set_xlim(0, n + 1)
        ax.set_ylim(min(0.0, float(x.min())) - 0.2, float(x.max()) + 0.3)
        ax.set_xlabel("step $t$")
        ax.set_ylabel("value")
        legend_outside(ax, side="below", bbox_to_anchor=(0.5, -0.2))
        (weights,) = ax_w.plot([], [], marker="o", markersize=3, linewidth=1.0, color=c["blue"],
                               label="weight $(1 - \\beta)\\beta^a$")
        window = ax_w.axvline(0.0, color=c["vermillion"], linewidth=1.3,
                              label="window $1/(1 - \\beta)$")
        half = ax_w.axvline(0.0, color=c["green"], linewidth=1.3, linestyle="--",
                            label="half-life")
        ax_w.set_xlim(-1, min(n, 60))
        ax_w.set_xlabel("age $a$ (steps ago)")
        ax_w.set_ylabel("weight in the average")
        legend_outside(ax_w, side="below", bbox_to_anchor=(0.5, -0.2))
        title = fixed_title(ax, "", fontsize=10)
        w_title = fixed_title(ax_w, "", fontsize=10)
        fig.add_dynamic(ema, debiased, weights, window, half, title, w_title)
    return _EmaFigure(fig, ema, debiased, ax_w, weights, window, half, title, w_title)


def _draw_averages(f: _EmaFigure, t: np.ndarray, s: np.ndarray, sd: np.ndarray, b: float,
                   window: float) -> None:
    f.ema.set_data(t, s)
    f.debiased.set_data(t, sd)
    f.title.set_text(f"β = {b:.3g}: the EMA averages about the last {window:.3g} values")


def _draw_weights(f: _EmaFigure, ages: np.ndarray, w: np.ndarray, window: float, half: float,
                  newest: int, share: float) -> None:
    f.weights.set_data(ages, w)
    f.window.set_xdata([window, window])
    f.half.set_xdata([half, half])
    # the top in coarse 1-2-5 steps (1.1 near β = 0, where the newest weight is about 1):
    # the static layer (the ticks) changes six times over the whole β slider
    top = 1.05 * float(w[0])
    f.ax_w.set_ylim(0.0, next((t for t in _WEIGHT_TOPS if t >= top), nice_number(top)))
    f.w_title.set_text(f"window {window:.3g} steps, half-life {half:.3g} steps\n"
                       f"the newest {newest} values carry {100 * share:.0f} % of the weight")


def ema_explorer(*, beta: float = 0.9, n: int = 80, static: bool | None = None) -> Explorer:
    """An exponential moving average of a noisy signal, with its weights by age.

    Left: the values, their EMA ``s_t = β s_{t−1} + (1 − β) x_t`` from ``s₀ = 0`` (biased
    towards 0 at the start) and the debiased EMA ``s_t / (1 − βᵗ)``. Right: the weight
    ``(1 − β)βᵃ`` of a value ``a`` steps old, with the window ``1/(1 − β)`` and the half-life
    ``ln ½ / ln β`` marked.

    Control: ``beta`` (0…0.99). ``state`` holds ``values``, ``ema``, ``debiased``,
    ``weights``, ``window``, ``half_life`` and ``weight_in_window`` (the share of the weight
    carried by the newest ``⌈window⌉`` values).
    """
    x = noisy_signal(n)
    t = np.arange(1, n + 1)
    ages = np.arange(n)
    f = _ema_figure(x, n)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        b = float(v["beta"])
        s = averages.ema(x, b)
        sd = averages.ema(x, b, debias=True)
        w = averages.ema_weights(b, n)
        window = float(theory.ema_window(b))
        half = float(theory.ema_half_life(b)) if b > 0 else 0.0
        newest = int(np.ceil(window - 1e-9))
        share = float(w[:newest].sum())
        _draw_averages(f, t, s, sd, b, window)
        _draw_weights(f, ages, w, window, half, newest, share)
        return {"values": x, "ema": s, "debiased": sd, "weights": w, "window": window,
                "half_life": half, "weight_in_window": share}

    controls = {"beta": widgets.slider("β", float(beta), 0.0, 0.99, 0.01)}
    return Explorer(f.fig, controls, update, static=static,
                    caption="Slide β towards 1: smoother, slower to react, and more biased "
                            "towards 0 at the start unless debiased.")
