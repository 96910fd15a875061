"""The course's hardened nbgrader pipeline (command ``gdcourse``) and its nbgrader set-up.

``autograde/nbgrader_config.py`` is the course's nbgrader configuration; the modules here are the
grader: :mod:`~autograde.normalize` (matching cells by grade_id), :mod:`~autograde.sandbox` and
:mod:`~autograde.runner` (executing learner code under bubblewrap), :mod:`~autograde.replay`
(test cells executed by trusted code against the sandboxed learner objects),
:mod:`~autograde.verdict` (one submission), :mod:`~autograde.pipeline` (a batch),
:mod:`~autograde.gradebook` (storing through nbgrader), :mod:`~autograde.feedback`,
:mod:`~autograde.export`, :mod:`~autograde.collect`, :mod:`~autograde.lint`, :mod:`~autograde.api`.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
