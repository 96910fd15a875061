"""Explorers for k-means seen as gradient descent: centroids moving under gradient descent and
under Lloyd's update, their loss curves, and the local minima different seeds and k reach.

Two factories, each returning a :class:`gdutils.widgets.Explorer`:

* :func:`gd_vs_lloyd_explorer` — the same start, two update rules: gradient descent with one
  global step size ``lr`` (log slider) and Lloyd's update (gradient descent with the step sizes
  ``n/(2nⱼ)``). An iteration slider walks both runs; left the centroid trails on the data, right
  both loss curves with a marker at the chosen iteration.
* :func:`local_minima_explorer` — Lloyd's k-means run to convergence from twenty random starts;
  sliders for ``k`` and the seed. Left the clustering the chosen seed ends in, right the final
  loss of every seed (the chosen one highlighted): different seeds, different local minima.

Everything runs on :mod:`gdutils.clustering` (reference code), never on a learner's answers.
Each figure is built once (``_lloyd_figure``, ``_minima_figure``) as a
:class:`~gdutils.display.explorers._layers.LayeredFigure`; a control change moves its dynamic
artists (``set_data``, ``set_offsets``, ``set_height``) panel by panel.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D

from gdutils import clustering, data
from gdutils.display import plotting, widgets
from gdutils.display.explorers._axes import fixed_title, nice_limits
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.widgets import Explorer

__all__ = ["gd_vs_lloyd_explorer", "local_minima_explorer", "N_SEEDS"]

#: Number of random starts compared by :func:`local_minima_explorer`.
N_SEEDS = 20

_CENTRES = np.array([[-4.0, -2.0], [0.5, 3.5], [4.0, -2.5], [-3.5, 4.0], [3.5, 3.0]])


def _blobs(n: int, seed: int, n_blobs: int) -> np.ndarray:
    X, _ = data.make_blobs(n, centers=_CENTRES[:n_blobs], std=1.0, seed=seed)
    return X


def _corner_start(X: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k data points from the lowest-left third of the data: a deliberately poor start, so the
    centroids have a long way to travel."""
    rng = np.random.default_rng(seed)
    order = np.argsort(X[:, 0] + X[:, 1])
    pool = order[: max(k, X.shape[0] // 3)]
    return X[rng.choice(pool, size=k, replace=False)].copy()


def _data_window(ax: Any, X: np.ndarray, pad: float = 1.0) -> None:
    ax.set_xlim(X[:, 0].min() - pad, X[:, 0].max() + pad)
    ax.set_ylim(X[:, 1].min() - pad, X[:, 1].max() + pad)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


# --------------------------------------------------------------------------------------------
# Gradient descent vs Lloyd


@dataclass
class _LloydFigure:
    fig: LayeredFigure
    ax_loss: Any
    points: list[Any]
    gd_trails: list[Any]
    lloyd_trails: list[Any]
    gd_now: Any
    lloyd_now: Any
    gd_curve: Any
    lloyd_curve: Any
    marker_line: Any
    title: Any


def _lloyd_figure(X: np.ndarray, k: int, max_iter: int) -> _LloydFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.8))
        ax, ax_loss = fig.subplots(1, 2, width_ratios=(1.0, 1.0))
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.22, top=0.86, wspace=0.22)
        # the points of each cluster as one line of markers (a scatter with a colour per
        # point costs several times more to draw, on every frame)
        points = [ax.plot([], [], marker="o", markersize=np.sqrt(10.0), markeredgewidth=0.0,
                          linestyle="none", alpha=0.45, color=plotting.PALETTE[j % 7])[0]
                  for j in range(k)]
        gd_trails, lloyd_trails = [], []
        for j in range(k):
            colour = plotting.PALETTE[j % 7]
            gd_trails.append(ax.plot([], [], marker="o", markersize=3, linewidth=1.3,
                                     color=colour)[0])
            lloyd_trails.append(ax.plot([], [], marker="s", markersize=3, linewidth=1.0,
                                        color=colour, linestyle="--")[0])
        (gd_now,) = ax.plot([], [], marker="o", markersize=14, linestyle="none",
                            markerfacecolor="none", markeredgecolor="black", markeredgewidth=1.6,
                            zorder=4)
        (lloyd_now,) = ax.plot([], [], marker="s", markersize=6, linestyle="none", color="black",
                               zorder=5)
        _data_window(ax, X)
        title = fixed_title(ax, "", fontsize=10)
        (gd_curve,) = ax_loss.plot([], [], marker="o", markersize=3, color=c["vermillion"],
                                   label="loss of gradient descent")
        (lloyd_curve,) = ax_loss.plot([], [], marker="s", markersize=3, color=c["blue"],
                                      label="loss of Lloyd")
        marker_line = ax_loss.axvline(0, color="0.4", linewidth=1.0, linestyle=":")
        ax_loss.set_xlim(-0.5, max_iter + 0.5)
        ax_loss.set_xlabel("iteration")
        ax_loss.set_ylabel("k-means loss $L$ (mean squared distance)")
        fixed_title(ax_loss, "Loss curves: the same loss, two step sizes")
        fig.legend(handles=[
            Line2D([], [], marker="o", markersize=8, markerfacecolor="none", color="black",
                   label="gradient descent (step lr)"),
            Line2D([], [], marker="s", markersize=5, linestyle="--", color="black",
                   label="Lloyd (step $n/(2n_j)$)"),
            gd_curve, lloyd_curve,
        ], loc="lower center", ncols=4, fontsize=8, frameon=False)
        fig.add_dynamic(*points, *gd_trails, *lloyd_trails, gd_now, lloyd_now, gd_curve,
                        lloyd_curve, marker_line, title)
    return _LloydFigure(fig, ax_loss, points, gd_trails, lloyd_trails, gd_now, lloyd_now,
                        gd_curve, lloyd_curve, marker_line, title)


