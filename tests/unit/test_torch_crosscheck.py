"""Cross-checks against PyTorch (CPU, float64): optimisers, layers and losses, the Value engine.

torch is the oracle for "same rules as torch": every optimiser and option is run for 200 steps
fed the same gradients (including gradients of 1e-9..1e-12, far below √ε) with a learning-rate
change mid-run, and must agree to round-off; every layer and loss must agree in forward and
backward; random scalar expression graphs must get the same gradients.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gdutils import nn, optim  # noqa: E402
from gdutils.autograd import Value  # noqa: E402

pytestmark = pytest.mark.torch

F = torch.nn.functional
T64 = torch.float64


def t(a: np.ndarray, grad: bool = False):
    return torch.tensor(a, dtype=T64, requires_grad=grad)


# ---------------------------------------------------------------------------------------------
# Optimisers


class NoisyQuadratic:
    """Gradients of ½θᵀAθ − cᵀθ plus seeded noise, for θ = (W (3, 4), b (4,)), times ``scale``."""

    def __init__(self, seed: int, scale: float) -> None:
        rng = np.random.default_rng(seed)
        M = rng.standard_normal((16, 16))
        self.A = M @ M.T / 16 + 0.5 * np.eye(16)
        self.c = rng.standard_normal(16)
        self.noise = rng.standard_normal((200, 16)) * 0.3
        self.scale = scale
        self.W0 = rng.standard_normal((3, 4))
        self.b0 = rng.standard_normal(4)

    def grads(self, W: np.ndarray, b: np.ndarray, step: int) -> list[np.ndarray]:
        theta = np.concatenate([W.ravel(), b])
        g = (self.A @ theta - self.c + self.noise[step]) * self.scale
        return [g[:12].reshape(3, 4).copy(), g[12:].copy()]


STATE_KEYS = {
    "SGD": ["momentum_buffer"],
    "Adagrad": ["sum"],
    "RMSprop": ["square_avg", "grad_avg", "momentum_buffer"],
    "Adam": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
    "AdamW": ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"],
}

CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.7, nesterov=True, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.02, weight_decay=0.1, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.005, alpha=0.95, centered=True, momentum=0.8, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6)),
    ("Adam", dict(lr=0.01, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, betas=(0.5, 0.9))),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.0)),
    ("AdamW", dict(lr=0.01, amsgrad=True, weight_decay=0.2, betas=(0.85, 0.95))),
]


def _case_id(case: tuple[str, dict]) -> str:
    name, kw = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.mark.torch
@pytest.mark.parametrize("scale", [1.0, 1e-10], ids=["g~1", "g~1e-10"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_optimiser_matches_torch_step_by_step(case: tuple[str, dict], scale: float) -> None:
    name, kwargs = case
    problem = NoisyQuadratic(seed=len(name) * 31 + len(kwargs), scale=scale)
    W, b = problem.W0.copy(), problem.b0.copy()
    ours = getattr(optim, name)([W, b], **kwargs)
    tW, tb = torch.nn.Parameter(t(problem.W0)), torch.nn.Parameter(t(problem.b0))
    theirs = getattr(torch.optim, name)([tW, tb], **kwargs)
    worst = 0.0
    for step in range(200):
        if step == 100:  # a learning-rate change mid-run, applied from the next step
            ours.lr = kwargs["lr"] * 0.3
            for group in theirs.param_groups:
                group["lr"] = kwargs["lr"] * 0.3
        gW, gb = problem.grads(W, b, step)  # the same gradients for both
        ours.step([gW, gb])
        tW.grad, tb.grad = torch.from_numpy(gW.copy()), torch.from_numpy(gb.copy())
        theirs.step()
        # compare the displacements θ − θ₀ (tiny gradients move SGD by ~1e-12)
        for mine, other, start in ((W, tW, problem.W0), (b, tb, problem.b0)):
            d_ours = mine - start
            d_torch = other.detach().numpy() - start
            size = np.max(np.abs(d_torch))
            assert size > 0
            worst = max(worst, float(np.max(np.abs(d_ours - d_torch))) / size)
    assert worst < 1e-10, f"largest relative deviation from torch: {worst:.3g}"
    # the state learners inspect carries torch's values too
    for i, p in enumerate((tW, tb)):
        for key in STATE_KEYS[name]:
            if key in theirs.state[p]:
                np.testing.assert_allclose(
                    ours.state[i][key], theirs.state[p][key].numpy(), rtol=1e-9, atol=0
                )
            else:
                assert key not in ours.state[i]
        if "step" in theirs.state[p]:
            assert ours.state[i]["step"] == int(theirs.state[p]["step"]) == 200


@pytest.mark.torch
@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW"])
def test_closed_loop_training_matches_torch(name: str) -> None:
    # each side computes its gradients from its own parameters: a genuine training run
    problem = NoisyQuadratic(seed=7, scale=1.0)
    kwargs = {"lr": 0.02, "momentum": 0.9} if name == "SGD" else {"lr": 0.02}
    W, b = problem.W0.copy(), problem.b0.copy()
    ours = getattr(optim, name)([W, b], **kwargs)
    tW, tb = torch.nn.Parameter(t(problem.W0)), torch.nn.Parameter(t(problem.b0))
    theirs = getattr(torch.optim, name)([tW, tb], **kwargs)
    for step in range(200):
        ours.step(problem.grads(W, b, step))
        gW, gb = problem.grads(tW.detach().numpy(), tb.detach().numpy(), step)
        tW.grad, tb.grad = torch.from_numpy(gW), torch.from_numpy(gb)
        theirs.step()
    np.testing.assert_allclose(W, tW.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b, tb.detach().numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# Layers and losses


def _compare(ours: np.ndarray, theirs, rtol: float = 1e-12, atol: float = 1e-14) -> None:
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=rtol, atol=atol)


@pytest.mark.torch
def test_linear_matches_torch() -> None:
    rng = np.random.default_rng(10)
    layer = nn.Linear(5, 3, rng)
    x = rng.standard_normal((7, 5))
    dout = rng.standard_normal((7, 3))
    tx, tW, tb = t(x, True), t(layer.W.T.copy(), True), t(layer.b, True)
    out_t = F.linear(tx, tW, tb)  # torch's convention: weight (n_out, n_in)
    out_t.backward(t(dout))
    _compare(layer.forward(x), out_t)
    dx = layer.backward(dout)
    _compare(dx, tx.grad)
    _compare(layer.dW, tW.grad.T)
    _compare(layer.db, tb.grad)


@pytest.mark.torch
@pytest.mark.parametrize(
    "ours, theirs",
    [(nn.ReLU, torch.relu), (nn.Tanh, torch.tanh), (nn.Sigmoid, torch.sigmoid)],
    ids=["relu", "tanh", "sigmoid"],
)
def test_activations_match_torch(ours, theirs) -> None:
    rng = np.random.default_rng(11)
    x = rng.standard_normal((6, 5)) * 3
    x[0, :] = [0.0, -0.0, 40.0, -40.0, 1000.0]  # the kink and saturation
    x[1, :] = [-1000.0, 1e-300, -1e-300, 20.0, -20.0]
    dout = rng.standard_normal(x.shape)
    layer = ours()
    tx = t(x, True)
    out_t = theirs(tx)
    out_t.backward(t(dout))
    _compare(layer.forward(x), out_t, atol=1e-300)
    # σ'(±40) ≈ 4e-18, which torch's (1 − σ)σ rounds to 0: absolute tolerance 1e-15
    _compare(layer.backward(dout), tx.grad, atol=1e-15)


@pytest.mark.torch
def test_mse_loss_matches_torch() -> None:
    rng = np.random.default_rng(12)
    pred, target = rng.standard_normal((8, 3)), rng.standard_normal((8, 3))
    upstream = 1.7
    loss = nn.MSELoss()
    tp = t(pred, True)
    lt = F.mse_loss(tp, t(target))
    lt.backward(torch.tensor(upstream, dtype=T64))
    assert loss.forward(pred, target) == pytest.approx(lt.item(), rel=1e-14)
    _compare(loss.backward(upstream), tp.grad)


@pytest.mark.torch
def test_softmax_cross_entropy_matches_torch_including_extreme_logits() -> None:
    rng = np.random.default_rng(13)
    logits = rng.standard_normal((9, 4)) * 5
    logits[0] = [1000.0, -1000.0, 0.0, 999.0]
    logits[1] = [-1000.0, -1000.0, -1000.0, -1000.0]
    logits[2] = [-1000.0, 1000.0, 1000.0, 500.0]
    labels = rng.integers(0, 4, size=9)
    labels[0] = 1
    upstream = -0.6
    loss = nn.SoftmaxCrossEntropy()
    tl = t(logits, True)
    lt = F.cross_entropy(tl, torch.from_numpy(labels))
    lt.backward(torch.tensor(upstream, dtype=T64))
    value = loss.forward(logits, labels)
    assert np.isfinite(value) and value == pytest.approx(lt.item(), rel=1e-14)
    _compare(loss.backward(upstream), tl.grad, atol=1e-300)


@pytest.mark.torch
def test_sequential_mlp_matches_torch() -> None:
    rng = np.random.default_rng(14)
    sizes = [(6, 16), (16, 8), (8, 3)]
    acts = [nn.Tanh(), nn.ReLU(), None]
    t_acts = [torch.nn.Tanh(), torch.nn.ReLU(), None]
    layers, t_layers = [], []
    for (n_in, n_out), act, t_act in zip(sizes, acts, t_acts, strict=True):
        lin = nn.Linear(n_in, n_out, rng)
        t_lin = torch.nn.Linear(n_in, n_out, dtype=T64)
        with torch.no_grad():
            t_lin.weight.copy_(torch.from_numpy(lin.W.T))
            t_lin.bias.copy_(torch.from_numpy(lin.b))
        layers.append(lin)
        t_layers.append(t_lin)
        if act is not None:
            layers.append(act)
            t_layers.append(t_act)
    model, t_model = nn.Sequential(*layers), torch.nn.Sequential(*t_layers)
    x = rng.standard_normal((10, 6))
    y = rng.integers(0, 3, size=10)
    loss_fn = nn.SoftmaxCrossEntropy()
    tx = t(x, True)
    lt = F.cross_entropy(t_model(tx), torch.from_numpy(y))
    lt.backward()
    assert loss_fn.forward(model.forward(x), y) == pytest.approx(lt.item(), rel=1e-13)
    dx = model.backward(loss_fn.backward())
    _compare(dx, tx.grad)
    t_grads = []
    for lin in t_model:
        if isinstance(lin, torch.nn.Linear):
            t_grads += [lin.weight.grad.T, lin.bias.grad]
    for ours, theirs in zip(model.grads, t_grads, strict=True):
        _compare(ours, theirs)


@pytest.mark.torch
def test_linear_init_distribution_matches_torch_default() -> None:
    # same family: U(−1/√n_in, 1/√n_in) for weight and bias (compare moments and bounds)
    torch.manual_seed(0)
    ref = torch.nn.Linear(200, 300, dtype=T64)
    ours = nn.Linear(200, 300, np.random.default_rng(0))
    bound = 1 / np.sqrt(200)
    for mine, theirs in ((ours.W, ref.weight), (ours.b, ref.bias)):
        theirs = theirs.detach().numpy()
        assert np.abs(theirs).max() <= bound and np.abs(mine).max() <= bound
    assert ours.W.std() == pytest.approx(ref.weight.detach().numpy().std(), rel=0.02)


# ---------------------------------------------------------------------------------------------
# The Value engine on random expression graphs


def _random_graph(seed: int, n_leaves: int = 4, n_ops: int = 40):
    rng = np.random.default_rng(seed)
    data = rng.uniform(-1.5, 1.5, size=n_leaves)
    leaves = [Value(float(d)) for d in data]
    t_leaves = [torch.tensor(float(d), dtype=T64, requires_grad=True) for d in data]
    pool, t_pool = list(leaves), list(t_leaves)
    ops = [
        "add",
        "sub",
        "mul",
        "div",
        "pow",
        "exp",
        "log",
        "tanh",
        "relu",
        "sigmoid",
        "neg",
        "const",
    ]
    while len(pool) < n_leaves + n_ops:
        op = ops[rng.integers(len(ops))]
        i, j = rng.integers(len(pool), size=2)
        a, b, ta, tb = pool[i], pool[j], t_pool[i], t_pool[j]
        if op == "add":
            r, tr = a + b, ta + tb
        elif op == "sub":
            r, tr = a - b, ta - tb
        elif op == "mul":
            r, tr = a * b, ta * tb
        elif op == "div":
            if abs(b.data) < 0.2:
                continue
            r, tr = a / b, ta / tb
        elif op == "pow":
            n = [2, 3, -1, 0.5, 1.5][rng.integers(5)]
            if (n < 0 and abs(a.data) < 0.2) or (n % 1 and a.data < 0.05):
                continue
            r, tr = a**n, ta**n
        elif op == "exp":
            if a.data > 4:
                continue
            r, tr = a.exp(), torch.exp(ta)
        elif op == "log":
            if a.data < 0.05:
                continue
            r, tr = a.log(), torch.log(ta)
        elif op == "tanh":
            r, tr = a.tanh(), torch.tanh(ta)
        elif op == "relu":
            r, tr = a.relu(), torch.relu(ta)
        elif op == "sigmoid":
            r, tr = a.sigmoid(), torch.sigmoid(ta)
        elif op == "neg":
            r, tr = -a, -ta
        else:
            c = float(rng.uniform(-2, 2))
            kind = rng.integers(4)
            if kind == 0:
                r, tr = c + a, c + ta
            elif kind == 1:
                r, tr = c * a, c * ta
            elif kind == 2:
                r, tr = c - a, c - ta
            else:
                if abs(a.data) < 0.2:
                    continue
                r, tr = c / a, c / ta
        if abs(r.data) > 1e3:
            continue
        pool.append(r)
        t_pool.append(tr)
    root, t_root = pool[-1], t_pool[-1]
    for node, t_node in zip(pool[-6:-1], t_pool[-6:-1], strict=True):  # reuse shared nodes
        root, t_root = root + node, t_root + t_node
    return leaves, t_leaves, root, t_root


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(25))
def test_value_matches_torch_autograd_on_random_graphs(seed: int) -> None:
    leaves, t_leaves, root, t_root = _random_graph(seed)
    assert root.data == pytest.approx(t_root.item(), rel=1e-12, abs=1e-12)
    root.backward()
    t_root.backward()
    for v, tv in zip(leaves, t_leaves, strict=True):
        expected = 0.0 if tv.grad is None else tv.grad.item()
        assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-12)
