"""Wrong submissions for 11-adaptive: the classic mistakes of the course plan, one per entry.

Each entry replaces answer cells (by grade_id) with a plausible wrong version and lists exactly
the test cells that must lose their points (tests/integration/test_roundtrip.py checks it).
"""

_ADAGRAD = "import numpy as np\n\n\ndef adagrad_step(theta, g, state, lr=1e-2, eps=1e-10):\n"
_RMSPROP = "import numpy as np\n\n\ndef rmsprop_step(theta, g, state, lr=1e-2, alpha=0.99, eps=1e-8):\n"
_ADAM = "import numpy as np\n\n\ndef adam_step(theta, g, state, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):\n"
_ADAMW = (
    "import numpy as np\n\n\n"
    "def adamw_step(theta, g, state, adam_step, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, "
    "weight_decay=1e-2):\n"
)


def _adam(t_expr: str, update: str, state_out: str = '{"step": t, "exp_avg": m, "exp_avg_sq": v}') -> str:
    return _ADAM + (
        "    beta1, beta2 = betas\n"
        f"    t = {t_expr}\n"
        '    m = beta1 * state["exp_avg"] + (1 - beta1) * g\n'
        '    v = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g\n'
        f"{update}"
        f"    return theta_new, {state_out}\n"
    )


_CORRECTED = "    m_hat = m / (1 - beta1**t)\n    v_hat = v / (1 - beta2**t)\n"

MISTAKES = {
    # ---- exercise 1: Adagrad ---------------------------------------------------------------
    "adagrad-eps-inside-root": {
        "replace": {"ex1-answer": _ADAGRAD + (
            '    s = state["sum"] + g * g\n'
            '    return theta - lr * g / np.sqrt(s + eps), {"sum": s}\n'
        )},
        "fails": ["ex1-tests"],
    },
    "adagrad-no-accumulation": {
        "replace": {"ex1-answer": _ADAGRAD + (
            "    s = g * g\n"
            '    return theta - lr * g / (np.sqrt(s) + eps), {"sum": s}\n'
        )},
        "fails": ["ex1-tests"],
    },
    "adagrad-divides-before-accumulating": {
        "replace": {"ex1-answer": _ADAGRAD + (
            '    theta_new = theta - lr * g / (np.sqrt(state["sum"]) + eps)\n'
            '    return theta_new, {"sum": state["sum"] + g * g}\n'
        )},
        "fails": ["ex1-tests"],
    },
    # ---- exercise 2: RMSprop ---------------------------------------------------------------
    "rmsprop-eps-inside-root": {
        "replace": {"ex2-answer": _RMSPROP + (
            '    v = alpha * state["square_avg"] + (1 - alpha) * g * g\n'
            '    return theta - lr * g / np.sqrt(v + eps), {"square_avg": v}\n'
        )},
        "fails": ["ex2-tests"],
    },
    "rmsprop-alpha-swapped": {
        "replace": {"ex2-answer": _RMSPROP + (
            '    v = (1 - alpha) * state["square_avg"] + alpha * g * g\n'
            '    return theta - lr * g / (np.sqrt(v) + eps), {"square_avg": v}\n'
        )},
        "fails": ["ex2-tests"],
    },
    "rmsprop-forgets-the-average": {
        "replace": {"ex2-answer": _RMSPROP + (
            "    v = (1 - alpha) * g * g\n"
            '    return theta - lr * g / (np.sqrt(v) + eps), {"square_avg": v}\n'
        )},
        "fails": ["ex2-tests"],
    },
    # ---- exercise 3: Adam ------------------------------------------------------------------
    "adam-missing-bias-correction": {
        "replace": {"ex3-answer": _adam(
            'state["step"] + 1',
            "    theta_new = theta - lr * m / (np.sqrt(v) + eps)\n",
        )},
        "fails": ["ex3-tests"],
    },
    "adam-t-incremented-late": {
        "replace": {"ex3-answer": _adam(
            'state["step"]',
            _CORRECTED + "    theta_new = theta - lr * m_hat / (np.sqrt(v_hat) + eps)\n",
            '{"step": t + 1, "exp_avg": m, "exp_avg_sq": v}',
        )},
        "fails": ["ex3-tests"],
    },
    "adam-eps-inside-root": {
        "replace": {"ex3-answer": _adam(
            'state["step"] + 1',
            _CORRECTED + "    theta_new = theta - lr * m_hat / np.sqrt(v_hat + eps)\n",
        )},
        "fails": ["ex3-tests"],
    },
    "adam-eps-before-correction": {
        # the Adam paper's "efficient" ordering: ε added to √v, then the step rescaled
        "replace": {"ex3-answer": _adam(
            'state["step"] + 1',
            "    step_size = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)\n"
            "    theta_new = theta - step_size * m / (np.sqrt(v) + eps)\n",
        )},
        "fails": ["ex3-tests"],
    },
    "adam-stores-corrected-moments": {
        "replace": {"ex3-answer": _adam(
            'state["step"] + 1',
            _CORRECTED + "    theta_new = theta - lr * m_hat / (np.sqrt(v_hat) + eps)\n",
            '{"step": t, "exp_avg": m_hat, "exp_avg_sq": v_hat}',
        )},
        "fails": ["ex3-tests"],
    },
    # ---- exercise 4: AdamW -----------------------------------------------------------------
    "adamw-coupled-decay": {
        "replace": {"ex4-answer": _ADAMW + (
            "    return adam_step(theta, g + weight_decay * theta, state, lr=lr, betas=betas, eps=eps)\n"
        )},
        "fails": ["ex4-tests"],
    },
    "adamw-decay-without-lr": {
        "replace": {"ex4-answer": _ADAMW + (
            "    return adam_step(theta - weight_decay * theta, g, state, lr=lr, betas=betas, eps=eps)\n"
        )},
        "fails": ["ex4-tests"],
    },
    "adamw-decay-after-step": {
        "replace": {"ex4-answer": _ADAMW + (
            "    theta_new, state_new = adam_step(theta, g, state, lr=lr, betas=betas, eps=eps)\n"
            "    return theta_new - lr * weight_decay * theta_new, state_new\n"
        )},
        "fails": ["ex4-tests"],
    },
}

