"""gdutils.schedules: closed forms, vectorisation, validation, torch's schedulers, LRScheduler."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import checks, optim, schedules
from gdutils.schedules import Constant, Cosine, Exponential, InverseTime, LRScheduler, StepDecay


def test_closed_forms_by_hand() -> None:
    assert StepDecay(0.1, step_size=3, gamma=0.5)(7) == pytest.approx(0.1 * 0.25)
    assert Exponential(2.0, gamma=0.9)(3) == pytest.approx(2.0 * 0.729)
    assert InverseTime(1.0, decay=0.5)(4) == pytest.approx(1.0 / 3.0)
    assert Constant(0.3)(12345) == 0.3
    c = Cosine(1.0, total_steps=4, lr_min=0.2)
    # cos(π/4), cos(π/2), cos(3π/4) by hand
    assert c(1) == pytest.approx(0.2 + 0.4 * (1 + math.sqrt(0.5)))
    assert c(2) == pytest.approx(0.6)
    assert c(3) == pytest.approx(0.2 + 0.4 * (1 - math.sqrt(0.5)))
    assert c(4) == pytest.approx(0.2)


@pytest.mark.parametrize("sched", [
    Constant(0.1), StepDecay(0.1, 5, 0.3), Exponential(0.1, 0.97), InverseTime(0.1, 0.2),
    Cosine(0.1, 40, 0.001),
])
def test_vectorised_equals_scalar_calls(sched: schedules.Schedule) -> None:
    t = np.arange(60)
    curve = sched(t)
    assert curve.shape == (60,) and curve.dtype == np.float64
    assert np.allclose(curve, [sched(int(k)) for k in t], rtol=1e-14, atol=0)
    assert isinstance(sched(3), float)
    assert sched(np.array([[0, 1], [2, 3]])).shape == (2, 2)
    assert sched(0) == pytest.approx(sched.lr0)
    assert np.all(np.diff(curve) <= 1e-15), "every schedule here is non-increasing"


def test_cosine_stays_at_lr_min_after_total_steps() -> None:
    c = Cosine(0.5, total_steps=10, lr_min=0.05)
    assert np.all(c(np.arange(10, 100)) == pytest.approx(0.05))


def test_invalid_arguments_are_value_errors() -> None:
    with pytest.raises(ValueError, match="lr0"):
        Constant(0.0)
    with pytest.raises(ValueError, match="gamma"):
        StepDecay(0.1, 10, gamma=1.5)
    with pytest.raises(ValueError, match="step_size"):
        StepDecay(0.1, 0)
    with pytest.raises(ValueError, match="lr_min"):
        Cosine(0.1, 10, lr_min=0.2)
    with pytest.raises(ValueError, match="t must"):
        Constant(0.1)(-1)
    with pytest.raises(ValueError, match="t must"):
        Constant(0.1)(np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="unknown schedule"):
        schedules.make_schedule("warm", 0.1, 10)


def test_schedules_are_immutable_values() -> None:
    c = Cosine(0.1, 10)
    with pytest.raises(AttributeError):
        c.lr0 = 1.0
    assert c == Cosine(0.1, 10) and hash(c) == hash(Cosine(0.1, 10))
    assert c != Cosine(0.1, 11)
    assert "Cosine(lr0=0.1" in repr(c)


@pytest.mark.parametrize("name", list(schedules.SCHEDULES))
def test_make_schedule_ends_low(name: str) -> None:
    s = schedules.make_schedule(name, 0.2, total_steps=300)
    assert isinstance(s, schedules.SCHEDULES[name])
    assert s(0) == pytest.approx(0.2)
    end = s(300)
    if name == "constant":
        assert end == pytest.approx(0.2)
    else:
        assert end <= 0.2 / 10 + 1e-12


def test_lr_scheduler_drives_an_optimiser() -> None:
    w = np.array([1.0])
    opt = optim.SGD([w], lr=123.0)
    sched = LRScheduler(opt, StepDecay(0.5, step_size=2, gamma=0.1))
    assert opt.lr == 0.5  # set on construction
    seen = []
    for _ in range(5):
        seen.append(opt.lr)
        opt.step([np.ones(1)])
        sched.step()
    assert seen == pytest.approx([0.5, 0.5, 0.05, 0.05, 0.005])
    assert w[0] == pytest.approx(1.0 - sum(seen))
    assert sched.t == 5 and sched.lr == pytest.approx(0.005)
    with pytest.raises(ValueError):
        LRScheduler(opt, 0.1)
    with pytest.raises(ValueError, match="lr\\(0\\)"):
        LRScheduler(opt, lambda t: float("nan"))


def test_cosine_is_the_reference_of_notebook_09() -> None:
    with checks.forbid_reference("09-minibatch-sgd"), pytest.raises(checks.DelegationError):
        Cosine(0.1, 10)
    assert Cosine(0.1, 10)(5) == pytest.approx(0.05)  # outside the guard it works


def test_usable_as_a_descent_schedule() -> None:
    from gdutils import descent

    res = descent.gradient_descent(lambda x: 2 * x, np.array([1.0]), StepDecay(0.25, 1, 0.5),
                                   max_iter=3, tol=None)
    # x ← x(1 − 2·lr(t)) with lr = 0.25, 0.125, 0.0625
    assert res.x[0] == pytest.approx(0.5 * 0.75 * 0.875)


@pytest.mark.torch
def test_matches_torch_schedulers() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        (StepDecay(0.1, step_size=7, gamma=0.3),
         lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.3)),
        (Exponential(0.1, gamma=0.95),
         lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95)),
        (InverseTime(0.1, decay=0.2),
         lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1.0 / (1.0 + 0.2 * t))),
        (Cosine(0.1, total_steps=25, lr_min=0.01),
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=25, eta_min=0.01)),
    ]
    for ours, make in cases:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.1)
        sched = make(opt)
        theirs = []
        for _ in range(26):  # torch's cosine climbs back up after T_max; ours stays at lr_min
            theirs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        assert np.allclose(ours(np.arange(26)), theirs, rtol=1e-12, atol=1e-15), type(ours).__name__
