"""How rows are folded for cross-validation: by row, or by group when rows are not
independent (utterances of one speaker, visits of one patient).

:class:`FoldDesign` is the study's design in one value: ``StratifiedKFold`` /``KFold`` by
row, ``StratifiedGroupKFold`` / ``GroupKFold`` when groups are given (shuffled and seeded
either way), what the run prints about it and what ``summary.json`` records.
:meth:`FoldDesign.splitter` returns a scikit-learn splitter that carries its groups
(:class:`GroupFolds`), so ``cross_validate``, ``GridSearchCV`` and the constant baseline
fold by group without each being handed the groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skact.exceptions import DataError, Message, param

__all__ = ["FoldDesign", "GroupFolds", "fold_design"]


class GroupFolds:
    """A group splitter bound to its groups: ``split(X, y)`` folds by ``groups``.

    Parameters
    ----------
    splitter : StratifiedGroupKFold or GroupKFold
    groups : array-like of shape (n_samples,)
    """

    def __init__(self, splitter, groups):
        self.splitter = splitter
        self.groups = np.asarray(groups)

    def split(self, X, y=None, groups=None):
        if len(self.groups) != len(X):
            raise ValueError(f"the folds were made for {len(self.groups)} rows, got {len(X)}")
        return self.splitter.split(X, y, self.groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.splitter.get_n_splits()

    def __repr__(self):
        return f"GroupFolds({self.splitter!r}, n_groups={len(np.unique(self.groups))})"


@dataclass(frozen=True, eq=False)
class FoldDesign:
    """How the rows are folded.

    Attributes
    ----------
    task : {"classification", "regression"}
    n_folds : int
    seed : int or None
        Shuffles the folds.
    groups : numpy.ndarray or None
        One group id per row; ``None`` folds by row.
    group_column : str or None
        The column the groups came from, for messages.
    """

    task: str
    n_folds: int
    seed: int | None = 0
    groups: np.ndarray | None = None
    group_column: str | None = None

    @property
    def n_groups(self) -> int | None:
        return None if self.groups is None else int(len(np.unique(self.groups)))

    @property
    def splitter_name(self) -> str:
        stratified = self.task == "classification"
        if self.groups is None:
            return "StratifiedKFold" if stratified else "KFold"
        return "StratifiedGroupKFold" if stratified else "GroupKFold"

    def splitter(self):
        """A fresh scikit-learn splitter (with its groups, when grouped)."""
        from sklearn import model_selection

        cls = getattr(model_selection, self.splitter_name)
        splitter = cls(self.n_folds, shuffle=True, random_state=self.seed)
        return splitter if self.groups is None else GroupFolds(splitter, self.groups)

    @property
    def group_label(self) -> str:
        return self.group_column or "the given groups"

    def describe(self) -> str:
        """What a run prints: ``5-fold stratified cross-validation, folds grouped by
        speaker (60 groups)``."""
        kind = "stratified " if self.task == "classification" else ""
        text = f"{self.n_folds}-fold {kind}cross-validation"
        if self.groups is not None:
            text += f", folds grouped by {self.group_label} ({self.n_groups} groups)"
        return text

    def to_dict(self) -> dict:
        """What ``summary.json`` records under ``folds``."""
        return {"splitter": self.splitter_name, "n_splits": self.n_folds, "shuffle": True,
                "seed": self.seed, "groups": self.group_column if self.groups is not None
                else None, "n_groups": self.n_groups}

    def study_key(self) -> str | None:
        """What a study remembers of the groups (a study created with groups refuses a run
        without them, and the reverse)."""
        if self.groups is None:
            return None
        return self.group_column or f"{self.n_groups} given groups"


def fold_design(task: str, n_folds: int, seed=0, groups=None, n_rows: int | None = None,
                group_column: str | None = None) -> FoldDesign:
    """A checked :class:`FoldDesign`; ``groups`` is one id per row (a Series' name is the
    column's, unless ``group_column`` is given).

    Raises
    ------
    DataError
        Groups of the wrong length, with empty ids, or fewer groups than folds.

    Examples
    --------
    >>> fold_design("classification", 5).describe()
    '5-fold stratified cross-validation'
    >>> fold_design("regression", 3, groups=["a", "a", "b", "b", "c", "c"],
    ...             group_column="speaker").describe()
    '3-fold cross-validation, folds grouped by speaker (3 groups)'
    >>> fold_design("regression", 5, groups=["a", "b", "c"], group_column="speaker")
    Traceback (most recent call last):
    ...
    skact.exceptions.DataError: groups='speaker' has 3 groups, fewer than the 5 folds ...
    """
    if groups is None:
        return FoldDesign(task, int(n_folds), seed)
    import pandas as pd

    column = group_column or getattr(groups, "name", None)
    values = pd.Series(np.asarray(groups, dtype=object))
    if n_rows is not None and len(values) != n_rows:
        raise DataError(f"groups has {len(values)} ids for {n_rows} rows; give one per row")
    if values.isna().any():
        raise DataError(f"groups has {int(values.isna().sum())} empty ids; every row needs "
                        "the id of its group")
    codes = pd.factorize(values.astype(str))[0]
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    if n_groups < n_folds:
        what = Message(param("groups", column) if column else "groups", f" has {n_groups} "
                       f"group{'s' if n_groups != 1 else ''}, fewer than the {n_folds} folds "
                       "of ", param("cv", n_folds), "; ")
        raise DataError(
            what + Message("each fold needs a group of its own: use ",
                           param("cv", max(2, n_groups)), " or fewer") if n_groups >= 2 else
            what + "grouped folds need at least 2 groups")
    return FoldDesign(task, int(n_folds), seed, codes, str(column) if column else None)
