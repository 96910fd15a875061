"""Reference descent loops: plain gradient descent (1-D and n-D), heavy ball, Nesterov, and any
:mod:`gdutils.optim` optimiser run on a test function.

Every loop returns a :class:`DescentResult` whose ``path`` *includes the starting point*, so
``path[k]`` is the iterate after ``k`` steps and ``len(path) == n_iter + 1``. The loops

* never modify the caller's ``x0`` (they work on a float64 copy);
* stop when the gradient norm falls to ``tol`` (status ``"converged"``) or after the step budget
  (status ``"max_iter"``);
* detect divergence (a non-finite value, or ``|x|`` beyond ``divergence_threshold``) and either
  raise :class:`DivergenceError` (``on_divergence="raise"``, the default) or return the path up
  to the blow-up with status ``"diverged"`` (``on_divergence="stop"``, what explorers use to draw
  it). No result ever contains NaN.

The learning rate may be a number or a schedule ``lr(t)`` of the step index ``t = 0, 1, …``.

>>> from gdutils.functions import square
>>> fn = square()
>>> res = gradient_descent_1d(fn.df, x0=10.0, lr=0.2, n_steps=10)
>>> round(res.x, 7), res.n_iter, res.path.shape
(0.0604662, 10, (11,))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gdutils import _validate

__all__ = [
    "DescentResult",
    "DivergenceError",
    "gradient_descent_1d",
    "gradient_descent",
    "run_optimizer",
    "heavy_ball",
    "nesterov",
    "newton",
    "armijo_step",
    "LineSearchResult",
    "backtracking",
]

STATUSES = ("converged", "max_iter", "diverged")

LearningRate = float | Callable[[int], float]


@dataclass(frozen=True, eq=False)
class DescentResult:
    """The outcome of a descent run.

    Attributes
    ----------
    x : ndarray of shape (d,), or float for the 1-D loop
        The last iterate (the last finite one if the run diverged).
    path : ndarray of shape (k + 1, d), or (k + 1,) for the 1-D loop
        Every iterate, starting with ``x0``: ``path[0] == x0`` and ``path[-1] == x``.
    losses : ndarray of shape (k + 1,) or None
        ``f`` at every iterate, when ``f`` was given.
    n_iter : int
        Number of steps taken, ``k = len(path) − 1``.
    status : {"converged", "max_iter", "diverged"}
    message : str
        A sentence saying why the loop stopped (with a hint when it diverged).

    The arrays are read-only: copy them (``res.path.copy()``) to modify.
    """

    x: Any
    path: np.ndarray
    losses: np.ndarray | None
    n_iter: int
    status: str
    message: str

    @property
    def converged(self) -> bool:
        return self.status == "converged"

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    def __repr__(self) -> str:
        x = self.x if np.ndim(self.x) == 0 else np.array2string(np.asarray(self.x), precision=6)
        return f"DescentResult(status={self.status!r}, n_iter={self.n_iter}, x={x})"


class DivergenceError(ArithmeticError):
    """A descent loop diverged; ``.result`` holds the path up to the blow-up."""

    def __init__(self, message: str, result: DescentResult) -> None:
        super().__init__(message)
        self.result = result


# --------------------------------------------------------------------------------------------
# Validation helpers


def _check_lr(lr: Any) -> LearningRate:
    return lr if callable(lr) else _validate.positive("lr (a number, or a schedule lr(t))", lr)


def _lr_at(lr: LearningRate, t: int) -> float:
    if not callable(lr):
        return lr
    value = lr(t)
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"the schedule lr({t}) must return a number, got {value!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"the schedule returned lr({t}) = {value}; it must be finite and >= 0")
    return value


def _check_options(tol: Any, threshold: Any, on_divergence: Any) -> tuple[float | None, float]:
    if tol is not None:
        if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
            raise ValueError(f"tol must be None or a number >= 0, got {tol!r}")
        tol = float(tol)
    if isinstance(threshold, bool) or not isinstance(threshold, numbers.Real) or not threshold > 0:
        raise ValueError(f"divergence_threshold must be a positive number, got {threshold!r}")
    if on_divergence not in ("raise", "stop"):
        raise ValueError(f"on_divergence must be 'raise' or 'stop', got {on_divergence!r}")
    return tol, float(threshold)


def _as_vector(x0: ArrayLike) -> np.ndarray:
    x = np.array(x0, dtype=np.float64)  # np.array copies: the caller's x0 is never touched
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must have shape (d,), got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    return x


def _fmt(x: np.ndarray | float) -> str:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0 or a.size == 1:
        return f"{float(a.ravel()[0]):.6g}"
    return np.array2string(a, precision=4, max_line_width=200)


def _fd_hessian(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray) -> np.ndarray:
    d = x0.size
    H = np.empty((d, d))
    for i in range(d):
        h = 1e-5 * max(1.0, abs(float(x0[i])))
        e = np.zeros(d)
        e[i] = h
        H[:, i] = (np.asarray(grad(x0 + e), float) - np.asarray(grad(x0 - e), float)) / (2 * h)
    return H


def _max_curvature(grad: Callable[[np.ndarray], np.ndarray], x0: np.ndarray) -> float | None:
    """Largest eigenvalue of a centred-difference Hessian at ``x0`` (small d only), or None."""
    d = x0.size
    if d > 20:
        return None
    try:
        with np.errstate(all="ignore"):
            H = _fd_hessian(grad, x0)
        if not np.all(np.isfinite(H)):
            return None
        top = float(np.linalg.eigvalsh(0.5 * (H + H.T))[-1])
    except Exception:  # a hint is a courtesy: no hint rather than a second error
        return None
    return top if top > 0 else None


# --------------------------------------------------------------------------------------------
# The engine shared by every loop


@dataclass
class _Trace:
    """What one run of :func:`_descend` collected."""

    xs: list[np.ndarray]
    losses: list[float]
    gnorms: list[float]
    status: str = "max_iter"
    problem: str | None = None
    fail_step: int = 0


def _loss(f: Callable[[Any], Any], x: np.ndarray, scalar: bool) -> float:
    try:
        return float(f(x[0] if scalar else x.copy()))
    except OverflowError:
        return math.inf


def _iterate(x0: np.ndarray, n_steps: int, grad: Callable[[np.ndarray], np.ndarray],
             update: Callable[[int, np.ndarray, np.ndarray], np.ndarray],
             f: Callable[[Any], Any] | None, tol: float | None, threshold: float,
             scalar: bool) -> _Trace:
    """The loop ``x ← update(t, x, ∇f(x))`` with its stopping rules; never raises on divergence."""
    run = _Trace([x0.copy()], [], [])
    x = x0
    if f is not None:
        value = _loss(f, x, scalar)
        if not math.isfinite(value):
            raise ValueError(f"f(x0) is not finite ({value}): choose another x0")
        run.losses.append(value)
    for t in range(n_steps):
        run.fail_step = t + 1
        try:
            g = grad(x)
        except OverflowError:
            run.problem = "the gradient overflowed"
            return run
        # np.linalg.norm of a vector is this sqrt of a dot product; a finite norm means every
        # entry is finite, so only an infinite or NaN norm needs the entry-wise check
        gn = math.sqrt(float(g.dot(g)))
        if not math.isfinite(gn) and not np.all(np.isfinite(g)):
            run.problem = f"the gradient at x = {_fmt(x)} is not finite"
            return run
        run.gnorms.append(gn)
        if tol is not None and gn <= tol:
            run.status = "converged"
            return run
        x_new = update(t, x, g)
        peak = float(np.max(np.abs(x_new)))  # NaN or inf exactly when an entry is
        if not math.isfinite(peak):
            run.problem = f"x became {_fmt(x_new)} (not finite) after x = {_fmt(x)}"
            return run
        value = _loss(f, x_new, scalar) if f is not None else 0.0
        if peak > threshold:
            run.xs.append(x_new.copy())  # finite, so it may be drawn: it shows the blow-up
            if f is not None:
                run.losses.append(value if math.isfinite(value) else math.inf)
            run.problem = f"|x| = {peak:.3g} exceeds {threshold:.3g}"
            return run
        if not math.isfinite(value):
            run.problem = f"f(x) is not finite at x = {_fmt(x_new)}"
            return run
        if f is not None:
            run.losses.append(value)
        x = x_new
        run.xs.append(x.copy())
    if tol is not None:  # the budget ran out: did the last step reach the tolerance?
        try:
            gn = float(np.linalg.norm(grad(x)))
        except OverflowError:
            gn = math.inf
        if math.isfinite(gn):
            run.gnorms.append(gn)
            if gn <= tol:
                run.status = "converged"
    return run


def _message(algorithm: str, run: _Trace, n_iter: int, tol: float | None, scalar: bool,
             hint: Callable[[], str]) -> str:
    """What a learner reads about the run: converged, out of budget, or why it diverged."""
    name = "|f'(x)|" if scalar else "‖∇f(x)‖"
    g = run.gnorms
    if run.status == "converged":
        return f"{algorithm} converged after {n_iter} steps: {name} = {g[-1]:.3g} <= tol = {tol:g}."
    if run.status == "max_iter":
        message = f"{algorithm} stopped after {n_iter} steps (the step budget)"
        message += f"; {name} = {g[-1]:.3g}." if g else "."
        if len(g) >= 4 and g[-1] > 2 * g[0] and g[-1] > g[-2] > g[-3]:
            message += (f" The gradient grew from {g[0]:.3g} to {g[-1]:.3g}: the iteration "
                        "looks unstable (is lr too large?).")
        return message
    assert run.problem is not None
    if n_iter == 0 and run.problem.startswith("the gradient"):
        return (f"{algorithm} stopped at step 1: {run.problem}. The gradient is not finite at "
                "the starting point: check the gradient function, or start elsewhere.")
    return f"{algorithm} diverged at step {run.fail_step}: {run.problem}. {hint()}"


def _descend(*, algorithm: str, x0: np.ndarray, n_steps: int,
             grad: Callable[[np.ndarray], np.ndarray],
             update: Callable[[int, np.ndarray, np.ndarray], np.ndarray],
             f: Callable[[np.ndarray], Any] | None, tol: float | None, threshold: float,
             on_divergence: str, hint: Callable[[], str], scalar: bool) -> DescentResult:
    """Run ``x ← update(t, x, ∇f(x))`` with stopping rules; ``x`` is a (d,) float64 array."""
    # Overflow inside a diverging user function is expected here and detected by the loop; numpy
    # warnings would only clutter the output (and fail an nbgrader test cell).
    with np.errstate(all="ignore"):
        run = _iterate(x0, n_steps, grad, update, f, tol, threshold, scalar)
    if run.problem is not None:
        run.status = "diverged"
    # an infinite loss recorded with the last (finite, beyond-threshold) point is dropped with it
    if run.losses and not math.isfinite(run.losses[-1]):
        run.losses.pop()
        run.xs.pop()
    path = np.array(run.xs, dtype=np.float64)
    n_iter = len(path) - 1
    message = _message(algorithm, run, n_iter, tol, scalar, hint)
    last = path[-1]
    path.setflags(write=False)
    loss_arr = None
    if f is not None:
        loss_arr = np.array(run.losses, dtype=np.float64)
        loss_arr.setflags(write=False)
    if scalar:
        path = path[:, 0]
        result_x: Any = float(last[0])
    else:
        result_x = last.copy()
        result_x.setflags(write=False)
    result = DescentResult(x=result_x, path=path, losses=loss_arr, n_iter=n_iter,
                           status=run.status, message=message)
    if run.status == "diverged" and on_divergence == "raise":
        raise DivergenceError(message, result)
    return result


def _gradient_steps(g: Callable[[np.ndarray], np.ndarray], start: np.ndarray, lr: LearningRate,
                    n_steps: int, tol: float | None, f: Callable[[Any], Any] | None,
                    threshold: float, on_divergence: str, scalar: bool) -> DescentResult:
    """Plain gradient descent ``x ← x − η_t ∇f(x)``: the body of both public loops."""

    def update(t: int, x: np.ndarray, gx: np.ndarray) -> np.ndarray:
        return x - _lr_at(lr, t) * gx

    return _descend(algorithm="gradient descent", x0=start, n_steps=n_steps, grad=g,
                    update=update, f=f, tol=tol, threshold=threshold,
                    on_divergence=on_divergence, hint=_lr_hint(lr, g, start, 2.0, "2/L"),
                    scalar=scalar)


def _lr_hint(
    lr: LearningRate,
    grad: Callable[[np.ndarray], np.ndarray],
    x0: np.ndarray,
    factor: float,
    bound_text: str,
) -> Callable[[], str]:
    def hint() -> str:
        if callable(lr):
            return "The schedule's step sizes are too large for this problem: scale it down."
        L = _max_curvature(grad, x0)
        if L is None:
            return f"lr = {lr:g} is probably too large: try lr / 10."
        bound = factor / L
        if lr >= bound:
            return (
                f"lr = {lr:g} is too large; for this problem lr must be below {bound:.4g} "
                f"({bound_text}, where L = {L:.4g} is the largest curvature at the start)."
            )
        return f"lr = {lr:g} is probably too large for this problem: try lr / 10."

    return hint


def _vector_grad(
    grad: Callable[..., Any], d: int, scalar: bool
) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap the caller's gradient: pass it a copy, check what it returns."""
    if not callable(grad):
        raise ValueError(f"the gradient must be a callable, got {grad!r}")

    if scalar:

        def g1(x: np.ndarray) -> np.ndarray:
            value = grad(np.float64(x[0]))
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ValueError(
                    f"df(x) must return one number, got {type(value).__name__}"
                    + (f" of shape {np.shape(value)}" if np.ndim(value) else "")
                ) from None
            return np.array([value])

        return g1

    def gd(x: np.ndarray) -> np.ndarray:
        value = np.asarray(grad(x.copy()), dtype=np.float64)
        if value.shape != (d,):
            raise ValueError(f"grad(x) must return an array of shape ({d},), got {value.shape}")
        return value

    return gd


