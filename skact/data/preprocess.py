"""The preprocessing in front of the estimator in a saved pipeline: :func:`make_preprocessor`.

Numeric columns are imputed (median) and standardised, text columns imputed (most frequent)
and one-hot encoded, and the result is cast to float32 (skact estimators compute in the dtype
of their input, and float32 is the fast one). scikit-learn is imported when the preprocessor
is built, not with this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _as_float32(X):
    return np.asarray(X, dtype=np.float32)


def _text_value(value):
    if pd.isna(value):
        return np.nan
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 2.0 read from a column with gaps is the category "2"
    return str(value)


def _as_text(X):
    """Categorical columns as text, missing values kept for the imputer.

    A column of codes such as 1, 2, A is text in the training file, but a new file
    holding only 1 and 2 is read as numbers; without this, one-hot encoding would
    treat every value as unseen and silently encode zeros.
    """
    frame = pd.DataFrame(X)
    return frame.apply(lambda column: column.map(_text_value)).astype(object)


def make_preprocessor(numeric_columns, categorical_columns):
    """Build the preprocessing that goes in front of the estimator.

    Numeric columns: median imputation, then standardisation. Categorical columns: most
    frequent imputation, then one-hot encoding (categories unseen in training are ignored at
    prediction time). The output is a dense float32 array.

    Parameters
    ----------
    numeric_columns, categorical_columns : list of str
        Column names, e.g. from :func:`split_columns`.

    Returns
    -------
    sklearn.pipeline.Pipeline

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", None]})
    >>> make_preprocessor(["a"], ["b"]).fit_transform(X).shape
    (3, 3)
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    transformers = []
    if numeric_columns:
        transformers.append(
            (
                "numeric",
                Pipeline(
                    [("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]
                ),
                list(numeric_columns),
            )
        )
    if categorical_columns:
        transformers.append(
            (
                "categorical",
                Pipeline(
                    [
                        ("text", FunctionTransformer(_as_text, feature_names_out="one-to-one")),
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        (
                            "onehot",
                            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                        ),
                    ]
                ),
                list(categorical_columns),
            )
        )
    columns = ColumnTransformer(transformers, remainder="drop", sparse_threshold=0.0)
    return Pipeline(
        [
            ("columns", columns),
            ("float32", FunctionTransformer(_as_float32, feature_names_out="one-to-one")),
        ]
    )
