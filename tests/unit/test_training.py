"""gdutils.training: the SGD loop, the patience rule, fit() with early stopping on a constructed
validation curve, restoring the best weights, and the live view."""

from __future__ import annotations

import numpy as np
import pytest

from gdutils import checks, data, nn, optim, schedules, training
from gdutils.training import EarlyStopping, early_stopping_epochs

# ---------------------------------------------------------------------------------------------
# sgd


def _grad(theta, Xb, yb):
    return 2.0 / len(yb) * (Xb.T @ (Xb @ theta - yb))


def test_sgd_matches_the_loop_written_out() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((7, 2)), rng.standard_normal(7)
    batches = [(X[:3], y[:3]), (X[3:6], y[3:6]), (X[6:], y[6:])]
    theta0 = np.array([0.3, -0.2])
    before = theta0.copy()
    path = training.sgd(_grad, theta0, batches, lambda t: 0.1 / (1 + t), 2)
    th, want, t = before.copy(), [before.copy()], 0
    for _ in range(2):
        for Xb, yb in batches:
            th = th - 0.1 / (1 + t) * _grad(th, Xb, yb)
            want.append(th.copy())
            t += 1
    assert path.shape == (7, 2)
    assert np.allclose(path, want, rtol=1e-15, atol=0)
    assert np.array_equal(theta0, before)
    assert training.sgd(_grad, theta0, batches, 0.1, 0).shape == (1, 2)


def test_sgd_converges_to_least_squares_with_a_decaying_schedule() -> None:
    X, y, _, _ = data.make_regression(200, d=3, noise=0.1, seed=1)
    A = np.hstack([X, np.ones((200, 1))])
    rng = np.random.default_rng(0)

    class Loader:
        def __iter__(self):
            return data.minibatches(A, y, 10, rng)

    path = training.sgd(_grad, np.zeros(4), Loader(), schedules.Cosine(0.1, 400), 20)
    theta_ls = np.linalg.lstsq(A, y, rcond=None)[0]
    assert np.allclose(path[-1], theta_ls, atol=1e-3)


def test_sgd_validates_and_is_the_reference_of_notebook_09() -> None:
    with pytest.raises(ValueError):
        training.sgd(_grad, np.zeros((2, 2)), [], 0.1, 1)
    with pytest.raises(ValueError):
        training.sgd(_grad, np.zeros(2), [], -1.0, 1)
    with pytest.raises(ValueError, match="shape"):
        training.sgd(lambda th, X, y: np.zeros(3), np.zeros(2), [(np.ones((1, 2)), np.ones(1))], 0.1, 1)
    with checks.forbid_reference("09-minibatch-sgd"), pytest.raises(checks.DelegationError):
        training.sgd(_grad, np.zeros(2), [], 0.1, 1)


# ---------------------------------------------------------------------------------------------
# the patience rule


def _rule_by_hand(values, patience, min_delta=0.0):
    # an independent statement of the rule: stop p epochs after the last improvement
    best, best_e, last_improvement = np.inf, None, 0
    for e, v in enumerate(values):
        if v < best - min_delta:
            best, best_e, last_improvement = v, e, e
        elif e - last_improvement >= patience:
            return best_e, e
    return best_e, len(values) - 1


@pytest.mark.parametrize("values, patience, min_delta, expected", [
    ([1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9, 0.65], 3, 0.0, (2, 5)),
    ([1.0, 1.0, 1.0], 2, 0.0, (0, 2)),                     # ties never improve
    ([5.0, 4.0, 3.0], 1, 0.0, (2, 2)),                     # never stops: runs to the end
    ([1.0, 0.95, 0.93, 0.5], 2, 0.1, (0, 2)),              # small gains below min_delta don't count
    ([1.0, np.nan, np.nan, 0.5], 2, 0.0, (0, 2)),          # NaN never improves
    ([0.3], 4, 0.0, (0, 0)),
])
def test_early_stopping_epochs_on_constructed_curves(values, patience, min_delta, expected) -> None:
    assert early_stopping_epochs(values, patience, min_delta) == expected
    assert _rule_by_hand(values, patience, min_delta) == expected


def test_early_stopping_rule_agrees_with_an_independent_statement_on_random_curves() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        v = np.cumsum(rng.standard_normal(rng.integers(1, 40)))
        p = int(rng.integers(1, 6))
        d = float(rng.choice([0.0, 0.3]))
        assert early_stopping_epochs(v, p, d) == _rule_by_hand(v, p, d)


def test_early_stopping_object_and_validation() -> None:
    es = EarlyStopping(patience=2, min_delta=0.0)
    assert [es.update(v) for v in (3.0, 2.0, 2.5)] == [False, False, False]
    assert es.improved is False and es.wait == 1 and es.best == 2.0 and es.best_epoch == 1
    assert es.update(2.2) is True and es.stopped and es.epoch == 3
    es.reset()
    assert es.epoch == -1 and es.best_epoch is None
    for bad in (0, 1.5, -2):
        with pytest.raises(ValueError):
            EarlyStopping(patience=bad)
    with pytest.raises(ValueError):
        EarlyStopping(min_delta=-0.1)
    with pytest.raises(ValueError):
        early_stopping_epochs([], 3)
    with checks.forbid_reference("12-generalisation"), pytest.raises(checks.DelegationError):
        early_stopping_epochs([1.0], 1)


