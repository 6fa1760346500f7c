"""The network recipes ``skact compare`` runs: the strong default, or the plain network of
the activation tutorials.

- ``"strong"``: the estimators as ``skact tune`` starts from them (batch norm in the CNNs,
  learnable activation blends, robust input scaling and numeric embeddings in the MLPs, a
  cosine-type schedule, label smoothing, dropout). It shows what each activation gives in a
  network built to train well; batch norm and the blend rescue sigmoid and tanh, which is
  real and worth knowing.
- ``"plain"``: the classic network the tutorials compare: the same layers with none of
  that, Adam at a constant learning rate of 0.001 (its usual default), no dropout, no weight
  decay, no label smoothing (the CSV preprocessing still standardises the features, as the
  tutorials do). It shows the textbook effect of an activation: saturating ones (sigmoid,
  tanh) lose their gradients in depth, ReLU-family ones keep them.

:func:`recipe_params` gives the estimator parameters a recipe sets (only those the
estimator has).
"""

from __future__ import annotations

__all__ = ["RECIPES", "describe_recipe", "recipe_params"]

#: The recipes, the default first.
RECIPES = ("strong", "plain")

_PLAIN = {
    "batch_norm": False,
    "learnable_activation": False,
    "input_scaling": None,
    "numeric_embedding": None,
    "lr_schedule": "constant",
    "warmup_fraction": 0.0,
    "learning_rate_init": 0.001,
    "beta_2": 0.999,
    "dropout": 0.0,
    "weight_decay": 0.0,
    "label_smoothing": 0.0,
}


def recipe_params(recipe: str, estimator_cls) -> dict:
    """The parameters ``recipe`` sets on ``estimator_cls`` (none for ``"strong"``: the
    estimator's own defaults are that recipe).

    >>> from skact import CNNClassifier
    >>> recipe_params("plain", CNNClassifier)["batch_norm"]
    False
    >>> recipe_params("strong", CNNClassifier)
    {}
    """
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(map(repr, RECIPES))}, "
                         f"got {recipe!r}")
    if recipe == "strong":
        return {}
    known = estimator_cls().get_params()
    return {k: v for k, v in _PLAIN.items() if k in known}


def describe_recipe(recipe: str, model: str = "mlp") -> str:
    """One line saying what ``recipe`` is, for tables, plots and ``summary.json``."""
    if recipe == "plain":
        return ("plain: no batch norm, no learnable blend, no input scaling or embeddings, "
                "Adam at a constant learning rate 0.001, no dropout")
    extras = ("batch norm, learnable blend" if model == "cnn" else
              "robust scaling, numeric embeddings, learnable blend")
    return f"strong: the model's defaults ({extras}, learning-rate schedule, dropout)"
