"""Wrong submissions for 06-clustering: the classic mistakes, each failing exactly its exercise.

The plan's mistakes: empty clusters (a centroid without points must stay put, not become NaN) and
the wrong step size (1/n_j for the mean loss, a forgotten 2, a fixed step in mini-batch k-means) —
plus the loss and gradient slips (sum instead of mean, unsquared distances, argmax, n_j for n).
"""

_ASSIGN = '''
def assign_clusters(X, centroids):
    X = np.asarray(X, dtype=float)
    C = np.asarray(centroids, dtype=float)
    return np.argmin(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
'''

_LOSS = '''
def kmeans_loss(X, centroids, labels):
    r = np.asarray(X, dtype=float) - np.asarray(centroids, dtype=float)[labels]
    return float(np.mean(np.sum(r ** 2, axis=1)))
'''


def _ex1(assign: str = _ASSIGN, loss: str = _LOSS) -> dict[str, str]:
    return {"ex1-answer": "import numpy as np\n" + assign + "\n" + loss}


def _ex2(body: str) -> dict[str, str]:
    return {"ex2-answer": "import numpy as np\n\n\ndef kmeans_gradient(X, centroids, labels):\n"
                          "    X = np.asarray(X, dtype=float)\n"
                          "    C = np.asarray(centroids, dtype=float)\n"
                          "    labels = np.asarray(labels)\n"
                          "    n, k = X.shape[0], C.shape[0]\n" + body}


def _ex3(body: str) -> dict[str, str]:
    return {"ex3-answer": "import numpy as np\n\n\ndef kmeans_gd_step(X, centroids, labels, gradient):\n"
                          "    X = np.asarray(X, dtype=float)\n"
                          "    C = np.array(centroids, dtype=float)\n"
                          "    labels = np.asarray(labels)\n"
                          "    n, k = X.shape[0], C.shape[0]\n"
                          "    g = np.asarray(gradient(X, C, labels), dtype=float)\n"
                          "    sizes = np.bincount(labels, minlength=k)\n" + body}


def _ex4(body: str) -> dict[str, str]:
    return {"ex4-answer": "import numpy as np\n\n\ndef minibatch_step(centroids, counts, X_batch, labels):\n" + body}


