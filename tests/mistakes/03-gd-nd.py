"""Wrong submissions for 03-gd-nd: the classic mistakes, each failing exactly the listed test cells.

The plan's named mistakes are "using λmin for the bound" (``lambda-min-bound``) and "mutating the
caller's array" (``mutates-x0``, ``mutates-x0-via-asarray``); the others are the slips we see most
often in each exercise.
"""

_CLASSIFY = '''def classify_critical_point(H, lr):
    eigenvalues, vectors = np.linalg.eigh(np.asarray(H, dtype=float))
    values = {kind_from}
    if np.any(values > 1e-10) and np.any(values < -1e-10):
        kind = "saddle"
    elif np.all(values {min_test}):
        kind = "minimum"
    elif np.all(values < -1e-10):
        kind = "maximum"
    else:
        kind = "degenerate"
    return kind, {direction}, float({factor})
'''


def _classify(kind_from: str = "eigenvalues", min_test: str = "> 1e-10",
              direction: str = "vectors[:, 0]", factor: str = "1.0 - lr * eigenvalues[0]") -> str:
    return _CLASSIFY.format(kind_from=kind_from, min_test=min_test, direction=direction, factor=factor)


_ARMIJO = '''def armijo_step(f, grad, x, lr0=1.0, shrink=0.5, c=1e-4):
    {start}
    g = np.asarray(grad(x), dtype=float)
    fx = f(x)
    lr = lr0
    {loop}
        {step}
        if {condition}:
            return {result}
        lr = lr * shrink
    raise ValueError("no step size decreased f enough")
'''


def _armijo(condition: str = "f(x_new) <= fx - c * lr * float(g @ g)", result: str = "x_new, lr",
            start: str = "x = np.array(x, dtype=float)", step: str = "x_new = x - lr * g",
            loop: str = "for _ in range(31):") -> str:
    return _ARMIJO.format(condition=condition, result=result, start=start, step=step, loop=loop)


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
    "steps-floor-plus-one": {
        # the classic off-by-one: right whenever the ratio is not a whole number
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if e0 <= tol:\n"
            "        return 0\n"
            "    if rate >= 1:\n"
            "        raise ValueError('no convergence')\n"
            "    if rate == 0:\n"
            "        return 1\n"
            "    return int(math.log(tol / e0) / math.log(rate)) + 1\n")},
        "fails": ["ex4-tests"],
    },
    "steps-loop-stops-at-strict-less": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if e0 <= tol:\n"
            "        return 0\n"
            "    if rate >= 1:\n"
            "        raise ValueError('no convergence')\n"
            "    k, e = 0, e0\n"
            "    while e >= tol:\n"
            "        e *= rate\n"
            "        k += 1\n"
            "    return k\n")},
        "fails": ["ex4-tests"],
    },
    # ---- Exercise 5: classify_critical_point -------------------------------------------------
    "classify-by-the-diagonal": {
        "replace": {"ex5-answer": _classify(kind_from="np.diag(H)")},
        "fails": ["ex5-tests"],
    },
    "classify-eigenvector-rows": {
        "replace": {"ex5-answer": _classify(direction="vectors[0]")},
        "fails": ["ex5-tests"],
    },
    "classify-largest-eigenvalue-direction": {
        "replace": {"ex5-answer": _classify(direction="vectors[:, -1]")},
        "fails": ["ex5-tests"],
    },
    "classify-factor-sign": {
        "replace": {"ex5-answer": _classify(factor="1.0 + lr * eigenvalues[0]")},
        "fails": ["ex5-tests"],
    },
    "classify-flat-as-minimum": {
        "replace": {"ex5-answer": _classify(min_test=">= 0")},
        "fails": ["ex5-tests"],
    },
    # ---- Exercise 6: armijo_step -------------------------------------------------------------
    "armijo-any-decrease": {
        "replace": {"ex6-answer": _armijo(condition="f(x_new) < fx")},
        "fails": ["ex6-tests"],
    },
    "armijo-norm-not-squared": {
        "replace": {"ex6-answer": _armijo(condition="f(x_new) <= fx - c * lr * float(np.sqrt(g @ g))")},
        "fails": ["ex6-tests"],
    },
    "armijo-no-backtracking": {
        "replace": {"ex6-answer": _armijo(condition="True")},
        "fails": ["ex6-tests"],
    },
    "armijo-returns-the-next-lr": {
        "replace": {"ex6-answer": _armijo(result="x_new, lr * shrink")},
        "fails": ["ex6-tests"],
    },
    "armijo-mutates-x": {
        "replace": {"ex6-answer": _armijo(start="x = np.asarray(x, dtype=float)", step="x_new = x\n        x_new -= lr * g")},
        "fails": ["ex6-tests"],
    },
    "armijo-no-limit": {
        "replace": {"ex6-answer": _armijo(loop="while True:")},
        "fails": ["ex6-tests"],
    },
}

# ---- correct answers written differently: they must keep full marks ------------------------
MISTAKES.update({
    "correct-steps-by-halving-loop": {
        "replace": {"ex4-answer": (
            "def predicted_steps(rate, tol, e0):\n"
            "    if rate >= 1 and e0 > tol:\n"
            "        raise ValueError('the error never shrinks')\n"
            "    k = 0\n"
            "    while rate ** k * e0 > tol:\n"
            "        k += 1\n"
            "    return k\n")},
        "fails": [],
    },
    "correct-classify-with-eigvalsh-and-a-flipped-vector": {
        "replace": {"ex5-answer": (
            "def classify_critical_point(H, lr):\n"
            "    H = np.array(H, dtype=float)\n"
            "    lam = np.linalg.eigvalsh(H)\n"
            "    signs = {int(np.sign(v)) if abs(v) > 1e-10 else 0 for v in lam}\n"
            "    if signs == {1}:\n"
            "        kind = 'minimum'\n"
            "    elif signs == {-1}:\n"
            "        kind = 'maximum'\n"
            "    elif {1, -1} <= signs:\n"
            "        kind = 'saddle'\n"
            "    else:\n"
            "        kind = 'degenerate'\n"
            "    w, V = np.linalg.eigh(H)\n"
            "    v = -V[:, np.argmin(w)]\n"
            "    return kind, v / np.linalg.norm(v), 1 - lr * float(lam.min())\n")},
        "fails": [],
    },
    "correct-armijo-with-a-while-loop": {
        "replace": {"ex6-answer": (
            "def armijo_step(f, grad, x, lr0=1.0, shrink=0.5, c=1e-4):\n"
            "    g = np.array(grad(x), dtype=float)\n"
            "    f0 = f(x)\n"
            "    lr, tries = lr0, 0\n"
            "    while tries <= 30:\n"
            "        candidate = np.asarray(x, dtype=float) - lr * g\n"
            "        value = f(candidate)\n"
            "        if np.isfinite(value) and value <= f0 - c * lr * np.sum(g ** 2):\n"
            "            return candidate, lr\n"
            "        lr *= shrink\n"
            "        tries += 1\n"
            "    raise ValueError('not a descent direction')\n")},
        "fails": [],
    },
})
