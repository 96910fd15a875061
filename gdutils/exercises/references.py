"""The reference solutions of the exercises: which gdutils object solves which exercise.

One table, in the exercise-checks layer, so that the maths core stays plain numpy: nothing in
``gdutils`` is marked by importing a decorator. :mod:`gdutils.exercises.checks` applies the table
when it loads (each object named here refuses to run inside ``checks.forbid_reference(<id>)``),
and the hardened grader reads it to know what a learner must not delegate to.

Keys are exercise ids: ``"<assignment>"`` (or ``"<assignment>:<exercise>"``); values are dotted
paths of functions and classes (a class guards its ``__init__`` and public methods).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["REFERENCES"]

REFERENCES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "01-derivatives": (
        "gdutils.gradcheck.forward_difference",
        "gdutils.gradcheck.centred_difference",
        "gdutils.gradcheck.numerical_gradient",
        "gdutils.gradcheck.rel_error",
        "gdutils.gradcheck.difference_errors",
    ),
    "02-gd-1d": (
        "gdutils.descent.gradient_descent_1d",
        "gdutils.theory.gd_regime",
    ),
    "03-gd-nd": (
        "gdutils.descent.gradient_descent",
        "gdutils.theory.gd_stable_lr",
        "gdutils.theory.gd_optimal_lr",
        "gdutils.theory.gd_rate",
        "gdutils.theory.iterations_to_tolerance",
        "gdutils.theory.stationary_point",
        "gdutils.descent.armijo_step",
        "gdutils.descent.backtracking",
    ),
    "04-linear-regression": (
        "gdutils.data.Standardiser",
        "gdutils.descent.gradient_descent",
        "gdutils.linear_models.fit_gd",
        "gdutils.losses.mse",
        "gdutils.losses.mse_gradient",
        "gdutils.losses.least_squares",
    ),
    "05-classification": (
        "gdutils.losses.sigmoid",
        "gdutils.losses.log_sigmoid",
        "gdutils.losses.binary_cross_entropy_with_logits",
        "gdutils.losses.logistic_gradient",
        "gdutils.losses.softmax",
        "gdutils.losses.log_softmax",
        "gdutils.losses.cross_entropy",
        "gdutils.losses.softmax_gradient",
    ),
    "06-clustering": (
        "gdutils.clustering.assign",
        "gdutils.clustering.kmeans_loss",
        "gdutils.clustering.kmeans_gradient",
        "gdutils.clustering.lloyd_step_sizes",
        "gdutils.clustering.gd_step",
        "gdutils.clustering.lloyd_update",
        "gdutils.clustering.kmeans",
        "gdutils.clustering.minibatch_step",
        "gdutils.clustering.minibatch_kmeans",
    ),
    "07-backprop-scalar": (
        "gdutils.autograd.Value",
        "gdutils.backprop.topological_order",
        "gdutils.backprop.backpropagate",
        "gdutils.backprop.train",
    ),
    "08-backprop-layers": (
        "gdutils.gradcheck.numerical_vjp",
        "gdutils.nn.Linear",
        "gdutils.nn.ReLU",
        "gdutils.nn.Sequential",
        "gdutils.nn.SoftmaxCrossEntropy",
        "gdutils.nn.clip_grad_norm",
    ),
    "09-minibatch-sgd": (
        "gdutils.data.minibatches",
        "gdutils.sampling.gradient_noise",
        "gdutils.schedules.Cosine",
        "gdutils.schedules.WarmupCosine",
        "gdutils.schedules.ExponentialSweep",
        "gdutils.training.sgd",
        "gdutils.training.lr_range_test",
    ),
    "10-momentum": (
        "gdutils.averages.ema",
        "gdutils.descent.heavy_ball",
        "gdutils.descent.nesterov",
        "gdutils.optim.SGD",
        "gdutils.theory.heavy_ball_rate",
        "gdutils.theory.critical_momentum",
    ),
    "11-adaptive": (
        "gdutils.optim.Adagrad",
        "gdutils.optim.RMSprop",
        "gdutils.optim.Adam",
        "gdutils.optim.AdamW",
    ),
    "12-generalisation": (
        "gdutils.data.Standardiser",
        "gdutils.losses.ridge",
        "gdutils.losses.ridge_loss",
        "gdutils.losses.ridge_gradient",
        "gdutils.training.EarlyStopping",
        "gdutils.training.early_stopping_epochs",
    ),
})
