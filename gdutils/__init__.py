"""gdutils: the helper library of the gradient-descent course.

One import serves the whole course, without global state::

    from gdutils import optim, nn, autograd, gradcheck, functions, theory, data, plotting, checks

Three layers, each allowed to use only the ones below it (``pyproject.toml``'s import-linter
contracts, checked in CI)::

    gdutils.display     plotting, widgets, explorers, training_view   figures and sliders
    gdutils.exercises   checks, references                            what test cells use
    gdutils.*           functions, theory, descent, optim, nn, ...    the maths core: numpy only

``display`` and ``exercises`` may use the core; the core imports neither. Every module is reachable
as ``gdutils.<name>`` (``from gdutils import plotting`` is ``gdutils.display.plotting``), loaded on
first use, so ``import gdutils`` stays cheap for graders and tests.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_CORE = ("autograd", "averages", "backprop", "clustering", "data", "descent", "functions",
         "gradcheck", "linear_models", "losses", "nn", "optim", "sampling", "schedules", "theory",
         "training")
#: public module name -> where it lives
MODULES: dict[str, str] = {
    **{name: f"gdutils.{name}" for name in _CORE},
    "plotting": "gdutils.display.plotting",
    "widgets": "gdutils.display.widgets",
    "explorers": "gdutils.display.explorers",
    "training_view": "gdutils.display.training_view",
    "checks": "gdutils.exercises.checks",
    "references": "gdutils.exercises.references",
    "display": "gdutils.display",
    "exercises": "gdutils.exercises",
}
__all__ = ["MODULES", "__version__", *sorted(MODULES)]


def __getattr__(name: str) -> Any:
    # Lazy module access keeps `import gdutils` fast (no matplotlib/ipywidgets until needed).
    if name in MODULES:
        return importlib.import_module(MODULES[name])
    raise AttributeError(f"module 'gdutils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(MODULES))
