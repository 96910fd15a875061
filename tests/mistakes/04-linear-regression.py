"""Wrong submissions for 04-linear-regression, each failing exactly the listed test cells.

The plan's named mistakes: sum instead of mean (``loss-sum``, ``gradient-sum``), missing bias
gradient (``gradient-db-zero``, ``gradient-bias-not-in-residual``, ``fit-bias-never-updated``), a
``(n, 1)`` column broadcasting into ``(n, n)`` (``loss-column-prediction``, ``gradient-column-y``),
and scaling with test statistics (``standardise-test-own-statistics``,
``standardise-statistics-of-all-data``).
"""


def _loss(body: str) -> str:
    return "def mse_loss(X, y, w, b):\n" + body


def _grad(body: str) -> str:
    return "def mse_gradient(X, y, w, b):\n    n = X.shape[0]\n" + body


def _fit(body: str) -> str:
    return ("def fit_gd(X, y, gradient, lr, n_steps):\n"
            "    w = np.zeros(X.shape[1])\n    b = 0.0\n    for _ in range(n_steps):\n" + body
            + "    return w, b\n")


def _std(body: str) -> str:
    return "def standardise(X_train, X_test):\n" + body


MISTAKES = {
    # ---- Exercise 1: mse_loss ----------------------------------------------------------------
    "loss-sum": {
        "replace": {"ex1-answer": _loss("    return float(np.sum((X @ w + b - y) ** 2))\n")},
        "fails": ["ex1-tests"],
    },
    "loss-column-prediction": {
        "replace": {"ex1-answer": _loss(
            "    pred = X @ w.reshape(-1, 1) + b   # w as a column\n"
            "    return float(np.mean((pred - y) ** 2))\n")},
        "fails": ["ex1-tests"],
    },
    "loss-missing-bias": {
        "replace": {"ex1-answer": _loss("    return float(np.mean((X @ w - y) ** 2))\n")},
        "fails": ["ex1-tests"],
    },
    "loss-rmse": {
        "replace": {"ex1-answer": _loss("    return float(np.sqrt(np.mean((X @ w + b - y) ** 2)))\n")},
        "fails": ["ex1-tests"],
    },
    # ---- Exercise 2: mse_gradient ------------------------------------------------------------
    "gradient-sum": {
        "replace": {"ex2-answer": _grad(
            "    r = X @ w + b - y\n"
            "    return 2.0 * (X.T @ r), 2.0 * float(np.sum(r))\n")},
        "fails": ["ex2-tests"],
    },
    "gradient-missing-factor-2": {
        "replace": {"ex2-answer": _grad(
            "    r = X @ w + b - y\n"
            "    return (X.T @ r) / n, float(np.sum(r)) / n\n")},
        "fails": ["ex2-tests"],
    },
    "gradient-db-zero": {
        "replace": {"ex2-answer": _grad(
            "    r = X @ w + b - y\n"
            "    return 2.0 / n * (X.T @ r), 0.0\n")},
        "fails": ["ex2-tests"],
    },
    "gradient-bias-not-in-residual": {
        "replace": {"ex2-answer": _grad(
            "    r = X @ w - y\n"
            "    return 2.0 / n * (X.T @ r), 2.0 / n * float(np.sum(r))\n")},
        "fails": ["ex2-tests"],
    },
    "gradient-column-y": {
        "replace": {"ex2-answer": _grad(
            "    y_col = y.reshape(-1, 1)          # 'to be safe'\n"
            "    r = X @ w + b - y_col              # (n,) - (n, 1) -> (n, n)\n"
            "    return 2.0 / n * (X.T @ r), 2.0 / n * float(np.sum(r))\n")},
        "fails": ["ex2-tests"],
    },
    # ---- Exercise 3: fit_gd ------------------------------------------------------------------
    "fit-bias-never-updated": {
        "replace": {"ex3-answer": _fit(
            "        dw, db = gradient(X, y, w, b)\n"
            "        w = w - lr * dw\n")},
        "fails": ["ex3-tests"],
    },
    "fit-sign-error": {
        "replace": {"ex3-answer": _fit(
            "        dw, db = gradient(X, y, w, b)\n"
            "        w = w + lr * dw\n"
            "        b = b + lr * db\n")},
        "fails": ["ex3-tests"],
    },
    "fit-sequential-update": {
        "replace": {"ex3-answer": _fit(
            "        dw, _ = gradient(X, y, w, b)\n"
            "        w = w - lr * dw\n"
            "        _, db = gradient(X, y, w, b)\n"
            "        b = b - lr * db\n")},
        "fails": ["ex3-tests"],
    },
    "fit-ignores-the-gradient-argument": {
        # calls the learner's own mse_gradient instead of the function it was given
        "replace": {"ex3-answer": _fit(
            "        dw, db = mse_gradient(X, y, w, b)\n"
            "        w = w - lr * dw\n"
            "        b = b - lr * db\n")},
        "fails": ["ex3-tests"],
    },
    # ---- Exercise 4: standardise -------------------------------------------------------------
    "standardise-test-own-statistics": {
        "replace": {"ex4-answer": _std(
            "    def scale(A):\n"
            "        s = A.std(axis=0)\n"
            "        return (A - A.mean(axis=0)) / np.where(s > 0, s, 1.0)\n"
            "    return scale(X_train), scale(X_test)\n")},
        "fails": ["ex4-tests"],
    },
    "standardise-statistics-of-all-data": {
        "replace": {"ex4-answer": _std(
            "    both = np.vstack([X_train, X_test])\n"
            "    mean, std = both.mean(axis=0), both.std(axis=0)\n"
            "    std = np.where(std > 0, std, 1.0)\n"
            "    return (X_train - mean) / std, (X_test - mean) / std\n")},
        "fails": ["ex4-tests"],
    },
    "standardise-rows": {
        "replace": {"ex4-answer": _std(
            "    mean = X_train.mean(axis=1, keepdims=True)\n"
            "    std = X_train.std(axis=1, keepdims=True)\n"
            "    std = np.where(std > 0, std, 1.0)\n"
            "    Zt = (X_test - X_test.mean(axis=1, keepdims=True)) / X_test.std(axis=1, keepdims=True)\n"
            "    return (X_train - mean) / std, Zt\n")},
        "fails": ["ex4-tests"],
    },
    "standardise-sample-std": {
        "replace": {"ex4-answer": _std(
            "    mean, std = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)\n"
            "    std = np.where(std > 0, std, 1.0)\n"
            "    return (X_train - mean) / std, (X_test - mean) / std\n")},
        "fails": ["ex4-tests"],
    },
    "standardise-in-place": {
        "replace": {"ex4-answer": _std(
            "    mean, std = X_train.mean(axis=0), X_train.std(axis=0)\n"
            "    std = np.where(std > 0, std, 1.0)\n"
            "    X_train -= mean\n"
            "    X_train /= std\n"
            "    return X_train, (X_test - mean) / std\n")},
        "fails": ["ex4-tests"],
    },
    "standardise-constant-column-divides-by-zero": {
        "replace": {"ex4-answer": _std(
            "    mean, std = X_train.mean(axis=0), X_train.std(axis=0)\n"
            "    return (X_train - mean) / std, (X_test - mean) / std\n")},
        "fails": ["ex4-tests"],
    },
}