# ---------------------------------------------------------------------------------------------
# fit on a constructed validation curve


class _CountingModel:
    """One parameter that grows by 1 per optimiser step (the 'gradient' is -1, lr 1)."""

    def __init__(self) -> None:
        self.w = np.zeros(1)
        self._g = np.array([-1.0])

    @property
    def params(self):
        return [self.w]

    @property
    def grads(self):
        return [self._g]

    def forward(self, x):
        return np.zeros((len(x), 1))

    def backward(self, dout):
        return dout


class _ScriptedLoss:
    """Training loss 1.0; validation loss read from a script, one value per epoch."""

    def __init__(self, script, n_val):
        self.script = list(script)
        self.n_val = n_val
        self.epoch = 0

    def forward(self, pred, target):
        if len(target) == self.n_val:  # the validation call, once per epoch
            value = self.script[self.epoch]
            self.epoch += 1
            return value
        return 1.0

    def backward(self, dout=1.0):
        return np.zeros((1, 1))


@pytest.mark.parametrize("script, patience", [
    ([5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 2.0, 1.0, 0.5, 0.1], 3),   # stops at 5, best 2
    ([5.0, 4.0, 3.0, 2.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5], 2),   # never stops
    ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 9.5], 4),   # best is the first epoch
])
def test_fit_stops_and_restores_on_a_constructed_validation_curve(script, patience) -> None:
    n, n_val, batch = 12, 5, 4  # 3 steps per epoch
    X, y = np.zeros((n, 2)), np.zeros(n)
    Xv, yv = np.zeros((n_val, 2)), np.zeros(n_val)
    model = _CountingModel()
    hist = training.fit(model, _ScriptedLoss(script, n_val), optim.SGD(model.params, lr=1.0), X, y,
                        X_val=Xv, y_val=yv, batch_size=batch, epochs=len(script),
                        early_stopping=EarlyStopping(patience), metric=None)
    best, stop = early_stopping_epochs(script, patience)
    assert hist.best_epoch == best
    assert hist.stopped_epoch == stop and hist.epochs_run == stop + 1
    assert hist.stopped_early == (stop < len(script) - 1)
    assert np.array_equal(hist.val_loss, script[: stop + 1])
    assert hist.n_steps == 3 * (stop + 1)
    # the weights are those at the end of the best epoch: 3 steps per epoch
    assert model.w[0] == 3 * (best + 1)
    assert hist.restored_best == (best != stop)


def test_fit_without_restoring_keeps_the_last_weights() -> None:
    script = [3.0, 2.0, 2.5, 2.6, 2.7]
    model = _CountingModel()
    hist = training.fit(model, _ScriptedLoss(script, 5), optim.SGD(model.params, lr=1.0),
                        np.zeros((6, 1)), np.zeros(6), X_val=np.zeros((5, 1)), y_val=np.zeros(5),
                        batch_size=3, epochs=5, early_stopping=2, restore_best=False,
                        metric=None)
    assert hist.stopped_epoch == 3 and hist.best_epoch == 1 and not hist.restored_best
    assert model.w[0] == 2 * 4


# ---------------------------------------------------------------------------------------------
# fit on real training


def _blobs():
    X, y = data.make_blobs(240, centers=3, std=1.0, seed=0)
    return data.train_val_split(X, y, 0.25, seed=0)


def _net(seed=0):
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 16, rng), nn.ReLU(), nn.Linear(16, 3, rng))


def test_fit_trains_a_network_and_records_the_history() -> None:
    Xtr, Xva, ytr, yva = _blobs()
    model = _net()
    hist = training.fit(model, nn.SoftmaxCrossEntropy(), optim.Adam(model.params, lr=1e-2), Xtr, ytr,
                        X_val=Xva, y_val=yva, batch_size=16, epochs=30, seed=0)
    E = hist.epochs_run
    assert E == 30 and hist.n_steps == 30 * 12
    for arr in (hist.train_loss, hist.val_loss, hist.val_metric, hist.lr, hist.seconds):
        assert arr.shape == (E,) and np.all(np.isfinite(arr))
    assert hist.train_loss[-1] < hist.train_loss[0] / 3
    assert hist.metric_name == "accuracy" and hist.val_metric.max() > 0.9
    assert np.all(np.diff(hist.seconds) > 0)
    # with validation data and restore_best, the model ends at the best validation epoch
    pred = model.forward(Xva)
    assert nn.SoftmaxCrossEntropy().forward(pred, yva) == pytest.approx(hist.val_loss.min(), rel=1e-12)
    assert hist.best_epoch == int(np.argmin(hist.val_loss))


