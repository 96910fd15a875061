"""Wrong submissions for 10-momentum: the classic mistakes of the course plan, one per entry.

Each entry replaces answer cells (by grade_id) with a plausible wrong version and lists exactly
the test cells that must lose their points (tests/integration/test_roundtrip.py checks it).
"""

_EMA_HEAD = "import numpy as np\n\n\ndef ema(values, beta, debias=False):\n"
_EMA_CHECK = (
    "    if not 0.0 <= beta < 1.0:\n"
    "        raise ValueError('beta must be in [0, 1)')\n"
    "    x = np.asarray(values, dtype=float)\n"
    "    out = np.empty_like(x)\n"
)

_STEP_HEAD = "import numpy as np\n\n\ndef momentum_step(theta, g, buf, lr, beta, nesterov=False):\n"
_NAG_HEAD = "import numpy as np\n\n\ndef nesterov_lookahead(grad, x0, lr, beta, n_steps):\n"
_RATE_HEAD = "import numpy as np\n\n\ndef heavy_ball_rate(lr, beta, eigenvalues):\n"

MISTAKES = {
    # ---- exercise 1: ema -------------------------------------------------------------------
    "ema-weights-swapped": {
        "replace": {"ex1-answer": _EMA_HEAD + _EMA_CHECK + (
            "    s = 0.0\n"
            "    for t in range(len(x)):\n"
            "        s = (1 - beta) * s + beta * x[t]\n"
            "        out[t] = s\n"
            "    if debias:\n"
            "        out = out / (1 - beta ** np.arange(1, len(x) + 1))\n"
            "    return out\n"
        )},
        "fails": ["ex1-tests"],
    },
    "ema-starts-at-first-value": {
        "replace": {"ex1-answer": _EMA_HEAD + _EMA_CHECK + (
            "    s = x[0]\n"
            "    for t in range(len(x)):\n"
            "        s = beta * s + (1 - beta) * x[t]\n"
            "        out[t] = s\n"
            "    if debias:\n"
            "        out = out / (1 - beta ** np.arange(1, len(x) + 1))\n"
            "    return out\n"
        )},
        "fails": ["ex1-tests"],
    },
    "ema-debias-off-by-one": {
        "replace": {"ex1-answer": _EMA_HEAD + _EMA_CHECK + (
            "    s = 0.0\n"
            "    for t in range(len(x)):\n"
            "        s = beta * s + (1 - beta) * x[t]\n"
            "        out[t] = s\n"
            "    if debias:\n"
            "        out = out / (1 - beta ** np.arange(2, len(x) + 2))\n"
            "    return out\n"
        )},
        "fails": ["ex1-tests"],
    },
    "ema-no-beta-check": {
        # right values, but beta = 1 is accepted silently (hidden test)
        "replace": {"ex1-answer": _EMA_HEAD + (
            "    x = np.asarray(values, dtype=float)\n"
            "    out = np.empty_like(x)\n"
            "    s = 0.0\n"
            "    for t in range(len(x)):\n"
            "        s = beta * s + (1 - beta) * x[t]\n"
            "        out[t] = s\n"
            "    if debias:\n"
            "        out = out / (1 - beta ** np.arange(1, len(x) + 1))\n"
            "    return out\n"
        )},
        "fails": ["ex1-tests"],
    },
    # ---- exercise 2: momentum_step ---------------------------------------------------------
    "lr-inside-velocity": {
        # Sutskever's convention, returning the velocity as the buffer
        "replace": {"ex2-answer": _STEP_HEAD + (
            "    v = beta * buf - lr * g\n"
            "    if nesterov:\n"
            "        return theta + beta * v - lr * g, v\n"
            "    return theta + v, v\n"
        )},
        "fails": ["ex2-tests"],
    },
    "lr-inside-buffer": {
        "replace": {"ex2-answer": _STEP_HEAD + (
            "    buf_new = beta * buf + lr * g\n"
            "    direction = lr * g + beta * buf_new if nesterov else buf_new\n"
            "    return theta - direction, buf_new\n"
        )},
        "fails": ["ex2-tests"],
    },
    "nesterov-old-buffer": {
        "replace": {"ex2-answer": _STEP_HEAD + (
            "    buf_new = beta * buf + g\n"
            "    direction = g + beta * buf if nesterov else buf_new\n"
            "    return theta - lr * direction, buf_new\n"
        )},
        "fails": ["ex2-tests"],
    },
    "nesterov-ignored": {
        "replace": {"ex2-answer": _STEP_HEAD + (
            "    buf_new = beta * buf + g\n"
            "    return theta - lr * buf_new, buf_new\n"
        )},
        "fails": ["ex2-tests"],
    },
    "momentum-forgets-buffer": {
        "replace": {"ex2-answer": _STEP_HEAD + (
            "    buf_new = g.copy()\n"
            "    direction = g + beta * buf_new if nesterov else buf_new\n"
            "    return theta - lr * direction, buf_new\n"
        )},
        "fails": ["ex2-tests"],
    },
    # ---- exercise 3: nesterov_lookahead ----------------------------------------------------
    "nesterov-gradient-at-current-point": {
        "replace": {"ex3-answer": _NAG_HEAD + (
            "    x = np.array(x0, dtype=float)\n"
            "    v = np.zeros_like(x)\n"
            "    path = [x.copy()]\n"
            "    for _ in range(n_steps):\n"
            "        v = beta * v - lr * grad(x)\n"
            "        x = x + v\n"
            "        path.append(x.copy())\n"
            "    return np.array(path)\n"
        )},
        "fails": ["ex3-tests"],
    },
    "nesterov-lookahead-wrong-sign": {
        "replace": {"ex3-answer": _NAG_HEAD + (
            "    x = np.array(x0, dtype=float)\n"
            "    v = np.zeros_like(x)\n"
            "    path = [x.copy()]\n"
            "    for _ in range(n_steps):\n"
            "        v = beta * v - lr * grad(x - beta * v)\n"
            "        x = x + v\n"
            "        path.append(x.copy())\n"
            "    return np.array(path)\n"
        )},
        "fails": ["ex3-tests"],
    },
    "nesterov-path-without-start": {
        "replace": {"ex3-answer": _NAG_HEAD + (
            "    x = np.array(x0, dtype=float)\n"
            "    v = np.zeros_like(x)\n"
            "    path = []\n"
            "    for _ in range(n_steps):\n"
            "        v = beta * v - lr * grad(x + beta * v)\n"
            "        x = x + v\n"
            "        path.append(x.copy())\n"
            "    return np.array(path)\n"
        )},
        "fails": ["ex3-tests"],
    },
    "nesterov-mutates-x0": {
        # right iterates, but the caller's starting point is changed in place (hidden test)
        "replace": {"ex3-answer": _NAG_HEAD + (
            "    x = np.asarray(x0, dtype=float)\n"
            "    v = np.zeros_like(x)\n"
            "    path = [x.copy()]\n"
            "    for _ in range(n_steps):\n"
            "        v = beta * v - lr * grad(x + beta * v)\n"
            "        x += v\n"
            "        path.append(x.copy())\n"
            "    return np.array(path)\n"
        )},
        "fails": ["ex3-tests"],
    },
    # ---- exercise 4: heavy_ball_rate -------------------------------------------------------
    "rate-two-sqrt-beta": {
        "replace": {"ex4-answer": _RATE_HEAD + (
            "    rates = []\n"
            "    for lam in np.asarray(eigenvalues, dtype=float):\n"
            "        T = 1 + beta - lr * lam\n"
            "        disc = T * T - 4 * beta\n"
            "        if disc < 0:\n"
            "            rates.append(2 * np.sqrt(beta))\n"
            "        else:\n"
            "            rates.append((abs(T) + np.sqrt(disc)) / 2)\n"
            "    return float(max(rates))\n"
        )},
        "fails": ["ex4-tests"],
    },
    "rate-largest-eigenvalue-only": {
        "replace": {"ex4-answer": _RATE_HEAD + (
            "    lam = float(np.max(eigenvalues))\n"
            "    M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])\n"
            "    return float(np.max(np.abs(np.linalg.eigvals(M))))\n"
        )},
        "fails": ["ex4-tests"],
    },
    "rate-ignores-momentum": {
        "replace": {"ex4-answer": _RATE_HEAD + (
            "    lam = np.asarray(eigenvalues, dtype=float)\n"
            "    return float(np.max(np.abs(1 - lr * lam)))\n"
        )},
        "fails": ["ex4-tests"],
    },
}