# --------------------------------------------------------------------------------------------
# Public loops


def gradient_descent_1d(
    df: Callable[[float], float],
    x0: float,
    lr: LearningRate,
    n_steps: int,
    tol: float | None = None,
    f: Callable[[float], float] | None = None,
    *,
    divergence_threshold: float = 1e12,
    on_divergence: str = "raise",
) -> DescentResult:
    """Gradient descent on a function of one variable: ``x ← x − η f'(x)``.

    Parameters
    ----------
    df : callable
        The derivative ``f'``: a number in, a number out.
    x0 : float
        Starting point.
    lr : float or callable
        Step size ``η > 0``, or a schedule ``lr(t)`` for steps ``t = 0, 1, …``.
    n_steps : int
        Step budget.
    tol : float, optional
        Stop as soon as ``|f'(x)| <= tol`` (checked before each step and at the end).
    f : callable, optional
        The function itself; when given, ``result.losses[k] = f(path[k])``.
    divergence_threshold : float
        ``|x|`` above this counts as divergence (so does a non-finite value).
    on_divergence : {"raise", "stop"}
        Raise :class:`DivergenceError` (default) or return the result with status "diverged".

    Returns
    -------
    DescentResult
        ``x`` is a float and ``path`` has shape ``(n_iter + 1,)``, starting with ``x0``.

    Examples
    --------
    On ``f(x) = x²`` each step multiplies ``x`` by ``1 − 2η``:

    >>> round(gradient_descent_1d(lambda x: 2 * x, 10.0, 0.05, 10).x, 7)  # 10 · 0.9¹⁰
    3.4867844
    """
    if isinstance(x0, bool) or not isinstance(x0, numbers.Real | np.ndarray) or np.ndim(x0) != 0:
        raise ValueError(f"x0 must be a single number, got {x0!r}")
    start = np.array([float(x0)])
    if not math.isfinite(start[0]):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    n_steps = _validate.count("n_steps", n_steps, 0)
    lr = _check_lr(lr)
    tol, threshold = _check_options(tol, divergence_threshold, on_divergence)
    g = _vector_grad(df, 1, scalar=True)
    return _gradient_steps(g, start, lr, n_steps, tol, f, threshold, on_divergence, scalar=True)


