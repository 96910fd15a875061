"""Wrong submissions for 09-minibatch-sgd: the classic mistakes of a mini-batch iterator, the SGD
loop, the gradient-noise measurement, the warm-up schedule and the learning-rate range test.

Each entry replaces answer cells (by grade_id) with a plausible wrong version; ``fails`` lists
exactly the test cells that must lose their points.
"""

_LOADER_HEAD = '''class MiniBatchLoader:
    def __init__(self, X, y, batch_size, seed=0, drop_last=False):
        X = np.asarray(X)
        y = np.asarray(y)
        if X.ndim != 2 or y.ndim != 1 or len(y) != len(X):
            raise ValueError("X must be (n, d) and y (n,)")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError("batch_size must be an integer >= 1")
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
{extra_init}
    def __len__(self):
        n = len(self.X)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.X)
{order}
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            idx = order[start:start + self.batch_size]
            yield self.X[idx], self.y[idx]
'''


def _loader(order: str, extra_init: str = "") -> str:
    return _LOADER_HEAD.format(order=order, extra_init=extra_init)


_SGD = '''def sgd(grad, theta0, batches, lr, n_epochs):
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    t = 0
    for epoch in range(n_epochs):
        for k, (Xb, yb) in enumerate(batches):
            step = {step}
            theta = theta {sign} step * grad(theta, Xb, yb)
            path.append(theta.copy())
            t += 1
    return np.array(path)
'''

_NOISE = '''def gradient_noise(G, batch_size, n_draws, rng):
    G = np.asarray(G, dtype=float)
    n = G.shape[0]
    if not 1 <= batch_size <= n:
        raise ValueError("batch_size must lie in [1, n]")
    g_bar = G.mean(axis=0)
    total = 0.0
    for _ in range(n_draws):
        idx = {draw}
        g_hat = {combine}
        total += {distance}
    return {result}
'''


def _noise(draw: str = "rng.choice(n, size=batch_size, replace=False)",
           combine: str = "G[idx].mean(axis=0)",
           distance: str = "float((g_hat - g_bar) @ (g_hat - g_bar))",
           result: str = "total / n_draws") -> str:
    return _NOISE.format(draw=draw, combine=combine, distance=distance, result=result)


_WARMUP = '''def warmup_cosine_lr(t, lr_max, warmup_steps, total_steps, lr_min=0.0):
    t = np.asarray(t, dtype=float)
    progress = {progress}
    rate = {decay}
    if warmup_steps > 0:
        rate = np.where(t < warmup_steps, {ramp}, rate)
    return float(rate) if rate.ndim == 0 else rate
'''


def _warmup(progress: str = "(np.clip(t, warmup_steps, total_steps) - warmup_steps) / (total_steps - warmup_steps)",
            decay: str = "lr_min + 0.5 * (lr_max - lr_min) * (1.0 + np.cos(np.pi * progress))",
            ramp: str = "lr_max * t / warmup_steps") -> str:
    return _WARMUP.format(progress=progress, decay=decay, ramp=ramp)


_RANGE = '''def lr_range_test(loss_and_grad, theta0, lr_min, lr_max, n_steps, blowup=4.0):
    theta = {copy}
    ratio = lr_max / lr_min
    lrs, losses = [], []
    best = np.inf
    for t in range(n_steps):
        loss, g = loss_and_grad(theta)
        if {stop}:
            break
        lr = {rate}
        lrs.append(lr)
        losses.append(float(loss))
        best = min(best, loss)
        {update}
        {after}
    return np.array(lrs, dtype=float), np.array(losses, dtype=float)
'''


def _range(rate: str = "lr_min * ratio ** (t / (n_steps - 1))",
           stop: str = "not np.isfinite(loss) or loss > blowup * best",
           copy: str = "np.array(theta0, dtype=float)",
           update: str = "theta = theta - lr * np.asarray(g, dtype=float)",
           after: bool = False) -> str:
    tail = "losses[-1] = float(loss_and_grad(theta)[0])" if after else "pass"
    return _RANGE.format(rate=rate, stop=stop, copy=copy, update=update, after=tail)


