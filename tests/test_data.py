"""skact.data: CSV in, X/y out, with one clear error per problem."""

import numpy as np
import pandas as pd
import pytest

from skact.data import (
    infer_task,
    load_table,
    make_preprocessor,
    read_csv,
    select_features,
    split_columns,
)
from skact.exceptions import DataError, SkactError


def write(tmp_path, text, name="data.csv", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    "content, match",
    [
        ("", "is empty"),
        ("a,b,c\n", r"has a header \(a, b, c\) but no data rows"),
        ("a,b,c\n1,2,3\n4,5\n", "line 3 has 2 fields but the header has 3"),
        ("a,b,c\n1,2,3\n4,5,6,7\n", "line 3 has 4 fields but the header has 3"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
        (b"a,b\n\xff\xfe,1\n", "not UTF-8 text"),
    ],
    ids=["empty", "header-only", "short-row", "long-row", "binary", "not-utf8"],
)
def test_read_csv_errors(tmp_path, content, match):
    path = write(tmp_path, content, mode="wb" if isinstance(content, bytes) else "w")
    with pytest.raises(DataError, match=match) as info:
        read_csv(path)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_read_csv_missing_and_directory(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_csv(tmp_path)


def test_errors_are_skact_and_value_errors(tmp_path):
    with pytest.raises(SkactError):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(ValueError):
        read_csv(tmp_path / "nope.csv")


def test_read_csv_blank_lines_and_quotes(tmp_path):
    path = write(tmp_path, 'a,b,c\n1,"x, y",3\n\n4,z,6\n')
    df = read_csv(path)
    assert df.shape == (2, 3)
    assert df["b"].tolist() == ["x, y", "z"]


def test_load_table_defaults_to_last_column(tmp_path):
    path = write(tmp_path, "x,colour,label\n1,red,a\n2,blue,b\n3,red,a\n4,blue,b\n")
    ds = load_table(path)
    assert ds.target == "label"
    assert ds.task == "classification"
    assert ds.feature_columns == ["x", "colour"]
    assert ds.numeric_columns == ["x"] and ds.categorical_columns == ["colour"]
    assert ds.n_rows == 4 and ds.n_rows_dropped == 0


def test_unknown_target_lists_columns(tmp_path):
    path = write(tmp_path, "x,y,label\n1,2,a\n2,3,b\n")
    with pytest.raises(DataError, match="no column 'species'; the columns are: 'x', 'y', 'label'"):
        load_table(path, target="species")


def test_rows_with_missing_target_are_dropped(tmp_path):
    path = write(tmp_path, "x,label\n1,a\n2,\n3,b\n4,\n5,a\n6,b\n")
    ds = load_table(path)
    assert ds.n_rows_read == 6 and ds.n_rows_dropped == 2 and ds.n_rows == 4
    assert ds.y.isna().sum() == 0
    assert list(ds.X.index) == list(range(4))


def test_empty_target_column(tmp_path):
    path = write(tmp_path, "x,label\n1,\n2,\n")
    with pytest.raises(DataError, match="empty in every row"):
        load_table(path)


@pytest.mark.parametrize("task", ["auto", "classification", "regression"])
def test_single_class_target(tmp_path, task):
    path = write(tmp_path, "x,label\n1,1\n2,1\n3,1\n")
    with pytest.raises(DataError, match="single (class|value)"):
        load_table(path, task=task)


def test_text_target_for_regression(tmp_path):
    path = write(tmp_path, "x,label\n1,a\n2,b\n")
    with pytest.raises(DataError, match="regression needs a numeric target"):
        load_table(path, task="regression")


def test_rare_class_versus_folds(tmp_path):
    path = write(tmp_path, "x,label\n1,a\n2,a\n3,a\n4,b\n5,b\n6,b\n7,c\n")
    with pytest.raises(DataError, match=r"'c' \(1 rows\).*lower --cv"):
        load_table(path, min_class_count=3)
    assert load_table(path, min_class_count=1).n_rows == 7


def test_single_column_file(tmp_path):
    path = write(tmp_path, "a;b;c\n1;2;3\n")
    with pytest.raises(DataError, match="single column"):
        load_table(path)


def test_identifier_column_warning(tmp_path):
    rows = "\n".join(f"id{i},{i % 3},{i % 2}" for i in range(30))
    path = write(tmp_path, "name,x,label\n" + rows + "\n")
    ds = load_table(path)
    assert any("'name' looks like an identifier" in w for w in ds.warnings)


@pytest.mark.parametrize(
    "values, task",
    [
        (["a", "b", "a"], "classification"),
        ([True, False, True], "classification"),
        ([0.1, 2.5, 3.3], "regression"),
        ([0, 1, 2, 0, 1, 2], "classification"),
        (list(range(100)), "regression"),
        ([1.0, 2.0, 1.0, 2.0], "classification"),
    ],
)
def test_infer_task(values, task):
    assert infer_task(pd.Series(values))[0] == task


def test_split_columns():
    X = pd.DataFrame({"a": [1], "b": ["x"], "c": [True], "d": [1.5]})
    assert split_columns(X) == (["a", "d"], ["b", "c"])


def test_preprocessor_handles_missing_values_and_text():
    X = pd.DataFrame(
        {"num": [1.0, np.nan, 3.0, 4.0], "txt": ["a", None, "b", "a"], "n2": [1, 2, 3, 4]}
    )
    pre = make_preprocessor(["num", "n2"], ["txt"])
    Xt = pre.fit_transform(X)
    assert Xt.dtype == np.float32
    assert Xt.shape == (4, 4)  # 2 numeric + 2 one-hot
    assert np.isfinite(Xt).all()
    # unseen category at prediction time: all-zero one-hot, no error
    Xnew = pd.DataFrame({"num": [2.0], "txt": ["zzz"], "n2": [5]})
    assert pre.transform(Xnew)[0, 2:].tolist() == [0.0, 0.0]


def test_select_features_names_missing_columns():
    df = pd.DataFrame({"a": [1], "label": [0]})
    with pytest.raises(DataError, match="lacks feature columns .*: 'b', 'c'"):
        select_features(df, ["a", "b", "c"], source="new.csv")
    assert select_features(df, ["a"]).columns.tolist() == ["a"]


def test_each_class_keeps_an_early_stopping_split_in_every_training_fold(tmp_path):
    from skact.data import class_rows_needed

    path = write(tmp_path, "x,label\n" + "".join(f"{i},a\n" for i in range(6))
                 + "".join(f"{i},b\n" for i in range(3)))
    with pytest.raises(DataError, match=r"'b' \(3 rows\).*at least 4 rows"):
        load_table(path, min_class_count=class_rows_needed(2))
    assert load_table(path, min_class_count=class_rows_needed(3)).n_rows == 9
