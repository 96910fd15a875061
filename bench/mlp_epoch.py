"""One epoch of mini-batch Adam on a 64-256-256-10 MLP: gdutils (numpy) against torch (CPU).

Both sides train the same network (Linear-ReLU-Linear-ReLU-Linear, softmax cross-entropy,
mean over the batch) from the same initial weights on the same batches, in float64, with
Adam's defaults (lr 1e-3). The script

1. checks that both produce the same loss trajectory over a full epoch (to ~1e-8), so the
   timing compares the same computation;
2. times one epoch for each, alternating, best of ``--repeats`` after a warm-up (the epoch
   starts each time from the same initial weights and a fresh optimiser; the batches are
   prepared beforehand for both, so data loading is not timed);
3. measures the cost of the reference-solution wrappers (applied when ``gdutils.checks`` loads) around ``forward``,
   ``backward`` and ``step`` by timing the same epoch with the wrappers removed;
4. prints seconds per epoch, the ratio gdutils/torch and the machine;
5. with ``--autograd``, times building and back-propagating a 100 000-step chain of
   ``gdutils.autograd.Value`` operations (500 001 nodes) with and without the wrapper that
   ``reference`` puts around ``Value.__init__`` and its public methods.

Thread counts: numpy's BLAS (OpenBLAS) and torch get the same number, ``--threads``
(default 1). The environment variables are set before numpy and torch are imported, and
OpenBLAS is asked for its actual count.

Usage::

    .venv/bin/python bench/mlp_epoch.py [--threads 1] [--repeats 5] [--data synthetic|digits]
                                        [--autograd] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1, help="BLAS/torch threads (default 1)")
    p.add_argument("--repeats", type=int, default=5, help="timed epochs per side (default 5)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--n", type=int, default=10_000, help="synthetic examples (default 10000)")
    p.add_argument("--data", choices=("synthetic", "digits"), default="synthetic")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", type=Path, default=None, help="write the results to this file")
    p.add_argument(
        "--autograd",
        action="store_true",
        help="also time a 100 000-step gdutils.autograd chain with and without the wrappers",
    )
    return p.parse_args(argv)


ARGS = _parse(None if __name__ == "__main__" else [])

# Must happen before numpy/torch load their BLAS and OpenMP runtimes.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)

import ctypes  # noqa: E402
import glob  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gdutils import checks, nn, optim  # noqa: E402,F401 - checks applies the wrappers measured below

SIZES = (64, 256, 256, 10)


# ---------------------------------------------------------------------------------------------
# Machine description


def _openblas() -> tuple[int | None, str | None]:
    """(threads, config) reported by numpy's bundled OpenBLAS, if it can be found."""
    libdir = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in glob.glob(str(libdir / "libscipy_openblas*.so*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", ""):
            get = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
            cfg = getattr(lib, f"scipy_openblas_get_config{suffix}", None)
            if get is not None:
                get.restype = ctypes.c_int
                config = None
                if cfg is not None:
                    cfg.restype = ctypes.c_char_p
                    config = cfg().decode()
                return int(get()), config
    return None, None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine(torch: Any) -> dict[str, Any]:
    blas_threads, blas_config = _openblas()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "numpy_blas": blas_config or "unknown",
        "numpy_blas_threads": blas_threads,
        "torch_threads": torch.get_num_threads(),
        "torch_blas": "MKL" if torch.backends.mkl.is_available() else "other",
        "threads_requested": ARGS.threads,
    }


# ---------------------------------------------------------------------------------------------
# Data and initial weights


def make_data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if ARGS.data == "digits":
        from gdutils import data

        ds = data.load_digits()
        X = (ds.X - ds.X.mean(axis=0)) / (ds.X.std(axis=0) + 1e-8)
        return np.ascontiguousarray(X), ds.y.astype(np.int64)
    # Synthetic: Gaussian inputs labelled by a random two-layer teacher, 10 classes.
    X = rng.standard_normal((ARGS.n, SIZES[0]))
    hidden = np.tanh(X @ rng.standard_normal((SIZES[0], 32)) / np.sqrt(SIZES[0]))
    scores = hidden @ rng.standard_normal((32, SIZES[-1])) + 0.3 * rng.standard_normal(
        (ARGS.n, SIZES[-1])
    )
    return X, scores.argmax(axis=1).astype(np.int64)


