"""gdcourse on a JupyterHub: nbgrader exchange plugins that keep learners' work private.

See :mod:`gdcourse_hub.exchange`, and ``docs/instructors.md``, section "Run a class".
"""

__version__ = "0.1.0"