def test_fit_is_the_loop_written_out() -> None:
    # an independent loop with the same shuffling gives the same weights to round-off
    Xtr, _, ytr, _ = _blobs()
    a, b = _net(1), _net(1)
    training.fit(a, nn.SoftmaxCrossEntropy(), optim.SGD(a.params, lr=0.1, momentum=0.9), Xtr, ytr,
                 batch_size=20, epochs=3, seed=5)
    opt, loss, rng = optim.SGD(b.params, lr=0.1, momentum=0.9), nn.SoftmaxCrossEntropy(), np.random.default_rng(5)
    for _ in range(3):
        for Xb, yb in data.minibatches(Xtr, ytr, 20, rng):
            loss.forward(b.forward(Xb), yb)
            b.backward(loss.backward())
            opt.step(b.grads)
    for p, q in zip(a.params, b.params):
        assert np.array_equal(p, q)


def test_fit_is_deterministic_and_applies_a_schedule_per_step() -> None:
    Xtr, Xva, ytr, yva = _blobs()
    runs = []
    for _ in range(2):
        model = _net()
        opt = optim.SGD(model.params, lr=1.0)
        hist = training.fit(model, nn.SoftmaxCrossEntropy(), opt, Xtr, ytr, X_val=Xva, y_val=yva,
                            batch_size=30, epochs=4, seed=3,
                            schedule=schedules.StepDecay(0.2, step_size=6, gamma=0.5))
        runs.append(hist)
        # 6 steps per epoch: the last step of epoch e is step 6e+5, with lr 0.2·0.5^⌊(6e+5)/6⌋
        assert hist.lr == pytest.approx([0.2 * 0.5 ** ((6 * e + 5) // 6) for e in range(4)])
        assert opt.lr == pytest.approx(0.2 * 0.5 ** 4)  # set for the next step
    assert np.array_equal(runs[0].val_loss, runs[1].val_loss)


def test_fit_reports_divergence_and_bad_arguments() -> None:
    Xtr, Xva, ytr, yva = _blobs()
    model = _net()
    with pytest.raises((FloatingPointError, ValueError)):
        training.fit(model, nn.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=1e6), Xtr * 1e3, ytr,
                     batch_size=16, epochs=5)
    with pytest.raises(ValueError, match="validation"):
        training.fit(model, nn.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1), Xtr, ytr,
                     early_stopping=3)
    with pytest.raises(ValueError):
        training.fit(model, nn.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1), Xtr, ytr[:-1])
    with pytest.raises(ValueError, match="both"):
        training.fit(model, nn.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1), Xtr, ytr,
                     X_val=Xva)


@pytest.mark.torch
def test_fit_weight_decay_matches_torch_adamw() -> None:
    torch = pytest.importorskip("torch")
    Xtr, _, ytr, _ = _blobs()
    model = _net(2)
    tmodel = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)).double()
    with torch.no_grad():
        for layer, tl in ((model[0], tmodel[0]), (model[2], tmodel[2])):
            tl.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            tl.bias.copy_(torch.from_numpy(layer.b.copy()))
    training.fit(model, nn.SoftmaxCrossEntropy(), optim.AdamW(model.params, lr=1e-2, weight_decay=0.1),
                 Xtr, ytr, batch_size=32, epochs=2, seed=4)
    topt = torch.optim.AdamW(tmodel.parameters(), lr=1e-2, weight_decay=0.1)
    rng = np.random.default_rng(4)
    for _ in range(2):
        for Xb, yb in data.minibatches(Xtr, ytr, 32, rng):
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tmodel(torch.from_numpy(Xb)), torch.from_numpy(yb))
            loss.backward()
            topt.step()
    assert np.allclose(model[0].W, tmodel[0].weight.detach().numpy().T, rtol=1e-9, atol=1e-12)
    assert np.allclose(model[2].b, tmodel[2].bias.detach().numpy(), rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# callbacks (the live view is one: tests/unit/test_training_view.py)


def test_callbacks_hear_the_start_every_epoch_and_the_end() -> None:
    Xtr, Xva, ytr, yva = _blobs()
    model = _net()
    heard: list = []

    class Ear(training.Callback):
        def on_train_begin(self, info):
            heard.append(("begin", dict(info)))

        def on_epoch_end(self, epoch, log, best_epoch, text):
            heard.append(("epoch", epoch, len(log["train_loss"]), best_epoch, text))

        def on_train_end(self, log, best_epoch, text):
            heard.append(("end", len(log["val_loss"]), best_epoch, text))

    hist = training.fit(model, nn.SoftmaxCrossEntropy(), optim.Adam(model.params, lr=1e-2), Xtr, ytr,
                        X_val=Xva, y_val=yva, batch_size=16, epochs=4, seed=0, callbacks=[Ear()])
    assert heard[0] == ("begin", {"epochs": 4, "has_val": True, "metric_name": "accuracy"})
    assert [h[1] for h in heard[1:-1]] == [0, 1, 2, 3]
    assert all(h[2] == h[1] + 1 for h in heard[1:-1])  # the log so far, this epoch included
    assert heard[-1][0] == "end" and heard[-1][1] == hist.epochs_run
    assert "val accuracy" in heard[-1][3]
    # a callback needs only the methods it uses
    training.fit(model, nn.SoftmaxCrossEntropy(), optim.Adam(model.params, lr=1e-2), Xtr, ytr,
                 epochs=1, callbacks=[training.Callback()])
