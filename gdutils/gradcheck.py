"""Finite differences and gradient checking.

Notebook 01 builds the scalar difference quotients and a gradient checker; notebook 08 checks
layers with a numerical vector–Jacobian product. The functions here are the references::

    numerical_gradient(f, x)           # ∇f(x) by centred differences, x unchanged afterwards
    rel_error(analytic, numeric)       # max |a − b| / max(1e-8, |a| + |b|)
    numerical_vjp(f, x, dout)          # ∇ₓ Σ f(x) · dout, without forming the Jacobian
    check_layer(layer, x)              # {"dx": err, "W": err, ...} for a gdutils-style layer

Why centred differences: the forward difference ``(f(x+h) − f(x))/h`` has truncation error
O(h), the centred ``(f(x+h) − f(x−h))/(2h)`` O(h²); both have round-off error ~ ε·|f|/h. The
total error is smallest near h ≈ ε^{1/2} (forward) or ε^{1/3} ≈ 1e-5 (centred) in float64 —
hence the default ``h = 1e-5``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from gdutils import _validate

__all__ = [
    "forward_difference",
    "centred_difference",
    "numerical_gradient",
    "rel_error",
    "numerical_vjp",
    "check_layer",
    "check_loss",
]


# ---------------------------------------------------------------------------------------------
# Validation


def _check_point(x: Any) -> float:
    if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
        if isinstance(x, np.ndarray) and x.shape == () and x.dtype.kind in "fi":
            x = x[()]
        else:
            raise ValueError(
                f"x must be a real number (use numerical_gradient for arrays), got {x!r}"
            )
    if isinstance(x, np.floating) and x.dtype != np.float64:
        raise ValueError(f"x must be float64, got {x.dtype}: round-off in {x.dtype} is much larger")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"x must be finite, got {x}")
    return x


def _check_array(x: Any, name: str = "x") -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a float64 numpy array, got {type(x).__name__}")
    if x.dtype != np.float64:
        raise ValueError(f"{name} must have dtype float64, got {x.dtype}")
    if not x.flags.writeable:
        raise ValueError(f"{name} must be writeable: it is perturbed in place (and restored)")
    return x


def _scalar_output(value: Any) -> float:
    if isinstance(value, bool | np.bool_):
        raise ValueError(f"f must return a real number, got {value!r}")
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "fiu":
        return float(value)
    shape = getattr(value, "shape", None)
    raise ValueError(
        "f must return a single real number"
        + (
            f", got an array of shape {shape} (for vector outputs use numerical_vjp)"
            if shape is not None
            else f", got {type(value).__name__}"
        )
    )


# ---------------------------------------------------------------------------------------------
# Scalar difference quotients (notebook 01)


def forward_difference(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    r"""Forward difference ``(f(x + h) − f(x)) / h``.

    Truncation error ``h f''(x)/2 + O(h²)``: first order in h.

    Parameters
    ----------
    f : callable float -> float
    x : float
        The point (a finite float64 number).
    h : float, default 1e-5
        Step, > 0.
    """
    x = _check_point(x)
    h = _validate.positive("h", h)
    return (_scalar_output(f(x + h)) - _scalar_output(f(x))) / h


def centred_difference(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    r"""Centred difference ``(f(x + h) − f(x − h)) / (2h)``.

    Truncation error ``h² f'''(x)/6 + O(h⁴)``: second order in h, because the even terms of
    the two Taylor expansions cancel.

    Parameters
    ----------
    f : callable float -> float
    x : float
        The point (a finite float64 number).
    h : float, default 1e-5
        Step, > 0.
    """
    x = _check_point(x)
    h = _validate.positive("h", h)
    return (_scalar_output(f(x + h)) - _scalar_output(f(x - h))) / (2.0 * h)


# ---------------------------------------------------------------------------------------------
# Arrays


def _numerical_gradient(f: Callable[[np.ndarray], Any], x: np.ndarray, h: float) -> np.ndarray:
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            fp = _scalar_output(f(x))
            x[idx] = old - h
            fm = _scalar_output(f(x))
        finally:
            x[idx] = old  # restored even if f raises
        grad[idx] = (fp - fm) / (2.0 * h)
    return grad


def numerical_gradient(
    f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    r"""Gradient of a scalar function by centred differences, one coordinate at a time.

    .. math::

        \big(\nabla f(x)\big)_i \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}

    Parameters
    ----------
    f : callable ndarray -> float
        Called with ``x`` itself, perturbed in place, 2·x.size times.
    x : ndarray of float64, any shape
        The point. It is modified during the call and restored exactly afterwards, even if
        ``f`` raises.
    h : float, default 1e-5

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = _check_array(x)
    h = _validate.positive("h", h)
    return _numerical_gradient(f, x, h)


def _rel_error(a: Any, b: Any) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    for name, arr in (("a", a), ("b", b)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or inf: no relative error can be computed")
    if a.size == 0:
        return 0.0
    err = np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(err))


def rel_error(a: np.ndarray | float, b: np.ndarray | float) -> float:
    r"""Largest element-wise relative error between two arrays (or numbers) of the same shape.

    .. math::

        \max_i \frac{|a_i - b_i|}{\max(10^{-8},\ |a_i| + |b_i|)}

    Symmetric in ``a`` and ``b``, between 0 and 1, and scale-free as long as the entries are not
    tiny (the 1e-8 floor keeps two near-zero gradients from looking different). Rule of thumb
    for float64 gradient checks with centred differences: < 1e-7 is right, > 1e-3 is a bug.

    Raises
    ------
    ValueError
        If the shapes differ or an entry is NaN or infinite.
    """
    return _rel_error(a, b)


def _numerical_vjp(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float
) -> np.ndarray:
    def weighted(z: np.ndarray) -> float:
        out = f(z)
        if not isinstance(out, np.ndarray) or out.shape != dout.shape:
            raise ValueError(
                f"f(x) must be an array of the shape of dout {dout.shape}, got "
                + (f"shape {out.shape}" if isinstance(out, np.ndarray) else type(out).__name__)
            )
        return float(np.sum(out * dout))

    return _numerical_gradient(weighted, x, h)


def numerical_vjp(
    f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout: np.ndarray, h: float = 1e-5
) -> np.ndarray:
    r"""Numerical vector–Jacobian product ``doutᵀ J_f(x)``: the gradient of ``Σ f(x) ⊙ dout``.

    This is what a layer's ``backward(dout)`` must return, computed by centred differences
    without forming the Jacobian:

    .. math::

        \big(\text{vjp}\big)_i \approx
        \frac{\sum f(x + h e_i) \odot \text{dout} - \sum f(x - h e_i) \odot \text{dout}}{2h}

    Parameters
    ----------
    f : callable ndarray -> ndarray
        Returns an array of the shape of ``dout``; called with ``x`` perturbed in place.
    x : ndarray of float64
        Restored exactly afterwards, even if ``f`` raises. It may be a layer's parameter array
        (``f = lambda W: layer.forward(x_batch)``).
    dout : ndarray of float64
        The upstream gradient ∂L/∂f(x).
    h : float, default 1e-5

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = _check_array(x)
    dout = _check_array(np.asarray(dout) if not isinstance(dout, np.ndarray) else dout, "dout")
    h = _validate.positive("h", h)
    return _numerical_vjp(f, x, dout, h)


# ---------------------------------------------------------------------------------------------
# Checking layers


def _param_names(layer: Any, n: int) -> list[str]:
    names = list(getattr(layer, "param_names", ()) or ())
    if len(names) != n:
        names = [f"params[{i}]" for i in range(n)]
    return names


def check_layer(
    layer: Any,
    x: np.ndarray,
    rng: np.random.Generator | int | None = None,
    h: float = 1e-5,
) -> dict[str, float]:
    """Compare a layer's ``backward`` with numerical vector–Jacobian products.

    Runs ``out = layer.forward(x)``, draws a random upstream gradient ``dout`` (standard normal,
    shape of ``out``), calls ``dx = layer.backward(dout)``, and compares ``dx`` and each entry
    of ``layer.grads`` with :func:`numerical_vjp` with respect to ``x`` and to each entry of
    ``layer.params``.

    Parameters
    ----------
    layer : object with ``forward``, ``backward`` and (optionally) ``params``/``grads``
        A gdutils-style layer (including :class:`gdutils.nn.Sequential`).
    x : ndarray of float64
        An input batch (not modified).
    rng : numpy Generator, int or None
        Source of ``dout``; ``None`` means ``np.random.default_rng(0)``.
    h : float, default 1e-5

    Returns
    -------
    dict
        ``{"dx": rel_error, "<param name>": rel_error, ...}``; names come from
        ``layer.param_names`` when it has one (``"W"``, ``"b"``; ``"0.W"`` in a Sequential),
        else ``"params[i]"``.
    """
    x = _check_array(x)
    h = _validate.positive("h", h)
    if rng is None:
        rng = np.random.default_rng(0)
    elif not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    x_work = x.copy()
    out = np.asarray(layer.forward(x_work))
    dout = rng.standard_normal(out.shape)
    dx = np.array(layer.backward(dout), dtype=np.float64, copy=True)
    params = list(getattr(layer, "params", []))
    grads = [np.array(g, dtype=np.float64, copy=True) for g in getattr(layer, "grads", [])]
    if len(grads) != len(params):
        raise ValueError(f"layer.grads has {len(grads)} entries but layer.params has {len(params)}")
    if dx.shape != x.shape:
        raise ValueError(f"layer.backward returned shape {dx.shape}, expected x's {x.shape}")
    errors = {"dx": _rel_error(dx, _numerical_vjp(layer.forward, x_work, dout, h))}
    for name, p, g in zip(_param_names(layer, len(params)), params, grads, strict=True):
        if g.shape != p.shape:
            raise ValueError(f"gradient {name} has shape {g.shape}, its parameter {p.shape}")
        num = _numerical_vjp(lambda _p: layer.forward(x_work), p, dout, h)
        errors[name] = _rel_error(g, num)
    # leave the layer's cache as the caller's input made it
    layer.forward(x_work)
    layer.backward(dout)
    return errors


def check_loss(
    loss: Any, pred: np.ndarray, target: Any, h: float = 1e-5, dout: float = 1.0
) -> float:
    """Relative error between a loss's ``backward(dout)`` and the numerical gradient.

    ``loss.forward(pred, target)`` must return a number; ``pred`` is not modified.
    """
    pred = _check_array(pred, "pred")
    h = _validate.positive("h", h)
    work = pred.copy()
    loss.forward(work, target)
    analytic = np.array(loss.backward(dout), dtype=np.float64, copy=True)
    numeric = _numerical_gradient(lambda z: dout * loss.forward(z, target), work, h)
    loss.forward(work, target)
    return _rel_error(analytic, numeric)


# ---------------------------------------------------------------------------------------------
# Error against step size: the V shape of notebook 01
#
# Truncation error falls like hᵖ as h shrinks (p = 1 forward, p = 2 centred); round-off error
# grows like ε/h, because f(x ± h) carry a relative error of about ε and their difference is
# divided by h. On log–log axes the two make a V whose bottom sits near h* ≈ ε^{1/(p+1)}.

_ORDERS = {"forward": 1, "centred": 2}
_DTYPES = {"float64": np.float64, "float32": np.float32}


def _check_method(method: Any) -> int:
    if method not in _ORDERS:
        raise ValueError(f"method must be 'forward' or 'centred', got {method!r}")
    return _ORDERS[method]


def _check_dtype(dtype: Any) -> type:
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    return _DTYPES[name]


def optimal_step(method: str = "centred", dtype: Any = "float64") -> float:
    r"""The step that balances truncation against round-off: ``ε^{1/(p+1)}``.

    A difference quotient of order ``p`` (forward ``p = 1``, centred ``p = 2``) has error about
    ``C₁ hᵖ + C₂ ε/h``; the minimum is at ``h* = (C₂ ε / (p C₁))^{1/(p+1)}``. For a function
    whose value and derivatives are of order one near ``x`` the constants are of order one and
    ``h* ≈ ε^{1/(p+1)}``: ``√ε ≈ 1.5e-8`` (forward) and ``∛ε ≈ 6.1e-6`` (centred) in float64,
    ``3.5e-4`` and ``4.9e-3`` in float32. Far from ``x = 0`` scale it by ``|x|``.

    Parameters
    ----------
    method : {"forward", "centred"}
    dtype : {"float64", "float32"}
        The precision the function is evaluated in; ``ε = np.finfo(dtype).eps``.

    Returns
    -------
    float

    >>> round(optimal_step("forward") / 1e-8, 3), round(optimal_step("centred") / 1e-6, 3)
    (1.49, 6.055)
    """
    p = _check_method(method)
    eps = float(np.finfo(_check_dtype(dtype)).eps)
    return eps ** (1.0 / (p + 1))


def difference_errors(
    f: Callable[[Any], Any],
    df: Callable[[Any], Any],
    x: Any,
    hs: Any,
    method: str = "centred",
    dtype: Any = "float64",
) -> np.ndarray:
    r"""Absolute error ``|D_h f(x) − f'(x)|`` of a difference quotient, for each step in ``hs``.

    ``D_h`` is the forward ``(f(x+h) − f(x))/h`` or the centred ``(f(x+h) − f(x−h))/(2h)``
    difference, evaluated entirely in ``dtype`` (``x`` and ``h`` are rounded to it first); the
    exact derivative ``df(x)`` is evaluated in float64.

    Round-off makes the error at one point jagged (lucky cancellations); pass several points
    near ``x`` and take the median over them for the typical error::

        errs = difference_errors(np.sin, np.cos, np.linspace(0.9, 1.1, 101), hs)
        typical = np.median(errs, axis=1)

    Parameters
    ----------
    f : callable
        Vectorised over arrays, and computing in the dtype it is given (numpy functions do).
    df : callable
        The exact derivative, vectorised.
    x : float or array_like of shape (m,)
        The point(s), finite.
    hs : array_like of shape (k,)
        Positive, finite step sizes.
    method : {"forward", "centred"}
    dtype : {"float64", "float32"}

    Returns
    -------
    ndarray of shape (k,) for a single point, (k, m) for m points; float64

    Raises
    ------
    ValueError
        For a bad method, dtype, point or step, or an ``f`` that does not compute in ``dtype``.

    >>> hs = np.array([1e-1, 1e-2])
    >>> np.round(difference_errors(lambda z: z**3, lambda z: 3 * z**2, 2.0, hs), 12)
    array([0.01  , 0.0001])
    """
    _check_method(method)
    dt = _check_dtype(dtype)
    xs = np.asarray(x, dtype=np.float64)
    if xs.ndim > 1 or xs.size == 0 or not np.all(np.isfinite(xs)):
        raise ValueError(f"x must be a finite number or a 1-D array of points, got shape {xs.shape}")
    h_arr = np.asarray(hs, dtype=np.float64)
    if h_arr.ndim != 1 or h_arr.size == 0 or not np.all(np.isfinite(h_arr)) or np.any(h_arr <= 0):
        raise ValueError(f"hs must be a 1-D array of positive, finite steps, got shape {h_arr.shape}")
    pts = np.atleast_1d(xs)
    exact = np.asarray(df(pts.copy()), dtype=np.float64)
    if exact.shape != pts.shape:
        raise ValueError(f"df must be vectorised: df(x) for x of shape {pts.shape} gave {exact.shape}")
    xd = pts.astype(dt)

    def at(z: np.ndarray) -> np.ndarray:
        value = np.asarray(f(z))
        if value.shape != z.shape:
            raise ValueError(f"f must be vectorised: f(x) for x of shape {z.shape} gave {value.shape}")
        if value.dtype != dt:
            raise ValueError(
                f"f must compute in {np.dtype(dt).name} when given {np.dtype(dt).name} numbers "
                f"(use numpy functions such as np.sin), but it returned {value.dtype}"
            )
        return value

    out = np.empty((h_arr.size, pts.size))
    for i, h in enumerate(h_arr):
        hd = dt(h)
        if method == "forward":
            estimate = (at(xd + hd) - at(xd)) / hd
        else:
            estimate = (at(xd + hd) - at(xd - hd)) / (dt(2) * hd)
        out[i] = np.abs(estimate.astype(np.float64) - exact)
    return out[:, 0] if xs.ndim == 0 else out
