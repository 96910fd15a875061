"""Vectorised layers with a hand-written backward pass (CS231n's layer API), in float64.

Every layer has ``forward(x)``, which keeps what the backward pass needs in a cache, and
``backward(dout)``, which returns the gradient with respect to the input and fills ``.grads``,
a list aligned with ``.params``::

    model = Sequential(Linear(2, 16, rng), ReLU(), Linear(16, 3, rng))
    loss_fn = SoftmaxCrossEntropy()
    opt = gdutils.optim.Adam(model.params, lr=1e-2)

    loss = loss_fn(model(X), y)        # __call__ is forward
    model.backward(loss_fn.backward())
    opt.step(model.grads)              # params are the layers' own arrays: updated in place

Conventions
-----------
* Batches are rows: ``x`` has shape ``(batch, features)``.
* ``params`` are the layer's arrays themselves (``[layer.W, layer.b]``), so an optimiser that
  updates them in place trains the layer. Replace values with ``layer.W[...] = new``, not
  ``layer.W = new`` (the optimiser would keep updating the old array).
* ``grads`` are overwritten by each ``backward`` (not accumulated as in torch), in arrays that
  are reused from one call to the next: copy them if you need to keep them.
* ``forward`` keeps a reference to its input, not a copy: do not modify ``x`` in place between
  ``forward`` and ``backward``.
* Losses return a Python ``float`` and their ``backward(dout=1.0)`` returns ``dL/dpred``.

Initialisation (the end of this module): :func:`init_std` gives the weights' standard deviation
of the classic schemes (He, LeCun, Xavier), :func:`variance_map` and :func:`gradient_map` predict
how the signal's variance changes from layer to layer of a deep stack, and
:func:`stack_statistics` measures it. :func:`clip_grad_norm` rescales a list of gradients whose total norm is too large, as torch's
``torch.nn.utils.clip_grad_norm_`` does: the cure for exploding gradients.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gdutils import _validate

__all__ = [
    "Layer",
    "Linear",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Sequential",
    "MSELoss",
    "SoftmaxCrossEntropy",
    "clip_grad_norm",
    "ACTIVATIONS",
    "GAINS",
    "SCHEMES",
    "init_std",
    "second_moment",
    "derivative_second_moment",
    "variance_map",
    "gradient_map",
    "deep_stack",
    "stack_statistics",
]


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _shape_str(shape: tuple[Any, ...]) -> str:
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _check_float_array(x: Any, where: str, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{where}: {name} must be a float64 numpy array, got {type(x).__name__}")
    if x.dtype != np.float64:
        raise ValueError(f"{where}: {name} must have dtype float64, got {x.dtype}")
    return x


def _check_batch(x: Any, n_features: int, where: str, name: str = "x") -> np.ndarray:
    x = _check_float_array(x, where, name)
    if x.ndim != 2 or x.shape[1] != n_features or x.shape[0] == 0:
        msg = f"{where}: {name} must have shape (batch, {n_features}), got {_shape_str(x.shape)}"
        if x.ndim == 1 and x.shape[0] == n_features:
            msg += f"; a single example must be a row: {name}[None, :]"
        elif x.ndim == 2 and x.shape[0] == n_features and x.shape[1] != n_features:
            msg += "; is it transposed?"
        raise ValueError(msg)
    return x


def _check_dout(dout: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    dout = _check_float_array(dout, where, "dout")
    if dout.shape != shape:
        raise ValueError(
            f"{where}: dout must have the shape of the forward output {_shape_str(shape)}, "
            f"got {_shape_str(dout.shape)}"
        )
    return dout


def _no_forward(layer: object) -> RuntimeError:
    name = type(layer).__name__
    return RuntimeError(
        f"{name}.backward() was called before {name}.forward(): forward stores the values the "
        "backward pass needs, so run forward on the batch first"
    )


def _check_dloss(dout: Any, where: str) -> float:
    if isinstance(dout, bool | np.bool_) or not isinstance(dout, numbers.Real):
        if isinstance(dout, np.ndarray) and dout.shape == () and dout.dtype.kind == "f":
            return float(dout)
        raise ValueError(f"{where}: dout must be a real number (dL/dloss), got {dout!r}")
    return float(dout)


# ---------------------------------------------------------------------------------------------
# Base class


class Layer:
    """Base class of the layers: ``__call__`` is ``forward``; no parameters by default.

    A subclass defines ``forward(x)`` (keeping a cache) and ``backward(dout)`` (returning
    ``dx`` and filling ``grads``); if it has parameters it overrides ``params`` and ``grads``
    (lists of arrays, aligned) and may set ``param_names``.
    """

    param_names: tuple[str, ...] = ()

    @property
    def params(self) -> list[np.ndarray]:
        """The parameter arrays themselves (updating them in place trains the layer)."""
        return []

    @property
    def grads(self) -> list[np.ndarray]:
        """Gradients of the loss with respect to ``params``, filled by ``backward``."""
        return []

    def __call__(self, *args: Any) -> Any:
        return self.forward(*args)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


# ---------------------------------------------------------------------------------------------
# Affine layer


class Linear(Layer):
    r"""Affine layer ``y = x W + b``.

    Shapes: ``x (batch, n_in)``, ``W (n_in, n_out)``, ``b (n_out,)``, ``y (batch, n_out)``.

    Backward, with ``dout = ∂L/∂y``:

    .. math::

        \frac{\partial L}{\partial x} = \text{dout}\, W^\top, \qquad
        \frac{\partial L}{\partial W} = x^\top \text{dout}, \qquad
        \frac{\partial L}{\partial b} = \textstyle\sum_{\text{batch}} \text{dout}

    Parameters
    ----------
    n_in, n_out : int
        Input and output features.
    rng : numpy.random.Generator, int or None
        Source of the initial weights. ``None`` means ``np.random.default_rng(0)``, so a layer
        is reproducible by default; pass one shared Generator when building a network, or two
        layers of the same shape built with ``rng=None`` start with identical weights.

    Notes
    -----
    Initialisation is torch's default for ``nn.Linear``: every entry of W and b drawn from
    ``U(−1/√n_in, 1/√n_in)``. torch stores the weight as ``(n_out, n_in)`` and computes
    ``x Wᵀ``; this layer stores ``W = weightᵀ``.
    """

    param_names = ("W", "b")

    def __init__(self, n_in: int, n_out: int, rng: np.random.Generator | int | None = None):
        self.n_in = _validate.count("n_in", n_in)
        self.n_out = _validate.count("n_out", n_out)
        gen = _validate.rng("rng", rng)
        bound = 1.0 / np.sqrt(self.n_in)
        self.W = gen.uniform(-bound, bound, size=(self.n_in, self.n_out))
        self.b = gen.uniform(-bound, bound, size=self.n_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._x: np.ndarray | None = None

    @property
    def params(self) -> list[np.ndarray]:
        """``[W, b]``."""
        return [self.W, self.b]

    @property
    def grads(self) -> list[np.ndarray]:
        """``[dW, db]``, overwritten by each ``backward``."""
        return [self.dW, self.db]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """``y = x W + b`` for ``x`` of shape ``(batch, n_in)``; returns ``(batch, n_out)``."""
        x = _check_batch(x, self.n_in, "Linear.forward")
        self._x = x
        y = x @ self.W  # ∂y/∂x = W (dx = dout Wᵀ);  ∂y/∂W = x (dW = xᵀ dout)
        y += self.b  # ∂y/∂b = 1, broadcast over the batch (db = Σ_batch dout)
        return y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Fill ``dW``, ``db`` from ``dout`` of shape ``(batch, n_out)``; return ``dx``."""
        x = self._x
        if x is None:
            raise _no_forward(self)
        dout = _check_dout(dout, (x.shape[0], self.n_out), "Linear.backward")
        np.matmul(x.T, dout, out=self.dW)
        np.sum(dout, axis=0, out=self.db)
        return dout @ self.W.T

    def __repr__(self) -> str:
        return f"Linear(n_in={self.n_in}, n_out={self.n_out})"