def gradient_descent(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    lr: LearningRate,
    max_iter: int = 1000,
    tol: float | None = 1e-8,
    f: Callable[[np.ndarray], float] | None = None,
    *,
    divergence_threshold: float = 1e12,
    on_divergence: str = "raise",
) -> DescentResult:
    """Gradient descent in n dimensions: ``x ← x − η ∇f(x)``.

    Parameters
    ----------
    grad : callable
        ``∇f``: an array of shape ``(d,)`` in (a copy: it may be modified), shape ``(d,)`` out.
    x0 : array_like, shape (d,)
        Starting point (copied as float64, never modified).
    lr : float or callable
        Step size ``η > 0`` or a schedule ``lr(t)``.
    max_iter : int
        Step budget.
    tol : float or None
        Stop when ``‖∇f(x)‖ <= tol``; ``None`` runs all ``max_iter`` steps.
    f : callable, optional
        When given, ``result.losses[k] = f(path[k])``.
    divergence_threshold, on_divergence
        As in :func:`gradient_descent_1d`.

    Returns
    -------
    DescentResult
        ``path`` has shape ``(n_iter + 1, d)`` and starts with ``x0``.
    """
    x = _as_vector(x0)
    max_iter = _validate.count("max_iter", max_iter, 0)
    lr = _check_lr(lr)
    tol, threshold = _check_options(tol, divergence_threshold, on_divergence)
    g = _vector_grad(grad, x.size, scalar=False)
    return _gradient_steps(g, x, lr, max_iter, tol, f, threshold, on_divergence, scalar=False)


