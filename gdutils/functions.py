"""Test functions for gradient descent: value, gradient, Hessian and known minima.

Two kinds of object live here.

:class:`TestFunction` (n-dimensional, mostly 2-D) is what notebooks 03, 10 and 11 descend on::

    >>> fn = rosenbrock()
    >>> float(fn([1.0, 1.0]))
    0.0
    >>> fn.grad([1.0, 1.0])
    array([0., 0.])
    >>> fn.hessian([1.0, 1.0])
    array([[ 802., -400.],
           [-400.,  200.]])

Every method is vectorised over leading axes: ``fn(x)`` maps ``x`` of shape ``(..., d)`` to
``(...)``, so a whole contour grid is one call (``fn(np.stack([X, Y], axis=-1))``); ``fn.grad``
maps ``(..., d)`` to ``(..., d)`` and ``fn.hessian`` maps ``(..., d)`` to ``(..., d, d)``.

:class:`Function1D` is the one-dimensional version used in notebooks 01 and 02, with ``f``,
``df`` and ``d2f`` that accept numbers or arrays of any shape.

The objects are immutable: every array they hand out is a fresh copy, so a notebook cannot
corrupt a function another cell (or a grader) relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "TestFunction",
    "Quadratic",
    "Function1D",
    "quadratic",
    "quadratic_bowl",
    "booth",
    "rosenbrock",
    "beale",
    "himmelblau",
    "rastrigin",
    "square",
    "double_well",
    "cosine_bump",
    "quartic",
    "saddle",
    "HIMMELBLAU_MINIMA",
]

_ArrayFn = Callable[[np.ndarray], np.ndarray]


def _points(x: ArrayLike, d: int, what: str = "x") -> np.ndarray:
    """``x`` as float64 with last axis of length ``d``, or a ValueError naming the shape."""
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 0 or arr.shape[-1] != d:
        raise ValueError(f"{what} must have shape (..., {d}), got {arr.shape}")
    return arr


def _pair(first: Any, second: Any) -> np.ndarray:
    """``np.stack([first, second], axis=-1)``: a gradient's two components along the last axis."""
    # For one point both are numpy scalars, and np.array does the same in a tenth of the time:
    # an explorer runs a thousand gradient steps per frame of a drag.
    if np.ndim(first) == 0 and np.ndim(second) == 0:
        return np.array((first, second))
    return np.stack([first, second], axis=-1)


def _scalar_if_0d(a: np.ndarray) -> Any:
    # A single point gives a numpy float64, not a 0-d array (prints and compares like a number).
    return a[()] if a.ndim == 0 else a


def _newton(grad: _ArrayFn, hess: _ArrayFn, x0: Sequence[float], iters: int = 100) -> np.ndarray:
    """Newton's method on the gradient: converges quadratically from a good start."""
    x = np.array(x0, dtype=np.float64)
    for _ in range(iters):
        step = np.linalg.solve(hess(x), grad(x))
        x = x - step
        if np.max(np.abs(step)) <= 1e-15 * (1.0 + np.max(np.abs(x))):
            break
    return x


