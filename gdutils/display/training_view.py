"""The live view of a training run: a progress bar and the loss curves, redrawn in place.

:class:`TrainingView` is a callback of :func:`gdutils.training.fit` (the loop itself is in the
maths core and draws nothing)::

    from gdutils import training
    from gdutils.display.training_view import TrainingView

    history = training.fit(model, loss, opt, X, y, X_val=Xv, y_val=yv,
                           callbacks=[TrainingView(title="my network")])

Under nbgrader (``NBGRADER_EXECUTION``) or with ``mode="static"`` it shows only the final
curves, once.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gdutils import _validate

__all__ = ["TrainingView", "OVERHEAD"]

#: the largest fraction of a training run the live view may spend redrawing while it trains
OVERHEAD = 0.1
#: assumed cost (seconds) of the first redraw, before one has been measured
FIRST_DRAW_GUESS = 0.05
#: resolution of the view's PNG images
DPI = 72


def _plain_log_axis(ax: Any) -> None:
    """A log y-axis with plain-text tick labels (mathtext labels cost time at every redraw)."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10.0, subs=(1.0, 2.0, 5.0), numticks=8))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: f"{v:.2g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency of the course
        return False
    ip = get_ipython()
    return ip is not None and hasattr(ip, "kernel")


def _resolve_view(view: str) -> str:
    from gdutils.display.widgets import grading

    if view not in ("auto", "live", "static", "none"):
        raise ValueError(f"view must be 'auto', 'live', 'static' or 'none', got {view!r}")
    if view != "auto":
        return view
    if not _in_kernel():
        return "none"
    return "static" if grading() else "live"


class TrainingView:
    """A progress bar and the loss curves of a training run, redrawn in place while it trains.

    The figure is a :class:`matplotlib.figure.Figure` built once; each redraw moves its lines
    (``set_data``) and replaces the bytes of one ``ipywidgets.Image``, so the picture updates
    without flicker and without new outputs. The progress bar and its text move after every
    epoch (cheap). The curves are redrawn during training only within a time budget: at most
    every ``update_every`` epochs, not before ``min_interval`` seconds, and only while the
    drawing done so far plus one more draw stays within :data:`OVERHEAD` (10 %) of the time
    elapsed (:meth:`may_redraw`) — so on a slow machine it simply redraws less often. The final
    image, which the static view draws too, is drawn once at the end.

    It is a callback of :func:`gdutils.training.fit`: pass ``callbacks=[TrainingView(...)]``. The
    run's epoch budget, whether it validates and its metric arrive in :meth:`on_train_begin`.

    Parameters
    ----------
    mode : {"auto", "live", "static", "none"}
        ``"live"``: widgets updated during training. ``"static"``: one image at the end (what
        nbgrader gets). ``"none"``: draw nothing (still usable in tests via :meth:`render`).
        ``"auto"``: live in a Jupyter kernel, static under nbgrader, none outside a kernel.
    update_every : int
        Redraw at most every this many epochs.
    min_interval : float
        No redraw before this many seconds of training.
    title : str
    display : callable, optional
        Replaces ``IPython.display.display`` (tests).

    Attributes
    ----------
    n_draws : int
        Images rendered so far.
    draw_seconds : float
        Total time spent rendering.
    live_seconds : float
        Time spent on the redraws *during* training (the part the budget limits).
    png : bytes
        The last image.
    """

    def __init__(
        self,
        *,
        title: str = "Training",
        mode: str = "auto",
        update_every: int = 1,
        min_interval: float = 0.3,
        display: Callable[[Any], Any] | None = None,
    ) -> None:
        self.mode = _resolve_view(mode)
        self.epochs = 1
        self.has_val = True
        self.metric_name: str | None = None
        self.update_every = _validate.count("update_every", update_every)
        self.min_interval = _validate.non_negative("min_interval", min_interval)
        self.title = title
        self._display = display
        self.n_draws = 0
        self.draw_seconds = 0.0
        self.live_seconds = 0.0
        self.png = b""
        self._t0 = time.perf_counter()
        self._progress: Any = None
        self._label: Any = None
        self._image: Any = None
        self._box: Any = None
        self.figure: Any = None

    # -- the callback protocol of gdutils.training.fit ------------------------------------------
    def on_train_begin(self, info: dict[str, Any]) -> None:
        """The run starts: ``info`` holds ``epochs``, ``has_val`` and ``metric_name``."""
        self.epochs = _validate.count("epochs", info.get("epochs", 1))
        self.has_val = bool(info.get("has_val", True))
        self.metric_name = info.get("metric_name")
        self._build_figure()
        self.start()

    def on_epoch_end(self, epoch: int, log: dict[str, Sequence[float]], best_epoch: int | None,
                     text: str) -> None:
        """After each epoch: see :meth:`update`."""
        self.update(epoch, log, best_epoch, text)

    def on_train_end(self, log: dict[str, Sequence[float]], best_epoch: int | None,
                     text: str) -> None:
        """The run is over: see :meth:`finish`."""
        self.finish(log, best_epoch, text)

    # -- the figure, built once ---------------------------------------------------------------
    def _build_figure(self) -> None:
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D

        from gdutils.display.plotting import COLORS, style

        with style():
            n_axes = 2 if self.metric_name else 1
            # a fixed layout: "constrained" would re-solve the layout at every redraw
            self.figure = Figure(figsize=(9.0 if n_axes == 2 else 5.5, 3.4))
            axes = self.figure.subplots(1, n_axes)
            axes = list(np.atleast_1d(axes))
            if n_axes == 2:
                self.figure.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.82, wspace=0.28)
            else:
                self.figure.subplots_adjust(left=0.14, right=0.97, bottom=0.15, top=0.82)
            self.ax_loss = axes[0]
            self.ax_metric = axes[1] if n_axes == 2 else None
            (self.line_train,) = self.ax_loss.plot([], [], color=COLORS["blue"], label="training")
            (self.line_val,) = self.ax_loss.plot([], [], color=COLORS["vermillion"],
                                                 label="validation")
            self.line_val.set_visible(self.has_val)
            self.best_line = self.ax_loss.axvline(0.0, color=COLORS["black"], linestyle=":",
                                                  linewidth=1.2, label="best epoch")
            self.best_line.set_visible(False)
            _plain_log_axis(self.ax_loss)
            self.ax_loss.set_xlim(0.0, float(self.epochs))  # until there is data to fit
            self.ax_loss.set_ylim(0.01, 10.0)
            self.ax_loss.set_xlabel("epoch")
            self.ax_loss.set_ylabel("loss (log scale)")
            self.ax_loss.set_title("Loss")
            # a proxy, so the legend shows the dotted line before the first best epoch exists
            best_proxy = Line2D([], [], color=COLORS["black"], linestyle=":", linewidth=1.2)
            handles, labels = [self.line_train], ["training"]
            if self.has_val:
                handles.append(self.line_val)
                labels.append("validation")
                handles.append(best_proxy)
                labels.append("best epoch")
            self.ax_loss.legend(handles, labels, loc="upper right")
            if self.ax_metric is not None:
                (self.line_metric,) = self.ax_metric.plot([], [], color=COLORS["green"],
                                                          label=f"validation {self.metric_name}")
                self.best_metric_line = self.ax_metric.axvline(
                    0.0, color=COLORS["black"], linestyle=":", linewidth=1.2, label="best epoch")
                self.best_metric_line.set_visible(False)
                self.ax_metric.set_xlim(0.0, float(self.epochs))
                self.ax_metric.set_ylim(0.0, 1.0)
                self.ax_metric.set_xlabel("epoch")
                self.ax_metric.set_ylabel(f"validation {self.metric_name}")
                self.ax_metric.set_title(f"Validation {self.metric_name}")
                self.ax_metric.legend([self.line_metric, best_proxy],
                                      [f"validation {self.metric_name}", "best epoch"],
                                      loc="lower right")
            self.figure.suptitle(self.title)

    def render(self, history: dict[str, Sequence[float]], best_epoch: int | None) -> bytes:
        """Move the lines to ``history`` (lists ``train_loss``, ``val_loss``, ``val_metric``)
        and return the PNG."""
        start = time.perf_counter()
        train = np.asarray(history.get("train_loss", []), dtype=np.float64)
        e = np.arange(train.size)
        self.line_train.set_data(e, train)
        values = [train]
        if self.has_val:
            val = np.asarray(history.get("val_loss", []), dtype=np.float64)
            self.line_val.set_data(np.arange(val.size), val)
            values.append(val)
        finite = np.concatenate(values)
        finite = finite[np.isfinite(finite) & (finite > 0)]
        right = max(1.0, float(train.size - 1)) if train.size else float(self.epochs)
        self.ax_loss.set_xlim(0.0, right)
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            self.ax_loss.set_ylim(lo / 1.3, hi * 1.3)
        if best_epoch is not None:
            self.best_line.set_xdata([best_epoch, best_epoch])
            self.best_line.set_visible(True)
        if self.ax_metric is not None:
            m = np.asarray(history.get("val_metric", []), dtype=np.float64)
            self.line_metric.set_data(np.arange(m.size), m)
            self.ax_metric.set_xlim(0.0, right)
            fm = m[np.isfinite(m)]
            if fm.size:
                lo, hi = float(fm.min()), float(fm.max())
                pad = max(0.01, 0.08 * (hi - lo))
                self.ax_metric.set_ylim(max(0.0, lo - pad), min(1.0, hi + pad) + 0.005)
            if best_epoch is not None:
                self.best_metric_line.set_xdata([best_epoch, best_epoch])
                self.best_metric_line.set_visible(True)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=DPI)
        self.png = buf.getvalue()
        self.n_draws += 1
        self.draw_seconds += time.perf_counter() - start
        return self.png

    def may_redraw(self, elapsed: float) -> bool:
        """Whether a redraw now keeps the live drawing within budget.

        ``elapsed`` is the time since training started. A redraw is allowed once
        ``min_interval`` has passed and if the redraws so far plus one more (estimated at the
        average cost of a draw, or :data:`FIRST_DRAW_GUESS` before any was measured) fit in
        ``OVERHEAD × elapsed``.
        """
        if elapsed < self.min_interval:
            return False
        cost = self.draw_seconds / self.n_draws if self.n_draws else FIRST_DRAW_GUESS
        return self.live_seconds + cost <= OVERHEAD * elapsed

    # -- display ------------------------------------------------------------------------------
    def _show(self, obj: Any) -> None:
        if self._display is not None:
            self._display(obj)
        else:
            from IPython.display import display

            display(obj)

    def start(self) -> None:
        """Show the progress bar and the empty axes (live mode only)."""
        if self.mode != "live":
            return
        import ipywidgets as w

        self._progress = w.IntProgress(value=0, min=0, max=self.epochs, description="epoch 0",
                                       style={"description_width": "initial"})
        self._label = w.HTML("starting…")
        self._image = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
        self._box = w.VBox([w.HBox([self._progress, self._label]), self._image])
        self._t0 = time.perf_counter()
        # the empty axes at once (the learner sees where the curves will go); this first draw
        # also measures what a draw costs here, and counts against the budget
        self._image.value = self.render({}, None)
        self.live_seconds = self.draw_seconds
        self._show(self._box)

    def update(self, epoch: int, history: dict[str, Sequence[float]], best_epoch: int | None,
               text: str) -> None:
        """After each epoch: move the progress bar; redraw the curves when one is due."""
        if self.mode != "live":
            return
        self._progress.value = epoch + 1
        self._progress.description = f"epoch {epoch + 1}/{self.epochs}"
        self._label.value = text
        if (epoch + 1) % self.update_every == 0 and self.may_redraw(time.perf_counter() - self._t0):
            before = self.draw_seconds
            self._image.value = self.render(history, best_epoch)
            self.live_seconds += self.draw_seconds - before

    def finish(self, history: dict[str, Sequence[float]], best_epoch: int | None,
               text: str) -> None:
        """Final image: redrawn in place (live) or shown once (static)."""
        if self.mode == "none":
            return
        png = self.render(history, best_epoch)
        if self.mode == "live":
            self._image.value = png
            self._label.value = text
            self._progress.bar_style = "success"
        else:
            from IPython.display import Image

            self._show(Image(data=png, format="png"))