# ---------------------------------------------------------------------------------------------
# Element-wise activations


class _Elementwise(Layer):
    def _input(self, x: Any) -> np.ndarray:
        x = _check_float_array(x, f"{type(self).__name__}.forward", "x")
        if x.ndim == 0 or x.size == 0:
            raise ValueError(
                f"{type(self).__name__}.forward: x must be a non-empty array such as "
                f"(batch, features), got shape {_shape_str(x.shape)}"
            )
        return x


class ReLU(_Elementwise):
    """``y = max(x, 0)`` element-wise; ``dx = dout · [x > 0]`` (0 at the kink, as torch)."""

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Element-wise ``max(x, 0)``; any shape (normally ``(batch, features)``)."""
        x = self._input(x)
        self._mask = x > 0.0  # ∂y/∂x = 1 where the *input* is positive, else 0
        return np.maximum(x, 0.0)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dout`` where the input was positive, 0 elsewhere."""
        mask = self._mask
        if mask is None:
            raise _no_forward(self)
        dout = _check_dout(dout, mask.shape, "ReLU.backward")
        return np.multiply(dout, mask)


class Tanh(_Elementwise):
    """``y = tanh(x)`` element-wise; ``dx = dout · (1 − y²)``."""

    def __init__(self) -> None:
        self._y: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Element-wise ``tanh(x)``."""
        x = self._input(x)
        y = np.tanh(x)  # ∂y/∂x = 1 − y²
        self._y = y
        return y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dout · (1 − y²)``."""
        y = self._y
        if y is None:
            raise _no_forward(self)
        dout = _check_dout(dout, y.shape, "Tanh.backward")
        return dout * (1.0 - y * y)


