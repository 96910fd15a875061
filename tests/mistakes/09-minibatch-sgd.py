"""Wrong submissions for 09-minibatch-sgd: the classic mistakes of a mini-batch iterator, the SGD
loop, the gradient-noise measurement and the cosine schedule.

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


def _cosine(body: str) -> str:
    return f"def cosine_lr(t, lr_max, total_steps, lr_min=0.0):\n    return {body}\n"


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
        "fails": ["ex1-tests"],
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
    # ---- exercise 4: cosine schedule ---------------------------------------------------------
    "cosine-restarts-after-total-steps": {
        "replace": {"ex4-answer": _cosine(
            "lr_min + 0.5 * (lr_max - lr_min) * (1.0 + np.cos(np.pi * np.asarray(t) / total_steps))")},
        "fails": ["ex4-tests"],
    },
    "cosine-not-halved": {
        "replace": {"ex4-answer": _cosine(
            "lr_min + (lr_max - lr_min) * (1.0 + np.cos(np.pi * np.minimum(t, total_steps) / total_steps))")},
        "fails": ["ex4-tests"],
    },
    "cosine-ignores-lr-min": {
        "replace": {"ex4-answer": _cosine(
            "0.5 * lr_max * (1.0 + np.cos(np.pi * np.minimum(t, total_steps) / total_steps))")},
        "fails": ["ex4-tests"],
    },
}
