"""The study's design on the command line: ``--groups`` and ``--test``, shared by ``tune``
and ``compare``.

:func:`set_up` takes the test rows and the group column out of the table read (library
calls: :func:`skact.data.set_aside_test`, :func:`skact.data.take_groups`,
:func:`skact.tuning.fold_design`), so a misspelt column or too few groups is one line before
torch is imported; :func:`report` says what was set aside and, without ``--groups``, warns
when a column looks like a repeated unit's id.
"""

from __future__ import annotations

from typing import Annotated

import typer

GroupsOption = Annotated[
    str | None,
    typer.Option(
        "--groups", metavar="COLUMN",
        help="Column of group ids (speaker, patient, session): no group is in a training "
        "and a validation fold at once. Not a feature.",
        show_default="folds by row",
    ),
]

TestOption = Annotated[
    str | None,
    typer.Option(
        "--test", metavar="FILE|COLUMN=VALUE",
        help="Test rows, scored once by the final model and never seen before: a CSV with "
        "the same columns, or the rows of DATA where COLUMN=VALUE (not a feature then).",
        show_default="none",
    ),
]


def set_up(data, dataset, *, groups=None, test=None, cv=5, min_class_count=1):
    """``(training dataset, group ids or None, test rows or None)`` for the options."""
    from skact.data import set_aside_test, take_groups
    from skact.tuning.folds import fold_design

    test_rows = None
    if test:
        dataset, test_rows = set_aside_test(dataset, test, data, min_class_count,
                                            keep=(groups,) if groups else ())
    group_ids = None
    if groups:
        dataset, group_ids = take_groups(dataset, groups, source=str(data))
        fold_design(dataset.task, cv, 0, group_ids, n_rows=dataset.n_rows)  # enough groups?
    return dataset, group_ids, test_rows


def report(render, dataset, group_ids=None, test_rows=None) -> None:
    """The test rows set aside, and the leakage warning when there are no groups."""
    from skact.data import leakage_warning

    if test_rows is not None:
        dropped = (f" ({test_rows.n_rows_dropped} without a target left out)"
                   if test_rows.n_rows_dropped else "")
        render.info(f"Test rows: {test_rows.n_rows} from {test_rows.source}{dropped}, set "
                    f"aside until the final model is scored; {dataset.n_rows} rows train")
    if group_ids is None:
        warning = leakage_warning(dataset)
        if warning:
            render.warning(warning)