class Sigmoid(_Elementwise):
    r"""``y = σ(x) = 1 / (1 + e^{−x})`` element-wise, stable for any finite x.

    With ``e = exp(−|x|) ∈ (0, 1]`` (never overflows): ``σ(x) = 1/(1+e)`` for x ≥ 0 and
    ``e/(1+e)`` for x < 0; the derivative ``σ(x)(1 − σ(x)) = e / (1+e)²`` for both signs,
    which stays accurate where ``1 − σ(x)`` would round to 0.
    """

    def __init__(self) -> None:
        self._dydx: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Element-wise logistic function."""
        x = self._input(x)
        e = np.exp(-np.abs(x))
        r = 1.0 / (1.0 + e)
        y = np.where(x >= 0.0, r, e * r)
        self._dydx = e * r * r  # ∂y/∂x = σ(1 − σ) = e / (1 + e)²
        return y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dout · σ(x)(1 − σ(x))``."""
        dydx = self._dydx
        if dydx is None:
            raise _no_forward(self)
        dout = _check_dout(dout, dydx.shape, "Sigmoid.backward")
        return dout * dydx


# ---------------------------------------------------------------------------------------------
# Container


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse.

    ``params`` and ``grads`` are flat lists over the layers, in layer order, rebuilt on each
    access so they always name the layers' current arrays: ``opt = Adam(model.params)`` once,
    then ``opt.step(model.grads)`` after every ``backward``.

    Parameters
    ----------
    *layers : Layer
        Objects with ``forward``/``backward`` (and ``params``/``grads`` if they have any).
    """

    def __init__(self, *layers: Any) -> None:
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            raise ValueError(
                "Sequential takes the layers as separate arguments: Sequential(*layers), "
                "not Sequential([layers])"
            )
        if not layers:
            raise ValueError("Sequential needs at least one layer")
        for i, layer in enumerate(layers):
            if not (
                callable(getattr(layer, "forward", None))
                and callable(getattr(layer, "backward", None))
            ):
                raise ValueError(
                    f"layer {i} ({type(layer).__name__}) has no forward/backward methods"
                )
        self.layers = list(layers)

    @property
    def params(self) -> list[np.ndarray]:
        """All layers' parameters, flat, in layer order."""
        return [p for layer in self.layers for p in getattr(layer, "params", [])]

    @property
    def grads(self) -> list[np.ndarray]:
        """All layers' gradients, aligned with ``params``."""
        return [g for layer in self.layers for g in getattr(layer, "grads", [])]

    @property
    def param_names(self) -> tuple[str, ...]:  # type: ignore[override]
        """``"<layer index>.<name>"`` for each entry of ``params`` (e.g. ``"0.W"``)."""
        names = []
        for i, layer in enumerate(self.layers):
            own = tuple(getattr(layer, "param_names", ()))
            n = len(getattr(layer, "params", []))
            if len(own) != n:
                own = tuple(str(j) for j in range(n))
            names.extend(f"{i}.{name}" for name in own)
        return tuple(names)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply each layer's forward in order."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Apply each layer's backward in reverse order; return ``dL/dx`` of the input."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def __getitem__(self, i: int) -> Any:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