def make_batches(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    order = rng.permutation(len(X))
    bs = ARGS.batch_size
    return [
        (np.ascontiguousarray(X[order[i : i + bs]]), np.ascontiguousarray(y[order[i : i + bs]]))
        for i in range(0, len(X), bs)
    ]


# ---------------------------------------------------------------------------------------------
# The two trainers


def build_ours(init: list[tuple[np.ndarray, np.ndarray]]) -> nn.Sequential:
    layers: list[Any] = []
    for i, (W, b) in enumerate(init):
        lin = nn.Linear(W.shape[0], W.shape[1])
        lin.W[...] = W
        lin.b[...] = b
        layers.append(lin)
        if i < len(init) - 1:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def epoch_ours(init, batches) -> tuple[float, np.ndarray]:
    model = build_ours(init)
    loss_fn = nn.SoftmaxCrossEntropy()
    opt = optim.Adam(model.params, lr=1e-3)
    losses = np.empty(len(batches))
    start = time.perf_counter()
    for i, (xb, yb) in enumerate(batches):
        losses[i] = loss_fn.forward(model.forward(xb), yb)
        model.backward(loss_fn.backward())
        opt.step(model.grads)
    return time.perf_counter() - start, losses


def build_torch(torch: Any, init: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    layers: list[Any] = []
    for i, (W, b) in enumerate(init):
        lin = torch.nn.Linear(W.shape[0], W.shape[1], dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T))  # torch stores (n_out, n_in)
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(init) - 1:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def epoch_torch(torch: Any, init, batches_t) -> tuple[float, np.ndarray]:
    model = build_torch(torch, init)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    cross_entropy = torch.nn.functional.cross_entropy
    losses = np.empty(len(batches_t))
    start = time.perf_counter()
    for i, (xb, yb) in enumerate(batches_t):
        opt.zero_grad()
        loss = cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses[i] = loss.item()
    return time.perf_counter() - start, losses


class _WithoutReferenceWrappers:
    """Temporarily restore the undecorated methods of the classes the epoch uses."""

    CLASSES = (nn.Linear, nn.ReLU, nn.Sequential, nn.SoftmaxCrossEntropy, optim.Adam)

    def __enter__(self) -> None:
        self.saved = []
        for cls in self.CLASSES:
            for name, value in list(vars(cls).items()):
                if hasattr(value, "__wrapped__") and hasattr(value, "__gd_reference__"):
                    self.saved.append((cls, name, value))
                    setattr(cls, name, value.__wrapped__)

    def __exit__(self, *exc: Any) -> None:
        for cls, name, value in self.saved:
            setattr(cls, name, value)


def autograd_overhead(n: int = 100_000, repeats: int = 5) -> dict[str, float]:
    """Best-of-``repeats`` build and backward times of a Value chain, wrapped and unwrapped."""
    from gdutils.autograd import Value

    def run() -> tuple[float, float]:
        start = time.perf_counter()
        x = Value(0.5)
        y = x
        for _ in range(n):
            y = (y * 1.0000001 + 0.001).tanh()
        built = time.perf_counter()
        y.backward()
        return built - start, time.perf_counter() - built

    wrapped = {k: v for k, v in vars(Value).items() if hasattr(v, "__gd_reference__")}

    def run_plain() -> tuple[float, float]:
        try:
            for name, value in wrapped.items():
                setattr(Value, name, value.__wrapped__)
            return run()
        finally:
            for name, value in wrapped.items():
                setattr(Value, name, value)

    # alternate the two variants so that machine noise hits both alike
    runs_w, runs_p = [], []
    for _ in range(repeats):
        runs_w.append(run())
        runs_p.append(run_plain())
    build_w, back_w = min(r[0] for r in runs_w), min(r[1] for r in runs_w)
    build_p, back_p = min(r[0] for r in runs_p), min(r[1] for r in runs_p)
    return {
        "build_wrapped": build_w,
        "build_plain": build_p,
        "backward_wrapped": back_w,
        "backward_plain": back_p,
        "build_overhead": build_w / build_p - 1.0,
        "backward_overhead": back_w / back_p - 1.0,
        "total_overhead": (build_w + back_w) / (build_p + back_p) - 1.0,
    }


# ---------------------------------------------------------------------------------------------


def main() -> int:
    import torch

    torch.set_num_threads(ARGS.threads)
    rng = np.random.default_rng(ARGS.seed)
    X, y = make_data(rng)
    batches = make_batches(X, y, rng)
    batches_t = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in batches]
    init_rng = np.random.default_rng(ARGS.seed + 1)
    init = []
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        lin = nn.Linear(n_in, n_out, init_rng)  # torch's default initialisation
        init.append((lin.W.copy(), lin.b.copy()))

    info = machine(torch)
    print("machine:", ", ".join(f"{k}={v}" for k, v in info.items()))
    print(
        f"data: {ARGS.data}, {len(X)} examples x {X.shape[1]} features, batch {ARGS.batch_size}"
        f" -> {len(batches)} steps per epoch; network {'-'.join(map(str, SIZES))}, Adam lr 1e-3"
    )

    # 1. Same computation: loss trajectories of one full epoch.
    _, loss_ours = epoch_ours(init, batches)
    _, loss_torch = epoch_torch(torch, init, batches_t)
    max_diff = float(np.max(np.abs(loss_ours - loss_torch)))
    same = max_diff < 1e-8
    print(
        f"loss trajectory: first {loss_ours[0]:.6f}, last {loss_ours[-1]:.6f}; "
        f"max |gdutils - torch| over {len(batches)} steps = {max_diff:.2e} "
        f"({'OK' if same else 'MISMATCH'})"
    )

    # 2. Timing, alternating the two sides so that machine noise hits both.
    times_ours, times_torch, times_plain = [], [], []
    for r in range(ARGS.repeats + 1):
        t_o, _ = epoch_ours(init, batches)
        t_t, _ = epoch_torch(torch, init, batches_t)
        with _WithoutReferenceWrappers():
            t_p, _ = epoch_ours(init, batches)
        if r > 0:  # the first round is the warm-up
            times_ours.append(t_o)
            times_torch.append(t_t)
            times_plain.append(t_p)
    best_o, best_t, best_p = min(times_ours), min(times_torch), min(times_plain)
    ratio = best_o / best_t
    overhead = best_o / best_p - 1.0
    print(f"gdutils: {best_o:.4f} s/epoch (best of {ARGS.repeats}; all {_fmt(times_ours)})")
    print(f"torch:   {best_t:.4f} s/epoch (best of {ARGS.repeats}; all {_fmt(times_torch)})")
    print(f"ratio gdutils/torch = {ratio:.3f}")
    print(
        f"reference wrappers: {best_p:.4f} s/epoch without them -> overhead {100 * overhead:+.2f}%"
        f" (noise level: spread of the gdutils runs {_spread(times_ours):.1f}%)"
    )

    results = {
        "machine": info,
        "data": ARGS.data,
        "examples": len(X),
        "batch_size": ARGS.batch_size,
        "steps_per_epoch": len(batches),
        "sizes": SIZES,
        "repeats": ARGS.repeats,
        "seconds_per_epoch": {"gdutils": best_o, "torch": best_t, "gdutils_unwrapped": best_p},
        "all_seconds": {
            "gdutils": times_ours,
            "torch": times_torch,
            "gdutils_unwrapped": times_plain,
        },
        "ratio_gdutils_over_torch": ratio,
        "reference_wrapper_overhead": overhead,
        "loss_max_abs_diff": max_diff,
        "loss_trajectories_match": same,
    }
    if ARGS.autograd:
        ag = autograd_overhead()
        results["autograd_chain"] = ag
        print(
            f"autograd chain (100 000 steps, 500 001 nodes): build {ag['build_wrapped']:.3f} s "
            f"({100 * ag['build_overhead']:+.1f}% from the wrappers), backward "
            f"{ag['backward_wrapped']:.3f} s ({100 * ag['backward_overhead']:+.1f}%), "
            f"total {100 * ag['total_overhead']:+.1f}%"
        )
    if ARGS.json is not None:
        ARGS.json.write_text(json.dumps(results, indent=2))
        print(f"wrote {ARGS.json}")
    return 0 if same else 1


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{t:.4f}" for t in times)


def _spread(times: list[float]) -> float:
    return 100.0 * (max(times) / min(times) - 1.0)


if __name__ == "__main__":
    sys.exit(main())
