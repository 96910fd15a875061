"""gdutils.nn: layers' forward values, backward against finite differences, validation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from gdutils import checks, nn
from gdutils.gradcheck import check_layer, check_loss, numerical_vjp, rel_error
from gdutils.nn import Linear, MSELoss, ReLU, Sequential, Sigmoid, SoftmaxCrossEntropy, Tanh
from gdutils.optim import SGD, Adam


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


# ---------------------------------------------------------------------------------------------
# Linear


def test_linear_shapes_and_torch_default_init(rng: np.random.Generator) -> None:
    layer = Linear(400, 300, rng)
    assert layer.W.shape == (400, 300) and layer.b.shape == (300,)
    assert layer.W.dtype == np.float64
    bound = 1 / math.sqrt(400)
    assert np.all(np.abs(layer.W) <= bound) and np.all(np.abs(layer.b) <= bound)
    # U(−c, c): mean 0, variance c²/3; 120 000 draws pin both down
    assert abs(layer.W.mean()) < 0.01 * bound
    assert layer.W.var() == pytest.approx(bound**2 / 3, rel=0.02)
    assert np.abs(layer.W).max() > 0.99 * bound


def test_linear_seeding() -> None:
    a, b = Linear(3, 4, np.random.default_rng(7)), Linear(3, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(a.W, b.W)
    assert not np.array_equal(Linear(3, 4, 8).W, a.W)
    np.testing.assert_array_equal(Linear(3, 4).W, Linear(3, 4, np.random.default_rng(0)).W)
    np.testing.assert_array_equal(Linear(3, 4, 7).W, a.W)  # an int is a seed
    shared = np.random.default_rng(7)
    first, second = Linear(3, 4, shared), Linear(3, 4, shared)
    assert not np.array_equal(first.W, second.W)


def test_linear_forward_is_affine(rng: np.random.Generator) -> None:
    layer = Linear(3, 2, rng)
    x = rng.standard_normal((5, 3))
    y = layer.forward(x)
    expected = np.array(
        [
            [sum(x[n, i] * layer.W[i, j] for i in range(3)) + layer.b[j] for j in range(2)]
            for n in range(5)
        ]
    )
    np.testing.assert_allclose(y, expected, rtol=1e-14)
    np.testing.assert_array_equal(layer(x), y)  # __call__ is forward


def test_linear_backward_closed_forms_and_gradcheck(rng: np.random.Generator) -> None:
    layer = Linear(4, 3, rng)
    x = rng.standard_normal((6, 4))
    dout = rng.standard_normal((6, 3))
    layer.forward(x)
    dx = layer.backward(dout)
    np.testing.assert_allclose(dx, dout @ layer.W.T, rtol=1e-14)
    np.testing.assert_allclose(layer.dW, x.T @ dout, rtol=1e-14)
    np.testing.assert_allclose(layer.db, dout.sum(axis=0), rtol=1e-14)
    num_W = numerical_vjp(lambda _W: layer.forward(x), layer.W, dout)
    assert rel_error(layer.dW, num_W) < 1e-8
    errors = check_layer(layer, x, rng)
    assert set(errors) == {"dx", "W", "b"}
    assert max(errors.values()) < 1e-8


def test_linear_grads_are_reused_arrays_and_overwritten(rng: np.random.Generator) -> None:
    layer = Linear(2, 2, rng)
    dW, db = layer.grads
    assert layer.params[0] is layer.W and layer.params[1] is layer.b
    x = rng.standard_normal((3, 2))
    layer.forward(x)
    layer.backward(np.ones((3, 2)))
    layer.backward(np.ones((3, 2)))  # twice: overwritten, not accumulated
    assert layer.grads[0] is dW and layer.grads[1] is db
    np.testing.assert_allclose(db, [3.0, 3.0])


def test_linear_validation(rng: np.random.Generator) -> None:
    layer = Linear(3, 2, rng)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 3\), got \(5, 4\)"):
        layer.forward(np.zeros((5, 4)))
    with pytest.raises(ValueError, match=r"got \(3,\); a single example must be a row"):
        layer.forward(np.zeros(3))
    with pytest.raises(ValueError, match="transposed"):
        layer.forward(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="float64"):
        layer.forward(np.zeros((5, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="numpy array"):
        layer.forward([[0.0, 0.0, 0.0]])
    with pytest.raises(ValueError, match=r"got \(0, 3\)"):
        layer.forward(np.zeros((0, 3)))
    with pytest.raises(RuntimeError, match=r"Linear.backward\(\) was called before"):
        layer.backward(np.zeros((5, 2)))
    layer.forward(np.zeros((5, 3)))
    with pytest.raises(
        ValueError, match=r"dout must have the shape of the forward output \(5, 2\), got \(5, 3\)"
    ):
        layer.backward(np.zeros((5, 3)))
    for bad in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="must be an integer >= 1"):
            Linear(bad, 2)
    with pytest.raises(ValueError, match="rng must be a numpy Generator"):
        Linear(2, 2, np.random.RandomState(0))


# ---------------------------------------------------------------------------------------------
# Activations


def test_relu_values_mask_from_the_input_and_kink() -> None:
    relu = ReLU()
    x = np.array([[-2.0, 0.0, 3.0], [1e-300, -1e-300, 5.0]])
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 0.0, 3.0], [1e-300, 0.0, 5.0]])
    dx = relu.backward(np.full((2, 3), 7.0))
    np.testing.assert_array_equal(dx, [[0.0, 0.0, 7.0], [7.0, 0.0, 7.0]])  # 0 at the kink


def test_tanh_and_sigmoid_values() -> None:
    x = np.array([[-3.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(Tanh().forward(x), np.tanh(x), rtol=1e-15)
    expected = np.array([[1 / (1 + math.exp(-v)) for v in x[0]]])
    np.testing.assert_allclose(Sigmoid().forward(x), expected, rtol=1e-15)


def test_sigmoid_is_stable_at_extreme_logits() -> None:
    s = Sigmoid()
    x = np.array([[-1000.0, -40.0, 40.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        with np.errstate(all="raise", under="ignore"):
            y = s.forward(x)
            dx = s.backward(np.ones_like(x))
    np.testing.assert_allclose(
        y,
        [[0.0, math.exp(-40) / (1 + math.exp(-40)), 1 / (1 + math.exp(-40)), 1.0]],
        rtol=1e-15,
        atol=0,
    )
    # σ'(±40) = e^{−40}/(1+e^{−40})²: accurate where 1 − σ(40) would round to 0
    d40 = math.exp(-40) / (1 + math.exp(-40)) ** 2
    np.testing.assert_allclose(dx, [[0.0, d40, d40, 0.0]], rtol=1e-14, atol=0)


@pytest.mark.parametrize("cls", [ReLU, Tanh, Sigmoid])
def test_activation_gradcheck(cls: type, rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 5))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from ReLU's kink
    errors = check_layer(cls(), x, rng)
    assert set(errors) == {"dx"} and errors["dx"] < 1e-8


@pytest.mark.parametrize("cls", [ReLU, Tanh, Sigmoid])
def test_activation_validation(cls: type) -> None:
    layer = cls()
    with pytest.raises(RuntimeError, match="before"):
        layer.backward(np.zeros((2, 2)))
    layer.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"\(2, 3\)"):
        layer.backward(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="float64"):
        layer.forward(np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="non-empty"):
        layer.forward(np.zeros((0, 3)))
    assert layer.params == [] and layer.grads == []


# ---------------------------------------------------------------------------------------------
# Sequential


def make_mlp(rng: np.random.Generator) -> Sequential:
    return Sequential(Linear(3, 5, rng), ReLU(), Linear(5, 4, rng), Tanh(), Linear(4, 2, rng))


def test_sequential_flat_params_in_layer_order(rng: np.random.Generator) -> None:
    model = make_mlp(rng)
    expected = [model[0].W, model[0].b, model[2].W, model[2].b, model[4].W, model[4].b]
    assert len(model.params) == 6
    assert all(p is q for p, q in zip(model.params, expected, strict=True))
    assert model.param_names == ("0.W", "0.b", "2.W", "2.b", "4.W", "4.b")
    assert len(model) == 5 and list(model)[1].__class__ is ReLU


def test_sequential_forward_backward_and_gradcheck(rng: np.random.Generator) -> None:
    model = make_mlp(rng)
    x = rng.standard_normal((7, 3))
    manual = model[4].forward(np.tanh(model[2].forward(np.maximum(model[0].forward(x), 0))))
    np.testing.assert_allclose(model.forward(x), manual, rtol=1e-14)
    errors = check_layer(model, x, rng)
    assert set(errors) == {"dx", "0.W", "0.b", "2.W", "2.b", "4.W", "4.b"}
    assert max(errors.values()) < 1e-7


def test_sequential_grads_follow_every_backward(rng: np.random.Generator) -> None:
    model = make_mlp(rng)
    x = rng.standard_normal((4, 3))
    model.forward(x)
    model.backward(np.ones((4, 2)))
    first = [g.copy() for g in model.grads]
    model.forward(2 * x)
    model.backward(np.ones((4, 2)))
    for layer_grad, flat in zip(
        [model[0].dW, model[0].db, model[2].dW], model.grads[:3], strict=True
    ):
        assert flat is layer_grad
    assert not np.allclose(first[0], model.grads[0])


def test_sequential_with_optimiser_trains_in_place(rng: np.random.Generator) -> None:
    # overfit a tiny batch: the loss must fall close to zero
    model = Sequential(Linear(2, 16, rng), Tanh(), Linear(16, 3, rng))
    x = rng.standard_normal((6, 2))
    y = np.array([0, 1, 2, 0, 1, 2])
    loss_fn = SoftmaxCrossEntropy()
    W0 = model[0].W
    opt = Adam(model.params, lr=0.05)
    first = loss_fn(model(x), y)
    for _ in range(300):
        loss = loss_fn(model(x), y)
        model.backward(loss_fn.backward())
        opt.step(model.grads)
    assert model[0].W is W0  # updated in place, never replaced
    assert first > 0.5 and loss < 0.01


def test_sgd_step_equals_manual_update(rng: np.random.Generator) -> None:
    model = make_mlp(rng)
    before = [p.copy() for p in model.params]
    x = rng.standard_normal((4, 3))
    model.forward(x)
    model.backward(rng.standard_normal((4, 2)))
    SGD(model.params, lr=0.1).step(model.grads)
    for p, p0, g in zip(model.params, before, model.grads, strict=True):
        np.testing.assert_allclose(p, p0 - 0.1 * g, rtol=1e-15)


def test_sequential_validation() -> None:
    with pytest.raises(ValueError, match=r"Sequential\(\*layers\)"):
        Sequential([ReLU(), ReLU()])
    with pytest.raises(ValueError, match="at least one layer"):
        Sequential()
    with pytest.raises(ValueError, match="layer 1"):
        Sequential(ReLU(), "not a layer")


def test_reprs(rng: np.random.Generator) -> None:
    assert repr(Linear(3, 2, rng)) == "Linear(n_in=3, n_out=2)"
    assert repr(ReLU()) == "ReLU()" and repr(Tanh()) == "Tanh()" and repr(Sigmoid()) == "Sigmoid()"
    assert repr(MSELoss()) == "MSELoss()" and repr(SoftmaxCrossEntropy()) == "SoftmaxCrossEntropy()"
    text = repr(Sequential(Linear(3, 2, rng), ReLU()))
    assert "(0) Linear(n_in=3, n_out=2)" in text and "(1) ReLU()" in text


# ---------------------------------------------------------------------------------------------
# Losses


def test_mse_value_and_gradient_are_means_over_all_elements() -> None:
    pred = np.array([[1.0, 2.0], [3.0, 5.0]])
    target = np.array([[0.0, 2.0], [1.0, 1.0]])
    loss = MSELoss()
    assert loss.forward(pred, target) == pytest.approx((1 + 0 + 4 + 16) / 4)
    np.testing.assert_allclose(loss.backward(), 2 * (pred - target) / 4)
    np.testing.assert_allclose(loss.backward(3.0), 3 * 2 * (pred - target) / 4)
    assert check_loss(loss, pred, target) < 1e-8


def test_mse_refuses_broadcasting_shapes() -> None:
    with pytest.raises(
        ValueError, match=r"target must have the shape of pred \(4, 1\), got \(4,\).*broadcasting"
    ):
        MSELoss().forward(np.zeros((4, 1)), np.zeros(4))
    with pytest.raises(ValueError, match="NaN or inf"):
        MSELoss().forward(np.array([np.nan]), np.array([0.0]))
    with pytest.raises(RuntimeError, match="before"):
        MSELoss().backward()


def test_cross_entropy_value_by_hand() -> None:
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 0])
    per_example = [
        -math.log(math.exp(2.0) / (math.exp(1.0) + math.exp(2.0) + math.exp(0.5))),
        -math.log(1.0 / (1.0 + math.exp(-1.0) + math.exp(3.0))),
    ]
    ce = SoftmaxCrossEntropy()
    assert ce.forward(logits, labels) == pytest.approx(sum(per_example) / 2, rel=1e-14)
    soft = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(3)[labels]
    np.testing.assert_allclose(ce.backward(), (soft - onehot) / 2, rtol=1e-14)
    np.testing.assert_allclose(ce.probs, soft, rtol=1e-14)
    assert check_loss(ce, logits, labels) < 1e-8


def test_cross_entropy_at_logits_of_plus_minus_1000() -> None:
    logits = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]])
    labels = np.array([0, 0, 1])
    ce = SoftmaxCrossEntropy()
    with np.errstate(all="raise", under="ignore"):
        loss = ce.forward(logits, labels)
        grad = ce.backward()
    # per example: 0, 2000, log 2
    assert loss == pytest.approx((0.0 + 2000.0 + math.log(2.0)) / 3, rel=1e-14)
    np.testing.assert_allclose(
        grad, np.array([[0.0, 0.0], [-1.0, 1.0], [0.5, -0.5]]) / 3, rtol=1e-14, atol=1e-300
    )


def test_cross_entropy_is_shift_invariant(rng: np.random.Generator) -> None:
    logits = rng.standard_normal((5, 4))
    labels = rng.integers(0, 4, size=5)
    ce = SoftmaxCrossEntropy()
    a = ce.forward(logits, labels)
    b = ce.forward(logits + 500.0 * rng.standard_normal((5, 1)), labels)
    assert a == pytest.approx(b, rel=1e-12)


def test_cross_entropy_validation() -> None:
    ce = SoftmaxCrossEntropy()
    logits = np.zeros((3, 4))
    with pytest.raises(RuntimeError, match="before"):
        ce.backward()
    with pytest.raises(ValueError, match="integer dtype"):
        ce.forward(logits, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\), got 4"):
        ce.forward(logits, np.array([0, 1, 4]))
    with pytest.raises(ValueError, match=r"got -1"):
        ce.forward(logits, np.array([0, -1, 2]))
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\), got \(3, 1\); flatten"):
        ce.forward(logits, np.zeros((3, 1), dtype=int))
    with pytest.raises(ValueError, match="not one-hot"):
        ce.forward(logits, np.eye(4, dtype=int)[:3])
    with pytest.raises(ValueError, match=r"logits must have shape \(batch, k\)"):
        ce.forward(np.zeros(4), np.array([0]))
    with pytest.raises(ValueError, match="NaN or inf"):
        ce.forward(np.array([[np.inf, 0.0]]), np.array([0]))
    with pytest.raises(ValueError, match="integer numpy array"):
        ce.forward(logits, [0, 1, 2])
    with pytest.raises(ValueError, match="dout must be a real number"):
        ce.forward(logits, np.array([0, 1, 2]))
        ce.backward(np.ones(3))


# ---------------------------------------------------------------------------------------------
# Reference tags


def test_reference_tags_cover_the_exercise_layers() -> None:
    for cls in (Linear, ReLU, SoftmaxCrossEntropy, Sequential):
        assert cls.__gd_reference__ == ("08-backprop-layers",)
    names = checks.references_for("08-backprop-layers")
    assert "gdutils.nn.Linear" in names and "gdutils.gradcheck.numerical_vjp" in names
    with checks.forbid_reference("08-backprop-layers"):
        with pytest.raises(checks.DelegationError):
            Linear(2, 2)
        Tanh().forward(np.zeros((1, 1)))  # not an exercise of notebook 08
        MSELoss().forward(np.zeros(1), np.zeros(1))


def test_layer_built_outside_refuses_forward_inside(rng: np.random.Generator) -> None:
    layer = Linear(2, 2, rng)
    relu = ReLU()
    with checks.forbid_reference("08-backprop-layers"):
        with pytest.raises(checks.DelegationError, match="Linear.forward"):
            layer(np.zeros((1, 2)))
        with pytest.raises(checks.DelegationError, match="ReLU.forward"):
            relu.forward(np.zeros((1, 2)))


def test_module_exports() -> None:
    assert set(nn.__all__) >= {
        "Linear",
        "ReLU",
        "Tanh",
        "Sigmoid",
        "Sequential",
        "MSELoss",
        "SoftmaxCrossEntropy",
    }
