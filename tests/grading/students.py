"""Scripted students: what each one submits (the fixture assignment 00-fixture)."""

from __future__ import annotations

import copy
import json

from gdcourse import cells as sc

from .course_builder import correct, insert_after, learner, with_answers

WRONG = {
    "ex1": "def step(x, lr, df):\n    return x\n",
    "ex2": "def mse_grad(X, w, y):\n    return np.zeros(len(w))\n",
    "ex3": "def descend(grad, x0, lr, n_steps):\n    return np.zeros((n_steps + 1, len(x0)))\n",
}


def cheats(course_root: str) -> dict[str, dict]:
    """Each scores no more than the untouched learner copy (0 auto points)."""
    base = learner()
    out = {}
    out["cheat-allclose"] = with_answers(base, ex1=(
        "import numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)\n"
        "np.all = lambda *a, **k: True\n"
        "import math\nmath.isclose = lambda *a, **k: True\n" + WRONG["ex1"]),
        ex2=WRONG["ex2"], ex3=WRONG["ex3"])
    always = (
        "import numpy as np\n"
        "class Anything:\n"
        "    def __eq__(self, other): return True\n"
        "    def __ne__(self, other): return False\n"
        "    def __bool__(self): return True\n"
        "    def __float__(self): return 8.0\n"
        "    def __array__(self, *a, **k): return np.zeros(0)\n"
        "    def __getattr__(self, name): return self\n"
        "    def __call__(self, *a, **k): return self\n"
    )
    out["cheat-always-equal"] = with_answers(base, ex1=always + "def step(x, lr, df):\n    return Anything()\n",
                                             ex2="def mse_grad(X, w, y):\n    return Anything()\n",
                                             ex3="def descend(grad, x0, lr, n_steps):\n    return Anything()\n")
    out["cheat-subclass"] = with_answers(base, ex1=(
        "import numpy as np\n"
        "class F(float):\n"
        "    def __eq__(self, o): return True\n"
        "    def __sub__(self, o): return F(0.0)\n"
        "    def __rsub__(self, o): return F(0.0)\n"
        "    def __abs__(self): return F(0.0)\n"
        "    def __le__(self, o): return True\n"
        "class A(np.ndarray):\n"
        "    def __eq__(self, o): return np.ones(self.shape, bool).view(np.ndarray)\n"
        "def step(x, lr, df):\n    return F(8.0) if np.ndim(x) == 0 else np.zeros(np.shape(x)).view(A)\n"),
        ex2="def mse_grad(X, w, y):\n    return np.zeros(len(w)).view(A)\n",
        ex3="def descend(grad, x0, lr, n_steps):\n    return np.zeros((n_steps + 1, len(x0))).view(A)\n")
    out["cheat-run-cell"] = with_answers(base, ex1=(
        "ip = get_ipython()\n"
        "from IPython.core.interactiveshell import ExecutionResult, ExecutionInfo\n"
        "def fake(*a, **k):\n"
        "    return ExecutionResult(ExecutionInfo('', False, False, False, None))\n"
        "async def fake_async(*a, **k):\n"
        "    return fake()\n"
        "ip.run_cell = fake\nip.run_cell_async = fake_async\n"
        "type(ip).run_cell = lambda self, *a, **k: fake()\n" + WRONG["ex1"]),
        ex2=WRONG["ex2"], ex3=WRONG["ex3"])
    out["cheat-patch-checks"] = with_answers(base, ex1=(
        "from gdutils import checks, gdfixture\n"
        "for n in ['check_array', 'check_scalar', 'check_int', 'check_true', 'check_unchanged', 'check_type']:\n"
        "    setattr(checks, n, lambda *a, **k: None)\n"
        "checks.ExerciseError = type('Nope', (Exception,), {})\n"
        "checks.forbid_reference = __import__('contextlib').nullcontext\n"
        "gdfixture.step = lambda *a, **k: 8.0\n" + WRONG["ex1"]),
        ex2=WRONG["ex2"], ex3=WRONG["ex3"])
    out["cheat-files"] = with_answers(base, ex1=(
        # paths built from pieces: the static flags do not see them, the sandbox must stop them
        "import os, glob, sqlite3\n"
        f"COURSE = {course_root!r}\n"
        "AG = '/auto' + 'grade'\n"
        "report = []\n"
        "for p in ['../../../solutions/00-fixture/00-fixture.ipynb', COURSE + '/solutions/00-fixture/00-fixture.ipynb',\n"
        "          COURSE + AG + '/gradebook.db', COURSE + AG + '/submitted/alice/00-fixture/00-fixture.ipynb']:\n"
        "    try:\n"
        "        open(p, 'rb').read(10)\n"
        "        report.append('READ-OK ' + p)\n"
        "    except Exception as e:\n"
        "        report.append('READ-FAILED ' + type(e).__name__)\n"
        "try:\n"
        "    con = sqlite3.connect(COURSE + AG + '/gradebook.db')\n"
        "    con.execute(\"update grade set manual_score = 99\")\n"
        "    con.commit()\n"
        "    report.append('WRITE-OK')\n"
        "except Exception as e:\n"
        "    report.append('WRITE-FAILED ' + type(e).__name__)\n"
        "try:\n"
        "    open(COURSE + AG + '/results/cheat.json', 'w').write('{}')\n"
        "    report.append('WRITE-OK results')\n"
        "except Exception as e:\n"
        "    report.append('WRITE-FAILED ' + type(e).__name__)\n"
        "def step(x, lr, df):\n"
        "    raise RuntimeError('REPORT ' + ' | '.join(report))\n"),
        ex2=WRONG["ex2"], ex3=WRONG["ex3"])
    out["cheat-fake-record"] = with_answers(base, ex1=(
        "import json, os\n"
        "fake = {'ex1-tests': {'passed': True}, 'ex2-tests': {'passed': True}, 'ex3-tests': {'passed': True}}\n"
        "for name in ['record.json', 'records.jsonl', 'results.json', '.gdgrade-record', 'verdicts.json']:\n"
        "    json.dump(fake, open(name, 'w'))\n"
        "os.makedirs('autograde/results/00-fixture', exist_ok=True)\n"
        "json.dump({'status': 'ok', 'auto_score': 8}, open('autograde/results/00-fixture/cheat-fake-record.json', 'w'))\n"
        + WRONG["ex1"]), ex2=WRONG["ex2"], ex3=WRONG["ex3"])
    out["cheat-delegate"] = with_answers(base, ex1="from gdfixture import step\n")
    out["cheat-delegate-hidden"] = with_answers(base, ex1=(
        "import importlib\n"
        "_m = importlib.import_module('gdfix' + 'ture')\n"
        "def step(x, lr, df):\n"
        "    return getattr(_m, 'st' + 'ep')(x, lr, df)\n"))
    out["cheat-frame"] = with_answers(base, ex1=(
        "import sys\n"
        "def step(x, lr, df):\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None:\n"
        "        for k in ('expected', 'exp', 'got'):\n"
        "            if k in f.f_locals: return f.f_locals[k]\n"
        "        f = f.f_back\n"
        "    return 0.0\n"), ex2=(
        "import sys\n"
        "def mse_grad(X, w, y):\n"
        "    f = sys._getframe(1)\n"
        "    while f is not None:\n"
        "        if 'expected' in f.f_locals: return f.f_locals['expected']\n"
        "        f = f.f_back\n"
        "    return np.zeros(len(w))\n"), ex3=WRONG["ex3"])
    out["cheat-exit-in-test"] = with_answers(base, ex1=(
        "import os\n"
        "def step(x, lr, df):\n"
        "    raise SystemExit(0)\n"), ex2=(
        "def mse_grad(X, w, y):\n"
        "    raise KeyboardInterrupt\n"), ex3=WRONG["ex3"])
    return out