# ---- correct answers written differently: they must keep full marks ------------------------
MISTAKES.update({
    "correct-vectorised-ema": {
        "replace": {"ex1-answer": _EMA_HEAD + (
            "    if beta < 0 or beta >= 1:\n"
            "        raise ValueError('beta must be in [0, 1)')\n"
            "    x = np.array(values, dtype=np.float64)\n"
            "    t = np.arange(1, x.size + 1)\n"
            "    ages = t[:, None] - t[None, :]                    # age of value k at time t\n"
            "    weights = np.where(ages >= 0, (1 - beta) * beta ** np.maximum(ages, 0), 0.0)\n"
            "    out = weights @ x\n"
            "    return out / (1 - beta**t) if debias else out\n"
        )},
        "fails": [],
    },
    "correct-in-place-momentum-step": {
        "replace": {"ex2-answer": _STEP_HEAD + (
            "    buf *= beta\n"
            "    buf += g\n"
            "    if nesterov:\n"
            "        theta -= lr * (g + beta * buf)\n"
            "    else:\n"
            "        theta -= lr * buf\n"
            "    return theta, buf\n"
        )},
        "fails": [],
    },
    "correct-nesterov-with-vstack": {
        "replace": {"ex3-answer": _NAG_HEAD + (
            "    path = np.atleast_2d(np.asarray(x0, dtype=float)).copy()\n"
            "    velocity = np.zeros(path.shape[1])\n"
            "    step = 0\n"
            "    while step < n_steps:\n"
            "        here = path[-1]\n"
            "        velocity = beta * velocity - lr * np.asarray(grad(here + beta * velocity))\n"
            "        path = np.vstack([path, here + velocity])\n"
            "        step += 1\n"
            "    return path\n"
        )},
        "fails": [],
    },
    "correct-rate-with-eigvals": {
        "replace": {"ex4-answer": _RATE_HEAD + (
            "    worst = 0.0\n"
            "    for lam in eigenvalues:\n"
            "        M = np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])\n"
            "        worst = max(worst, np.abs(np.linalg.eigvals(M)).max())\n"
            "    return float(worst)\n"
        )},
        "fails": [],
    },
})