def run_optimizer(
    make_opt: Callable[[list[np.ndarray]], Any],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    n_steps: int,
    f: Callable[[np.ndarray], float] | None = None,
    *,
    tol: float | None = None,
    divergence_threshold: float = 1e12,
    on_divergence: str = "raise",
) -> DescentResult:
    """Run a :mod:`gdutils.optim` optimiser (or anything with its interface) on a function.

    ``opt = make_opt([x])`` receives the single parameter array ``x`` (a float64 copy of ``x0``)
    and each step calls ``opt.step([grad(x)])``, which updates ``x`` in place — the contract of
    ``gdutils.optim``. Used for optimiser races::

        run_optimizer(lambda p: optim.Adam(p, lr=0.1), fn.grad, [-1.5, 2.0], 500, f=fn)

    Parameters
    ----------
    make_opt : callable
        Builds the optimiser from the parameter list.
    grad, x0, f, tol, divergence_threshold, on_divergence
        As in :func:`gradient_descent`; ``tol=None`` (the default) runs all ``n_steps``.
    n_steps : int
        Step budget.
    """
    x = _as_vector(x0)
    n_steps = _validate.count("n_steps", n_steps, 0)
    tol, threshold = _check_options(tol, divergence_threshold, on_divergence)
    g = _vector_grad(grad, x.size, scalar=False)
    param = x.copy()
    opt = make_opt([param])
    if not callable(getattr(opt, "step", None)):
        raise ValueError(
            f"make_opt must return an optimiser with a .step(grads) method, got {opt!r}"
        )
    name = type(opt).__name__

    def update(t: int, xt: np.ndarray, gt: np.ndarray) -> np.ndarray:
        before = param.copy()
        opt.step([gt.copy()])
        if t == 0 and np.array_equal(param, before) and np.any(gt != 0):
            raise ValueError(
                f"{name}.step did not change the parameter although the gradient is non-zero: "
                "the optimiser must update the arrays it was given in place"
            )
        return param.copy()

    def hint() -> str:
        lr = getattr(opt, "lr", None)
        return (
            f"{name} with lr = {lr:g} is unstable here: try a smaller lr."
            if isinstance(lr, numbers.Real)
            else "Try a smaller learning rate."
        )

    return _descend(
        algorithm=name,
        x0=x,
        n_steps=n_steps,
        grad=g,
        update=update,
        f=f,
        tol=tol,
        threshold=threshold,
        on_divergence=on_divergence,
        hint=hint,
        scalar=False,
    )