# ---------------------------------------------------------------------------------------------
# Losses


class MSELoss(Layer):
    r"""Mean squared error over all elements, as ``torch.nn.MSELoss()``.

    .. math::

        L = \frac{1}{N} \sum_i (\hat y_i - y_i)^2, \qquad
        \frac{\partial L}{\partial \hat y} = \frac{2}{N} (\hat y - y)

    with N the number of elements (not only the batch size). ``pred`` and ``target`` must have
    the same shape: a ``(n, 1)`` prediction against a ``(n,)`` target is refused rather than
    broadcast to ``(n, n)``.
    """

    def __init__(self) -> None:
        self._diff: np.ndarray | None = None

    def forward(self, pred: np.ndarray, target: np.ndarray) -> float:
        """Return ``mean((pred − target)²)`` as a float."""
        pred = _check_float_array(pred, "MSELoss.forward", "pred")
        target = _check_float_array(target, "MSELoss.forward", "target")
        if pred.shape != target.shape:
            msg = (
                f"MSELoss.forward: target must have the shape of pred {_shape_str(pred.shape)}, "
                f"got {_shape_str(target.shape)}"
            )
            if pred.size == target.size:
                msg += " (same size: reshape one of them; broadcasting would be wrong here)"
            raise ValueError(msg)
        if pred.size == 0:
            raise ValueError("MSELoss.forward: pred is empty")
        if not (np.all(np.isfinite(pred)) and np.all(np.isfinite(target))):
            raise ValueError(
                "MSELoss.forward: pred or target contains NaN or inf "
                "(has training diverged? try a smaller learning rate)"
            )
        diff = pred - target  # ∂L/∂pred = 2·diff / N
        self._diff = diff
        flat = diff.ravel()
        return float(flat @ flat) / diff.size

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """``dL/dpred = dout · 2 (pred − target) / N``."""
        diff = self._diff
        if diff is None:
            raise _no_forward(self)
        scale = 2.0 * _check_dloss(dout, "MSELoss.backward") / diff.size
        return diff * scale

    def __repr__(self) -> str:
        return "MSELoss()"


