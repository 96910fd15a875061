"""Classic mistakes of notebook 01 (derivatives), as wrong submissions.

Each entry replaces answer cells (by grade_id) with a wrong version and lists exactly the test
cells that must lose their points. Together they exercise every test cell of the notebook.
"""

import textwrap


def _src(code: str) -> str:
    return textwrap.dedent(code).lstrip("\n")


_FORWARD = """
def forward_difference(f, x, h):
    return (f(x + h) - f(x)) / h
"""

MISTAKES = {
    # --- exercise 1: difference quotients -----------------------------------------------------
    "forward-instead-of-centred": {
        "replace": {"ex1-answer": _FORWARD.lstrip() + "\n\n" + _src("""

            def centred_difference(f, x, h):
                return (f(x + h) - f(x)) / h
            """)},
        "fails": ["ex1-tests"],
    },
    "float32": {
        "replace": {"ex1-answer": _src("""
            import numpy as np

            def forward_difference(f, x, h):
                x, h = np.float32(x), np.float32(h)
                return (f(x + h) - f(x)) / h

            def centred_difference(f, x, h):
                x, h = np.float32(x), np.float32(h)
                return (f(x + h) - f(x - h)) / (2 * h)
            """)},
        "fails": ["ex1-tests"],
    },
    "centred-divides-by-h": {
        "replace": {"ex1-answer": _FORWARD.lstrip() + "\n\n" + _src("""

            def centred_difference(f, x, h):
                return (f(x + h) - f(x - h)) / h
            """)},
        "fails": ["ex1-tests"],
    },
    # --- exercise 2: the error curve ----------------------------------------------------------
    "signed-errors": {
        "replace": {"ex2-answer": _src("""
            def step_errors(diff, f, df, x, hs):
                errors = np.array([diff(f, x, h) - df(x) for h in hs])
                return errors, float(hs[np.argmin(errors)])
            """)},
        "fails": ["ex2-tests"],
    },
    "ignores-the-given-quotient": {
        "replace": {"ex2-answer": _src("""
            def step_errors(diff, f, df, x, hs):
                errors = np.array([abs((f(x + h) - f(x)) / h - df(x)) for h in hs])
                return errors, float(hs[np.argmin(errors)])
            """)},
        "fails": ["ex2-tests"],
    },
    "best-h-is-argmax": {
        "replace": {"ex2-answer": _src("""
            def step_errors(diff, f, df, x, hs):
                errors = np.array([abs(diff(f, x, h) - df(x)) for h in hs])
                return errors, float(hs[np.argmax(errors)])
            """)},
        "fails": ["ex2-tests"],
    },
    # --- exercise 3: the chain rule -----------------------------------------------------------
    "chain-rule-skips-tanh": {
        "replace": {"ex3-answer": _src("""
            def neuron_grad(w, b, a, y):
                y_hat = np.tanh(w * a + b)
                return np.array([2 * (y_hat - y) * a, 2 * (y_hat - y)])
            """)},
        "fails": ["ex3-tests"],
    },
    "chain-rule-forgets-the-input": {
        "replace": {"ex3-answer": _src("""
            def neuron_grad(w, b, a, y):
                y_hat = np.tanh(w * a + b)
                d = 2 * (y_hat - y) * (1 - y_hat ** 2)
                return np.array([d, d])
            """)},
        "fails": ["ex3-tests"],
    },
    # --- exercise 4: the numerical gradient ---------------------------------------------------
    "gradient-by-forward-differences": {
        "replace": {"ex4-answer": _src("""
            def numerical_gradient(f, x, h=1e-5):
                grad = np.zeros(x.size)
                for i in range(x.size):
                    step = np.zeros(x.size)
                    step[i] = h
                    grad[i] = (f(x + step) - f(x)) / h
                return grad
            """)},
        "fails": ["ex4-tests"],
    },
    "gradient-changes-x": {
        "replace": {"ex4-answer": _src("""
            def numerical_gradient(f, x, h=1e-5):
                grad = np.zeros(x.size)
                for i in range(x.size):
                    x[i] += h
                    f_plus = f(x)
                    x[i] -= 2 * h
                    f_minus = f(x)
                    grad[i] = (f_plus - f_minus) / (2 * h)
                return grad
            """)},
        "fails": ["ex4-tests"],
    },
    "gradient-h-too-small": {
        "replace": {"ex4-answer": _src("""
            def numerical_gradient(f, x, h=1e-5):
                h = 1e-12  # "smaller is more accurate"
                grad = np.zeros(x.size)
                for i in range(x.size):
                    step = np.zeros(x.size)
                    step[i] = h
                    grad[i] = (f(x + step) - f(x - step)) / (2 * h)
                return grad
            """)},
        "fails": ["ex4-tests"],
    },
    "gradient-float32": {
        "replace": {"ex4-answer": _src("""
            def numerical_gradient(f, x, h=1e-5):
                grad = np.zeros(x.size, dtype=np.float32)
                for i in range(x.size):
                    step = np.zeros(x.size)
                    step[i] = h
                    grad[i] = (f(x + step) - f(x - step)) / (2 * h)
                return grad
            """)},
        "fails": ["ex4-tests"],
    },
    # --- exercise 5: the gradient checker -----------------------------------------------------
    "check-with-h-too-small": {
        "replace": {"ex5-answer": _src("""
            def gradient_check(f, grad_f, x, num_grad):
                a = grad_f(x)
                n = num_grad(f, x, 1e-12)
                return float(np.max(np.abs(a - n) / np.maximum(1e-8, np.abs(a) + np.abs(n))))
            """)},
        "fails": ["ex5-tests"],
    },
    "check-absolute-error": {
        "replace": {"ex5-answer": _src("""
            def gradient_check(f, grad_f, x, num_grad):
                a = grad_f(x)
                n = num_grad(f, x, 1e-5)
                return float(np.max(np.abs(a - n)))
            """)},
        "fails": ["ex5-tests"],
    },
    "check-without-the-floor": {
        "replace": {"ex5-answer": _src("""
            def gradient_check(f, grad_f, x, num_grad):
                a = grad_f(x)
                n = num_grad(f, x, 1e-5)
                with np.errstate(invalid="ignore"):
                    return float(np.max(np.abs(a - n) / (np.abs(a) + np.abs(n))))
            """)},
        "fails": ["ex5-tests"],
    },
}
