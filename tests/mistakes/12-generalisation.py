"""Wrong submissions for 12-generalisation: leaking validation data into the standardisation,
penalising the bias, a regulariser in the loss but not in the gradient, the closed form for a
summed loss, and the off-by-one and comparison slips of early stopping.

Each entry replaces answer cells (by grade_id) with a plausible wrong version; ``fails`` lists
exactly the test cells that must lose their points.
"""


def _standardise(mean_std: str, divide: str = "std = np.where(std > 0, std, 1.0)",
                 val: str = "(X_val - mean) / std") -> str:
    return f'''def standardise(X_train, X_val):
    X_train = np.asarray(X_train, dtype=float)
    X_val = np.asarray(X_val, dtype=float)
{mean_std}
    {divide}
    return (X_train - mean) / std, {val}
'''


_GOOD_STATS = "    mean, std = X_train.mean(axis=0), X_train.std(axis=0)"

_RIDGE = '''def ridge_loss(X, y, w, b, lam):
    r = X @ w + b - y
    return float(np.mean(r ** 2) + {penalty})


def ridge_grad(X, y, w, b, lam):
    n = X.shape[0]
    r = X @ w + b - y
    dw = 2.0 / n * (X.T @ r){dw_extra}
    db = 2.0 / n * float(np.sum(r)){db_extra}
    return dw, db
'''


def _ridge(penalty: str = "lam * (w @ w)", dw_extra: str = " + 2.0 * lam * w", db_extra: str = "") -> str:
    return _RIDGE.format(penalty=penalty, dw_extra=dw_extra, db_extra=db_extra)


_CLOSED = '''def ridge_closed_form(X, y, lam):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    n, d = X.shape
{body}
'''

_EARLY = '''def early_stopping(val_losses, patience, min_delta=0.0):
    best = np.inf
    best_epoch = 0
    wait = 0
    previous = np.inf
    for epoch, value in enumerate(val_losses):
        if {improves}:
            best, best_epoch, wait = value, epoch, 0
        else:
            wait += 1
            if {stop}:
                return {result}, epoch
        previous = value
    return {final}, len(val_losses) - 1
'''


def _early(improves: str = "value < best - min_delta", stop: str = "wait >= patience",
           result: str = "best_epoch") -> str:
    final = "len(val_losses) - 1" if result == "epoch" else result
    return _EARLY.format(improves=improves, stop=stop, result=result, final=final)


MISTAKES = {
    # ---- exercise 1: standardisation ---------------------------------------------------------
    "leaks-validation-data-into-the-statistics": {
        "replace": {"ex1-answer": _standardise(
            "    both = np.vstack([X_train, X_val])\n"
            "    mean, std = both.mean(axis=0), both.std(axis=0)")},
        "fails": ["ex1-tests"],
    },
    "validation-set-with-its-own-statistics": {
        "replace": {"ex1-answer": _standardise(
            _GOOD_STATS, val="(X_val - X_val.mean(axis=0)) / X_val.std(axis=0)")},
        "fails": ["ex1-tests"],
    },
    "sample-standard-deviation": {
        "replace": {"ex1-answer": _standardise(
            "    mean, std = X_train.mean(axis=0), X_train.std(axis=0, ddof=1)")},
        "fails": ["ex1-tests"],
    },
    "constant-column-gives-nan": {
        "replace": {"ex1-answer": _standardise(
            _GOOD_STATS, divide="std = std + 0.0  # no guard: 0 / 0 for a constant column")},
        "fails": ["ex1-tests"],
    },
    "standardises-the-inputs-in-place": {
        "replace": {"ex1-answer": '''def standardise(X_train, X_val):
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    X_train -= mean
    X_train /= std
    X_val -= mean
    X_val /= std
    return X_train, X_val
'''},
        "fails": ["ex1-tests"],
    },
    "delegates-to-gdutils-standardiser": {
        "replace": {"ex1-answer": '''from gdutils import data


def standardise(X_train, X_val):
    scaler = data.Standardiser().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val)
'''},
        "fails": ["ex1-tests"],
    },
    # ---- exercise 2: ridge loss and gradient -------------------------------------------------
    "penalises-the-bias": {
        "replace": {"ex2-answer": _ridge(penalty="lam * (w @ w + b ** 2)",
                                         db_extra=" + 2.0 * lam * b")},
        "fails": ["ex2-tests"],
    },
    "regulariser-in-the-loss-but-not-the-gradient": {
        "replace": {"ex2-answer": _ridge(dw_extra="")},
        "fails": ["ex2-tests"],
    },
    "gradient-of-the-penalty-missing-the-2": {
        "replace": {"ex2-answer": _ridge(dw_extra=" + lam * w")},
        "fails": ["ex2-tests"],
    },
    "ridge-summed-instead-of-mean": {
        "replace": {"ex2-answer": _ridge().replace("np.mean(r ** 2)", "np.sum(r ** 2)")
                    .replace("2.0 / n *", "2.0 *")},
        "fails": ["ex2-tests"],
    },
    # ---- exercise 3: closed form -------------------------------------------------------------
    "closed-form-penalises-the-bias": {
        "replace": {"ex3-answer": _CLOSED.format(body='''    A = np.hstack([X, np.ones((n, 1))])
    theta = np.linalg.solve(A.T @ A + n * lam * np.eye(d + 1), A.T @ y)
    return theta[:-1], float(theta[-1])''')},
        "fails": ["ex3-tests"],
    },
    "closed-form-for-a-summed-loss": {
        "replace": {"ex3-answer": _CLOSED.format(body='''    xm, ym = X.mean(axis=0), y.mean()
    Xc, yc = X - xm, y - ym
    w = np.linalg.solve(Xc.T @ Xc + lam * np.eye(d), Xc.T @ yc)
    return w, float(ym - xm @ w)''')},
        "fails": ["ex3-tests"],
    },
    "closed-form-without-intercept": {
        "replace": {"ex3-answer": _CLOSED.format(body='''    w = np.linalg.solve(X.T @ X + n * lam * np.eye(d), X.T @ y)
    return w, 0.0''')},
        "fails": ["ex3-tests"],
    },
    # ---- exercise 4: early stopping ----------------------------------------------------------
    "early-stopping-one-epoch-late": {
        "replace": {"ex4-answer": _early(stop="wait > patience")},
        "fails": ["ex4-tests"],
    },
    "early-stopping-ties-improve": {
        "replace": {"ex4-answer": _early(improves="value <= best - min_delta")},
        "fails": ["ex4-tests"],
    },
    "early-stopping-compares-with-the-previous-epoch": {
        "replace": {"ex4-answer": _early(improves="value < previous - min_delta")},
        "fails": ["ex4-tests"],
    },
    "early-stopping-best-over-the-whole-curve": {
        "replace": {"ex4-answer": _early(result="int(np.argmin(val_losses))")},
        "fails": ["ex4-tests"],
    },
    "early-stopping-returns-the-stop-epoch-as-best": {
        # the classic: the weights restored are those of the epoch the rule stopped at
        "replace": {"ex4-answer": _early(result="epoch")},
        "fails": ["ex4-tests"],
    },
}