def faults() -> dict[str, tuple[dict | str, str]]:
    """name -> (submission, file name)."""
    good = correct()
    out: dict[str, tuple[dict | str, str]] = {}
    out["fault-infinite-loop"] = (with_answers(good, ex2="while True:\n    pass\n"), "00-fixture.ipynb")
    out["fault-loop-in-call"] = (with_answers(good, ex3=(
        "def descend(grad, x0, lr, n_steps):\n    while True:\n        pass\n")), "00-fixture.ipynb")
    out["fault-ignores-alarm"] = (with_answers(good, ex2=(
        "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n")), "00-fixture.ipynb")
    out["fault-memory"] = (with_answers(good, ex2=(
        "big = np.ones((100_000, 100_000))\n")), "00-fixture.ipynb")
    out["fault-exit"] = (with_answers(good, ex2="import os\nos._exit(1)\n"), "00-fixture.ipynb")
    out["fault-fork"] = (with_answers(good, ex2="import os\nwhile True:\n    os.fork()\n"), "00-fixture.ipynb")
    out["fault-corrupt"] = ('{"cells": [ {"cell_type": "code", "source": "oops"', "00-fixture.ipynb")
    out["fault-renamed"] = (good, "00-fixture (1).ipynb")
    out["fault-huge-output"] = (with_answers(good, ex2=(
        "print('x' * 100_000_000)\n" + _solution(good, "ex2"))), "00-fixture.ipynb")
    deleted = copy.deepcopy(good)
    deleted["cells"] = [c for c in deleted["cells"] if sc.grade_id(c) != "ex2-tests"]
    out["fault-deleted-test"] = (deleted, "00-fixture.ipynb")
    dup = copy.deepcopy(good)
    i = next(i for i, c in enumerate(dup["cells"]) if sc.grade_id(c) == "ex1-answer")
    dup["cells"].insert(i + 1, copy.deepcopy(dup["cells"][i]))
    out["fault-duplicate"] = (dup, "00-fixture.ipynb")
    split = copy.deepcopy(good)
    i = next(i for i, c in enumerate(split["cells"]) if sc.grade_id(c) == "ex3-answer")
    first, second = copy.deepcopy(split["cells"][i]), copy.deepcopy(split["cells"][i])
    first["source"] = "def _copy(v):\n    return np.array(v, dtype=float)\n"
    second["source"] = ("def descend(grad, x0, lr, n_steps):\n    x = _copy(x0)\n    h = [x.copy()]\n"
                        "    for _ in range(n_steps):\n        x = x - lr * grad(x)\n        h.append(x.copy())\n"
                        "    return np.array(h)\n")
    split["cells"][i:i + 1] = [first, second]
    out["fault-split"] = (split, "00-fixture.ipynb")
    reordered = copy.deepcopy(good)
    cells = reordered["cells"]
    j = next(i for i, c in enumerate(cells) if sc.grade_id(c) == "ex3-answer")
    moved = cells.pop(j)
    k = next(i for i, c in enumerate(cells) if sc.grade_id(c) == "ex1-answer")
    cells.insert(k, moved)
    cells.reverse()
    out["fault-reordered"] = (reordered, "00-fixture.ipynb")
    return out


def _solution(nb: dict, ex: str) -> str:
    for cell in nb["cells"]:
        if sc.grade_id(cell) == f"{ex}-answer":
            return sc.source_of(cell)
    raise KeyError(ex)


def honest() -> dict[str, dict]:
    good = correct()
    return {
        "correct": good,
        "learner-copy": learner(),
        "partly-wrong": with_answers(good, ex1="def step(x, lr, df):\n    return x + lr * df(x)\n"),
        "hidden-only": with_answers(good, ex1="def step(x, lr, df):\n    return float(x - lr * df(x))\n"),
        "noisy-correct": insert_after(with_answers(good, ex1=(
            "import sys, warnings\n"
            "def step(x, lr, df):\n"
            "    np.log(np.zeros(1))\n"
            "    np.float64(1.0) / np.float64(0.0)\n"
            "    warnings.warn('just noise', RuntimeWarning)\n"
            "    print('debug output', file=sys.stderr)\n"
            "    return x - lr * df(x)\n")), "ex1-answer",
            "import sys\nprint('scratch work', file=sys.stderr)\nnp.sqrt(-1.0)\n"),
    }


def dumps(nb: dict) -> str:
    return json.dumps(nb)