MISTAKES = {
    # ---- exercise 1: the iterator, one epoch -------------------------------------------------
    "sampling-with-replacement": {
        "replace": {"ex1-answer": _loader("        order = self.rng.integers(0, n, size=n)")},
        "fails": ["ex1-tests"],
    },
    "drops-the-last-partial-batch": {
        "replace": {"ex1-answer": _loader("        order = self.rng.permutation(n)").replace(
            "stop = n - n % self.batch_size if self.drop_last else n",
            "stop = n - n % self.batch_size")},
        "fails": ["ex1-tests"],
    },
    "repeats-examples-to-fill-the-last-batch": {
        "replace": {"ex1-answer": _loader(
            "        order = self.rng.permutation(n)\n"
            "        order = np.concatenate([order, order[:(-n) % self.batch_size]])\n"
            "        n = len(order)")},
        "fails": ["ex1-tests"],
    },
    "x-and-y-shuffled-separately": {
        "replace": {"ex1-answer": _loader("        order = self.rng.permutation(n)").replace(
            "            yield self.X[idx], self.y[idx]",
            "            yield self.X[self.rng.permutation(n)[:len(idx)]], self.y[idx]")},
        # rows that do not belong to their labels: the shuffle cell's data check sees it too
        "fails": ["ex1-tests", "ex1-shuffle-tests"],
    },
    "len-ignores-the-partial-batch": {
        "replace": {"ex1-answer": _loader("        order = self.rng.permutation(n)").replace(
            "return n // self.batch_size if self.drop_last else -(-n // self.batch_size)",
            "return n // self.batch_size")},
        "fails": ["ex1-tests"],
    },
    # ---- exercise 1: the iterator, across epochs ---------------------------------------------
    "no-shuffling": {
        "replace": {"ex1-answer": _loader("        order = np.arange(n)")},
        "fails": ["ex1-shuffle-tests"],
    },
    "shuffles-once": {
        "replace": {"ex1-answer": _loader(
            "        order = self.order",
            extra_init="        self.order = self.rng.permutation(len(X))\n")},
        "fails": ["ex1-shuffle-tests"],
    },
    "reseeds-every-epoch": {
        "replace": {"ex1-answer": _loader(
            "        order = np.random.default_rng(self.seed).permutation(n)")},
        "fails": ["ex1-shuffle-tests"],
    },
    "global-random-state": {
        "replace": {"ex1-answer": _loader("        order = np.random.permutation(n)")},
        "fails": ["ex1-shuffle-tests"],
    },
    "delegates-to-gdutils-minibatches": {
        "replace": {"ex1-answer": '''from gdutils import data


class MiniBatchLoader:
    def __init__(self, X, y, batch_size, seed=0, drop_last=False):
        self.X, self.y = np.asarray(X), np.asarray(y)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.X)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        return data.minibatches(self.X, self.y, self.batch_size, self.rng, drop_last=self.drop_last)
'''},
        "fails": ["ex1-tests", "ex1-shuffle-tests"],
    },
    # ---- exercise 2: the SGD loop ------------------------------------------------------------
    "sgd-steps-along-the-gradient": {
        "replace": {"ex2-answer": _SGD.format(step="lr(t) if callable(lr) else lr", sign="+")},
        "fails": ["ex2-tests"],
    },
    "sgd-schedule-by-epoch": {
        "replace": {"ex2-answer": _SGD.format(step="lr(epoch) if callable(lr) else lr", sign="-")},
        "fails": ["ex2-tests"],
    },
    "sgd-step-counter-restarts-each-epoch": {
        "replace": {"ex2-answer": _SGD.format(step="lr(k) if callable(lr) else lr", sign="-")},
        "fails": ["ex2-tests"],
    },
    "sgd-history-without-theta0": {
        "replace": {"ex2-answer": _SGD.format(step="lr(t) if callable(lr) else lr", sign="-")
                    .replace("path = [theta.copy()]", "path = []")},
        "fails": ["ex2-tests"],
    },
    "sgd-mutates-theta0": {
        "replace": {"ex2-answer": '''def sgd(grad, theta0, batches, lr, n_epochs):
    theta = theta0
    path = [theta.copy()]
    t = 0
    for _ in range(n_epochs):
        for Xb, yb in batches:
            theta -= (lr(t) if callable(lr) else lr) * grad(theta, Xb, yb)
            path.append(theta.copy())
            t += 1
    return np.array(path)
'''},
        "fails": ["ex2-tests"],
    },
    "sgd-reuses-the-first-epochs-batches": {
        "replace": {"ex2-answer": '''def sgd(grad, theta0, batches, lr, n_epochs):
    theta = np.array(theta0, dtype=float)
    path = [theta.copy()]
    batch_list = list(batches)  # one epoch's batches, reused: the data are shuffled once
    t = 0
    for _ in range(n_epochs):
        for Xb, yb in batch_list:
            theta = theta - (lr(t) if callable(lr) else lr) * grad(theta, Xb, yb)
            path.append(theta.copy())
            t += 1
    return np.array(path)
'''},
        "fails": ["ex2-tests"],
    },
    # ---- exercise 3: gradient noise ----------------------------------------------------------
    "noise-sampled-with-replacement": {
        "replace": {"ex3-answer": _noise(draw="rng.integers(0, n, size=batch_size)")},
        "fails": ["ex3-tests"],
    },
    "noise-averaged-over-coordinates": {
        "replace": {"ex3-answer": _noise(distance="float(np.mean((g_hat - g_bar) ** 2))")},
        "fails": ["ex3-tests"],
    },
    "noise-batch-gradient-summed": {
        "replace": {"ex3-answer": _noise(combine="G[idx].sum(axis=0)")},
        "fails": ["ex3-tests"],
    },
    "noise-returns-a-distance": {
        "replace": {"ex3-answer": _noise(result="float(np.sqrt(total / n_draws))")},
        "fails": ["ex3-tests"],
    },
    # ---- exercise 4: warm-up, then cosine -----------------------------------------------------
    "warmup-cosine-phase-not-shifted": {
        "replace": {"ex4-answer": _warmup(progress="np.clip(t, warmup_steps, total_steps) / total_steps")},
        "fails": ["ex4-tests"],
    },
    "warmup-cosine-phase-divided-by-total": {
        "replace": {"ex4-answer": _warmup(
            progress="(np.clip(t, warmup_steps, total_steps) - warmup_steps) / total_steps")},
        "fails": ["ex4-tests"],
    },
    "warmup-line-off-by-one": {
        "replace": {"ex4-answer": _warmup(ramp="lr_max * (t + 1) / warmup_steps")},
        "fails": ["ex4-tests"],
    },
    "warmup-cosine-restarts-after-total-steps": {
        "replace": {"ex4-answer": _warmup(
            progress="(np.maximum(t, warmup_steps) - warmup_steps) / (total_steps - warmup_steps)")},
        "fails": ["ex4-tests"],
    },
    "warmup-cosine-ignores-lr-min": {
        "replace": {"ex4-answer": _warmup(decay="0.5 * lr_max * (1.0 + np.cos(np.pi * progress))")},
        "fails": ["ex4-tests"],
    },
    # ---- exercise 5: the learning-rate range test ----------------------------------------------
    "range-test-linear-sweep": {
        "replace": {"ex5-answer": _range(rate="lr_min + (lr_max - lr_min) * t / (n_steps - 1)")},
        "fails": ["ex5-tests"],
    },
    "range-test-never-reaches-lr-max": {
        "replace": {"ex5-answer": _range(rate="lr_min * ratio ** (t / n_steps)")},
        "fails": ["ex5-tests"],
    },
    "range-test-compares-with-the-first-loss": {
        "replace": {"ex5-answer": _range(stop="not np.isfinite(loss) or (losses and loss > blowup * losses[0])")},
        "fails": ["ex5-tests"],
    },
    "range-test-nan-does-not-stop-it": {
        # NaN > anything is False: without an explicit check a NaN loss is recorded
        "replace": {"ex5-answer": _range(stop="loss > blowup * best")},
        "fails": ["ex5-tests"],
    },
    "range-test-never-stops": {
        "replace": {"ex5-answer": _range(stop="False")},
        "fails": ["ex5-tests"],
    },
    "range-test-records-the-loss-after-the-step": {
        "replace": {"ex5-answer": _range(after=True)},
        "fails": ["ex5-tests"],
    },
    "range-test-mutates-theta0": {
        "replace": {"ex5-answer": _range(copy="np.asarray(theta0, dtype=float)",
                                         update="theta -= lr * np.asarray(g, dtype=float)")},
        "fails": ["ex5-tests"],
    },
    # ---- the loader, seen by both of its test cells ------------------------------------------
    "loader-labels-not-the-data": {
        # random labels: the order looks shuffled and fresh, but no batch pairs X with its y
        "replace": {"ex1-answer": _loader(
            "        order = self.rng.permutation(n)\n"
            "        labels = self.y[self.rng.permutation(n)]").replace(
            "yield self.X[idx], self.y[idx]", "yield self.X[idx], labels[idx]")},
        "fails": ["ex1-tests", "ex1-shuffle-tests"],
    },
    "loader-len-ignores-drop-last": {
        "replace": {"ex1-answer": _loader("        order = self.rng.permutation(n)").replace(
            "return n // self.batch_size if self.drop_last else -(-n // self.batch_size)",
            "return -(-n // self.batch_size)")},
        "fails": ["ex1-tests"],
    },
    "loader-no-checks": {
        "replace": {"ex1-answer": _loader("        order = self.rng.permutation(n)").replace(
            "        if X.ndim != 2 or y.ndim != 1 or len(y) != len(X):\n"
            "            raise ValueError(\"X must be (n, d) and y (n,)\")\n"
            "        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) "
            "or batch_size < 1:\n"
            "            raise ValueError(\"batch_size must be an integer >= 1\")\n", "")},
        "fails": ["ex1-tests"],
    },
}