class SoftmaxCrossEntropy(Layer):
    r"""Softmax followed by cross-entropy, averaged over the batch (``F.cross_entropy``).

    For logits ``z (batch, k)`` and integer labels ``y (batch,)`` with values in ``[0, k)``:

    .. math::

        L = \frac{1}{B}\sum_{n} \Big(\log \sum_j e^{z_{nj}} - z_{n y_n}\Big), \qquad
        \frac{\partial L}{\partial z} = \frac{\mathrm{softmax}(z) - \mathrm{onehot}(y)}{B}

    The log-sum-exp subtracts each row's maximum first (softmax is unchanged by a shift), so
    every exponent is ≤ 0: logits of ±1000 give finite, exact results.
    """

    def __init__(self) -> None:
        self._probs: np.ndarray | None = None
        self._labels: np.ndarray | None = None

    def forward(self, logits: np.ndarray, labels: np.ndarray) -> float:
        """Return the mean cross-entropy as a float."""
        where = "SoftmaxCrossEntropy.forward"
        logits = _check_float_array(logits, where, "logits")
        if logits.ndim != 2 or logits.shape[0] == 0:
            raise ValueError(
                f"{where}: logits must have shape (batch, k), got {_shape_str(logits.shape)}"
            )
        batch, k = logits.shape
        if not isinstance(labels, np.ndarray):
            raise ValueError(
                f"{where}: labels must be an integer numpy array of shape ({batch},), "
                f"got {type(labels).__name__}"
            )
        if labels.shape != (batch,):
            msg = f"{where}: labels must have shape ({batch},), got {_shape_str(labels.shape)}"
            if labels.shape == (batch, k):
                msg += "; labels are class indices, not one-hot rows: use labels.argmax(axis=1)"
            elif labels.shape == (batch, 1):
                msg += "; flatten it with labels.ravel()"
            raise ValueError(msg)
        if labels.dtype.kind not in "iu":
            raise ValueError(
                f"{where}: labels must have an integer dtype (class indices), got {labels.dtype}"
            )
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= k:
            bad = lo if lo < 0 else hi
            raise ValueError(f"{where}: labels must be in [0, {k}), got {bad}")
        if not np.all(np.isfinite(logits)):
            raise ValueError(
                f"{where}: logits contain NaN or inf (has training diverged? try a smaller "
                "learning rate)"
            )
        rows = np.arange(batch)
        shifted = logits - logits.max(axis=1, keepdims=True)  # every exponent ≤ 0
        e = np.exp(shifted)
        total = e.sum(axis=1)
        # L_n = log Σ e^{z} − z_y; ∂L_n/∂z = softmax(z) − onehot(y)
        loss = float(np.mean(np.log(total) - shifted[rows, labels]))
        e /= total[:, None]
        self._probs = e
        self._labels = labels
        return loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        """``dL/dlogits = dout · (softmax − onehot) / batch``."""
        probs, labels = self._probs, self._labels
        if probs is None or labels is None:
            raise _no_forward(self)
        scale = _check_dloss(dout, "SoftmaxCrossEntropy.backward") / probs.shape[0]
        dz = probs.copy()
        dz[np.arange(probs.shape[0]), labels] -= 1.0
        dz *= scale
        return dz

    @property
    def probs(self) -> np.ndarray | None:
        """The softmax probabilities of the last forward pass, ``(batch, k)``."""
        return self._probs

    def __repr__(self) -> str:
        return "SoftmaxCrossEntropy()"


# ---------------------------------------------------------------------------------------------
# Gradient clipping


def clip_grad_norm(grads: list[np.ndarray], max_norm: float, eps: float = 1e-6) -> float:
    """Rescale gradients in place so that their *total* norm is at most ``max_norm``.

    The total norm is ``‖g‖ = √(Σ_arrays Σ_entries g²)``, all arrays together (one vector). If it
    exceeds ``max_norm``, every array is multiplied by the same factor ``max_norm/(‖g‖ + eps)``,
    so the direction of the step is kept and only its length is capped; otherwise nothing
    changes. torch's ``clip_grad_norm_(parameters, max_norm)``, to round-off.

    Parameters
    ----------
    grads : list of float64 ndarray
        Modified in place.
    max_norm : float
        ``> 0``.
    eps : float, default 1e-6
        torch's guard against dividing by 0.

    Returns
    -------
    float
        The total norm *before* clipping (what torch returns: log it to see explosions).

    >>> g = [np.array([3.0]), np.array([4.0])]
    >>> clip_grad_norm(g, 1.0)
    5.0
    >>> [round(float(a[0]), 6) for a in g]
    [0.6, 0.8]
    """
    if not isinstance(grads, list | tuple) or not all(type(g) is np.ndarray for g in grads):
        raise ValueError("grads must be a list of numpy arrays (they are scaled in place)")
    max_norm = _validate.positive("max_norm", max_norm)
    eps = _validate.non_negative("eps", eps)
    total = float(np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads)))
    coef = max_norm / (total + eps)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total


