"""Wrong submissions for 03-gd-nd: the classic mistakes, each failing exactly the listed test cells.

The plan's named mistakes are "using λmin for the bound" (``lambda-min-bound``) and "mutating the
caller's array" (``mutates-x0``, ``mutates-x0-via-asarray``); the others are the slips we see most
often in each exercise.
"""

_GD_HEAD = "def gradient_descent(grad, x0, lr, n_steps):\n"

MISTAKES = {
    # ---- Exercise 1: gradient_descent --------------------------------------------------------
    "mutates-x0": {
        "replace": {"ex1-answer": _GD_HEAD + (
            "    x = x0\n"
            "    path = [x.copy()]\n"
            "    for _ in range(n_steps):\n"
            "        x -= lr * grad(x)\n"
            "        path.append(x.copy())\n"
            "    return np.array(path)\n")},
        "fails": ["ex1-tests"],
    },
    "mutates-x0-via-asarray": {
        # np.asarray does not copy a float64 array: the in-place update reaches the caller
        "replace": {"ex1-answer": _GD_HEAD + (
            "    x = np.asarray(x0, dtype=float)\n"
            "    path = np.empty((n_steps + 1, x.size))\n"
            "    path[0] = x\n"
            "    for k in range(n_steps):\n"
            "        x -= lr * grad(x)\n"
            "        path[k + 1] = x\n"
            "    return path\n")},
        "fails": ["ex1-tests"],
    },
    "sign-error": {
        "replace": {"ex1-answer": _GD_HEAD + (
            "    x = np.array(x0, dtype=float)\n"
            "    path = [x]\n"
            "    for _ in range(n_steps):\n"
            "        x = x + lr * grad(x)\n"
            "        path.append(x)\n"
            "    return np.array(path)\n")},
        "fails": ["ex1-tests"],
    },
    "path-misses-start": {
        "replace": {"ex1-answer": _GD_HEAD + (
            "    x = np.array(x0, dtype=float)\n"
            "    path = []\n"
            "    for _ in range(n_steps):\n"
            "        x = x - lr * grad(x)\n"
            "        path.append(x)\n"
            "    return np.array(path)\n")},
        "fails": ["ex1-tests"],
    },
    "aliased-history": {
        "replace": {"ex1-answer": _GD_HEAD + (
            "    x = np.array(x0, dtype=float)\n"
            "    path = [x]\n"
            "    for _ in range(n_steps):\n"
            "        x -= lr * grad(x)\n"
            "        path.append(x)\n"
            "    return np.array(path)\n")},
        "fails": ["ex1-tests"],
    },
    # ---- Exercise 2: lr_limits ---------------------------------------------------------------
    "lambda-min-bound": {
        "replace": {"ex2-answer": (
            "def lr_limits(H):\n"
            "    eigs = np.linalg.eigvalsh(H)\n"
            "    if eigs[0] <= 0:\n"
            "        raise ValueError('not positive definite')\n"
            "    return 2.0 / eigs[0], 2.0 / (eigs[0] + eigs[-1])\n")},
        "fails": ["ex2-tests"],
    },
    "unsorted-eigvals": {
        "replace": {"ex2-answer": (
            "def lr_limits(H):\n"
            "    eigs = np.linalg.eigvals(H).real   # not sorted!\n"
            "    if np.min(eigs) <= 0:\n"
            "        raise ValueError('not positive definite')\n"
            "    lam_min, lam_max = eigs[0], eigs[-1]\n"
            "    return 2.0 / lam_max, 2.0 / (lam_min + lam_max)\n")},
        "fails": ["ex2-tests"],
    },
    "diagonal-instead-of-eigenvalues": {
        "replace": {"ex2-answer": (
            "def lr_limits(H):\n"
            "    d = np.diag(H)\n"
            "    if np.min(np.linalg.eigvalsh(H)) <= 0:\n"
            "        raise ValueError('not positive definite')\n"
            "    return 2.0 / d.max(), 2.0 / (d.min() + d.max())\n")},
        "fails": ["ex2-tests"],
    },
    "bound-one-over-lambda-max": {
        "replace": {"ex2-answer": (
            "def lr_limits(H):\n"
            "    eigs = np.linalg.eigvalsh(H)\n"
            "    if eigs[0] <= 0:\n"
            "        raise ValueError('not positive definite')\n"
            "    return 1.0 / eigs[-1], 2.0 / (eigs[0] + eigs[-1])\n")},
        "fails": ["ex2-tests"],
    },
    "saddle-not-rejected": {
        "replace": {"ex2-answer": (
            "def lr_limits(H):\n"
            "    eigs = np.linalg.eigvalsh(H)\n"
            "    return 2.0 / eigs[-1], 2.0 / (eigs[0] + eigs[-1])\n")},
        "fails": ["ex2-tests"],
    },
    # ---- Exercise 3: contraction_rate --------------------------------------------------------
    "rate-without-abs": {
        "replace": {"ex3-answer": (
            "def contraction_rate(lr, H):\n"
            "    return float(np.max(1.0 - lr * np.linalg.eigvalsh(H)))\n")},
        "fails": ["ex3-tests"],
    },
    "rate-lambda-max-only": {
        "replace": {"ex3-answer": (
            "def contraction_rate(lr, H):\n"
            "    return float(abs(1.0 - lr * np.linalg.eigvalsh(H)[-1]))\n")},
        "fails": ["ex3-tests"],
    },
    "rate-lambda-min-only": {
        "replace": {"ex3-answer": (
            "def contraction_rate(lr, H):\n"
            "    return float(abs(1.0 - lr * np.linalg.eigvalsh(H)[0]))\n")},
        "fails": ["ex3-tests"],
    },
    # ---- Exercise 4: predicted_steps ---------------------------------------------------------
    "steps-floor": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if e0 <= tol:\n"
            "        return 0\n"
            "    if rate >= 1:\n"
            "        raise ValueError('no convergence')\n"
            "    if rate == 0:\n"
            "        return 1\n"
            "    return int(math.floor(math.log(tol / e0) / math.log(rate)))\n")},
        "fails": ["ex4-tests"],
    },
    "steps-round-to-nearest": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if e0 <= tol:\n"
            "        return 0\n"
            "    if rate >= 1:\n"
            "        raise ValueError('no convergence')\n"
            "    if rate == 0:\n"
            "        return 1\n"
            "    return round(math.log(tol / e0) / math.log(rate))\n")},
        "fails": ["ex4-tests"],
    },
    "steps-ignore-e0": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if e0 <= tol:\n"
            "        return 0\n"
            "    if rate >= 1:\n"
            "        raise ValueError('no convergence')\n"
            "    if rate == 0:\n"
            "        return 1\n"
            "    return math.ceil(math.log(tol) / math.log(rate))\n")},
        "fails": ["ex4-tests"],
    },
    "steps-no-divergence-check": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    k, e = 0, e0\n"
            "    while e > tol and k < 10**6:\n"
            "        e *= rate\n"
            "        k += 1\n"
            "    return k\n")},
        "fails": ["ex4-tests"],
    },
    "steps-rate-zero-crashes": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if e0 <= tol:\n"
            "        return 0\n"
            "    if rate >= 1:\n"
            "        raise ValueError('no convergence')\n"
            "    return math.ceil(math.log(tol / e0) / math.log(rate))\n")},
        "fails": ["ex4-tests"],
    },
}