def _draw_centroids(f: _LloydFigure, X: np.ndarray, gp: np.ndarray, lp: np.ndarray,
                    t: int) -> np.ndarray:
    """Both trails up to iteration t, the points coloured by GD's centroids; returns the labels."""
    for j, (gd, lloyd) in enumerate(zip(f.gd_trails, f.lloyd_trails)):
        gd.set_data(gp[: t + 1, j, 0], gp[: t + 1, j, 1])
        lloyd.set_data(lp[: t + 1, j, 0], lp[: t + 1, j, 1])
    f.gd_now.set_data(gp[t, :, 0], gp[t, :, 1])
    f.lloyd_now.set_data(lp[t, :, 0], lp[t, :, 1])
    labels = clustering.assign(X, gp[t])
    for j, line in enumerate(f.points):
        line.set_data(X[labels == j, 0], X[labels == j, 1])
    return labels


def _draw_losses(f: _LloydFigure, gl: np.ndarray, ll: np.ndarray, t: int) -> None:
    iters = np.arange(gl.size)
    f.gd_curve.set_data(iters, gl)
    f.lloyd_curve.set_data(iters, ll)
    f.marker_line.set_xdata([t, t])
    # the loss axis shows the start and below: a diverging run leaves through the top
    f.ax_loss.set_ylim(0.0, nice_limits(0.0, 1.05 * max(float(gl[0]), float(ll[0])), pad=0.0)[1])


