"""The display layer: figures and widgets drawn from the maths core.

:mod:`~gdutils.display.plotting` (styled figures), :mod:`~gdutils.display.widgets` (the
``Explorer``), :mod:`~gdutils.display.explorers` (one module of explorer factories per topic) and
:mod:`~gdutils.display.training_view` (the live view of :func:`gdutils.training.fit`). This layer
may use the core; the core never imports it.
"""