class TestFunction:
    """A differentiable function of ``d`` variables with known minima.

    Parameters
    ----------
    name : str
        Human-readable name, e.g. ``"Rosenbrock"``.
    dim : int
        Number of variables ``d``.
    f, grad, hessian : callable
        Vectorised implementations: ``(..., d) -> (...)``, ``(..., d) -> (..., d)`` and
        ``(..., d) -> (..., d, d)``; they receive validated float64 arrays.
    minima : sequence of array_like
        Every local minimiser worth marking on a plot, each of shape ``(d,)``. The global
        minimisers come first.
    f_min : float
        The global minimum value.
    xlim, ylim : tuple of float
        Default plotting window for the first two coordinates.
    latex : str
        Formula for titles, in matplotlib mathtext without the surrounding ``$``.
    contour_scale : {"log", "quadratic", "linear"}
        How contour levels should be spaced: ``"log"`` for functions whose values span many
        decades (Rosenbrock), ``"quadratic"`` for bowls (evenly spaced ellipses), ``"linear"``.

    Attributes
    ----------
    minima : list of ndarray
        Copies of the minimisers, each ``(d,)``.
    """

    __test__ = False  # the name starts with "Test": keep pytest from collecting it
    __slots__ = (
        "name",
        "dim",
        "f_min",
        "xlim",
        "ylim",
        "latex",
        "contour_scale",
        "_f",
        "_grad",
        "_hess",
        "_minima",
    )

    def __init__(
        self,
        name: str,
        dim: int,
        f: _ArrayFn,
        grad: _ArrayFn,
        hessian: _ArrayFn,
        minima: Sequence[ArrayLike],
        f_min: float,
        xlim: tuple[float, float],
        ylim: tuple[float, float],
        latex: str,
        contour_scale: str = "linear",
    ) -> None:
        if contour_scale not in ("log", "quadratic", "linear"):
            raise ValueError(
                f"contour_scale must be 'log', 'quadratic' or 'linear', got {contour_scale!r}"
            )
        mins = []
        for m in minima:
            arr = np.array(m, dtype=np.float64)
            if arr.shape != (dim,):
                raise ValueError(f"each minimum must have shape ({dim},), got {arr.shape}")
            arr.setflags(write=False)
            mins.append(arr)
        setattr_ = object.__setattr__
        setattr_(self, "name", str(name))
        setattr_(self, "dim", int(dim))
        setattr_(self, "_f", f)
        setattr_(self, "_grad", grad)
        setattr_(self, "_hess", hessian)
        setattr_(self, "_minima", tuple(mins))
        setattr_(self, "f_min", float(f_min))
        setattr_(self, "xlim", (float(xlim[0]), float(xlim[1])))
        setattr_(self, "ylim", (float(ylim[0]), float(ylim[1])))
        setattr_(self, "latex", str(latex))
        setattr_(self, "contour_scale", contour_scale)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def __call__(self, x: ArrayLike) -> Any:
        """The value ``f(x)``: ``x`` of shape ``(..., d)`` gives shape ``(...)``."""
        return _scalar_if_0d(np.asarray(self._f(_points(x, self.dim)), dtype=np.float64))

    def f(self, x: ArrayLike) -> Any:
        """Same as calling the function: ``(..., d) -> (...)``."""
        return self(x)

    def grad(self, x: ArrayLike) -> np.ndarray:
        """The gradient ``∇f(x)``: ``(..., d) -> (..., d)``."""
        # + 0.0 returns a fresh array and turns −0.0 (from e.g. −2(a − x) at x = a) into 0.0
        return np.asarray(self._grad(_points(x, self.dim)), dtype=np.float64) + 0.0

    def hessian(self, x: ArrayLike) -> np.ndarray:
        """The Hessian ``∇²f(x)``: ``(..., d) -> (..., d, d)``."""
        return np.asarray(self._hess(_points(x, self.dim)), dtype=np.float64) + 0.0

    @property
    def minima(self) -> list[np.ndarray]:
        """The known minimisers (global ones first), as fresh ``(d,)`` arrays."""
        return [m.copy() for m in self._minima]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}, d={self.dim}, f_min={self.f_min:g}>"