MISTAKES = {
    # ---- exercise 1: assignment and loss
    "assign-argmax": {
        "replace": _ex1(assign='''
def assign_clusters(X, centroids):
    X = np.asarray(X, dtype=float)
    C = np.asarray(centroids, dtype=float)
    return np.argmax(((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2), axis=1)
'''),
        "fails": ["ex1-tests"],
    },
    "loss-sum-instead-of-mean": {
        "replace": _ex1(loss='''
def kmeans_loss(X, centroids, labels):
    r = np.asarray(X, dtype=float) - np.asarray(centroids, dtype=float)[labels]
    return float(np.sum(r ** 2))
'''),
        "fails": ["ex1-tests"],
    },
    "loss-distances-not-squared": {
        "replace": _ex1(loss='''
def kmeans_loss(X, centroids, labels):
    r = np.asarray(X, dtype=float) - np.asarray(centroids, dtype=float)[labels]
    return float(np.mean(np.linalg.norm(r, axis=1)))
'''),
        "fails": ["ex1-tests"],
    },
    "loss-mean-over-coordinates": {
        "replace": _ex1(loss='''
def kmeans_loss(X, centroids, labels):
    r = np.asarray(X, dtype=float) - np.asarray(centroids, dtype=float)[labels]
    return float(np.mean(r ** 2))
'''),
        "fails": ["ex1-tests"],
    },
    "loss-ignores-the-given-labels": {
        "replace": _ex1(loss='''
def kmeans_loss(X, centroids, labels):
    X = np.asarray(X, dtype=float)
    C = np.asarray(centroids, dtype=float)
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    return float(np.mean(d2.min(axis=1)))
'''),
        "fails": ["ex1-tests"],
    },
    # ---- exercise 2: the gradient
    "grad-missing-factor-2": {
        "replace": _ex2('''    out = np.zeros_like(C)
    for j in range(k):
        out[j] = np.sum(C[j] - X[labels == j], axis=0) / n
    return out
'''),
        "fails": ["ex2-tests"],
    },
    "grad-sign-flipped": {
        "replace": _ex2('''    out = np.zeros_like(C)
    for j in range(k):
        out[j] = 2.0 / n * np.sum(X[labels == j] - C[j], axis=0)
    return out
'''),
        "fails": ["ex2-tests"],
    },
    "grad-divided-by-cluster-size": {
        "replace": _ex2('''    out = np.zeros_like(C)
    for j in range(k):
        members = X[labels == j]
        if len(members):
            out[j] = 2.0 * (C[j] - members.mean(axis=0))
    return out
'''),
        "fails": ["ex2-tests"],
    },
    "grad-nan-for-empty-cluster": {
        "replace": _ex2('''    out = np.zeros_like(C)
    for j in range(k):
        members = X[labels == j]
        out[j] = 2.0 * len(members) / n * (C[j] - members.mean(axis=0))
    return out
'''),
        "fails": ["ex2-tests"],
    },
    "grad-sum-instead-of-mean": {
        "replace": _ex2('''    out = np.zeros_like(C)
    for j in range(k):
        out[j] = 2.0 * np.sum(C[j] - X[labels == j], axis=0)
    return out
'''),
        "fails": ["ex2-tests"],
    },
    # ---- exercise 3: the step that is Lloyd's update
    "step-one-over-nk": {
        "replace": _ex3('''    for j in range(k):
        if sizes[j] > 0:
            C[j] = C[j] - g[j] / sizes[j]
    return C
'''),
        "fails": ["ex3-tests"],
    },
    "step-forgets-the-2": {
        "replace": _ex3('''    for j in range(k):
        if sizes[j] > 0:
            C[j] = C[j] - n / sizes[j] * g[j]
    return C
'''),
        "fails": ["ex3-tests"],
    },
    "step-global-lr": {
        "replace": _ex3('''    return C - 0.5 * g
'''),
        "fails": ["ex3-tests"],
    },
    "step-empty-cluster-divides-by-zero": {
        "replace": _ex3('''    with np.errstate(divide="ignore", invalid="ignore"):
        eta = n / (2.0 * sizes)
    return C - eta[:, None] * g
'''),
        "fails": ["ex3-tests"],
    },
    "step-empty-cluster-reseeded": {
        "replace": _ex3('''    for j in range(k):
        if sizes[j] > 0:
            C[j] = C[j] - n / (2.0 * sizes[j]) * g[j]
        else:
            C[j] = X[0]  # "re-seed" the empty centroid on a data point
    return C
'''),
        "fails": ["ex3-tests"],
    },
    "step-mutates-centroids": {
        "replace": {"ex3-answer": '''import numpy as np


def kmeans_gd_step(X, centroids, labels, gradient):
    X = np.asarray(X, dtype=float)
    labels = np.asarray(labels)
    n, k = X.shape[0], centroids.shape[0]
    g = np.asarray(gradient(X, centroids, labels), dtype=float)
    sizes = np.bincount(labels, minlength=k)
    for j in range(k):
        if sizes[j] > 0:
            centroids[j] -= n / (2.0 * sizes[j]) * g[j]
    return centroids
'''},
        "fails": ["ex3-tests"],
    },
    # ---- exercise 4: mini-batch k-means
    "minibatch-jumps-to-the-batch-mean": {
        "replace": _ex4('''    C = np.array(centroids, dtype=float)
    v = np.array(counts, dtype=np.int64)
    labels = np.asarray(labels)
    Xb = np.asarray(X_batch, dtype=float)
    for j in range(len(C)):
        if np.any(labels == j):
            C[j] = Xb[labels == j].mean(axis=0)
            v[j] += int(np.sum(labels == j))
    return C, v
'''),
        "fails": ["ex4-tests"],
    },
    "minibatch-old-count-in-the-step": {
        "replace": _ex4('''    C = np.array(centroids, dtype=float)
    v = np.array(counts, dtype=np.int64)
    for x, j in zip(np.asarray(X_batch, dtype=float), labels):
        with np.errstate(divide="ignore", invalid="ignore"):
            C[j] = C[j] + (x - C[j]) / v[j]
        v[j] += 1
    return C, v
'''),
        "fails": ["ex4-tests"],
    },
    "minibatch-counts-not-updated": {
        "replace": _ex4('''    C = np.array(centroids, dtype=float)
    v = np.array(counts, dtype=np.int64)
    seen = v.copy()
    for x, j in zip(np.asarray(X_batch, dtype=float), labels):
        seen[j] += 1
        C[j] = C[j] + (x - C[j]) / seen[j]
    return C, v
'''),
        "fails": ["ex4-tests"],
    },
    "minibatch-empty-cluster-nan": {
        "replace": _ex4('''    C = np.array(centroids, dtype=float)
    v = np.array(counts, dtype=np.int64)
    labels = np.asarray(labels)
    Xb = np.asarray(X_batch, dtype=float)
    b = np.bincount(labels, minlength=len(C))
    sums = np.zeros_like(C)
    np.add.at(sums, labels, Xb)
    v = v + b
    with np.errstate(divide="ignore", invalid="ignore"):
        means = sums / b[:, None]
        C = C - (b / v)[:, None] * (C - means)
    return C, v
'''),
        "fails": ["ex4-tests"],
    },
    "minibatch-mutates-inputs": {
        "replace": _ex4('''    for x, j in zip(np.asarray(X_batch, dtype=float), labels):
        counts[j] += 1
        centroids[j] = centroids[j] + (x - centroids[j]) / counts[j]
    return centroids, counts
'''),
        "fails": ["ex4-tests"],
    },
}
