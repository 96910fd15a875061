"""Explorer for weight initialisation (notebook 08): the signal through a deep stack, measured
next to the variance argument that predicts it.

:func:`init_scale_explorer` builds a random stack of ``depth`` square layers (width 64, no
biases), pushes a batch of 64 standard-normal inputs through it and a random gradient back
(:func:`gdutils.nn.stack_statistics`), and draws, layer by layer on log axes:

* left: the standard deviation of the pre-activations ``z_l``;
* right: the norm of the gradient handed down through each layer, ``‖∂L/∂h_{l−1}‖``, and of each
  weight gradient ``‖∂L/∂W_l‖``;

each next to the prediction of the variance map (``q_{l+1} = fan_in·σ²·E[φ(z_l)²]``, and its
backward twin with ``E[φ'(z)²]``). Controls: the activation, the scheme (LeCun ``σ² = 1/n``, He
``σ² = 2/n``, Xavier with torch's gain), a multiplier of the scheme's ``σ`` and the depth.
Everything runs on gdutils' reference code.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gdutils import nn
from gdutils.display import plotting, widgets
from gdutils.display.explorers._layers import LayeredFigure
from gdutils.display.explorers.landscapes import fast_log_axis
from gdutils.display.widgets import Explorer

__all__ = ["WIDTH", "BATCH", "SCHEME_LABELS", "init_scale_explorer"]

#: width of every layer and size of the batch pushed through the stack
WIDTH = 64
BATCH = 64
#: the schemes the explorer offers
SCHEME_LABELS = {"LeCun: σ² = 1/n": "lecun", "He: σ² = 2/n": "he", "Xavier (torch's gain)": "xavier"}

#: the fixed range of both panels: 24 decades, so that settings compare at a glance
_FLOOR, _CEIL = 1e-12, 1e12


def _clip(a: np.ndarray) -> np.ndarray:
    a = np.where(np.isfinite(a), a, _CEIL)
    return np.clip(a, _FLOOR, _CEIL)


def init_scale_explorer(
    *,
    activation: str = "tanh",
    scheme: str = "lecun",
    scale: float = 1.0,
    depth: int = 20,
    static: bool | None = None,
) -> Explorer:
    """The signal and the gradients of a deep stack, for an initialisation scale you choose.

    Controls: ``activation`` (tanh or ReLU), ``scheme`` (LeCun, He, Xavier), ``scale`` (the
    weights' standard deviation as a multiple of the scheme's, log slider 0.25…4) and ``depth``
    (2…40). ``state`` holds what :func:`gdutils.nn.stack_statistics` returned, plus ``std``,
    ``forward_factor`` (``fan_in·σ²·E[φ(z)²]/q`` at the last layer) and ``backward_factor``.
    """
    if scheme not in SCHEME_LABELS.values():
        raise ValueError(f"scheme must be one of {sorted(SCHEME_LABELS.values())}, got {scheme!r}")
    layers_max = 40
    with plotting.style():
        fig = LayeredFigure(figsize=(10.5, 4.1))
        ax_f, ax_b = fig.subplots(1, 2)
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.84, wspace=0.25)
        blue, orange, green = (plotting.COLORS[c] for c in ("blue", "orange", "green"))
        (f_meas,) = ax_f.plot([], [], "o", markersize=4, color=blue, label="measured")
        (f_theo,) = ax_f.plot([], [], "-", color="0.3", linewidth=1.2, label="variance map")
        ax_f.axhline(1.0, color="0.6", linestyle=":", linewidth=1.0)
        ax_f.set_xlabel(r"layer $l$")
        ax_f.set_ylabel(r"std of the pre-activations $z_l$")
        ax_f.legend(loc="upper left", fontsize=8)
        (b_meas,) = ax_b.plot([], [], "o", markersize=4, color=orange,
                              label=r"$\|\partial L/\partial h_{l-1}\|$ handed down")
        (b_theo,) = ax_b.plot([], [], "-", color=orange, linewidth=1.0, alpha=0.8)
        (w_meas,) = ax_b.plot([], [], "s", markersize=3.5, color=green,
                              label=r"$\|\partial L/\partial W_l\|$ (weight gradient)")
        (w_theo,) = ax_b.plot([], [], "-", color=green, linewidth=1.0, alpha=0.8,
                              label="variance argument")
        ax_b.set_xlabel(r"layer $l$")
        ax_b.set_ylabel("gradient norm")
        ax_b.legend(loc="upper left", fontsize=8)
        for ax in (ax_f, ax_b):
            fast_log_axis(ax)
            ax.set_xlim(0.5, layers_max + 0.5)
            ax.set_ylim(_FLOOR, _CEIL)
        fig.add_dynamic(f_meas, f_theo, b_meas, b_theo, w_meas, w_theo, ax_f.title, ax_b.title)

    def update(v: dict[str, Any]) -> dict[str, Any]:
        act = str(v["activation"])
        sch = str(v["scheme"])
        L = int(v["depth"])
        std = float(v["scale"]) * nn.init_std(sch, WIDTH, WIDTH, act)
        st = nn.stack_statistics(L, WIDTH, act, std=std, n=BATCH, seed=0)
        layers = np.arange(1, L + 1)
        f_meas.set_data(layers, _clip(st["pre_std"]))
        f_theo.set_data(layers, _clip(st["pre_std_theory"]))
        b_meas.set_data(layers, _clip(st["back_norm"]))
        b_theo.set_data(layers, _clip(st["back_norm_theory"]))
        w_meas.set_data(layers, _clip(st["grad_norm"]))
        w_theo.set_data(layers, _clip(st["grad_norm_theory"]))
        q = st["pre_std_theory"] ** 2
        fwd = float(WIDTH * std**2 * nn.second_moment(act, q[-1]) / q[-1]) if q[-1] > 0 else 0.0
        bwd = float(st["factor"])
        ratio = float(_clip(st["back_norm"])[0] / _clip(st["back_norm"])[-1])
        ax_f.set_title(f"{act}, σ = {v['scale']:.3g} × {sch}: variance ×{fwd:.3g} per layer", fontsize=10)
        ax_b.set_title(f"variance ×{bwd:.3g} per layer: layer 1 gets {ratio:.2g} × the top's gradient",
                       fontsize=10)
        return {**st, "std": std, "forward_factor": fwd, "backward_factor": bwd, "depth": L,
                "input_to_top": ratio}

    controls = {
        "activation": widgets.toggle("activation", ["tanh", "relu"], activation),
        "scheme": widgets.dropdown("scheme", SCHEME_LABELS, scheme),
        "scale": widgets.log_slider("σ × ", float(scale), 0.25, 4.0, steps_per_decade=20),
        "depth": widgets.int_slider("depth", int(depth), 2, layers_max),
    }
    return Explorer(fig, controls, update, static=static,
                    caption="A factor above 1 per layer explodes with the depth, below 1 it "
                            "vanishes: He keeps ReLU at 1, LeCun keeps tanh near 1.")