def gd_vs_lloyd_explorer(
    *,
    n: int = 300,
    k: int = 3,
    lr: float = 0.3,
    max_iter: int = 30,
    data_seed: int = 1,
    static: bool | None = None,
) -> Explorer:
    """Centroids moving under gradient descent (one global step ``lr``) and under Lloyd's update.

    The data are ``n`` points in three Gaussian blobs; both runs start from the same ``k``
    centroids, picked from one corner of the data (the ``start`` slider chooses which points).
    Gradient descent moves centroid ``j`` a fraction ``2·lr·nⱼ/n`` of the way to the mean of its
    points; Lloyd moves it all the way (the step ``n/(2nⱼ)``).

    Controls: ``iteration`` (0…max_iter), ``lr`` (log slider 0.03…3), ``start`` (0…9).

    ``state`` holds ``iteration``, ``lr``, ``gd_path`` and ``lloyd_path`` ((max_iter+1, k, 2)),
    ``gd_losses`` and ``lloyd_losses`` ((max_iter+1,)), ``gd_centroids`` and
    ``lloyd_centroids`` (at the chosen iteration), ``lloyd_converged_at`` (first iteration that
    is a fixed point of Lloyd's update), ``gd_loss_went_up`` (True when a step of gradient
    descent increased the loss: the step is too large for some cluster) and ``gd_diverged``
    (a centroid flew off: ``lr`` above ``n/nⱼ`` for a cluster that keeps its points), and the
    data ``X``.
    """
    X = _blobs(n, data_seed, 3)
    if not 1 <= k <= 7:
        raise ValueError(f"k must be between 1 and 7, got {k}")
    f = _lloyd_figure(X, k, max_iter)
    # the runs depend on lr and the start only: the iteration slider, and a drag back over
    # values already seen, replay them from here
    runs: OrderedDict[tuple[float, int], tuple[Any, ...]] = OrderedDict()

    def runs_for(lr_v: float, start: int) -> tuple[Any, ...]:
        key = (lr_v, start)
        if key in runs:
            runs.move_to_end(key)
            return runs[key]
        init = _corner_start(X, k, start)
        lloyd = clustering.kmeans(X, init, max_iter=max_iter)
        gd = clustering.kmeans(X, init, max_iter=max_iter, method="gd", lr=lr_v,
                               divergence_threshold=10.0)
        runs[key] = (_padded(lloyd, max_iter), _padded(gd, max_iter), lloyd.n_iter,
                     gd.n_iter if gd.diverged else None)
        if len(runs) > 64:
            runs.popitem(last=False)
        return runs[key]

    def update(v: dict[str, Any]) -> dict[str, Any]:
        t, lr_v, start = int(v["iteration"]), float(v["lr"]), int(v["start"])
        (lp, ll), (gp, gl), lloyd_iters, diverged_at = runs_for(lr_v, start)
        labels = _draw_centroids(f, X, gp, lp, t)
        _draw_losses(f, gl, ll, t)
        went_up = bool(np.any(np.diff(gl) > 1e-12))
        if diverged_at is not None:
            note = f"\nGD DIVERGED after step {diverged_at}: lr too large for a big cluster"
        elif went_up:
            note = "\nthe GD loss went up at some step: lr too large"
        else:
            note = ""
        f.title.set_text(f"iteration {t}: loss GD {gl[t]:.3f}, Lloyd {ll[t]:.3f}" + note)
        return {
            "iteration": t, "lr": lr_v, "start": start, "gd_path": gp, "lloyd_path": lp,
            "gd_losses": gl, "lloyd_losses": ll, "gd_centroids": gp[t].copy(),
            "lloyd_centroids": lp[t].copy(), "labels": labels,
            "lloyd_converged_at": int(lloyd_iters if lloyd_iters < max_iter else max_iter),
            "gd_loss_went_up": went_up, "gd_diverged": diverged_at is not None, "X": X,
        }

    controls = {
        "iteration": widgets.int_slider("iteration", max_iter, 0, max_iter),
        "lr": widgets.log_slider("GD step size lr", lr, 0.03, 3.0),
        "start": widgets.int_slider("start (seed)", 0, 0, 9),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Circles and solid lines: gradient descent with one step size for "
                            "every centroid. Squares and dashed lines: Lloyd's update. Points are "
                            "coloured by their nearest gradient-descent centroid.")