# ---- correct answers written differently: they must keep full marks ------------------------
MISTAKES.update({
    "correct-warmup-cosine-piecewise": {
        "replace": {"ex4-answer": (
            "import math\n\n\n"
            "def warmup_cosine_lr(t, lr_max, warmup_steps, total_steps, lr_min=0.0):\n"
            "    def one(step):\n"
            "        if step < warmup_steps:\n"
            "            return lr_max * step / warmup_steps\n"
            "        if step >= total_steps:\n"
            "            return lr_min\n"
            "        phase = math.pi * (step - warmup_steps) / (total_steps - warmup_steps)\n"
            "        return lr_min + (lr_max - lr_min) * (1 + math.cos(phase)) / 2\n"
            "    if np.ndim(t) == 0:\n"
            "        return float(one(float(t)))\n"
            "    steps = np.asarray(t, dtype=float)\n"
            "    return np.array([one(s) for s in steps.ravel()]).reshape(steps.shape)\n")},
        "fails": [],
    },
    "correct-range-test-with-geomspace": {
        "replace": {"ex5-answer": (
            "import math\n\n\n"
            "def lr_range_test(loss_and_grad, theta0, lr_min, lr_max, n_steps, blowup=4.0):\n"
            "    rates = np.geomspace(lr_min, lr_max, n_steps)\n"
            "    theta = np.copy(np.asarray(theta0, dtype=np.float64))\n"
            "    kept = []\n"
            "    for lr in rates:\n"
            "        loss, g = loss_and_grad(theta)\n"
            "        if not math.isfinite(loss) or (kept and loss > blowup * min(v for _, v in kept)):\n"
            "            break\n"
            "        kept.append((lr, loss))\n"
            "        theta = theta - lr * g\n"
            "    return np.array([r for r, _ in kept], dtype=float), np.array([v for _, v in kept], dtype=float)\n")},
        "fails": [],
    },
})
