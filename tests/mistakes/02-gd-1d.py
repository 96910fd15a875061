"""Classic mistakes of notebook 02 (gradient descent in 1-D), as wrong submissions.

Each entry replaces answer cells (by grade_id) with a wrong version and lists exactly the test
cells that must lose their points. Together they exercise every test cell of the notebook.
"""

import textwrap


def _src(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


MISTAKES = {
    # --- exercise 1: one step -----------------------------------------------------------------
    "sign-error": {
        "replace": {"ex1-answer": _src("""
            def gd_step(x, lr, df):
                return x + lr * df(x)
            """)},
        "fails": ["ex1-tests"],
    },
    "returns-the-step": {
        "replace": {"ex1-answer": _src("""
            def gd_step(x, lr, df):
                return -lr * df(x)
            """)},
        "fails": ["ex1-tests"],
    },
    # --- exercise 2: the history --------------------------------------------------------------
    "history-off-by-one": {
        "replace": {"ex2-answer": _src("""
            def descend(df, x0, lr, n_steps):
                x = float(x0)
                history = []
                for _ in range(n_steps):
                    x = x - lr * df(x)
                    history.append(x)
                return np.array(history)
            """)},
        "fails": ["ex2-tests"],
    },
    "history-one-step-short": {
        "replace": {"ex2-answer": _src("""
            def descend(df, x0, lr, n_steps):
                x = float(x0)
                history = [x]
                for _ in range(n_steps - 1):
                    x = x - lr * df(x)
                    history.append(x)
                return np.array(history)
            """)},
        "fails": ["ex2-tests"],
    },
    "descend-sign-error": {
        "replace": {"ex2-answer": _src("""
            def descend(df, x0, lr, n_steps):
                history = [float(x0)]
                for _ in range(n_steps):
                    history.append(history[-1] + lr * df(history[-1]))
                return np.array(history)
            """)},
        "fails": ["ex2-tests"],
    },
    # --- exercise 3: the regimes --------------------------------------------------------------
    "regime-ignores-curvature": {
        "replace": {"ex3-answer": _src("""
            def regime(lr, curvature=2.0):
                if lr <= 0 or curvature <= 0:
                    raise ValueError("lr and curvature must be positive")
                r = 1 - 2 * lr
                if r >= 0:
                    return "monotone"
                if r > -1:
                    return "oscillating"
                if r == -1:
                    return "cycling"
                return "diverging"
            """)},
        "fails": ["ex3-tests"],
    },
    "oscillation-mistaken-for-divergence": {
        "replace": {"ex3-answer": _src("""
            def regime(lr, curvature=2.0):
                if lr <= 0 or curvature <= 0:
                    raise ValueError("lr and curvature must be positive")
                r = 1 - lr * curvature
                if r >= 0:
                    return "monotone"
                if r == -1:
                    return "cycling"
                return "diverging"
            """)},
        "fails": ["ex3-tests"],
    },
    # --- exercise 4: the loop with stopping rules ---------------------------------------------
    "silent-nan": {
        "replace": {"ex4-answer": _src("""
            def gradient_descent_1d(df, x0, lr, max_iter=1000, tol=1e-8, max_abs=1e12):
                x = float(x0)
                history = [x]
                for _ in range(max_iter):
                    g = df(x)
                    if abs(g) <= tol:
                        return np.array(history), "converged"
                    x = x - lr * g
                    history.append(x)
                return np.array(history), "max_iter"
            """)},
        "fails": ["ex4-tests-divergence"],
    },
    "keeps-the-diverged-point": {
        "replace": {"ex4-answer": _src("""
            def gradient_descent_1d(df, x0, lr, max_iter=1000, tol=1e-8, max_abs=1e12):
                x = float(x0)
                history = [x]
                for _ in range(max_iter):
                    g = df(x)
                    if abs(g) <= tol:
                        return np.array(history), "converged"
                    x = x - lr * g
                    history.append(x)
                    if not np.isfinite(x) or abs(x) > max_abs:
                        return np.array(history), "diverged"
                return np.array(history), "max_iter"
            """)},
        "fails": ["ex4-tests-divergence"],
    },
    "loop-history-off-by-one": {
        "replace": {"ex4-answer": _src("""
            def gradient_descent_1d(df, x0, lr, max_iter=1000, tol=1e-8, max_abs=1e12):
                x = float(x0)
                history = []
                for _ in range(max_iter):
                    g = df(x)
                    if abs(g) <= tol:
                        return np.array(history), "converged"
                    x_new = x - lr * g
                    if not np.isfinite(x_new) or abs(x_new) > max_abs:
                        return np.array(history), "diverged"
                    x = x_new
                    history.append(x)
                return np.array(history), "max_iter"
            """)},
        "fails": ["ex4-tests-stopping", "ex4-tests-divergence"],
    },
    "ignores-the-tolerance": {
        "replace": {"ex4-answer": _src("""
            def gradient_descent_1d(df, x0, lr, max_iter=1000, tol=1e-8, max_abs=1e12):
                x = float(x0)
                history = [x]
                for _ in range(max_iter):
                    x_new = x - lr * df(x)
                    if not np.isfinite(x_new) or abs(x_new) > max_abs:
                        return np.array(history), "diverged"
                    x = x_new
                    history.append(x)
                return np.array(history), "max_iter"
            """)},
        "fails": ["ex4-tests-stopping"],
    },
    "tolerance-checked-after-the-step": {
        "replace": {"ex4-answer": _src("""
            def gradient_descent_1d(df, x0, lr, max_iter=1000, tol=1e-8, max_abs=1e12):
                x = float(x0)
                history = [x]
                for _ in range(max_iter):
                    x_new = x - lr * df(x)
                    if not np.isfinite(x_new) or abs(x_new) > max_abs:
                        return np.array(history), "diverged"
                    x = x_new
                    history.append(x)
                    if abs(df(x)) <= tol:
                        return np.array(history), "converged"
                return np.array(history), "max_iter"
            """)},
        "fails": ["ex4-tests-stopping"],
    },
}
