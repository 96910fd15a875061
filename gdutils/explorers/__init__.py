"""Widget explorers, one module per topic, each built on :class:`gdutils.widgets.Explorer`.

Import the module you need, e.g. ``from gdutils.explorers import descent1d``. Every factory returns
an :class:`~gdutils.widgets.Explorer`: display it in a notebook, or drive it from code with
``.set(...)``/``.press(...)`` and read ``.state``. Explorers run on gdutils' reference code, never on
the learner's answers, so they work before any exercise is solved; under ``NBGRADER_EXECUTION`` they
show one static figure.
"""