def _momentum(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    lr: LearningRate,
    beta: float,
    n_steps: int,
    f: Callable[[np.ndarray], float] | None,
    tol: float | None,
    divergence_threshold: float,
    on_divergence: str,
    nesterov: bool,
) -> DescentResult:
    x = _as_vector(x0)
    n_steps = _validate.count("n_steps", n_steps, 0)
    lr = _check_lr(lr)
    beta = _validate.non_negative("beta", beta)
    tol, threshold = _check_options(tol, divergence_threshold, on_divergence)
    g = _vector_grad(grad, x.size, scalar=False)
    buf = np.zeros_like(x)

    def update(t: int, xt: np.ndarray, gt: np.ndarray) -> np.ndarray:
        nonlocal buf
        # torch: the buffer starts as the first gradient, then b ← βb + g
        buf = gt.copy() if t == 0 else beta * buf + gt
        direction = gt + beta * buf if nesterov else buf
        return xt - _lr_at(lr, t) * direction

    return _descend(
        algorithm="Nesterov momentum" if nesterov else "heavy-ball momentum",
        x0=x,
        n_steps=n_steps,
        grad=g,
        update=update,
        f=f,
        tol=tol,
        threshold=threshold,
        on_divergence=on_divergence,
        hint=_lr_hint(lr, g, x, 2.0 + 2.0 * beta, f"(2 + 2β)/L with β = {beta:g}")
        if not nesterov
        else _lr_hint(lr, g, x, 2.0, "about 2/L"),
        scalar=False,
    )


