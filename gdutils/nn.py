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
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

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