class Quadratic(TestFunction):
    """``f(x) = ½ xᵀAx − bᵀx + c`` with ``A`` symmetric positive definite.

    Its gradient is ``Ax − b``, its Hessian the constant ``A``, its unique minimiser
    ``x* = A⁻¹b`` and its minimum ``c − ½ bᵀA⁻¹b``. Extra read-only attributes: ``A``, ``b``,
    ``c`` and ``eigenvalues`` (of ``A``, ascending), which :mod:`gdutils.theory` accepts directly.
    """

    __slots__ = ("_A", "_b", "c", "_eigenvalues")

    @property
    def A(self) -> np.ndarray:
        return self._A.copy()

    @property
    def b(self) -> np.ndarray:
        return self._b.copy()

    @property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of ``A`` in ascending order."""
        return self._eigenvalues.copy()

    @property
    def minimiser(self) -> np.ndarray:
        return self._minima[0].copy()


def _check_spd(A: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    M = np.array(A, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise ValueError(f"A must be a square matrix of shape (d, d), got {M.shape}")
    if not np.all(np.isfinite(M)):
        raise ValueError("A must contain only finite numbers")
    if not np.allclose(M, M.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.max(np.abs(M))))):
        raise ValueError("A must be symmetric (A == A.T); for a non-symmetric A use (A + A.T) / 2")
    M = 0.5 * (M + M.T)
    eig = np.linalg.eigvalsh(M)
    if eig[0] <= 0:
        raise ValueError(
            f"A must be positive definite (all eigenvalues > 0); its smallest eigenvalue is "
            f"{eig[0]:.6g}"
        )
    return M, eig


def _fmt_num(v: float) -> str:
    return f"{v:g}"


def quadratic(
    A: ArrayLike,
    b: ArrayLike | None = None,
    c: float = 0.0,
    *,
    name: str = "quadratic",
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Quadratic:
    """The quadratic ``f(x) = ½ xᵀAx − bᵀx + c``.

    Parameters
    ----------
    A : array_like, shape (d, d)
        Symmetric positive definite (checked: a ``ValueError`` says which property fails).
    b : array_like, shape (d,), optional
        Linear term; zero by default, so the minimum is at the origin.
    c : float
        Constant term.
    name, xlim, ylim : optional
        Overrides for the display name and plotting window (default: the minimiser ± 3).

    Returns
    -------
    Quadratic
        With ``grad(x) = Ax − b``, ``hessian(x) = A``, ``minima = [A⁻¹b]`` and
        ``f_min = c − ½ bᵀA⁻¹b``.
    """
    M, eig = _check_spd(A)
    d = M.shape[0]
    bv = np.zeros(d) if b is None else np.array(b, dtype=np.float64)
    if bv.shape != (d,):
        raise ValueError(f"b must have shape ({d},), got {bv.shape}")
    c = float(c)
    if not (np.all(np.isfinite(bv)) and np.isfinite(c)):
        raise ValueError("b and c must be finite")
    xstar = np.linalg.solve(M, bv) + 0.0  # + 0.0 turns -0.0 into 0.0 for display
    f_min = c - 0.5 * float(bv @ xstar)

    def f(x: np.ndarray) -> np.ndarray:
        return 0.5 * np.einsum("...i,ij,...j->...", x, M, x) - x @ bv + c

    def grad(x: np.ndarray) -> np.ndarray:
        return x @ M - bv  # M is symmetric, so x @ M == (M x)ᵀ

    def hess(x: np.ndarray) -> np.ndarray:
        return np.broadcast_to(M, x.shape[:-1] + (d, d)).copy()

    cx = xstar[0]
    cy = xstar[1] if d > 1 else 0.0
    lat = r"f(x) = \frac{1}{2}\,x^\top A x" + (r" - b^\top x" if np.any(bv) else "")
    lat += f" + {_fmt_num(c)}" if c else ""
    fn = Quadratic(
        name=name,
        dim=d,
        f=f,
        grad=grad,
        hessian=hess,
        minima=[xstar],
        f_min=f_min,
        xlim=xlim if xlim is not None else (cx - 3.0, cx + 3.0),
        ylim=ylim if ylim is not None else (cy - 3.0, cy + 3.0),
        latex=lat,
        contour_scale="quadratic",
    )
    for attr, val in (("_A", M), ("_b", bv), ("_eigenvalues", eig)):
        val = val.copy()
        val.setflags(write=False)
        object.__setattr__(fn, attr, val)
    object.__setattr__(fn, "c", c)
    return fn


def quadratic_bowl(
    eigenvalues: Sequence[float] = (1.0, 10.0),
    angle: float = 0.0,
    *,
    xlim: tuple[float, float] = (-3.0, 3.0),
    ylim: tuple[float, float] = (-3.0, 3.0),
) -> Quadratic:
    """A bowl ``f(x) = ½ xᵀAx`` with chosen curvatures and orientation, minimum 0 at the origin.

    ``A = R diag(λ) Rᵀ`` where ``R`` rotates by ``angle`` radians, so the condition number
    ``κ = λmax/λmin`` and the orientation are independent sliders. With ``angle = 0`` the axes
    of the ellipses are the coordinate axes (``A = diag(λ)``).

    Parameters
    ----------
    eigenvalues : sequence of float
        Positive curvatures ``λ``; their number is the dimension. ``angle`` needs exactly two.
    angle : float
        Rotation in radians (2-D only).
    """
    lam = np.array(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"eigenvalues must be a non-empty 1-D sequence, got shape {lam.shape}")
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be finite and positive, got {lam.tolist()}")
    angle = float(angle)
    if not np.isfinite(angle):
        raise ValueError("angle must be finite")
    if lam.size == 2:
        c, s = np.cos(angle), np.sin(angle)
        R = np.array([[c, -s], [s, c]])
        A = R @ np.diag(lam) @ R.T
        A = 0.5 * (A + A.T)
    elif angle != 0.0:
        raise ValueError(f"angle applies to 2-D bowls only; got {lam.size} eigenvalues")
    else:
        A = np.diag(lam)
    kappa = lam.max() / lam.min()
    fn = quadratic(A, name=f"quadratic bowl (κ = {kappa:g})", xlim=xlim, ylim=ylim)
    lam_str = ", ".join(_fmt_num(v) for v in lam)
    deg = np.degrees(angle)
    latex = r"f(x) = \frac{1}{2}\,x^\top A x,\ \lambda(A) = (" + lam_str + ")"
    if deg:
        latex += rf",\ \theta = {deg:.3g}^\circ"
    object.__setattr__(fn, "latex", latex)
    return fn


# --------------------------------------------------------------------------------------------
# Classic 2-D test functions


def booth() -> TestFunction:
    """Booth: ``f(x, y) = (x + 2y − 7)² + (2x + y − 5)²``, minimum 0 at (1, 3).

    A quadratic in disguise: its Hessian is the constant ``[[10, 8], [8, 10]]`` (κ = 9).
    """

    def f(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def grad(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        u = x + 2 * y - 7  # ∂u/∂x = 1, ∂u/∂y = 2
        v = 2 * x + y - 5  # ∂v/∂x = 2, ∂v/∂y = 1
        return _pair(2 * u + 4 * v, 4 * u + 2 * v)

    def hess(p: np.ndarray) -> np.ndarray:
        H = np.array([[10.0, 8.0], [8.0, 10.0]])
        return np.broadcast_to(H, p.shape[:-1] + (2, 2)).copy()

    return TestFunction(
        "Booth",
        2,
        f,
        grad,
        hess,
        minima=[(1.0, 3.0)],
        f_min=0.0,
        xlim=(-10.0, 10.0),
        ylim=(-10.0, 10.0),
        latex=r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        contour_scale="quadratic",
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    """Rosenbrock's banana: ``f(x, y) = (a − x)² + b (y − x²)²``, minimum 0 at (a, a²).

    The Hessian at the minimum is ``[[2 + 8ba², −4ba], [−4ba, 2b]]``; for a = 1, b = 100 its
    condition number is about 2508, which is why plain gradient descent crawls along the valley.
    """
    a = float(a)
    b = float(b)
    if not (np.isfinite(a) and np.isfinite(b)) or b <= 0:
        raise ValueError(f"rosenbrock needs finite a and b > 0, got a={a}, b={b}")

    def f(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        return (a - x) ** 2 + b * (y - x**2) ** 2

    def grad(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        r = y - x**2  # ∂r/∂x = −2x, ∂r/∂y = 1
        return _pair(-2 * (a - x) - 4 * b * x * r, 2 * b * r)

    def hess(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        hxx = 2 - 4 * b * (y - x**2) + 8 * b * x**2
        hxy = -4 * b * x
        hyy = np.full_like(x, 2 * b)
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    latex = rf"f(x, y) = ({_fmt_num(a)} - x)^2 + {_fmt_num(b)}\,(y - x^2)^2"
    return TestFunction(
        "Rosenbrock",
        2,
        f,
        grad,
        hess,
        minima=[(a, a * a)],
        f_min=0.0,
        xlim=(a - 3.0, a + 1.5),
        ylim=(a * a - 2.0, a * a + 2.5),
        latex=latex,
        contour_scale="log",
    )


def beale() -> TestFunction:
    """Beale: ``f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²``.

    Minimum 0 at (3, 0.5); flat plateaus and steep walls make it a hard race course.
    """
    c1, c2, c3 = 1.5, 2.25, 2.625

    def f(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        return (c1 - x + x * y) ** 2 + (c2 - x + x * y**2) ** 2 + (c3 - x + x * y**3) ** 2

    def grad(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        t1 = c1 - x + x * y  # ∂/∂x = y − 1,   ∂/∂y = x
        t2 = c2 - x + x * y**2  # ∂/∂x = y² − 1,  ∂/∂y = 2xy
        t3 = c3 - x + x * y**3  # ∂/∂x = y³ − 1,  ∂/∂y = 3xy²
        gx = 2 * (t1 * (y - 1) + t2 * (y**2 - 1) + t3 * (y**3 - 1))
        gy = 2 * (t1 * x + t2 * 2 * x * y + t3 * 3 * x * y**2)
        return _pair(gx, gy)

    def hess(p: np.ndarray) -> np.ndarray:
        x, y = p[..., 0], p[..., 1]
        t1 = c1 - x + x * y
        t2 = c2 - x + x * y**2
        t3 = c3 - x + x * y**3
        hxx = 2 * ((y - 1) ** 2 + (y**2 - 1) ** 2 + (y**3 - 1) ** 2)
        hxy = 2 * (
            x * (y - 1)
            + t1
            + 2 * x * y * (y**2 - 1)
            + 2 * y * t2
            + 3 * x * y**2 * (y**3 - 1)
            + 3 * y**2 * t3
        )
        hyy = 2 * (x**2 + (2 * x * y) ** 2 + 2 * x * t2 + (3 * x * y**2) ** 2 + 6 * x * y * t3)
        return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)

    return TestFunction(
        "Beale",
        2,
        f,
        grad,
        hess,
        minima=[(3.0, 0.5)],
        f_min=0.0,
        xlim=(-4.5, 4.5),
        ylim=(-4.5, 4.5),
        latex=r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        contour_scale="log",
    )


def _himmelblau_f(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    u = x**2 + y - 11  # ∂u/∂x = 2x, ∂u/∂y = 1
    v = x + y**2 - 7  # ∂v/∂x = 1,  ∂v/∂y = 2y
    return _pair(4 * x * u + 2 * v, 2 * u + 4 * y * v)


def _himmelblau_hess(p: np.ndarray) -> np.ndarray:
    x, y = p[..., 0], p[..., 1]
    hxx = 12 * x**2 + 4 * y - 42
    hxy = 4 * x + 4 * y
    hyy = 4 * x + 12 * y**2 - 26
    return np.stack([np.stack([hxx, hxy], -1), np.stack([hxy, hyy], -1)], -2)


# Refined by Newton's method at import, from starts inside each basin, to full float64 precision.
HIMMELBLAU_MINIMA: tuple[tuple[float, float], ...] = tuple(
    tuple(float(v) for v in _newton(_himmelblau_grad, _himmelblau_hess, start))  # type: ignore[misc]
    for start in ((3.0, 2.0), (-2.8, 3.1), (-3.8, -3.3), (3.6, -1.8))
)


def himmelblau() -> TestFunction:
    """Himmelblau: ``f(x, y) = (x² + y − 11)² + (x + y² − 7)²``, four minima with f = 0.

    The minima are (3, 2), (−2.805118…, 3.131312…), (−3.779310…, −3.283186…) and
    (3.584428…, −1.848126…), computed to full precision by Newton's method
    (:data:`HIMMELBLAU_MINIMA`). Which one gradient descent finds depends on the start.
    """
    return TestFunction(
        "Himmelblau",
        2,
        _himmelblau_f,
        _himmelblau_grad,
        _himmelblau_hess,
        minima=HIMMELBLAU_MINIMA,
        f_min=0.0,
        xlim=(-5.0, 5.0),
        ylim=(-5.0, 5.0),
        latex=r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        contour_scale="log",
    )


def rastrigin(A: float = 10.0, d: int = 2) -> TestFunction:
    """Rastrigin: ``f(x) = A d + Σᵢ (xᵢ² − A cos 2πxᵢ)``, global minimum 0 at the origin.

    A bowl covered in a regular grid of local minima (near the integer points): gradient
    descent stops in whichever one is closest. Only the global minimum is listed in ``minima``.
    """
    A = float(A)
    if not np.isfinite(A) or A < 0:
        raise ValueError(f"A must be finite and >= 0, got {A}")
    if isinstance(d, bool) or not isinstance(d, int | np.integer) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    d = int(d)
    two_pi = 2 * np.pi

    def f(x: np.ndarray) -> np.ndarray:
        return A * d + np.sum(x**2 - A * np.cos(two_pi * x), axis=-1)

    def grad(x: np.ndarray) -> np.ndarray:
        return 2 * x + two_pi * A * np.sin(two_pi * x)

    def hess(x: np.ndarray) -> np.ndarray:
        diag = 2 + two_pi**2 * A * np.cos(two_pi * x)
        return diag[..., :, None] * np.eye(d)

    return TestFunction(
        "Rastrigin",
        d,
        f,
        grad,
        hess,
        minima=[np.zeros(d)],
        f_min=0.0,
        xlim=(-5.12, 5.12),
        ylim=(-5.12, 5.12),
        latex=rf"f(x) = {_fmt_num(A * d)} + \sum_i \left(x_i^2 - {_fmt_num(A)}\cos 2\pi x_i\right)",
        contour_scale="linear",
    )


# --------------------------------------------------------------------------------------------
# One-dimensional functions (notebooks 01 and 02)


class Function1D:
    """A smooth function of one variable with its first two derivatives and its minima.

    ``f``, ``df`` and ``d2f`` accept a number (returning a numpy float64) or an array of any
    shape (returning an array of the same shape).

    Attributes
    ----------
    name : str
    minima : list of float
        Every local minimiser in the plotting window, in increasing order.
    argmin : float
        The global minimiser; ``f_min = f(argmin)``.
    xlim : tuple of float
        Default plotting window.
    latex : str
        Formula (mathtext, without ``$``).
    """

    __test__ = False
    __slots__ = ("name", "latex", "xlim", "minima", "argmin", "f_min", "_f", "_df", "_d2f")

    def __init__(
        self,
        name: str,
        f: _ArrayFn,
        df: _ArrayFn,
        d2f: _ArrayFn,
        minima: Sequence[float],
        xlim: tuple[float, float],
        latex: str,
    ) -> None:
        mins = sorted(float(m) for m in minima)
        vals = [float(f(np.float64(m))) for m in mins]
        best = int(np.argmin(vals))
        s = object.__setattr__
        s(self, "name", str(name))
        s(self, "_f", f)
        s(self, "_df", df)
        s(self, "_d2f", d2f)
        s(self, "minima", tuple(mins))
        s(self, "argmin", mins[best])
        s(self, "f_min", vals[best])
        s(self, "xlim", (float(xlim[0]), float(xlim[1])))
        s(self, "latex", str(latex))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Function1D is immutable: cannot set {name!r}")

    @staticmethod
    def _x(x: ArrayLike) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def f(self, x: ArrayLike) -> Any:
        """The value ``f(x)``, elementwise."""
        return _scalar_if_0d(np.asarray(self._f(self._x(x)), dtype=np.float64))

    __call__ = f

    def df(self, x: ArrayLike) -> Any:
        """The derivative ``f'(x)``, elementwise."""
        return _scalar_if_0d(np.asarray(self._df(self._x(x)), dtype=np.float64))

    def d2f(self, x: ArrayLike) -> Any:
        """The second derivative ``f''(x)``, elementwise."""
        return _scalar_if_0d(np.asarray(self._d2f(self._x(x)), dtype=np.float64))

    def __repr__(self) -> str:
        return f"<Function1D {self.name!r}, minima={list(self.minima)}>"