def heavy_ball(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    lr: LearningRate,
    beta: float,
    n_steps: int,
    f: Callable[[np.ndarray], float] | None = None,
    *,
    tol: float | None = None,
    divergence_threshold: float = 1e12,
    on_divergence: str = "raise",
) -> DescentResult:
    """Heavy-ball momentum in torch's convention (``torch.optim.SGD(momentum=β)``).

    ``b₁ = g₁``, then ``b ← βb + g`` and ``x ← x − lr·b``. With a constant step this is Polyak's
    ``x₊ = x − lr ∇f(x) + β(x − x₋)``; it converges on a quadratic iff ``0 < lr·λ < 2 + 2β``
    for every eigenvalue λ (see :func:`gdutils.theory.heavy_ball_stable`).

    Parameters are as in :func:`gradient_descent`, plus ``beta >= 0`` (the momentum) and the
    step budget ``n_steps``; ``tol=None`` (default) runs every step.
    """
    return _momentum(
        grad, x0, lr, beta, n_steps, f, tol, divergence_threshold, on_divergence, False
    )


def nesterov(
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    lr: LearningRate,
    beta: float,
    n_steps: int,
    f: Callable[[np.ndarray], float] | None = None,
    *,
    tol: float | None = None,
    divergence_threshold: float = 1e12,
    on_divergence: str = "raise",
) -> DescentResult:
    """Nesterov momentum in torch's convention (``SGD(momentum=β, nesterov=True)``).

    ``b₁ = g₁``, then ``b ← βb + g`` and ``x ← x − lr·(g + βb)``: the look-ahead is folded into
    the update, so the gradient is evaluated at the current iterate only.
    """
    return _momentum(grad, x0, lr, beta, n_steps, f, tol, divergence_threshold, on_divergence, True)