def _padded(res: clustering.KMeansResult, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Path and losses extended to ``max_iter + 1`` entries (a converged run stays put)."""
    extra = max_iter - res.n_iter
    path = np.concatenate([res.path, np.repeat(res.path[-1:], extra, axis=0)])
    losses = np.concatenate([res.losses, np.repeat(res.losses[-1:], extra)])
    return path, losses


# --------------------------------------------------------------------------------------------
# Local minima


@dataclass
class _MinimaFigure:
    fig: LayeredFigure
    ax_bar: Any
    points: Any
    stars: Any
    bars: Any
    best_line: Any
    title: Any
    bar_title: Any


def _minima_figure(X: np.ndarray) -> _MinimaFigure:
    c = plotting.COLORS
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.6))
        ax, ax_bar = fig.subplots(1, 2, width_ratios=(1.0, 1.0))
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.2, top=0.87, wspace=0.22)
        points = ax.scatter(X[:, 0], X[:, 1], s=10, c=np.zeros(len(X)), cmap=ListedColormap(
            list(plotting.PALETTE[:7]) + [c["black"]]), vmin=0, vmax=7, alpha=0.6, linewidths=0)
        (stars,) = ax.plot([], [], marker="*", markersize=16, linestyle="none", color="black",
                           markeredgecolor="white", label="centroids", zorder=4)
        _data_window(ax, X)
        title = fixed_title(ax, "", fontsize=10)
        bars = ax_bar.bar(np.arange(N_SEEDS), np.ones(N_SEEDS), color=c["sky_blue"],
                          label="final loss of a start")
        best_line = ax_bar.axhline(1.0, color="black", linestyle=":", linewidth=1.2,
                                   label="best loss found")
        chosen = Line2D([], [], marker="s", markersize=8, linestyle="none", color=c["vermillion"],
                        label="the chosen seed")
        ax_bar.set_xticks(np.arange(0, N_SEEDS, 2))
        ax_bar.set_xlabel("seed of the random start")
        ax_bar.set_ylabel("final k-means loss")
        bar_title = fixed_title(ax_bar, "", fontsize=10)
        fig.legend(handles=[stars, bars, chosen, best_line], loc="lower center", ncols=4,
                   fontsize=8, frameon=False)
        fig.add_dynamic(points, stars, *bars, best_line, title, bar_title)
    return _MinimaFigure(fig, ax_bar, points, stars, bars, best_line, title, bar_title)


def _draw_bars(f: _MinimaFigure, losses: np.ndarray, seed: int) -> None:
    for i, rect in enumerate(f.bars):
        rect.set_height(losses[i])
        rect.set_color(plotting.COLORS["vermillion"] if i == seed else plotting.COLORS["sky_blue"])
    best = float(losses.min())
    f.best_line.set_ydata([best, best])
    f.ax_bar.set_ylim(0.0, nice_limits(0.0, 1.1 * float(losses.max()), pad=0.0)[1])


def local_minima_explorer(
    *,
    n: int = 400,
    k: int = 4,
    seed: int = 0,
    data_seed: int = 3,
    static: bool | None = None,
) -> Explorer:
    """Lloyd's k-means from :data:`N_SEEDS` random starts (Forgy: k random data points).

    The data are ``n`` points in five Gaussian blobs. Controls: ``k`` (2…8) and ``seed``
    (0…N_SEEDS−1). Left: where the chosen seed converges (points coloured by cluster,
    centroids as stars). Right: the final loss of every seed for this k; the chosen seed's bar is
    highlighted and the dotted line is the best loss found.

    ``state`` holds ``k``, ``seed``, ``losses`` ((N_SEEDS,) final loss per seed), ``loss`` (the
    chosen seed's), ``best``, ``n_minima`` (how many different final losses, to two decimals),
    ``centroids`` ((k, 2)), ``labels`` ((n,)), ``iterations`` (Lloyd steps to converge) and
    the data ``X``.
    """
    X = _blobs(n, data_seed, 5)
    cache: dict[int, list[clustering.KMeansResult]] = {}

    def runs_for(kk: int) -> list[clustering.KMeansResult]:
        if kk not in cache:
            cache[kk] = [clustering.kmeans(X, clustering.init_centroids(X, kk, seed=s), max_iter=200)
                         for s in range(N_SEEDS)]
        return cache[kk]

    f = _minima_figure(X)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        kk, s = int(v["k"]), int(v["seed"])
        runs = runs_for(kk)
        losses = np.array([r.losses[-1] for r in runs])
        chosen = runs[s]
        _draw_bars(f, losses, s)
        f.points.set_array(chosen.labels.astype(float))
        f.stars.set_data(chosen.centroids[:, 0], chosen.centroids[:, 1])
        n_minima = int(np.unique(np.round(losses, 2)).size)
        f.title.set_text(f"k = {kk}, seed {s}: loss {losses[s]:.3f} after {chosen.n_iter} Lloyd steps")
        f.bar_title.set_text(f"k = {kk}: {n_minima} different final losses (2 decimals), {N_SEEDS} starts")
        return {
            "k": kk, "seed": s, "losses": losses, "loss": float(losses[s]),
            "best": float(losses.min()), "n_minima": n_minima,
            "centroids": chosen.centroids.copy(), "labels": chosen.labels.copy(),
            "iterations": chosen.n_iter, "X": X,
        }

    controls = {
        "k": widgets.int_slider("k (clusters)", k, 2, 8),
        "seed": widgets.int_slider("seed", seed, 0, N_SEEDS - 1),
    }
    return Explorer(f.fig, controls, update, static=static,
                    caption="Each bar is one run of Lloyd's k-means to convergence from a "
                            "different random start. Same data, same k, different local minima.")