# ---- correct answers written differently: they must keep full marks ------------------------
MISTAKES.update({
    "correct-in-place-adagrad": {
        "replace": {"ex1-answer": _ADAGRAD + (
            '    state["sum"] += g ** 2\n'
            '    theta -= lr * g / (np.sqrt(state["sum"]) + eps)\n'
            "    return theta, state\n"
        )},
        "fails": [],
    },
    "correct-rmsprop-with-ufuncs": {
        "replace": {"ex2-answer": _RMSPROP + (
            '    v = np.add(np.multiply(alpha, state["square_avg"]), np.multiply(1 - alpha, np.square(g)))\n'
            "    new_state = dict(state)\n"
            '    new_state["square_avg"] = v\n'
            "    return np.subtract(theta, lr * np.divide(g, np.add(np.sqrt(v), eps))), new_state\n"
        )},
        "fails": [],
    },
    "correct-adam-torch-style": {
        # PyTorch's own arrangement: step_size = lr / (1 − β₁ᵗ), denominator √v / √(1 − β₂ᵗ) + ε
        "replace": {"ex3-answer": _adam(
            'state["step"] + 1',
            "    step_size = lr / (1 - beta1**t)\n"
            "    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps\n"
            "    theta_new = theta - step_size * (m / denom)\n",
        )},
        "fails": [],
    },
    "correct-adamw-written-out": {
        # ignores the adam_step argument and writes the whole update
        "replace": {"ex4-answer": _ADAMW + (
            "    beta1, beta2 = betas\n"
            "    theta = theta * (1 - lr * weight_decay)\n"
            '    t = state["step"] + 1\n'
            '    m = beta1 * state["exp_avg"] + (1 - beta1) * g\n'
            '    v = beta2 * state["exp_avg_sq"] + (1 - beta2) * g ** 2\n'
            "    update = (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)\n"
            '    return theta - lr * update, {"step": t, "exp_avg": m, "exp_avg_sq": v}\n'
        )},
        "fails": [],
    },
})