# --------------------------------------------------------------------------------------------
# Second-order information and line searches


def newton(
    grad: Callable[[np.ndarray], np.ndarray],
    hessian: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    n_steps: int,
    f: Callable[[np.ndarray], float] | None = None,
    *,
    tol: float | None = None,
    divergence_threshold: float = 1e12,
    on_divergence: str = "raise",
) -> DescentResult:
    """Newton's method: ``x ← x − H(x)⁻¹ ∇f(x)`` (solved with ``np.linalg.solve``, no inverse).

    It is gradient descent *preconditioned* by the Hessian: on a quadratic with positive-definite
    ``H`` one step lands on the minimum, whatever κ. The price: forming and solving with the
    ``d × d`` Hessian costs about ``d³/3`` operations per step (a gradient costs about ``d``),
    and the step jumps to the nearest stationary point of the local quadratic model, *whatever
    its kind*: at a saddle of ``f`` the model's stationary point is the saddle, so Newton is
    attracted to it (``f(x, y) = x² − y²``: one step from anywhere lands on ``(0, 0)``). A
    singular Hessian stops the run (status ``"diverged"``).

    Parameters are as in :func:`gradient_descent`, plus ``hessian(x)`` returning ``(d, d)``.
    """
    x = _as_vector(x0)
    n_steps = _validate.count("n_steps", n_steps, 0)
    tol, threshold = _check_options(tol, divergence_threshold, on_divergence)
    if not callable(hessian):
        raise ValueError(f"hessian must be a callable, got {hessian!r}")
    g = _vector_grad(grad, x.size, scalar=False)
    d = x.size

    def update(t: int, xt: np.ndarray, gt: np.ndarray) -> np.ndarray:
        H = np.asarray(hessian(xt.copy()), dtype=np.float64)
        if H.shape != (d, d):
            raise ValueError(f"hessian(x) must return an array of shape ({d}, {d}), got {H.shape}")
        try:
            return xt - np.linalg.solve(H, gt)
        except np.linalg.LinAlgError:
            return np.full(d, np.nan)  # a singular Hessian: the loop reports it

    return _descend(algorithm="Newton's method", x0=x, n_steps=n_steps, grad=g, update=update,
                    f=f, tol=tol, threshold=threshold, on_divergence=on_divergence,
                    hint=lambda: "The Hessian is singular (or nearly) here: Newton's step is not "
                    "defined. Start elsewhere, or add a multiple of the identity to H.",
                    scalar=False)


