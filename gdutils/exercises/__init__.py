"""The exercise-checks layer: what the notebooks' test cells use.

:mod:`~gdutils.exercises.checks` holds the strict comparisons whose failure messages name the
mistake, and the delegation guard; :mod:`~gdutils.exercises.references` the table of reference
solutions it guards. This layer may use the maths core; the core never imports it.
"""