def _newton_1d(df: _ArrayFn, d2f: _ArrayFn, x0: float) -> float:
    x = np.float64(x0)
    for _ in range(100):
        step = df(x) / d2f(x)
        x = x - step
        if abs(step) <= 1e-15 * (1.0 + abs(x)):
            break
    return float(x)


def square() -> Function1D:
    """``f(x) = x²``: ``f'(x) = 2x``, ``f''(x) = 2``, minimum 0 at 0.

    Gradient descent with step ``η`` multiplies ``x`` by ``1 − 2η`` each step: it converges for
    ``0 < η < 1`` and diverges for ``η > 1``.
    """
    return Function1D(
        "square",
        lambda x: x**2,
        lambda x: 2 * x,
        lambda x: np.full_like(x, 2.0),
        minima=[0.0],
        xlim=(-10.0, 10.0),
        latex=r"f(x) = x^2",
    )


def double_well() -> Function1D:
    """``f(x) = x⁴ − 3x² + x``: two local minima of different depth.

    ``f'(x) = 4x³ − 6x + 1`` and ``f''(x) = 12x² − 6``. The deeper (global) minimum is near
    x ≈ −1.30 (f ≈ −3.51), the shallower one near x ≈ 1.13 (f ≈ −1.07): where gradient descent
    ends depends on where it starts.
    """

    def f(x: np.ndarray) -> np.ndarray:
        return x**4 - 3 * x**2 + x

    def df(x: np.ndarray) -> np.ndarray:
        return 4 * x**3 - 6 * x + 1

    def d2f(x: np.ndarray) -> np.ndarray:
        return 12 * x**2 - 6

    mins = [_newton_1d(df, d2f, s) for s in (-1.3, 1.1)]
    return Function1D(
        "double well", f, df, d2f, minima=mins, xlim=(-2.0, 2.0), latex=r"f(x) = x^4 - 3x^2 + x"
    )