def armijo_step(
    f: Callable[[np.ndarray], float],
    x: ArrayLike,
    g: ArrayLike,
    lr0: float = 1.0,
    shrink: float = 0.5,
    c: float = 1e-4,
    max_shrinks: int = 60,
) -> tuple[np.ndarray, float]:
    """One gradient step whose size is found by Armijo backtracking.

    Try ``η = lr0, lr0·shrink, lr0·shrink², …`` and accept the first that decreases ``f``
    *sufficiently*:

    ``f(x − ηg) <= f(x) − c·η·‖g‖²``

    (a non-finite ``f(x − ηg)`` is never accepted). A step of this size exists whenever ``f`` is
    smooth and ``g = ∇f(x) ≠ 0``: for an ``L``-smooth ``f`` every ``η <= 2(1 − c)/L`` passes, so
    the search needs no knowledge of ``λmax``, and the accepted step is never below
    ``shrink·2(1 − c)/L`` (unless ``lr0`` is smaller).

    Parameters
    ----------
    f : callable
        The function, ``(d,)`` in, a number out.
    x, g : array_like, shape (d,)
        The point and the gradient there (neither is modified).
    lr0 : float, default 1.0
        The first step size tried.
    shrink : float, default 0.5
        Factor in (0, 1).
    c : float, default 1e-4
        Sufficient-decrease constant in (0, 1).
    max_shrinks : int, default 60
        Give up (``ValueError``) after this many reductions: ``g`` is probably not a gradient.

    Returns
    -------
    (x_new, lr) : (ndarray of shape (d,), float)
    """
    xv = np.array(x, dtype=np.float64)
    gv = np.array(g, dtype=np.float64)
    if xv.ndim != 1 or gv.shape != xv.shape:
        raise ValueError(f"x and g must have the same shape (d,), got {xv.shape} and {gv.shape}")
    lr = _validate.positive("lr0", lr0)
    shrink = _validate.positive("shrink", shrink)
    c = _validate.positive("c", c)
    if shrink >= 1 or c >= 1:
        raise ValueError(f"shrink and c must lie in (0, 1), got shrink={shrink}, c={c}")
    max_shrinks = _validate.count("max_shrinks", max_shrinks, 0)
    fx = float(f(xv.copy()))
    if not math.isfinite(fx):
        raise ValueError(f"f(x) is not finite ({fx}) at the starting point of the line search")
    gg = float(gv @ gv)
    with np.errstate(all="ignore"):
        for _ in range(max_shrinks + 1):
            x_new = xv - lr * gv
            if gg > 0 and np.array_equal(x_new, xv):
                break  # the step no longer moves x: g does not point downhill
            try:
                value = float(f(x_new.copy()))
            except OverflowError:
                value = math.inf
            if value <= fx - c * lr * gg:  # False for NaN and inf
                return x_new, lr
            lr *= shrink
    raise ValueError(f"no step size down to {lr:.3g} decreased f sufficiently: is g the gradient of "
                     "f at x?")


@dataclass(frozen=True, eq=False)
class LineSearchResult(DescentResult):
    """A :class:`DescentResult` with the step size each step accepted (``lrs[k]`` took
    ``path[k]`` to ``path[k + 1]``)."""

    lrs: np.ndarray = field(default_factory=lambda: np.empty(0))


def backtracking(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x0: ArrayLike,
    lr0: float = 1.0,
    shrink: float = 0.5,
    c: float = 1e-4,
    max_iter: int = 1000,
    tol: float | None = 1e-8,
) -> LineSearchResult:
    """Gradient descent with an Armijo backtracking line search at every step.

    Each step starts its search from ``lr0`` again (:func:`armijo_step`). When ``λmax`` is not
    known — almost always, outside a textbook quadratic — this replaces the step-size bound
    ``2/λmax`` by trial and error that costs a few extra evaluations of ``f`` per step.
    """
    x = _as_vector(x0)
    max_iter = _validate.count("max_iter", max_iter, 0)
    tol, threshold = _check_options(tol, 1e12, "raise")
    g = _vector_grad(grad, x.size, scalar=False)
    lrs: list[float] = []

    def update(t: int, xt: np.ndarray, gt: np.ndarray) -> np.ndarray:
        x_new, lr = armijo_step(f, xt, gt, lr0, shrink, c)
        lrs.append(lr)
        return x_new

    res = _descend(algorithm="gradient descent with backtracking", x0=x, n_steps=max_iter,
                   grad=g, update=update, f=f, tol=tol, threshold=threshold,
                   on_divergence="raise", hint=lambda: "", scalar=False)
    steps = np.array(lrs[: res.n_iter], dtype=np.float64)
    steps.setflags(write=False)
    return LineSearchResult(**{fl.name: getattr(res, fl.name) for fl in fields(DescentResult)},
                            lrs=steps)