# ---------------------------------------------------------------------------------------------
# Initialisation, and what it does to the signal in a deep stack (notebook 08)
#
# A layer ``z = h W`` with ``fan_in`` inputs and weights of standard deviation ``σ`` multiplies the
# variance of its input by ``fan_in · σ²`` (for independent, zero-mean weights). After the
# activation ``φ``, the next layer sees ``E[φ(z)²]``: half of ``Var(z)`` for ReLU (it zeroes half
# of a symmetric input), about all of it for ``tanh`` near 0. So through a deep stack the
# pre-activation variance follows the map
#
#     q_{l+1} = fan_in · σ² · E[φ(z)²],  z ~ N(0, q_l)
#
# (:func:`variance_map`), and the gradients flowing back follow the same kind of product with
# ``E[φ'(z)²]`` (:func:`gradient_map`). A factor above 1 per layer explodes geometrically with the
# depth, below 1 it vanishes. Keeping it at 1 gives the classic schemes:
#
#   "he"      σ² = 2/fan_in    keeps the variance through ReLU layers (He et al., 2015;
#                              torch's kaiming_normal_(nonlinearity="relu"))
#   "lecun"   σ² = 1/fan_in    through linear layers, and tanh near 0 (LeCun et al., 1998)
#   "xavier"  σ² = gain²·2/(fan_in + fan_out)   the compromise between keeping the forward and
#                              the backward variance when fan_in ≠ fan_out (Glorot & Bengio,
#                              2010); torch's xavier_normal_ with its gain (5/3 for tanh)
#
# :func:`stack_statistics` measures it: the standard deviation of every layer's pre-activations,
# the gradient handed down through every layer and every weight gradient, for a random stack.

#: the activations the probes know: value and derivative
ACTIVATIONS = ("relu", "tanh", "linear")
#: torch.nn.init.calculate_gain for those activations
GAINS = {"linear": 1.0, "relu": math.sqrt(2.0), "tanh": 5.0 / 3.0}
SCHEMES = ("he", "lecun", "xavier")

_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / math.sqrt(2.0 * math.pi)  # expectations under N(0, 1)


def _activation(name: Any) -> str:
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {name!r}")
    return str(name)