_CRIT_HEAD = "import numpy as np\n\n\ndef critical_momentum(lr, eigenvalue):\n"

MISTAKES.update({
    "critical-momentum-other-root": {
        "replace": {"ex5-answer": _CRIT_HEAD + (
            "    a = lr * eigenvalue\n"
            "    if not 0 < a < 4:\n"
            "        raise ValueError('need 0 < lr * eigenvalue < 4')\n"
            "    return float((1.0 + np.sqrt(a)) ** 2)\n")},
        "fails": ["ex5-tests"],
    },
    "critical-momentum-square-missing": {
        "replace": {"ex5-answer": _CRIT_HEAD + (
            "    a = lr * eigenvalue\n"
            "    if not 0 < a < 4:\n"
            "        raise ValueError('need 0 < lr * eigenvalue < 4')\n"
            "    return float(1.0 - np.sqrt(a))\n")},
        "fails": ["ex5-tests"],
    },
    "critical-momentum-without-the-root": {
        "replace": {"ex5-answer": _CRIT_HEAD + (
            "    a = lr * eigenvalue\n"
            "    if not 0 < a < 4:\n"
            "        raise ValueError('need 0 < lr * eigenvalue < 4')\n"
            "    return float((1.0 - a) ** 2)\n")},
        "fails": ["ex5-tests"],
    },
    "critical-momentum-no-range-check": {
        "replace": {"ex5-answer": _CRIT_HEAD + "    return float((1.0 - np.sqrt(abs(lr * eigenvalue))) ** 2)\n"},
        "fails": ["ex5-tests"],
    },
    "rate-smaller-root": {
        # its hint used to be unreachable: the first check named another cause
        "replace": {"ex4-answer": _RATE_HEAD + (
            "    rates = []\n"
            "    for lam in np.asarray(eigenvalues, dtype=float):\n"
            "        T = 1.0 + beta - lr * lam\n"
            "        disc = T * T - 4.0 * beta\n"
            "        rates.append(np.sqrt(beta) if disc < 0 else (abs(T) - np.sqrt(disc)) / 2)\n"
            "    return float(max(rates))\n")},
        "fails": ["ex4-tests"],
    },
    "correct-critical-momentum-from-the-roots": {
        "replace": {"ex5-answer": _CRIT_HEAD + (
            "    a = lr * eigenvalue\n"
            "    if a <= 0 or a >= 4:\n"
            "        raise ValueError('no double root with beta in [0, 1)')\n"
            "    # (1 + b - a)^2 = 4b  <=>  b^2 - 2(1 + a) b + (1 - a)^2 = 0: take the smaller root\n"
            "    return float(min(np.roots([1.0, -2.0 * (1.0 + a), (1.0 - a) ** 2]).real))\n")},
        "fails": [],
    },
})
