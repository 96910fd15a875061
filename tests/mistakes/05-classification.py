"""Wrong submissions for 05-classification: the classic mistakes, each failing exactly its exercise.

Each entry replaces whole answer cells (by grade_id) and lists the test cells that must lose their
points. The plan's mistakes: overflow at logits ±1000, log(0), one-hot vs index labels — plus the
usual gradient slips (sum instead of mean, missing sigmoid, the 2 of the squared error, signs).
"""

_STABLE_SIGMOID = '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''

_STABLE_BCE = '''
def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z))
'''

_STABLE_SOFTMAX = '''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
'''

_GOOD_CE = '''
def cross_entropy(Z, labels):
    Z = np.asarray(Z, dtype=float)
    labels = np.asarray(labels)
    n = Z.shape[0]
    if labels.shape != (n,):
        raise ValueError("labels must be class indices of shape (n,)")
    s = Z - Z.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(n), labels]))
'''


def _ex1(sigmoid: str = _STABLE_SIGMOID, bce: str = _STABLE_BCE) -> dict[str, str]:
    return {"ex1-answer": "import numpy as np\n" + sigmoid + "\n" + bce}


def _ex2(body: str) -> dict[str, str]:
    return {"ex2-answer": "import numpy as np\n\n\ndef logistic_gradient(X, y, w, b):\n" + body}


def _ex3(softmax: str = _STABLE_SOFTMAX, ce: str = _GOOD_CE) -> dict[str, str]:
    return {"ex3-answer": "import numpy as np\n" + softmax + "\n" + ce}


def _ex4(body: str) -> dict[str, str]:
    return {"ex4-answer": "import numpy as np\n\n\ndef softmax_gradient(X, labels, W, b):\n" + body}


_EX4_HEAD = '''    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    Z = X @ W + b
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.eye(W.shape[1])[labels]
'''