def _phi(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    return z


def _dphi(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return (z > 0).astype(np.float64)
    if name == "tanh":
        return 1.0 - np.tanh(z) ** 2
    return np.ones_like(z)


def init_std(scheme: str, fan_in: int, fan_out: int | None = None, activation: str = "relu") -> float:
    """The standard deviation of the weights of one layer under an initialisation scheme.

    ``"he"``: ``√(2/fan_in)``; ``"lecun"``: ``√(1/fan_in)``; ``"xavier"``:
    ``gain·√(2/(fan_in + fan_out))`` with torch's gain for ``activation`` (``fan_out`` required).

    >>> round(init_std("he", 50), 6)
    0.2
    """
    fan_in = _validate.count("fan_in", fan_in)
    if scheme == "he":
        return math.sqrt(2.0 / fan_in)
    if scheme == "lecun":
        return math.sqrt(1.0 / fan_in)
    if scheme == "xavier":
        if fan_out is None:
            raise ValueError("the xavier scheme needs fan_out")
        fan_out = _validate.count("fan_out", fan_out)
        return GAINS[_activation(activation)] * math.sqrt(2.0 / (fan_in + fan_out))
    raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")


def second_moment(activation: str, q: ArrayLike) -> Any:
    """``E[φ(z)²]`` for ``z ~ N(0, q)``: ``q/2`` for ReLU, ``q`` for linear, quadrature for tanh."""
    act = _activation(activation)
    qa = np.asarray(q, dtype=np.float64)
    if np.any(qa < 0):
        raise ValueError("q is a variance: it must be >= 0")
    if act == "relu":
        out = qa / 2.0
    elif act == "linear":
        out = qa.copy()
    else:
        out = np.tanh(np.sqrt(qa)[..., None] * _NODES) ** 2 @ _WEIGHTS
    return out[()] if out.ndim == 0 else out


def derivative_second_moment(activation: str, q: ArrayLike) -> Any:
    """``E[φ'(z)²]`` for ``z ~ N(0, q)``: ``1/2`` for ReLU, 1 for linear, quadrature for tanh."""
    act = _activation(activation)
    qa = np.asarray(q, dtype=np.float64)
    if np.any(qa < 0):
        raise ValueError("q is a variance: it must be >= 0")
    if act == "relu":
        out = np.full_like(qa, 0.5)
    elif act == "linear":
        out = np.ones_like(qa)
    else:
        out = (1.0 - np.tanh(np.sqrt(qa)[..., None] * _NODES) ** 2) ** 2 @ _WEIGHTS
    return out[()] if out.ndim == 0 else out


def variance_map(depth: int, fan_in: int, std: float, activation: str, q_input: float = 1.0) -> np.ndarray:
    """Predicted variance of the pre-activations ``z_1, …, z_depth`` of a deep stack.

    The input has variance ``q_input`` per feature (it is not passed through ``φ``); then
    ``q_1 = fan_in·σ²·q_input`` and ``q_{l+1} = fan_in·σ²·E[φ(z_l)²]``. Exact in expectation for
    ReLU and linear layers; for tanh it is the wide-layer (mean-field) limit.

    >>> variance_map(3, 100, math.sqrt(2 / 100), "relu")
    array([2., 2., 2.])
    """
    depth = _validate.count("depth", depth)
    fan_in = _validate.count("fan_in", fan_in)
    std = _validate.positive("std", std)
    act = _activation(activation)
    gain = fan_in * std * std
    q = [gain * _validate.non_negative("q_input", q_input)]
    for _ in range(depth - 1):
        q.append(gain * float(second_moment(act, q[-1])))
    return np.array(q)


def gradient_map(depth: int, fan_in: int, std: float, activation: str, q_input: float = 1.0) -> np.ndarray:
    """Predicted variance of ``∂L/∂z_l`` for every layer, relative to the top layer's (= 1).

    Going back one layer multiplies it by ``fan_out·σ²·E[φ'(z)²]`` (square layers: ``fan_out =
    fan_in``), with ``z`` distributed as :func:`variance_map` predicts. Returns shape ``(depth,)``,
    layer 1 first; the last entry is 1.
    """
    q = variance_map(depth, fan_in, std, activation, q_input)
    act = _activation(activation)
    g = np.ones(depth)
    for layer in range(depth - 2, -1, -1):
        g[layer] = g[layer + 1] * fan_in * std * std * float(derivative_second_moment(act, q[layer]))
    return g


def deep_stack(depth: int, width: int, std: float, rng: Any = 0) -> list[np.ndarray]:
    """``depth`` square weight matrices ``(width, width)`` with entries ``N(0, std²)``."""
    depth = _validate.count("depth", depth)
    width = _validate.count("width", width)
    std = _validate.positive("std", std)
    gen = _validate.rng("rng", rng)
    return [gen.standard_normal((width, width)) * std for _ in range(depth)]


def stack_statistics(
    depth: int = 20,
    width: int = 128,
    activation: str = "tanh",
    std: float | None = None,
    scheme: str = "lecun",
    n: int = 64,
    seed: int = 0,
) -> dict[str, Any]:
    """Push a batch through a random deep stack and back, and measure every layer.

    The stack is ``z_l = h_{l−1} W_l``, ``h_l = φ(z_l)`` for ``l = 1 … depth`` (no biases), fed
    ``n`` inputs ``h_0`` with independent ``N(0, 1)`` features; the backward pass starts from a
    random upstream gradient ``∂L/∂h_depth`` with entries ``N(0, 1)/n`` (a mean over the batch),
    so that what happens to the gradient on its way down is the stack's doing alone.

    Parameters
    ----------
    depth, width : int
    activation : {"relu", "tanh", "linear"}
    std : float, optional
        The weights' standard deviation; by default the scheme's (:func:`init_std`).
    scheme : {"he", "lecun", "xavier"}
        Used when ``std`` is None.
    n : int
        Batch size.
    seed : int

    Returns
    -------
    dict
        Arrays of shape ``(depth,)``, layer 1 first, each measured and predicted (``*_theory``,
        from :func:`variance_map` and :func:`gradient_map`):

        * ``pre_std``: standard deviation of the pre-activations ``z_l``;
        * ``back_norm``: norm of ``∂L/∂h_{l−1}``, the gradient the backward pass hands from
          layer ``l`` down to the layer below (``l = 1``: the gradient at the input);
        * ``grad_norm``: Frobenius norm of ``∂L/∂W_l``, what an optimiser receives;

        and the floats ``std`` (the weights' standard deviation) and ``factor``: the backward
        factor ``fan_in·σ²·E[φ'(z)²]`` at the last layer (1: the gradient keeps its size; the
        gradient at the input is about ``factor^(depth−1)`` times the top's).
    """
    depth = _validate.count("depth", depth)
    width = _validate.count("width", width)
    n = _validate.count("n", n)
    act = _activation(activation)
    s = init_std(scheme, width, width, act) if std is None else _validate.positive("std", std)
    gen = np.random.default_rng(seed)
    Ws = deep_stack(depth, width, s, gen)
    x = gen.standard_normal((n, width))
    hs, zs = [x], []
    with np.errstate(over="ignore", invalid="ignore"):
        for W in Ws:
            z = hs[-1] @ W
            zs.append(z)
            hs.append(_phi(act, z))
        dh = gen.standard_normal((n, width)) / n
        grad_norm = np.empty(depth)
        back_norm = np.empty(depth)
        for layer in range(depth - 1, -1, -1):
            dz = dh * _dphi(act, zs[layer])
            grad_norm[layer] = np.linalg.norm(hs[layer].T @ dz)
            dh = dz @ Ws[layer].T
            back_norm[layer] = np.linalg.norm(dh)
    q = variance_map(depth, width, s, act, 1.0)
    e_dphi = np.asarray(derivative_second_moment(act, q), dtype=np.float64)  # E[φ'(z_l)²]
    # variance of ∂L/∂h_l per entry, from the top (1/n²) down: G_{l-1} = width·σ²·E[φ'²]·G_l
    G = np.empty(depth + 1)
    G[depth] = 1.0 / n**2
    for layer in range(depth, 0, -1):
        G[layer - 1] = width * s * s * e_dphi[layer - 1] * G[layer]
    m_in = np.concatenate([[1.0], np.asarray(second_moment(act, q[:-1]), dtype=np.float64)])
    return {
        "pre_std": np.array([float(np.std(z)) for z in zs]),
        "pre_std_theory": np.sqrt(q),
        "back_norm": back_norm,
        "back_norm_theory": np.sqrt(n * width * G[:depth]),
        "grad_norm": grad_norm,
        "grad_norm_theory": np.sqrt(n * width * width * m_in * G[1:] * e_dphi),
        "std": float(s),
        "factor": float(width * s * s * e_dphi[-1]),
    }
