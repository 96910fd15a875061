"""Optimisers with torch.optim's update rules and defaults, in numpy float64.

Every optimiser holds a list of parameter arrays and updates them **in place**::

    opt = Adam([layer.W, layer.b], lr=1e-3)
    opt.step([layer.dW, layer.db])     # grads aligned with params, same shapes
    opt.lr = 1e-4                      # applies from the next step, like torch's param_groups

The rules are those documented by ``torch.optim`` (``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``,
``AdamW``) with the same defaults, so a run fed the same gradients matches torch to round-off.
Each class's docstring states the rule; the *Notes* sections compare it with the conventions of
other texts, which differ in ways the course exercises (notebooks 10 and 11).

State is inspectable: ``opt.state[i]`` is a dict for ``params[i]`` with torch's key names
(``"momentum_buffer"``, ``"sum"``, ``"square_avg"``, ``"grad_avg"``, ``"exp_avg"``,
``"exp_avg_sq"``, ``"max_exp_avg_sq"``, ``"step"``), and ``opt.t`` counts the steps taken.
``opt.reset()`` forgets it all.

Gradients are not checked for NaN or infinity: as in torch, a non-finite gradient gives a
non-finite parameter (the check would cost a pass over every array at every step).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gdutils import _validate

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW"]


# ---------------------------------------------------------------------------------------------
# Validation


def _betas(name: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise ValueError(f"{name} must be a pair (beta1, beta2), got {value!r}")
    return (_validate.fraction(f"{name}[0]", value[0]), _validate.fraction(f"{name}[1]", value[1]))


class _Hyper:
    """A hyper-parameter attribute validated on every assignment (``opt.lr = -1`` raises)."""

    def __init__(self, check: Callable[[str, Any], Any]) -> None:
        self.check = check

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = "_" + name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        return obj.__dict__[self.slot]

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.slot] = self.check(self.name, value)


def _check_params(params: Any) -> list[np.ndarray]:
    if isinstance(params, np.ndarray):
        raise ValueError(
            "params must be a list of arrays, got a single array: wrap it in a list, e.g. [w]"
        )
    if isinstance(params, set | frozenset | dict):
        raise ValueError(f"params must be an ordered list of arrays, got a {type(params).__name__}")
    try:
        params = list(params)
    except TypeError:
        raise ValueError(
            f"params must be a list of float64 numpy arrays, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError("params is empty: an optimiser needs at least one array to update")
    seen: set[int] = set()
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise ValueError(f"params[{i}] must be a float64 numpy array, got {type(p).__name__}")
        if p.dtype != np.float64:
            raise ValueError(f"params[{i}] must have dtype float64, got {p.dtype}")
        if not p.flags.writeable:
            raise ValueError(f"params[{i}] is read-only: the optimiser updates it in place")
        if id(p) in seen:
            raise ValueError(f"params[{i}] appears more than once in params")
        seen.add(id(p))
    return params


# ---------------------------------------------------------------------------------------------
# The common part


class Optimizer:
    """Base class: holds the parameters, the per-parameter state and the step count.

    Subclasses define ``step(grads)``. Parameters are updated in place, so the arrays passed in
    (or views into a layer's arrays) see every update.

    Attributes
    ----------
    params : list of ndarray
        The arrays updated in place, in the order given.
    state : list of dict
        ``state[i]`` holds the buffers of ``params[i]`` (torch's key names) and its step count.
    t : int
        Number of steps taken since construction or the last :meth:`reset`.
    lr : float
        Learning rate; may be changed between steps.
    """

    lr = _Hyper(_validate.non_negative)

    def __init__(self, params: Sequence[np.ndarray], lr: float) -> None:
        self.params = _check_params(params)
        self.lr = lr
        self.state: list[dict[str, Any]] = [{} for _ in self.params]
        self.t = 0
        # work arrays, one per parameter, so a step allocates nothing
        self._tmp = [np.empty_like(p) for p in self.params]
        self._tmp2: list[np.ndarray] | None = None

    def _check_grads(self, grads: Sequence[np.ndarray]) -> Sequence[np.ndarray]:
        params = self.params
        if isinstance(grads, np.ndarray) or not isinstance(grads, list | tuple):
            raise ValueError(
                "grads must be a list of arrays aligned with params, got "
                f"{type(grads).__name__}"
                + (": wrap it in a list, e.g. [g]" if isinstance(grads, np.ndarray) else "")
            )
        if len(grads) != len(params):
            raise ValueError(
                f"expected {len(params)} gradients (one per parameter), got {len(grads)}"
            )
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if not isinstance(g, np.ndarray):
                raise ValueError(f"grads[{i}] must be a numpy array, got {type(g).__name__}")
            if g.shape != p.shape:
                raise ValueError(
                    f"grads[{i}] has shape {g.shape}, but params[{i}] has shape {p.shape}"
                )
            if g.dtype != np.float64:
                raise ValueError(f"grads[{i}] must have dtype float64, got {g.dtype}")
        return grads

    def _second_tmp(self) -> list[np.ndarray]:
        if self._tmp2 is None:
            self._tmp2 = [np.empty_like(p) for p in self.params]
        return self._tmp2

    def _with_weight_decay(self, i: int, p: np.ndarray, g: np.ndarray, wd: float) -> np.ndarray:
        # L2 penalty folded into the gradient: g + λθ (a new array: the caller's grad is kept)
        buf = self._second_tmp()[i]
        np.multiply(p, wd, out=buf)
        buf += g
        return buf

    def _reset_state(self) -> None:
        self.state = [{} for _ in self.params]

    def _hyper_repr(self) -> str:
        return f"lr={self.lr!r}"

    def __repr__(self) -> str:
        n = len(self.params)
        size = sum(p.size for p in self.params)
        return (
            f"{type(self).__name__}({self._hyper_repr()}; {n} param array"
            f"{'s' if n != 1 else ''}, {size} values, t={self.t})"
        )


# ---------------------------------------------------------------------------------------------
# SGD


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum (torch.optim.SGD's rule).

    For each parameter θ with gradient g at step t (γ = lr, λ = weight_decay, μ = momentum,
    τ = dampening):

    .. math::

        g &\leftarrow g + \lambda\theta \quad (\text{if } \lambda \ne 0) \\
        b_t &\leftarrow \begin{cases} g & t = 1 \\ \mu b_{t-1} + (1-\tau)\, g & t > 1
              \end{cases} \quad (\text{if } \mu \ne 0) \\
        d &\leftarrow \begin{cases} g + \mu b_t & \text{nesterov} \\ b_t & \text{otherwise}
              \end{cases} \\
        \theta &\leftarrow \theta - \gamma\, d

    Without momentum, ``d = g``: plain gradient descent ``θ ← θ − γ g``.

    Parameters
    ----------
    params : list of ndarray
        float64 arrays, updated in place.
    lr : float, default 1e-3
        Learning rate γ ≥ 0.
    momentum : float, default 0
        μ ≥ 0 (torch's check; μ ≥ 1 is allowed and diverges, which notebook 10 shows).
    dampening : float, default 0
        τ in [0, 1]: the new gradient enters the buffer with weight 1 − τ (not at t = 1).
    nesterov : bool, default False
        Nesterov's variant; needs μ > 0 and τ = 0.
    weight_decay : float, default 0
        λ ≥ 0: L2 penalty ``λ/2 ‖θ‖²`` added to the loss, i.e. ``λθ`` added to the gradient.

    Attributes
    ----------
    state : list of dict
        ``state[i]["momentum_buffer"]`` is ``b`` for ``params[i]`` (absent before the first
        step or when μ = 0); ``state[i]["step"]`` the step count.

    Notes
    -----
    *Learning rate outside the velocity.* torch accumulates gradients, ``b ← μb + g``, and
    scales by the learning rate only when stepping, ``θ ← θ − γb``. Sutskever et al. (2013) and
    many texts keep a velocity with the learning rate inside, ``v ← μv − γg; θ ← θ + v``. With a
    constant γ the two give the same iterates (``v = −γb``); once γ changes they differ: torch
    rescales the whole accumulated buffer by the new γ at once, while Sutskever's velocity
    remembers the old γ for the steps already taken.

    *First step.* torch starts the buffer at ``b₁ = g₁`` (no dampening on the first step), not
    at ``b₀ = 0``; the early steps are therefore not damped by ``1 − τ``.

    *Nesterov.* torch's ``d = g + μb`` is Sutskever's look-ahead method rewritten so that the
    gradient is taken at the stored parameters: torch's θ is Sutskever's look-ahead point
    ``x + μv`` (with ``v = −γb``), so no extra gradient evaluation at a shifted point is needed.

    *Weight decay* here is the coupled L2 penalty: it enters the momentum buffer. Compare
    :class:`AdamW` for the decoupled form.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, -2.0])
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> opt.step([2 * w])                       # f(w) = ‖w‖², g = 2w
    >>> w
    array([ 0.8, -1.6])
    """

    momentum = _Hyper(_validate.non_negative)
    dampening = _Hyper(functools.partial(_validate.fraction, one=True))
    nesterov = _Hyper(_validate.flag)
    weight_decay = _Hyper(_validate.non_negative)

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weight_decay = weight_decay
        self._check_nesterov()

    def _check_nesterov(self) -> None:
        if self.nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError(
                "Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={self.momentum}, dampening={self.dampening})"
            )

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place with its gradient (``grads`` aligned with params)."""
        grads = self._check_grads(grads)
        self._check_nesterov()
        lr, mu, tau = self.lr, self.momentum, self.dampening
        wd, nesterov = self.weight_decay, self.nesterov
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            st = self.state[i]
            st["step"] = self.t
            tmp = self._tmp[i]
            if wd != 0.0:
                g = self._with_weight_decay(i, p, g, wd)
            if mu != 0.0:
                b = st.get("momentum_buffer")
                if b is None:
                    b = st["momentum_buffer"] = g.copy()  # b₁ = g₁
                else:
                    b *= mu  # b = μb + (1 − τ)g
                    if tau == 0.0:
                        b += g
                    else:
                        np.multiply(g, 1.0 - tau, out=tmp)
                        b += tmp
                if nesterov:
                    np.multiply(b, mu, out=tmp)  # d = g + μb
                    tmp += g
                    d = tmp
                else:
                    d = b
            else:
                d = g
            np.multiply(d, lr, out=tmp)
            p -= tmp

    def reset(self) -> None:
        """Forget the momentum buffers and the step count (the parameters are kept)."""
        self._reset_state()
        self.t = 0

    def _hyper_repr(self) -> str:
        return (
            f"lr={self.lr!r}, momentum={self.momentum!r}, dampening={self.dampening!r}, "
            f"nesterov={self.nesterov!r}, weight_decay={self.weight_decay!r}"
        )


# ---------------------------------------------------------------------------------------------
# Adagrad


class Adagrad(Optimizer):
    r"""Adagrad (torch.optim.Adagrad's rule): per-coordinate steps shrink with the gradient
    history.

    For each parameter θ with gradient g at step t = 1, 2, … (γ = lr, η = lr_decay,
    λ = weight_decay, s₀ = initial_accumulator_value):

    .. math::

        \tilde\gamma &= \gamma / (1 + (t-1)\,\eta) \\
        g &\leftarrow g + \lambda\theta \quad (\text{if } \lambda \ne 0) \\
        s_t &= s_{t-1} + g^2 \\
        \theta &\leftarrow \theta - \tilde\gamma\, \frac{g}{\sqrt{s_t} + \epsilon}

    all element-wise.

    Parameters
    ----------
    params : list of ndarray
        float64 arrays, updated in place.
    lr : float, default 1e-2
    lr_decay : float, default 0
        η ≥ 0.
    weight_decay : float, default 0
        λ ≥ 0 (L2 penalty, added to the gradient).
    eps : float, default 1e-10
        ε > 0, added *outside* the square root.
    initial_accumulator_value : float, default 0
        s₀ ≥ 0.

    Attributes
    ----------
    state : list of dict
        ``state[i]["sum"]`` is ``s`` for ``params[i]`` (created at construction, as in torch).

    Notes
    -----
    *ε outside the root.* torch (and this class) divides by ``√s + ε``; some texts write
    ``√(s + ε)``. The difference shows for gradients of order √ε or below: with g = 1e-8 and
    ε = 1e-10, ``√(g²) + ε ≈ g`` gives a step ≈ γ, while ``√(g² + ε) ≈ 1e-5`` gives ≈ 1e-3 γ.

    *Learning-rate decay* uses the step count before the update (``t − 1``), so the first step
    uses γ itself.
    """

    lr_decay = _Hyper(_validate.non_negative)
    weight_decay = _Hyper(_validate.non_negative)
    eps = _Hyper(_validate.positive)
    initial_accumulator_value = _Hyper(_validate.non_negative)

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        eps: float = 1e-10,
        initial_accumulator_value: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.lr_decay = lr_decay
        self.weight_decay = weight_decay
        self.eps = eps
        self.initial_accumulator_value = initial_accumulator_value
        self.reset()

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place with its gradient (``grads`` aligned with params)."""
        grads = self._check_grads(grads)
        wd, eps = self.weight_decay, self.eps
        self.t += 1
        clr = self.lr / (1.0 + (self.t - 1) * self.lr_decay)
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            st = self.state[i]
            st["step"] = self.t
            tmp = self._tmp[i]
            if wd != 0.0:
                g = self._with_weight_decay(i, p, g, wd)
            s = st["sum"]
            np.multiply(g, g, out=tmp)  # s = s + g²
            s += tmp
            np.sqrt(s, out=tmp)  # √s + ε
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= clr
            p -= tmp

    def reset(self) -> None:
        """Restart the accumulators at ``initial_accumulator_value`` and the step count at 0."""
        self.state = [
            {"step": 0, "sum": np.full_like(p, self.initial_accumulator_value)} for p in self.params
        ]
        self.t = 0

    def _hyper_repr(self) -> str:
        return (
            f"lr={self.lr!r}, lr_decay={self.lr_decay!r}, weight_decay={self.weight_decay!r}, "
            f"eps={self.eps!r}, initial_accumulator_value={self.initial_accumulator_value!r}"
        )


# ---------------------------------------------------------------------------------------------
# RMSprop


class RMSprop(Optimizer):
    r"""RMSprop (torch.optim.RMSprop's rule): divide by a running RMS of the gradients.

    For each parameter θ with gradient g (γ = lr, α = alpha, λ = weight_decay, μ = momentum),
    element-wise, all buffers starting at 0:

    .. math::

        g &\leftarrow g + \lambda\theta \quad (\text{if } \lambda \ne 0) \\
        v &\leftarrow \alpha v + (1-\alpha)\, g^2 \\
        \tilde v &= v - \bar g^2 \text{ with } \bar g \leftarrow \alpha \bar g + (1-\alpha)\, g
            \quad (\text{centered}), \qquad \tilde v = v \text{ otherwise} \\
        b &\leftarrow \mu b + \frac{g}{\sqrt{\tilde v} + \epsilon},
            \quad \theta \leftarrow \theta - \gamma b \quad (\text{if } \mu > 0) \\
        \theta &\leftarrow \theta - \gamma\, \frac{g}{\sqrt{\tilde v} + \epsilon}
            \quad (\text{if } \mu = 0)

    Parameters
    ----------
    params : list of ndarray
        float64 arrays, updated in place.
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant, 0 ≤ α < 1 (torch only checks α ≥ 0; α ≥ 1 never learns v).
    eps : float, default 1e-8
        ε > 0, added *outside* the square root.
    weight_decay : float, default 0
        λ ≥ 0 (L2 penalty, added to the gradient).
    momentum : float, default 0
        μ ≥ 0.
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its RMS.

    Attributes
    ----------
    state : list of dict
        ``"square_avg"`` (v), ``"grad_avg"`` (ḡ, centered only), ``"momentum_buffer"`` (b,
        μ > 0 only), ``"step"``.

    Notes
    -----
    *No bias correction*: v starts at 0, so the first steps are large (the first divides by
    ``√(1−α)|g|``, a step of about 10 γ for α = 0.99). Adam adds the correction.

    *ε outside the root*, as in torch; TensorFlow/Keras and some texts use ``√(v + ε)``.

    *Centered*: ``v − ḡ²`` is mathematically ≥ 0; round-off can make it a tiny negative number
    when the gradient is constant, which would give NaN, so it is clipped at 0 here (torch
    would return NaN in that case; everywhere else the two agree).

    *Momentum* accumulates the already-normalised step, and γ multiplies the buffer, as in
    SGD's convention (see :class:`SGD`).
    """

    alpha = _Hyper(_validate.fraction)
    eps = _Hyper(_validate.positive)
    weight_decay = _Hyper(_validate.non_negative)
    momentum = _Hyper(_validate.non_negative)
    centered = _Hyper(_validate.flag)

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self.alpha = alpha
        self.eps = eps
        self.weight_decay = weight_decay
        self.momentum = momentum
        self.centered = centered

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place with its gradient (``grads`` aligned with params)."""
        grads = self._check_grads(grads)
        lr, alpha, eps = self.lr, self.alpha, self.eps
        wd, mu, centered = self.weight_decay, self.momentum, self.centered
        self.t += 1
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            st = self.state[i]
            st["step"] = self.t
            tmp = self._tmp[i]
            if wd != 0.0:
                g = self._with_weight_decay(i, p, g, wd)
            v = st.get("square_avg")
            if v is None:
                v = st["square_avg"] = np.zeros_like(p)
            v *= alpha  # v = αv + (1 − α)g²
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - alpha
            v += tmp
            if centered:
                gbar = st.get("grad_avg")
                if gbar is None:
                    gbar = st["grad_avg"] = np.zeros_like(p)
                gbar *= alpha  # ḡ = αḡ + (1 − α)g
                np.multiply(g, 1.0 - alpha, out=tmp)
                gbar += tmp
                np.multiply(gbar, gbar, out=tmp)  # ṽ = max(v − ḡ², 0)
                np.subtract(v, tmp, out=tmp)
                np.maximum(tmp, 0.0, out=tmp)
                np.sqrt(tmp, out=tmp)
            else:
                np.sqrt(v, out=tmp)
            tmp += eps  # √ṽ + ε
            np.divide(g, tmp, out=tmp)
            if mu > 0.0:
                b = st.get("momentum_buffer")
                if b is None:
                    b = st["momentum_buffer"] = np.zeros_like(p)
                b *= mu  # b = μb + g / (√ṽ + ε)
                b += tmp
                np.multiply(b, lr, out=tmp)
            else:
                tmp *= lr
            p -= tmp

    def reset(self) -> None:
        """Forget the running averages, the momentum buffers and the step count."""
        self._reset_state()
        self.t = 0

    def _hyper_repr(self) -> str:
        return (
            f"lr={self.lr!r}, alpha={self.alpha!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r}, momentum={self.momentum!r}, "
            f"centered={self.centered!r}"
        )


# ---------------------------------------------------------------------------------------------
# Adam and AdamW


class _AdamCore(Optimizer):
    """Shared machinery of Adam and AdamW; ``decoupled`` chooses how weight decay enters."""

    betas = _Hyper(_betas)
    eps = _Hyper(_validate.positive)
    weight_decay = _Hyper(_validate.non_negative)
    amsgrad = _Hyper(_validate.flag)
    _decoupled = False

    def _init_hyper(
        self, betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool
    ) -> None:
        self.betas = betas
        self.eps = eps
        self.weight_decay = weight_decay
        self.amsgrad = amsgrad

    def _adam_step(self, grads: Sequence[np.ndarray]) -> None:
        grads = self._check_grads(grads)
        lr, eps, wd, amsgrad = self.lr, self.eps, self.weight_decay, self.amsgrad
        beta1, beta2 = self.betas
        self.t += 1
        t = self.t
        step_size = lr / (1.0 - beta1**t)  # γ / (1 − β₁ᵗ): bias correction of m
        inv_sqrt_bc2 = 1.0 / math.sqrt(1.0 - beta2**t)  # 1 / √(1 − β₂ᵗ): bias correction of v
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            st = self.state[i]
            st["step"] = t
            tmp = self._tmp[i]
            if wd != 0.0:
                if self._decoupled:
                    p *= 1.0 - lr * wd  # θ = θ − γλθ, outside the adaptive scaling
                else:
                    g = self._with_weight_decay(i, p, g, wd)  # g = g + λθ
            m = st.get("exp_avg")
            if m is None:
                m = st["exp_avg"] = np.zeros_like(p)
                v = st["exp_avg_sq"] = np.zeros_like(p)
            else:
                v = st["exp_avg_sq"]
            m *= beta1  # m = β₁m + (1 − β₁)g
            np.multiply(g, 1.0 - beta1, out=tmp)
            m += tmp
            v *= beta2  # v = β₂v + (1 − β₂)g²
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v += tmp
            if amsgrad:
                vmax = st.get("max_exp_avg_sq")
                if vmax is None:
                    vmax = st["max_exp_avg_sq"] = np.zeros_like(p)
                np.maximum(vmax, v, out=vmax)
                v = vmax
            np.sqrt(v, out=tmp)  # √v̂ + ε, with v̂ = v / (1 − β₂ᵗ)
            tmp *= inv_sqrt_bc2
            tmp += eps
            np.divide(m, tmp, out=tmp)  # θ = θ − γ m̂ / (√v̂ + ε)
            tmp *= step_size
            p -= tmp

    def _hyper_repr(self) -> str:
        return (
            f"lr={self.lr!r}, betas={self.betas!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r}, amsgrad={self.amsgrad!r}"
        )


class Adam(_AdamCore):
    r"""Adam (torch.optim.Adam's rule): momentum on g and RMS scaling, both bias-corrected.

    For each parameter θ with gradient g at step t = 1, 2, … (γ = lr, λ = weight_decay),
    element-wise, m₀ = v₀ = 0:

    .. math::

        g &\leftarrow g + \lambda\theta \quad (\text{if } \lambda \ne 0) \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g \\
        v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g^2 \\
        \hat m_t &= m_t / (1-\beta_1^t), \qquad \hat v_t = v_t / (1-\beta_2^t)
            \quad (\text{amsgrad: } \hat v_t = \max_{s \le t} v_s / (1-\beta_2^t)) \\
        \theta &\leftarrow \theta - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    On the first step ``m̂ = g`` and ``√v̂ = |g|``: every coordinate moves by
    ``γ g / (|g| + ε) ≈ γ·sign(g)``.

    Parameters
    ----------
    params : list of ndarray
        float64 arrays, updated in place.
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        0 ≤ β₁, β₂ < 1.
    eps : float, default 1e-8
        ε > 0, added to the bias-corrected ``√v̂`` (outside the root). torch also allows 0;
        here it must be positive, since a zero gradient would then give 0/0.
    weight_decay : float, default 0
        λ ≥ 0: L2 penalty added to the gradient (coupled; see :class:`AdamW`).
    amsgrad : bool, default False
        Use the running maximum of v (Reddi et al., 2018), as torch's option.

    Attributes
    ----------
    state : list of dict
        ``"exp_avg"`` (m), ``"exp_avg_sq"`` (v, *not* bias-corrected), ``"max_exp_avg_sq"``
        (amsgrad only), ``"step"`` (t).

    Notes
    -----
    *Bias correction.* Without it the first step is ``γ(1−β₁)g / (√(1−β₂)|g| + ε)``: about
    0.1/0.0316 ≈ 3.16 × larger than γ for the default betas.

    *Where ε goes.* torch adds ε to ``√v̂`` (the bias-corrected root). The Adam paper's
    "efficient" form adds ε to ``√v`` before the correction (an ε̂ that differs by
    ``√(1−β₂ᵗ)``), and some libraries put ε inside the root, ``√(v̂ + ε)``. They differ when
    gradients are of order √ε or smaller: for g = 1e-8, ``√(g²) + ε = 2e-8`` gives a step of
    γ/2, while ``√(g² + ε) ≈ 1e-4`` gives a step 1e-4 γ.

    *t is incremented before the update*, so the first step uses ``1 − β₁¹``.

    *L2 vs decoupled weight decay.* Here λθ is added to g, so it is divided by ``√v̂`` like
    the gradient: coordinates with large gradients are barely regularised. :class:`AdamW`
    shrinks θ directly instead.
    """

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self._init_hyper(betas, eps, weight_decay, amsgrad)

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place with its gradient (``grads`` aligned with params)."""
        self._adam_step(grads)

    def reset(self) -> None:
        """Forget the moment estimates and the step count (bias correction starts again)."""
        self._reset_state()
        self.t = 0


class AdamW(_AdamCore):
    r"""AdamW (torch.optim.AdamW's rule): Adam with decoupled weight decay.

    As :class:`Adam`, except that weight decay shrinks the parameter directly, before and
    outside the adaptive step, and never enters m or v:

    .. math::

        \theta &\leftarrow \theta - \gamma\lambda\,\theta \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g, \qquad
        v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g^2 \\
        \theta &\leftarrow \theta - \gamma\, \frac{m_t / (1-\beta_1^t)}
            {\sqrt{v_t / (1-\beta_2^t)} + \epsilon}

    Parameters
    ----------
    params : list of ndarray
        float64 arrays, updated in place.
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 1e-2
        λ ≥ 0. Note torch's default, 1e-2, is not zero.
    amsgrad : bool, default False

    Notes
    -----
    *Decoupled vs L2.* For plain SGD the two are the same thing (``λθ`` in the gradient is a
    shrink of θ by ``γλ``). For Adam they are not: an L2 term in the gradient is rescaled by
    ``1/(√v̂ + ε)``, so weights with large gradient history are decayed less. AdamW applies
    the same relative shrink ``γλ`` to every weight (Loshchilov & Hutter, 2019).

    *The decay is multiplied by γ* (torch's convention): the shrink per step is ``γλ``, so
    changing ``lr`` changes the decay too. The paper's algorithm multiplies λθ by the schedule
    factor η_t only, not by the base learning rate α; torch's λ therefore corresponds to the
    paper's λ/α.
    """

    _decoupled = True

    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr)
        self._init_hyper(betas, eps, weight_decay, amsgrad)

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place with its gradient (``grads`` aligned with params)."""
        self._adam_step(grads)

    def reset(self) -> None:
        """Forget the moment estimates and the step count (bias correction starts again)."""
        self._reset_state()
        self.t = 0
