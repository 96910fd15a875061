"""Wrong submissions for 08-backprop-layers: the classic mistakes of vectorised backprop.

Each mistake is the worked solution of one answer cell with one realistic change, patched from the
solution notebook so that the rest of the cell stays exactly right.
"""

from __future__ import annotations

import nbtools


def _patch(grade_id: str, *pairs: tuple[str, str]) -> str:
    return nbtools.patched_answer("08-backprop-layers", grade_id, *pairs)


def _one(grade_id: str, old: str, new: str, fails: str) -> dict:
    return {"replace": {grade_id: _patch(grade_id, (old, new))}, "fails": [fails]}


MISTAKES = {
    # --- exercise 1: the affine layer ---------------------------------------------------------
    "dW-transposed": _one("affine", "self.dW = x.T @ dout", "self.dW = dout.T @ x", "affine-tests"),
    "db-summed-over-the-wrong-axis": _one(
        "affine", "self.db = dout.sum(axis=0)", "self.db = dout.sum(axis=1)", "affine-tests"),
    "db-averaged-over-the-batch": _one(
        "affine", "self.db = dout.sum(axis=0)", "self.db = dout.mean(axis=0)", "affine-tests"),
    "dx-without-the-transpose": _one("affine", "return dout @ self.W.T", "return dout @ self.W", "affine-tests"),
    "forward-without-the-bias": _one("affine", "return x @ self.W + self.b", "return x @ self.W", "affine-tests"),
    "no-input-check": _one(
        "affine",
        "        if x.ndim != 2 or x.shape[1] != self.W.shape[0]:\n"
        "            raise ValueError(f\"x must have shape (N, {self.W.shape[0]}), got {x.shape}\")\n",
        "", "affine-tests"),
    # --- exercise 2: ReLU ---------------------------------------------------------------------
    "relu-mask-from-dout": _one("relu", "return dout * self.cache", "return dout * (dout > 0)", "relu-tests"),
    "relu-mask-from-the-output-with-ge": {
        "replace": {"relu": _patch(
            "relu",
            ("self.cache = x > 0\n        return np.maximum(x, 0.0)",
             "self.cache = np.maximum(x, 0.0)\n        return self.cache"),
            ("return dout * self.cache", "return dout * (self.cache >= 0)"))},
        "fails": ["relu-tests"],
    },
    "relu-derivative-is-the-output": _one(
        "relu", "self.cache = x > 0\n        return np.maximum(x, 0.0)",
        "self.cache = np.maximum(x, 0.0)\n        return self.cache", "relu-tests"),
    "relu-gradient-one-at-zero": _one("relu", "self.cache = x > 0", "self.cache = x >= 0", "relu-tests"),
    "relu-forward-in-place": _one(
        "relu", "return np.maximum(x, 0.0)", "np.maximum(x, 0.0, out=x)\n        return x", "relu-tests"),
    # --- exercise 3: softmax cross-entropy ----------------------------------------------------
    "loss-summed-not-averaged": {
        "replace": {"softmax-ce": _patch(
            "softmax-ce",
            ("loss = -log_probs[rows, labels].mean()", "loss = -log_probs[rows, labels].sum()"),
            ("return float(loss), dlogits / n", "return float(loss), dlogits"))},
        "fails": ["softmax-ce-tests"],
    },
    "gradient-not-divided-by-n": _one(
        "softmax-ce", "return float(loss), dlogits / n", "return float(loss), dlogits", "softmax-ce-tests"),
    "no-max-subtraction": _one(
        "softmax-ce", "shifted = logits - logits.max(axis=1, keepdims=True)", "shifted = logits",
        "softmax-ce-tests"),
    "one-hot-not-subtracted": _one(
        "softmax-ce", "    dlogits[rows, labels] -= 1.0\n", "", "softmax-ce-tests"),
    "logits-modified-in-place": _one(
        "softmax-ce", "shifted = logits - logits.max(axis=1, keepdims=True)",
        "logits -= logits.max(axis=1, keepdims=True)\n    shifted = logits", "softmax-ce-tests"),
    # --- exercise 4: the numerical VJP --------------------------------------------------------
    "forward-difference": {
        "replace": {"numerical-vjp": _patch(
            "numerical-vjp",
            ("        x[i] = old - h\n        minus = np.sum(f(x) * dout)\n",
             "        x[i] = old\n        minus = np.sum(f(x) * dout)\n"),
            ("grad[i] = (plus - minus) / (2.0 * h)", "grad[i] = (plus - minus) / h"))},
        "fails": ["numerical-vjp-tests"],
    },
    "x-restored-by-subtracting-h": _one(
        "numerical-vjp",
        "        x[i] = old + h\n        plus = np.sum(f(x) * dout)\n        x[i] = old - h\n"
        "        minus = np.sum(f(x) * dout)\n        x[i] = old\n",
        "        x[i] += h\n        plus = np.sum(f(x) * dout)\n        x[i] -= 2 * h\n"
        "        minus = np.sum(f(x) * dout)\n        x[i] += h\n", "numerical-vjp-tests"),
    "dout-ignored": {
        "replace": {"numerical-vjp": _patch(
            "numerical-vjp",
            ("plus = np.sum(f(x) * dout)", "plus = np.sum(f(x))"),
            ("minus = np.sum(f(x) * dout)", "minus = np.sum(f(x))"))},
        "fails": ["numerical-vjp-tests"],
    },
    "divided-by-h-not-2h": _one(
        "numerical-vjp", "grad[i] = (plus - minus) / (2.0 * h)", "grad[i] = (plus - minus) / h",
        "numerical-vjp-tests"),
    "all-entries-perturbed-at-once": {
        "replace": {"numerical-vjp": '''import numpy as np


def numerical_vjp(f, x, dout, h=1e-5):
    old = x.copy()
    x += h
    plus = np.sum(f(x) * dout)
    x[...] = old - h
    minus = np.sum(f(x) * dout)
    x[...] = old
    return np.full_like(x, (plus - minus) / (2.0 * h))
'''},
        "fails": ["numerical-vjp-tests"],
    },
    # --- exercise 5: the training loop ------------------------------------------------------
    "updates-a-local-copy": _one(
        "train-loop",
        "        for name in params:\n            params[name] -= lr * grads[name]\n",
        "        for name, p in params.items():\n            p = p - lr * grads[name]\n",
        "train-loop-tests"),
    "gradient-ascent": _one(
        "train-loop", "            params[name] -= lr * grads[name]\n",
        "            params[name] += lr * grads[name]\n", "train-loop-tests"),
    "loss-recorded-after-the-update": _one(
        "train-loop",
        "        losses[t] = loss\n        for name in params:\n            params[name] -= lr * grads[name]\n",
        "        for name in params:\n            params[name] -= lr * grads[name]\n"
        "        losses[t] = loss_and_grads(params)[0]\n",
        "train-loop-tests"),
    "returns-a-list": {
        "replace": {"train-loop": _patch(
            "train-loop",
            ("losses = np.zeros(n_steps)", "losses = []"),
            ("        losses[t] = loss\n", "        losses.append(loss)\n"))},
        "fails": ["train-loop-tests"],
    },
    # --- exercise 6: clipping by the total norm -----------------------------------------------
    "clip-each-array-by-its-own-norm": _one(
        "clip-grad-norm",
        "    if total > max_norm:\n        factor = max_norm / (total + 1e-6)\n        for g in grads:\n"
        "            g *= factor\n",
        "    for g in grads:\n        own = float(np.sqrt(np.sum(g * g)))\n        if own > max_norm:\n"
        "            g *= max_norm / own\n", "clip-grad-norm-tests"),
    "clip-values-not-the-norm": _one(
        "clip-grad-norm",
        "    if total > max_norm:\n        factor = max_norm / (total + 1e-6)\n        for g in grads:\n"
        "            g *= factor\n",
        "    for g in grads:\n        np.clip(g, -max_norm, max_norm, out=g)\n", "clip-grad-norm-tests"),
    "clip-builds-new-arrays": _one(
        "clip-grad-norm",
        "        for g in grads:\n            g *= factor\n",
        "        grads = [g * factor for g in grads]\n", "clip-grad-norm-tests"),
    "clip-scales-up-short-gradients": _one(
        "clip-grad-norm", "    if total > max_norm:\n", "    if total > 0:\n", "clip-grad-norm-tests"),
    "clip-returns-the-clipped-norm": _one(
        "clip-grad-norm", "    return total\n", "    return min(total, max_norm)\n", "clip-grad-norm-tests"),
    "clip-sum-of-the-norms": _one(
        "clip-grad-norm", "    total = float(np.sqrt(sum(np.sum(g * g) for g in grads)))",
        "    total = float(sum(np.linalg.norm(g) for g in grads))", "clip-grad-norm-tests"),
}

# ---- correct answers written differently: they must keep full marks ------------------------
MISTAKES.update({
    "correct-clip-with-concatenate": {
        "replace": {"clip-grad-norm": (
            "import numpy as np\n\n\n"
            "def clip_grad_norm(grads, max_norm):\n"
            "    flat = np.concatenate([np.ravel(g) for g in grads]) if grads else np.zeros(0)\n"
            "    total = float(np.linalg.norm(flat))\n"
            "    if total > max_norm:\n"
            "        for i in range(len(grads)):\n"
            "            grads[i] = grads[i] * (max_norm / total)\n"
            "    return total\n")},
        "fails": [],
    },
})