MISTAKES = {
    # ---- exercise 1: sigmoid and binary cross-entropy
    "sigmoid-overflows-for-negative-logits": {
        "replace": _ex1(sigmoid='''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
'''),
        "fails": ["ex1-tests"],
    },
    "sigmoid-nan-at-plus-1000": {
        "replace": _ex1(sigmoid='''
def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1.0 + e)
'''),
        "fails": ["ex1-tests"],
    },
    "sigmoid-sign-flipped": {
        "replace": _ex1(sigmoid='''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z <= 0, 1.0 / (1.0 + e), e / (1.0 + e))
'''),
        "fails": ["ex1-tests"],
    },
    "bce-log-of-zero": {
        "replace": _ex1(bce='''
def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p = sigmoid(z)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
'''),
        "fails": ["ex1-tests"],
    },
    "bce-softplus-overflows": {
        "replace": _ex1(bce='''
def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    return float(np.mean(np.log(1.0 + np.exp(z)) - y * z))
'''),
        "fails": ["ex1-tests"],
    },
    "bce-clipped-probabilities": {
        "replace": _ex1(bce='''
def bce_with_logits(z, y):
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p = np.clip(sigmoid(z), 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
'''),
        "fails": ["ex1-tests"],
    },
    # ---- exercise 2: the logistic gradient
    "grad-without-sigmoid": {
        "replace": _ex2('''    r = X @ w + b - y
    return X.T @ r / X.shape[0], float(np.mean(r))
'''),
        "fails": ["ex2-tests"],
    },
    "grad-sum-instead-of-mean": {
        "replace": _ex2('''    r = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    return X.T @ r, float(np.sum(r))
'''),
        "fails": ["ex2-tests"],
    },
    "grad-factor-2-from-mse": {
        "replace": _ex2('''    r = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    return 2 * X.T @ r / X.shape[0], 2 * float(np.mean(r))
'''),
        "fails": ["ex2-tests"],
    },
    "grad-of-squared-error-on-probabilities": {
        "replace": _ex2('''    p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
    r = 2 * (p - y) * p * (1 - p)
    return X.T @ r / X.shape[0], float(np.mean(r))
'''),
        "fails": ["ex2-tests"],
    },
    "grad-no-bias-gradient": {
        "replace": _ex2('''    r = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    return X.T @ r / X.shape[0], 0.0
'''),
        "fails": ["ex2-tests"],
    },
    "grad-mutates-w": {
        "replace": _ex2('''    r = 1.0 / (1.0 + np.exp(-(X @ w + b))) - y
    dw = X.T @ r / X.shape[0]
    w -= 0.0 * w + 1e-3  # "just one small step": changes the caller's array
    return dw, float(np.mean(r))
'''),
        "fails": ["ex2-tests"],
    },
    # ---- exercise 3: softmax and cross-entropy
    "softmax-without-max-subtraction": {
        "replace": _ex3(softmax='''
def softmax(Z):
    e = np.exp(np.asarray(Z, dtype=float))
    return e / e.sum(axis=1, keepdims=True)
'''),
        "fails": ["ex3-tests"],
    },
    "softmax-global-max": {
        "replace": _ex3(softmax='''
def softmax(Z):
    Z = np.asarray(Z, dtype=float)
    e = np.exp(Z - Z.max())
    return e / e.sum(axis=1, keepdims=True)
'''),
        "fails": ["ex3-tests"],
    },
    "ce-labels-pick-columns": {
        "replace": _ex3(ce='''
def cross_entropy(Z, labels):
    Z = np.asarray(Z, dtype=float)
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError("labels must be class indices")
    s = Z - Z.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[:, labels]))
'''),
        "fails": ["ex3-tests"],
    },
    "ce-assumes-one-hot-labels": {
        "replace": _ex3(ce='''
def cross_entropy(Z, labels):
    Z = np.asarray(Z, dtype=float)
    s = Z - Z.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(np.sum(labels * log_p, axis=1)))
'''),
        "fails": ["ex3-tests"],
    },
    "ce-accepts-one-hot-silently": {
        "replace": _ex3(ce='''
def cross_entropy(Z, labels):
    Z = np.asarray(Z, dtype=float)
    labels = np.asarray(labels)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    n = Z.shape[0]
    s = Z - Z.max(axis=1, keepdims=True)
    log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(n), labels]))
'''),
        "fails": ["ex3-tests"],
    },
    "ce-log-of-softmax": {
        "replace": _ex3(ce='''
def cross_entropy(Z, labels):
    Z = np.asarray(Z, dtype=float)
    labels = np.asarray(labels)
    n = Z.shape[0]
    if labels.shape != (n,):
        raise ValueError("labels must be class indices of shape (n,)")
    P = softmax(Z)
    return float(-np.mean(np.log(P[np.arange(n), labels])))
'''),
        "fails": ["ex3-tests"],
    },
    # ---- exercise 4: the softmax gradient
    "smgrad-labels-as-numbers": {
        "replace": _ex4(_EX4_HEAD + '''    G = P - labels[:, None]
    return X.T @ G / n, G.mean(axis=0)
'''),
        "fails": ["ex4-tests"],
    },
    "smgrad-no-one-hot": {
        "replace": _ex4(_EX4_HEAD + '''    return X.T @ P / n, P.mean(axis=0)
'''),
        "fails": ["ex4-tests"],
    },
    "smgrad-transposed": {
        "replace": _ex4(_EX4_HEAD + '''    return (P - Y).T @ X / n, (P - Y).mean(axis=0)
'''),
        "fails": ["ex4-tests"],
    },
    "smgrad-db-over-classes": {
        "replace": _ex4(_EX4_HEAD + '''    return X.T @ (P - Y) / n, (P - Y).mean(axis=1)
'''),
        "fails": ["ex4-tests"],
    },
    "smgrad-softmax-overflows": {
        "replace": _ex4('''    X = np.asarray(X, dtype=float)
    n = X.shape[0]
    E = np.exp(X @ W + b)
    P = E / E.sum(axis=1, keepdims=True)
    Y = np.eye(W.shape[1])[labels]
    return X.T @ (P - Y) / n, (P - Y).mean(axis=0)
'''),
        "fails": ["ex4-tests"],
    },
}

# ---- correct answers written differently: they must keep full marks ------------------------
MISTAKES.update({
    "correct-sigmoid-where-over-both-branches": {
        # right values everywhere, but numpy warns about the overflow it computed and threw away:
        # warnings never cost points (docs/instructors.md, guarantee 12)
        "replace": _ex1(sigmoid='''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0 / (1.0 + np.exp(-z)), np.exp(z) / (1.0 + np.exp(z)))
'''),
        "fails": [],
    },
})
