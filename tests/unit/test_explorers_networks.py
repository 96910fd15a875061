"""gdutils.explorers.networks: the two-layer network helpers and the explorers of notebook 08.

The helpers are checked against finite differences and torch; the explorers are driven with
``explorer.set(...)`` and their ``state`` is compared with what the helpers compute.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdutils import gradcheck
from gdutils.display.explorers import networks


def _tiny():
    X, y = networks.load_dataset("spirals")
    idx = np.concatenate([np.flatnonzero(y == c)[:2] for c in range(3)])[:5]
    return X[idx], y[idx]


def test_two_layer_loss_matches_finite_differences() -> None:
    X, y = _tiny()
    params = networks.init_two_layer(2, 7, 3, rng=4)
    loss, grads = networks.two_layer_loss(params, X, y)
    assert set(grads) == set(params)
    for k, p in params.items():
        num = gradcheck.numerical_gradient(lambda _: networks.two_layer_loss(params, X, y)[0], p)
        assert grads[k].shape == p.shape
        assert gradcheck.rel_error(grads[k], num) < 1e-6


@pytest.mark.torch
def test_two_layer_loss_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    X, y = _tiny()
    params = networks.init_two_layer(2, 7, 3, rng=4)
    loss, grads = networks.two_layer_loss(params, X, y)
    t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    h = torch.relu(torch.tensor(X) @ t["W1"] + t["b1"])
    tl = torch.nn.functional.cross_entropy(h @ t["W2"] + t["b2"], torch.tensor(y))
    tl.backward()
    assert loss == pytest.approx(tl.item(), rel=1e-13)
    for k in params:
        np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-11, atol=1e-14)


def test_init_two_layer_shapes_scale_and_validation() -> None:
    p = networks.init_two_layer(3, 5, 2, rng=0, scale=0.5)
    assert {k: v.shape for k, v in p.items()} == {"W1": (3, 5), "b1": (5,), "W2": (5, 2), "b2": (2,)}
    assert np.abs(p["W1"]).max() <= 0.5 / math.sqrt(3) and np.abs(p["W2"]).max() <= 0.5 / math.sqrt(5)
    with pytest.raises(ValueError, match="scale"):
        networks.init_two_layer(3, 5, 2, scale=0.0)
    with pytest.raises(ValueError, match="n_hidden"):
        networks.init_two_layer(3, 0, 2)
    with pytest.raises(ValueError, match="keys"):
        networks.two_layer_loss({"W1": p["W1"]}, np.zeros((1, 3)), np.zeros(1, int))


def test_a_correct_network_overfits_five_examples() -> None:
    X, y = _tiny()
    run = networks.train_two_layer(X, y, width=16, lr=1.0, n_steps=500, seed=1)
    assert run["status"] == "ok" and len(run["losses"]) == 501
    assert run["losses"][0] == pytest.approx(math.log(3), abs=0.1)
    assert run["losses"][-1] < 0.01 and run["accuracy"] == 1.0


def test_a_huge_learning_rate_kills_the_relus() -> None:
    X, y = networks.load_dataset("spirals")
    run = networks.train_two_layer(X, y, width=32, lr=10.0, n_steps=500, seed=0)
    assert networks.dead_units(run["params"], X) == 32
    assert run["accuracy"] == pytest.approx(1 / 3)


def test_boundary_explorer_default_and_steps() -> None:
    ex = networks.boundary_explorer(static=True)
    st = ex.state
    assert st["dataset"] == "moons" and st["step"] == 500 and st["status"] == "ok"
    X, y = networks.load_dataset("moons")
    ref = networks.train_two_layer(X, y, 16, 1.0, 1.0, 500, seed=0)
    np.testing.assert_array_equal(st["losses"], ref["losses"])  # the path gdutils computes
    assert st["accuracy"] == pytest.approx(ref["accuracy"]) and st["accuracy"] > 0.95
    assert st["loss"] == pytest.approx(ref["losses"][-1])
    cached = st["n_cached"]
    ex.set(step=100)
    assert ex.state["step"] == 100 and ex.state["n_cached"] == cached  # no retraining
    assert ex.state["loss"] == pytest.approx(ref["losses"][100])
    assert ex.state["loss"] > ref["losses"][-1]
    ex.set(step=0)
    assert ex.state["loss"] == pytest.approx(ref["losses"][0])


def test_boundary_explorer_controls_retrain() -> None:
    ex = networks.boundary_explorer(static=True)
    ex.set(dataset="spirals", width=32)
    X, y = networks.load_dataset("spirals")
    ref = networks.train_two_layer(X, y, 32, 1.0, 1.0, 500, seed=0)
    np.testing.assert_array_equal(ex.state["losses"], ref["losses"])
    assert ex.state["dataset"] == "spirals"
    ex.set(lr=10.0)
    assert ex.state["dead_units"] == 32 and ex.state["accuracy"] == pytest.approx(1 / 3)
    assert "dead" in ex.figure.axes[0].get_title()
    ex.set(lr=1.0, **{"init scale": 100.0})
    assert ex.state["losses"][0] > 100.0  # a huge initial scale: a huge first loss
    with pytest.raises(ValueError):
        ex.set(width=1000)




def test_measure_costs_counts_2p_forward_passes() -> None:
    costs = networks.measure_costs(widths=(2, 8, 32), repeats=2, fd_repeats=1)
    P = costs["n_params"]
    assert list(P) == [10 * w + w + 3 * w + 3 for w in (2, 8, 32)]
    np.testing.assert_array_equal(costs["fd_forward_calls"], 2 * P)
    assert costs["max_rel_error"].max() < 1e-5
    assert np.all(costs["fd_s"] > costs["backprop_s"])


def test_cost_explorer_picks_widths_and_units() -> None:
    costs = networks.measure_costs(widths=(2, 8, 32), repeats=2, fd_repeats=1)
    ex = networks.cost_explorer(costs, static=True)
    assert ex.state["width"] == 8
    ex.set(width=32, unit="forward passes")
    st = ex.state
    assert st["n_params"] == int(costs["n_params"][2]) and st["fd_forward_calls"] == 2 * st["n_params"]
    assert st["speedup"] == pytest.approx(costs["fd_s"][2] / costs["backprop_s"][2])
    [shown] = [ax for ax in ex.figure.axes if ax.get_visible()]
    assert "forward passes" in shown.get_ylabel()
    ex.set(unit="seconds")
    [shown] = [ax for ax in ex.figure.axes if ax.get_visible()]
    assert "(s)" in shown.get_ylabel()
    # one static layer per unit, kept: switching back and forth renders none again
    renders = ex.figure.n_static_renders
    ex.set(unit="forward passes")
    ex.set(unit="seconds")
    assert ex.figure.n_static_renders == renders
    with pytest.raises(ValueError):
        ex.set(width=5)


def test_plot_costs_refuses_an_unknown_unit() -> None:
    costs = networks.measure_costs(widths=(2,), repeats=1, fd_repeats=1)
    with pytest.raises(ValueError, match="unit"):
        networks.plot_costs(costs, unit="minutes")


def _train_with_layers(X: np.ndarray, y: np.ndarray, width: int, lr: float, scale: float,
                       n_steps: int) -> list[float]:
    """The same training built from gdutils.nn's layers: the oracle for the unchecked loop."""
    from gdutils import nn

    params = networks.init_two_layer(X.shape[1], width, int(y.max()) + 1, 0, scale)
    first, second = nn.Linear(*params["W1"].shape), nn.Linear(*params["W2"].shape)
    first.W, first.b, second.W, second.b = params["W1"], params["b1"], params["W2"], params["b2"]
    relu, ce = nn.ReLU(), nn.SoftmaxCrossEntropy()
    losses = []
    for t in range(n_steps + 1):
        try:
            loss = ce.forward(second.forward(relu.forward(first.forward(X))), y)
        except ValueError:
            break
        if not math.isfinite(loss) or loss > 1e6:
            break
        losses.append(loss)
        if t == n_steps:
            break
        first.backward(relu.backward(second.backward(ce.backward())))
        for p, g in zip(first.params + second.params, first.grads + second.grads, strict=True):
            p -= lr * g
    return losses


@pytest.mark.parametrize(("dataset", "width", "lr", "scale"), [
    ("moons", 16, 1.0, 1.0), ("spirals", 32, 0.3, 3.0), ("moons", 2, 7.0, 1.0),
    ("spirals", 8, 10.0, 30.0),
])
def test_training_loop_does_what_the_layers_do(dataset: str, width: int, lr: float,
                                               scale: float) -> None:
    X, y = networks.load_dataset(dataset)
    with np.errstate(all="ignore"):
        ref = _train_with_layers(X, y, width, lr, scale, 120)
    run = networks.train_two_layer(X, y, width, lr, scale, 120, seed=0)
    assert len(run["losses"]) == len(ref)
    np.testing.assert_allclose(run["losses"], ref, rtol=1e-12, atol=1e-14)


def test_training_rejects_malformed_data() -> None:
    X, y = networks.load_dataset("moons")
    with pytest.raises(ValueError, match=r"\(N,\)"):
        networks.train_two_layer(X, y[:-1])
    with pytest.raises(ValueError, match="integer"):
        networks.train_two_layer(X, y.astype(float))
    with pytest.raises(ValueError, match="≥ 0"):
        networks.train_two_layer(X, y - 1)