def cosine_bump() -> Function1D:
    """``f(x) = x²/10 − cos 2x``: a bowl with bumps, global minimum −1 at 0.

    ``f'(x) = x/5 + 2 sin 2x`` and ``f''(x) = 1/5 + 4 cos 2x``. Local minima sit just inside
    ±π, ±2π, …; a small step size stops in the nearest one.
    """

    def f(x: np.ndarray) -> np.ndarray:
        return x**2 / 10 - np.cos(2 * x)

    def df(x: np.ndarray) -> np.ndarray:
        return x / 5 + 2 * np.sin(2 * x)

    def d2f(x: np.ndarray) -> np.ndarray:
        return 0.2 + 4 * np.cos(2 * x)

    mins = [_newton_1d(df, d2f, s) for s in (-np.pi, 0.0, np.pi)]
    return Function1D(
        "cosine bump",
        f,
        df,
        d2f,
        minima=mins,
        xlim=(-4.5, 4.5),
        latex=r"f(x) = \frac{x^2}{10} - \cos 2x",
    )


def quartic() -> Function1D:
    """``f(x) = x⁴``: a minimum at 0 with zero curvature there, ``f''(0) = 0``.

    The counterexample to "near a minimum every smooth function is a quadratic": there is no
    positive curvature at the minimum, so the step-size bound ``2/f''`` of the quadratic model
    says nothing. What limits the step is the curvature *where the iterate is*, ``f''(x) = 12x²``:
    a step ``x ← x − 4ηx³ = x(1 − 4ηx²)`` shrinks ``|x|`` only while ``ηx² < ½``, so ``η = 0.1``
    from ``x₀ = 10`` diverges (``x₁ = −390``) while from ``x₀ = 1`` it converges, ever more slowly
    (``x_k ≈ 1/√(8ηk)``: sublinear, not geometric).
    """
    return Function1D(
        "quartic",
        lambda x: x**4,
        lambda x: 4 * x**3,
        lambda x: 12 * x**2,
        minima=[0.0],
        xlim=(-2.0, 2.0),
        latex=r"f(x) = x^4",
    )


def saddle() -> TestFunction:
    """``f(x, y) = x² − y²``: a saddle at the origin, no minimum.

    Its Hessian ``diag(2, −2)`` has one positive and one negative eigenvalue. Gradient descent
    multiplies ``x`` by ``1 − 2η`` and ``y`` by ``1 + 2η`` per step: it escapes along ``y``
    unless it starts exactly on the x-axis. Newton's step ``−H⁻¹∇f`` lands on the saddle.
    """

    def f(p: np.ndarray) -> np.ndarray:
        return p[..., 0] ** 2 - p[..., 1] ** 2

    def grad(p: np.ndarray) -> np.ndarray:
        return _pair(2.0 * p[..., 0], -2.0 * p[..., 1])

    def hess(p: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.diag([2.0, -2.0]), p.shape[:-1] + (2, 2)).copy()

    return TestFunction("saddle x² − y²", 2, f, grad, hess, minima=[], f_min=float("-inf"),
                        xlim=(-2.0, 2.0), ylim=(-2.0, 2.0), latex=r"f(x, y) = x^2 - y^2")
