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

from collections.abc import Sequence
from typing import Any

import matplotlib
import numpy as np
from numpy.typing import ArrayLike

from gdutils import averages, descent, functions, theory
from gdutils.display import plotting, widgets
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.explorers.landscapes import fast_log_axis
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
# The momentum explorer


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
    A = fn.A
    opt_lr, opt_beta, opt_rate = theory.heavy_ball_optimal(lam)
    gd_lr = theory.gd_optimal_lr(lam)
    gd_rate = float(theory.gd_rate(gd_lr, lam))
    lr0 = gd_lr if lr is None else float(lr)

    lr_max = 1.5
    grid_a = np.linspace(0.0, lr_max, 301)
    grid_b = np.linspace(0.0, 0.99, 199)
    R = rate_map(lam, grid_a, grid_b)
    colours = [plotting.COLORS["blue"], plotting.COLORS["vermillion"]]
    names = [f"slow direction (λ = {lam[0]:g})", f"fast direction (λ = {lam[1]:g})"]
    short = [f"slow (λ = {lam[0]:g})", f"fast (λ = {lam[1]:g})"]

    with plotting.style():
        fig = LayeredFigure(figsize=(10.0, 7.6))
        (ax_path, ax_map), (ax_err, ax_phase) = fig.subplots(2, 2)
        fig.subplots_adjust(left=0.085, right=0.97, bottom=0.07, top=0.9, wspace=0.28, hspace=0.42)
        # (1) trajectory on the contours (the bowl never changes: contour it once)
        grid = plotting.contour_grid(fn, (-3.0, 3.0), (-3.0, 3.0), resolution=121)
        ax_path.contour(grid.X, grid.Y, grid.Z, levels=0.5 * lam[1] * np.linspace(0.1, 3.0, 14) ** 2,
                        cmap="viridis", linewidths=0.7, alpha=0.8)
        ax_path.plot([0.0], [0.0], marker="*", markersize=13, color="black", linestyle="none")
        ax_path.plot([x0[0]], [x0[1]], marker="s", markersize=7, linestyle="none",
                     color=plotting.COLORS["vermillion"], label="start", zorder=4)
        (path_line,) = ax_path.plot([], [], marker="o", markersize=2.5, linewidth=1.2,
                                    color=plotting.COLORS["vermillion"], label="heavy ball",
                                    zorder=3)
        ax_path.set_xlim(-3.0, 3.0)
        ax_path.set_ylim(-3.0, 3.0)
        ax_path.set_aspect("equal")
        ax_path.set_xlabel(f"$x_1$ (eigenvalue {lam[0]:g})")
        ax_path.set_ylabel(f"$x_2$ (eigenvalue {lam[1]:g})")
        ax_path.legend(loc="lower right", fontsize=8)

        # (2) the rate map, computed once
        cmap = matplotlib.colormaps["viridis"].with_extremes(over="#d9d9d9")
        image = ax_map.imshow(R, origin="lower", aspect="auto", cmap=cmap, vmin=0.0, vmax=1.0,
                              extent=(grid_a[0], grid_a[-1], grid_b[0], grid_b[-1]),
                              interpolation="nearest")
        fig.colorbar(image, ax=ax_map, label="rate ρ", extend="max")
        bb = np.linspace(0.0, 0.99, 50)
        ax_map.plot((2 + 2 * bb) / lam[1], bb, color="white", linestyle="--", linewidth=1.2,
                    label="edge αλmax = 2 + 2β")
        ax_map.plot([opt_lr], [opt_beta], marker="*", markersize=14, color=plotting.COLORS["yellow"],
                    markeredgecolor="black", linestyle="none", label="optimum")
        ax_map.plot([gd_lr], [0.0], marker="D", markersize=7, color=plotting.COLORS["sky_blue"],
                    markeredgecolor="black", linestyle="none", clip_on=False,
                    label="best GD")
        (here,) = ax_map.plot([], [], marker="o", markersize=10, markerfacecolor="none",
                              markeredgewidth=2.2, color=plotting.COLORS["vermillion"],
                              linestyle="none", label="(α, β)", clip_on=False)
        ax_map.set_xlim(0.0, lr_max)
        ax_map.set_ylim(0.0, 0.99)
        ax_map.set_xlabel("step size α")
        ax_map.set_ylabel("momentum β")
        ax_map.grid(False)
        ax_map.legend(loc="upper right", fontsize=7, framealpha=0.9)

        # (3) error along each eigenvector
        err_lines = []
        theory_lines = []
        for i in range(2):
            (ln,) = ax_err.plot([], [], color=colours[i], marker="o", markersize=2.5,
                                linewidth=1.2, label=short[i])
            (th,) = ax_err.plot([], [], color=colours[i], linestyle="--", linewidth=1.0)
            err_lines.append(ln)
            theory_lines.append(th)
        fast_log_axis(ax_err)
        ax_err.set_xlabel("step k")
        ax_err.set_ylabel("|e_i(k)|, error along eigenvector i")
        ax_err.legend(loc="lower left", fontsize=7)

        # (4) phase plot of one eigen-direction
        ax_phase.axhline(0.0, color="0.6", linewidth=0.8)
        ax_phase.axvline(0.0, color="0.6", linewidth=0.8)
        (phase_line,) = ax_phase.plot([], [], marker="o", markersize=2.5, linewidth=1.0)
        (phase_start,) = ax_phase.plot([], [], marker="s", markersize=7, linestyle="none")
        ax_phase.plot([0.0], [0.0], marker="*", markersize=12, color="black", linestyle="none")
        ax_phase.set_xlabel("position e_i(k)")
        ax_phase.set_ylabel("velocity e_i(k) − e_i(k−1)")
        fig.suptitle("Heavy-ball momentum on ½xᵀAx, eigenvalues "
                     f"({lam[0]:g}, {lam[1]:g}), κ = {lam[1] / lam[0]:g}")
        ax_map.set_title(f"rate map ρ(α, β), grey: diverges\n"
                         f"optimum α* = {opt_lr:.4f}, β* = {opt_beta:.4f}", fontsize=10)
        # everything else is drawn once (see LayeredFigure)
        fig.add_dynamic(path_line, ax_path.title, here, ax_err, ax_phase)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        a = float(v["lr"])
        b = float(v["beta"])
        steps = int(v["steps"])
        i_dir = int(v["direction"])
        res = descent.heavy_ball(fn.grad, x0, a, b, steps, on_divergence="stop",
                                 divergence_threshold=_DRAW_LIMIT)
        path = np.array(res.path)
        errors = eigen_errors(path, A)
        vel = np.vstack([np.zeros((1, 2)), np.diff(errors, axis=0)])
        rates = np.array([float(theory.heavy_ball_rate(a, b, [l])) for l in lam])
        rate = float(rates.max())
        stable = bool(theory.heavy_ball_stable(a, b, lam))
        T = 1.0 + b - a * lam
        complex_roots = T * T < 4.0 * b
        measured = _measured_rate(errors)
        diverging = bool(rate >= 1.0 or res.diverged)

        path_line.set_data(path[:, 0], path[:, 1])
        here.set_data([min(a, lr_max)], [b])
        ks = np.arange(len(path))
        kk = np.arange(steps + 1, dtype=np.float64)
        lows, highs = [], []
        for i in range(2):
            shown = np.abs(errors[:, i])
            shown = np.where(shown > _FLOOR, shown, np.nan)
            err_lines[i].set_data(ks, shown)
            with np.errstate(over="ignore", under="ignore", divide="ignore"):
                env = abs(errors[0, i]) * rates[i] ** kk
            env = np.where(np.isfinite(env) & (env > _FLOOR) & (env < 1e12), env, np.nan)
            theory_lines[i].set_data(kk, env)
            for arr in (shown, env):
                fin = arr[np.isfinite(arr)]
                if fin.size:
                    lows.append(float(fin.min()))
                    highs.append(float(fin.max()))
        ax_err.set_xlim(0, max(steps, 1))
        lo = max(min(lows) if lows else 1e-6, _FLOOR)
        hi = max(highs) if highs else 10.0
        ax_err.set_ylim(lo / 3.0, min(hi * 3.0, 1e13))
        ax_err.set_title(f"errors (dashed: theory ρᵏ): ρ = {rates[0]:.3f} slow, "
                         f"{rates[1]:.3f} fast", fontsize=10)

        c = colours[i_dir]
        phase_line.set_data(errors[:, i_dir], vel[:, i_dir])
        phase_line.set_color(c)
        phase_start.set_data([errors[0, i_dir]], [vel[0, i_dir]])
        phase_start.set_color(c)
        px = np.abs(errors[:, i_dir]).max()
        pv = np.abs(vel[:, i_dir]).max()
        ax_phase.set_xlim(-1.1 * max(px, 1e-9), 1.1 * max(px, 1e-9))
        ax_phase.set_ylim(-1.1 * max(pv, 1e-9), 1.1 * max(pv, 1e-9))
        kind = "complex roots: spiral" if complex_roots[i_dir] else "real roots: no spiral"
        ax_phase.set_title(f"phase plot, {short[i_dir]} ({kind})", fontsize=10)

        if diverging:
            verdict = "DIVERGES (outside 0 < αλ < 2 + 2β)" if not stable else "does not converge"
        else:
            verdict = f"converges: ρ = {rate:.4f}"
            if np.isfinite(measured):
                verdict += f", measured ≈ {measured:.4f}"
        ax_path.set_title(f"α = {a:.4g}, β = {b:.3g}: {verdict}", fontsize=10)
        return {
            "lr": a,
            "beta": b,
            "path": path,
            "errors": errors,
            "velocities": vel,
            "rate": rate,
            "rates": rates,
            "measured_rate": measured,
            "stable": stable,
            "diverging": diverging,
            "status": res.status,
            "optimum": (opt_lr, opt_beta, opt_rate),
            "gd_optimum": (gd_lr, gd_rate),
            "direction": i_dir,
            "complex_roots": complex_roots,
        }

    controls = {
        "lr": widgets.log_slider("step size α", lr0, 0.01, lr_max),
        "beta": widgets.slider("momentum β", float(beta), 0.0, 0.99, 0.01),
        "steps": widgets.int_slider("steps", int(n_steps), 10, 200),
        "direction": widgets.dropdown("phase plot", {names[0]: 0, names[1]: 1}, value=0),
    }

    def to_optimum(ex: Explorer) -> None:
        ex.set(lr=opt_lr, beta=opt_beta)

    def to_gd(ex: Explorer) -> None:
        ex.set(lr=gd_lr, beta=0.0)

    return Explorer(
        fig, controls, update, static=static,
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
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.0))
        ax, ax_w = fig.subplots(1, 2, width_ratios=(1.35, 1.0))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.14, top=0.86, wspace=0.22)
        ax.plot(t, x, marker="o", markersize=3, linestyle="none", color="0.55", label="values x_t")
        (l_ema,) = ax.plot([], [], color=plotting.COLORS["blue"], label="EMA s_t (from s₀ = 0)")
        (l_deb,) = ax.plot([], [], color=plotting.COLORS["vermillion"], linestyle="--",
                           label="debiased s_t / (1 − βᵗ)")
        ax.set_xlim(0, n + 1)
        ax.set_ylim(min(0.0, float(x.min())) - 0.2, float(x.max()) + 0.3)
        ax.set_xlabel("step t")
        ax.set_ylabel("value")
        ax.legend(loc="lower right", fontsize=8)
        ages = np.arange(n)
        (l_w,) = ax_w.plot([], [], marker="o", markersize=3, linewidth=1.0,
                           color=plotting.COLORS["blue"], label="weight (1 − β)βᵃ")
        l_win = ax_w.axvline(0.0, color=plotting.COLORS["vermillion"], linewidth=1.3,
                             label="window 1/(1 − β)")
        l_half = ax_w.axvline(0.0, color=plotting.COLORS["green"], linewidth=1.3,
                              linestyle="--", label="half-life")
        ax_w.set_xlim(-1, min(n, 60))
        ax_w.set_xlabel("age a (steps ago)")
        ax_w.set_ylabel("weight in the average")
        ax_w.legend(loc="upper right", fontsize=8)
        fig.add_dynamic(l_ema, l_deb, ax.title, ax_w)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        b = float(v["beta"])
        s = averages.ema(x, b)
        sd = averages.ema(x, b, debias=True)
        w = averages.ema_weights(b, n)
        window = float(theory.ema_window(b))
        half = float(theory.ema_half_life(b)) if b > 0 else 0.0
        l_ema.set_data(t, s)
        l_deb.set_data(t, sd)
        l_w.set_data(ages, w)
        l_win.set_xdata([window, window])
        l_half.set_xdata([half, half])
        ax_w.set_ylim(0.0, max(float(w[0]) * 1.1, 1e-3))
        newest = int(np.ceil(window - 1e-9))
        share = float(w[:newest].sum())
        ax.set_title(f"β = {b:.3g}: the EMA averages about the last {window:.3g} values",
                     fontsize=10)
        ax_w.set_title(f"window {window:.3g} steps, half-life {half:.3g} steps\n"
                       f"the newest {newest} values carry {100 * share:.0f} % of the weight",
                       fontsize=10)
        return {"values": x, "ema": s, "debiased": sd, "weights": w, "window": window,
                "half_life": half, "weight_in_window": share}

    controls = {"beta": widgets.slider("β", float(beta), 0.0, 0.99, 0.01)}
    return Explorer(fig, controls, update, static=static,
                    caption="Slide β towards 1: smoother, slower to react, and more biased "
                            "towards 0 at the start unless debiased.")
