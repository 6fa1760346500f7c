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
    with pytest.raises(DataError, match=r"'c' \(1 rows\).*lower cv"):
        load_table(path, min_class_count=3)
    assert load_table(path, min_class_count=1).n_rows == 7


def test_single_column_file(tmp_path):
    path = write(tmp_path, "a b c\n1 2 3\n4 5 6\n")
    with pytest.raises(DataError, match="single column"):
        load_table(path)


@pytest.mark.parametrize(
    "sep, name",
    [(";", "semicolons"), ("\t", "tabs"), ("|", "'|'")],
    ids=["semicolon", "tab", "pipe"],
)
def test_other_delimiters_are_detected_and_reported(tmp_path, sep, name):
    rows = ["x", "colour", "label"], ["1", "red", "a"], ["2", "blue", "b"], ["3", "red", "a"]
    path = write(tmp_path, "".join(sep.join(row) + "\n" for row in rows))
    assert read_csv(path).shape == (3, 3)
    ds = load_table(path)
    assert ds.feature_columns == ["x", "colour"] and ds.target == "label"
    assert ds.numeric_columns == ["x"]
    assert any(f"separated by {name}" in w for w in ds.warnings), ds.warnings


def test_comma_file_with_semicolons_in_text_stays_comma_separated(tmp_path):
    path = write(tmp_path, "note,x,label\na;b,1,p\nc;d;e,2,q\n\"f,g\",3,p\n")
    ds = load_table(path)
    assert ds.feature_columns == ["note", "x"]
    assert ds.X["note"].tolist() == ["a;b", "c;d;e", "f,g"]
    assert not any("separated" in w for w in ds.warnings)


def test_semicolon_header_with_a_comma_in_a_name(tmp_path):
    path = write(tmp_path, "size, cm;weight;label\n1;2;a\n3;4;b\n5;6;a\n")
    assert load_table(path).feature_columns == ["size, cm", "weight"]


def test_ragged_rows_in_a_semicolon_file(tmp_path):
    path = write(tmp_path, "a;b;c\n1;2;3\n4;5;6\n7;8\n")
    with pytest.raises(DataError, match="line 4 has 2 fields but the header has 3"):
        read_csv(path)


def test_decimal_commas_in_a_semicolon_file_are_numbers(tmp_path):
    path = write(tmp_path, "a;b;label\n1,5;2;x\n-2,25;3;y\n3;;x\n0,5;4,0;y\n")
    ds = load_table(path)
    assert ds.numeric_columns == ["a", "b"] and ds.categorical_columns == []
    assert ds.X["a"].tolist() == [1.5, -2.25, 3.0, 0.5]
    assert ds.X["b"].tolist()[:2] == [2.0, 3.0] and np.isnan(ds.X["b"][2])
    assert any("decimal commas" in w and "'a', 'b'" in w for w in ds.warnings), ds.warnings
    # the same file at prediction time (read_csv) gives the same numbers
    assert read_csv(path)["a"].tolist() == [1.5, -2.25, 3.0, 0.5]


def stray_warning(ds, column):
    return next((w for w in ds.warnings if f"column {column!r} holds numbers" in w), None)


def test_decimal_commas_mixed_with_points_are_text_with_a_warning(tmp_path):
    rows = "".join(f"{v};{i % 2}\n" for i, v in enumerate(["1,5", "2.5", "3,5", "4.25"] * 3))
    ds = load_table(write(tmp_path, "a;label\n" + rows))
    assert ds.categorical_columns == ["a"]  # not guessed: 2.5 or 2,5 as a thousands mark?
    warning = stray_warning(ds, "a")
    assert "'1,5' (row 1)" in warning and "one decimal separator" in warning


def test_commas_in_numbers_outside_semicolon_files_are_text_with_a_warning(tmp_path):
    rows = "".join(f"{v}\t{i % 2}\n" for i, v in enumerate(["1,000", "2,500", "300"] * 4))
    ds = load_table(write(tmp_path, "price\tlabel\n" + rows))
    assert ds.categorical_columns == ["price"]
    assert "'1,000' (row 1)" in stray_warning(ds, "price")


@pytest.mark.parametrize("start", [0, 1])
def test_pandas_index_column_is_dropped(tmp_path, start):
    frame = pd.DataFrame({"x": [0.5, 1.5, 2.5, 3.5], "label": ["a", "b", "a", "b"]})
    frame.index += start
    path = tmp_path / "indexed.csv"
    frame.to_csv(path)  # index=True: a first column without a header
    ds = load_table(path)
    assert ds.feature_columns == ["x"]
    assert any("'Unnamed: 0'" in w and "row numbers" in w for w in ds.warnings), ds.warnings


def test_unnamed_column_with_other_values_is_kept_with_a_warning(tmp_path):
    path = write(tmp_path, ",x,label\n7,1,a\n3,2,b\n9,3,a\n4,4,b\n")
    ds = load_table(path)
    assert ds.feature_columns == ["Unnamed: 0", "x"]
    assert any("'Unnamed: 0' has no header" in w for w in ds.warnings), ds.warnings
    assert not any("row numbers" in w for w in ds.warnings)


def test_a_named_row_number_column_is_kept(tmp_path):
    path = write(tmp_path, "id,x,label\n0,1,a\n1,2,b\n2,3,a\n")
    assert load_table(path).feature_columns == ["id", "x"]


def test_missing_value_markers_in_a_numeric_column_are_missing(tmp_path):
    values = ["1.5", "?", "2", "n/a", "-", "missing", "3", "NA", "none", " ", "4", "null"]
    path = write(tmp_path, "x,label\n" + "".join(f"{v},{'ab'[i % 2]}\n"
                                                  for i, v in enumerate(values)))
    ds = load_table(path)
    assert ds.numeric_columns == ["x"] and ds.categorical_columns == []
    assert ds.X["x"].notna().tolist() == [v in ("1.5", "2", "3", "4") for v in values]
    assert any("'x'" in w and "'?'" in w and "missing" in w for w in ds.warnings), ds.warnings
    Xt = make_preprocessor(ds.numeric_columns, ds.categorical_columns).fit_transform(ds.X)
    assert Xt.shape == (12, 1) and np.isfinite(Xt).all()  # imputed, not one-hot encoded
    assert read_csv(path)["x"].dtype.kind == "f"  # prediction files are read the same way


def test_stray_text_in_a_numeric_column_is_named_in_a_warning(tmp_path):
    values = [str(i / 2) for i in range(40)]
    values[3], values[10], values[21], values[30] = "1.2.3", "abc", "?", "x"
    path = write(tmp_path, "x,label\n\n" + "".join(f"{v},{'ab'[i % 2]}\n"
                                                    for i, v in enumerate(values)))
    ds = load_table(path)
    assert ds.categorical_columns == ["x"]  # used as it is, as before: never an error
    warning = stray_warning(ds, "x")
    # data rows, which a blank line in the file does not shift
    assert "'1.2.3' (row 4), 'abc' (row 11), 'x' (row 31)" in warning
    assert "'?'" not in warning  # a missing-value marker, not stray text
    assert "used as text" in warning and "NA" in warning


def test_columns_of_codes_load_as_categories(tmp_path):
    """ICD-9 diagnosis codes: mostly numbers, but V and E codes are codes too."""
    codes = ["250.83", "401", "V57", "428", "E909", "414", "276", "V45", "250.01", "427"] * 6
    path = write(tmp_path, "diag_1,label\n" + "".join(f"{c},{'ab'[i % 2]}\n"
                                                       for i, c in enumerate(codes)))
    ds = load_table(path)
    assert ds.categorical_columns == ["diag_1"] and ds.X["diag_1"].iloc[2] == "V57"


def test_read_csv_with_the_models_numeric_columns_leaves_the_others_as_text(tmp_path):
    """Prediction reads a column the model saw as categories as categories, even when this
    file's values would look like numbers and markers."""
    path = write(tmp_path, "grade;x;label\n1;1,5;a\n-;?;b\n2;2,5;a\n")
    guessed = read_csv(path)
    assert guessed["grade"].dtype.kind == "f"  # 1, -, 2 alone look like numbers
    as_model = read_csv(path, numeric=["x"])
    assert as_model["grade"].tolist() == ["1", "-", "2"]
    assert as_model["x"].tolist()[::2] == [1.5, 2.5] and np.isnan(as_model["x"][1])
    stray = read_csv(write(tmp_path, "x;label\n1,5;a\noops;b\n?;a\n"), numeric=["x"])
    assert stray["x"].tolist()[:2] == [1.5, "oops"] and np.isnan(stray["x"][2])


def test_a_text_column_of_a_million_rows_is_not_parsed_as_numbers(tmp_path, monkeypatch):
    import skact.data.text_numbers as data

    calls = []
    parse = data._parse_numbers
    monkeypatch.setattr(data, "_parse_numbers",
                        lambda column, dc: calls.append(len(column)) or parse(column, dc))
    n = 1_000_000
    frame = pd.DataFrame({"city": np.array(["Oslo", "Lima", "Pune", "Kyiv"])[np.arange(n) % 4],
                          "label": np.arange(n) % 2})
    frame.to_csv(tmp_path / "big.csv", index=False)
    load_table(tmp_path / "big.csv")
    assert calls and max(calls) <= 1000  # judged on a sample, never parsed whole


def test_text_columns_that_hold_some_numbers_stay_categorical(tmp_path):
    grades = ["1", "2", "A", "3", "B", "1", "2", "C", "-", "1"]
    path = write(tmp_path, "grade,colour,label\n" + "".join(
        f"{g},{c},{'ab'[i % 2]}\n" for i, (g, c) in enumerate(zip(grades, ["red", "-"] * 5))))
    ds = load_table(path)
    assert ds.categorical_columns == ["grade", "colour"]
    assert ds.X["colour"].tolist() == ["red", "-"] * 5  # '-' is a category here, not missing


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


def test_a_column_that_starts_with_many_markers_is_still_numbers(tmp_path):
    x = ["?"] * 1200 + [str(i / 3) for i in range(1800)]
    y = ["?"] * 1100 + [str(i * 1.7) for i in range(1900)]
    path = write(tmp_path, "x,z,y\n" + "".join(f"{a},{i % 7},{b}\n"
                                                for i, (a, b) in enumerate(zip(x, y))))
    ds = load_table(path)
    assert ds.numeric_columns == ["x", "z"] and ds.task == "regression"
    assert ds.n_rows_dropped == 1100  # '?' targets are missing targets
    assert any("'x'" in w and "'?' (1200 rows)" in w for w in ds.warnings), ds.warnings


def test_prediction_reads_markers_in_a_numeric_column_as_missing_even_alone(tmp_path):
    path = write(tmp_path, "x;c\n?;a\n-;b\n")
    frame = read_csv(path, numeric=["x"])
    assert frame["x"].dtype.kind == "f" and frame["x"].isna().all()
    assert frame["c"].tolist() == ["a", "b"]


def test_decimal_commas_with_exponents(tmp_path):
    path = write(tmp_path, "conc;label\n1,2E-05;a\n3,5e-4;b\n0,25;a\n2;b\n")
    ds = load_table(path)
    assert ds.numeric_columns == ["conc"]
    np.testing.assert_allclose(ds.X["conc"], [1.2e-5, 3.5e-4, 0.25, 2.0])


def test_a_semicolon_file_with_a_header_longer_than_the_sniffed_block(tmp_path):
    n = 1500  # a header of ~9 KB: spectra with one column per wavelength
    header = ";".join(f"w{i:05d}" for i in range(n)) + ";label"
    rows = "".join(";".join(["0,5"] * n) + f";{c}\n" for c in "abab")
    ds = load_table(write(tmp_path, header + "\n" + rows))
    assert len(ds.numeric_columns) == n and ds.X.iloc[0, 0] == 0.5


def test_a_text_regression_target_names_a_value_that_is_not_a_number(tmp_path):
    values = [str(i * 1.5) for i in range(30)]
    values[17] = "1.2.3"
    path = write(tmp_path, "x,y\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values)))
    with pytest.raises(DataError, match=r"holds text \('1\.2\.3', \.\.\.\)"):
        load_table(path, task="regression")


def test_missing_values_are_counted_whatever_marks_them(tmp_path):
    """Empty cells in numbers and in text are counted in the warning with '?' and '-': all
    of them are imputed. A column empty in every row is ignored, not counted."""
    rows = ["x,colour,y,blank,label", "1,red,?,,a", ",blue,2,,b", "3,,-,,a", "4,red,,,b",
            "5,,6,,a", "6,blue,7,,b"]
    ds = load_table(write(tmp_path, "\n".join(rows) + "\n"))
    (warning,) = [w for w in ds.warnings if "missing values" in w]
    assert warning == (
        "6 missing values in 3 columns, imputed with the column's median (numbers) or most "
        "frequent value (text): 'x': empty cells (1 row); 'colour': empty cells (2 rows); "
        "'y': '?' (1 row), '-' (1 row), empty cells (1 row)")
    assert int(ds.X[["x", "colour", "y"]].isna().sum().sum()) == 6
    assert any("'blank' is empty in every row" in w for w in ds.warnings)
    full = ["x,colour,label", "1,red,a", "2,blue,b", "3,red,a", "4,blue,b"]
    assert not [w for w in load_table(write(tmp_path, "\n".join(full) + "\n")).warnings
                if "missing" in w]


# ---------------------------------------------------------------- NA/None text, overflow
def test_na_and_none_stay_text_in_text_columns(tmp_path):
    """Region "NA" (North America) and the class "None" (Improved: None/Some/Marked) are
    values; only empty cells are missing in a text column."""
    rows = ["region,dose,improved"]
    rows += [f"{r},{d},{c}" for r, d, c in [("NA", "1", "None"), ("EU", "NA", "Some"),
                                             ("NA", "3", "Marked"), ("", "4", "None"),
                                             ("US", "5", ""), ("None", "6", "Some")]]
    ds = load_table(write(tmp_path, "\n".join(rows) + "\n"))
    assert sorted(ds.y.unique()) == ["Marked", "None", "Some"]
    assert ds.n_rows_dropped == 1 and ds.n_rows == 5  # only the empty target
    assert ds.X["region"].tolist()[:3] == ["NA", "EU", "NA"]
    assert ds.X["region"].isna().sum() == 1  # the empty cell
    assert ds.numeric_columns == ["dose"] and np.isnan(ds.X["dose"][1])  # NA in numbers
    # counted together: the marker in numbers, the empty cell in text (the empty target
    # is the dropped row, said apart)
    assert [w for w in ds.warnings if "missing values" in w] == [
        "2 missing values in 2 columns, imputed with the column's median (numbers) or most "
        "frequent value (text): 'region': empty cells (1 row); 'dose': 'NA' (1 row)"]
    # prediction reads the text column the same way
    assert read_csv(tmp_path / "data.csv", numeric=["dose"])["region"].tolist()[0] == "NA"


@pytest.mark.parametrize("value", ["inf", "-inf", "1e308", "1e300", "-1e39"])
def test_overflowing_numbers_are_named_with_column_and_row(tmp_path, value):
    path = write(tmp_path, f"x,w,y\n1,2,a\n2,{value},b\n3,4,a\n4,5,b\n")
    with pytest.raises(DataError, match=r"column 'w' holds .* in row 2.*float32"):
        load_table(path)
    with pytest.raises(DataError, match=r"column 'w' holds .* in row 2"):
        read_csv(path, numeric=["x", "w"])  # what prediction reads
    assert read_csv(path, numeric=["x"])["x"].tolist() == [1, 2, 3, 4]  # 'w' not the model's


def test_an_overflowing_regression_target_is_refused(tmp_path):
    path = write(tmp_path, "x,y\n" + "".join(f"{i},{i * 1.5}\n" for i in range(9)) + "9,1e300\n")
    with pytest.raises(DataError, match=r"column 'y' holds 1e\+300 in row 10"):
        load_table(path, task="regression")
    ok = write(tmp_path, "x,y\n1,3e38\n2,-3e38\n3,1\n", name="ok.csv")  # float32 still holds
    assert load_table(ok, task="regression").y.max() == 3e38


@pytest.mark.parametrize("rows", [slice(None), slice(0, 30)], ids=["permutation", "sample"])
def test_a_shuffled_pandas_index_column_is_dropped(tmp_path, rows):
    """DataFrame.to_csv() after .sample(): the unnamed first column holds row numbers in
    shuffled order (all of them, or those of the rows sampled) and would leak as a feature."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=60), "label": ["a", "b"] * 30})
    frame = frame.sample(frac=1.0, random_state=0).iloc[rows]
    path = tmp_path / "shuffled.csv"
    frame.to_csv(path)
    ds = load_table(path)
    assert ds.feature_columns == ["x"]
    note = next(w for w in ds.warnings if "'Unnamed: 0'" in w)
    assert "row numbers in shuffled order" in note and "index=False" in note


def test_a_short_unnamed_column_of_scattered_numbers_is_no_index(tmp_path):
    path = write(tmp_path, ",x,label\n" + "".join(f"{v},{i},{'ab'[i % 2]}\n"
                                                   for i, v in enumerate([7, 3, 9, 4, 12])))
    assert load_table(path).feature_columns == ["Unnamed: 0", "x"]


def test_unknown_target_suggests_the_closest_column(tmp_path):
    path = write(tmp_path, "bill,species,year\n1,a,2007\n2,b,2008\n")
    with pytest.raises(DataError, match=r"no column 'specis' \(did you mean 'species'\?\); the "):
        load_table(path, target="specis")


def penguin_like(n=40):
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "species": rng.choice(["Adelie", "Gentoo", "Chinstrap"], n),
        "island": rng.choice(["Biscoe", "Dream"], n),
        "bill_length_mm": rng.normal(44, 5, n).round(1),
        "year": rng.choice([2007, 2008, 2009], n),
    })


def test_the_default_target_is_reported_and_a_year_is_warned_about(tmp_path):
    path = tmp_path / "penguins.csv"
    penguin_like().to_csv(path, index=False)
    ds = load_table(path)
    assert ds.target == "year" and ds.target_reason == "the last column"
    warning = next(w for w in ds.warnings if "'year'" in w)
    assert "holds years (2007..2009)" in warning and "pass target='species'" in warning
    named = load_table(path, target="year")
    assert named.target_reason == "given" and not any("'year'" in w for w in named.warnings)


@pytest.mark.parametrize(
    "last, values, why",
    [
        ("sample_id", lambda n: np.arange(100, 100 + n), "named like an identifier"),
        ("code", lambda n: np.random.default_rng(1).permutation(n) * 7, "different value in every"),
        ("date", lambda n: [f"2024-01-0{1 + i % 3}" for i in range(n)], "date or time"),
        ("length", lambda n: np.linspace(1, 2, n), "named like a label"),
    ],
)
def test_a_last_column_that_is_no_label_is_warned_about(tmp_path, last, values, why):
    frame = penguin_like().drop(columns="year")
    frame[last] = values(len(frame))
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    ds = load_table(path, task="regression" if last in ("code", "length", "sample_id")
                    else "classification")
    assert any(why in w and "target='species'" in w for w in ds.warnings), ds.warnings


def test_ordinary_last_column_targets_raise_no_warning(tmp_path):
    frame = penguin_like().drop(columns="year")
    frame = frame[["island", "bill_length_mm", "species"]]
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    assert not any("taken as the target" in w for w in load_table(path).warnings)
    frame = frame.drop(columns="species").assign(mass=np.linspace(3000, 5000, len(frame)))
    frame.to_csv(path, index=False)
    assert not any("taken as the target" in w for w in load_table(path).warnings)


def test_a_rare_class_error_says_the_target_was_not_named(tmp_path):
    frame = penguin_like().assign(name=[f"bird{i}" for i in range(40)])
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="last column, taken as the target because none was"):
        load_table(path, min_class_count=3)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_files_are_read(tmp_path, encoding):
    """Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated; also without one."""
    path = tmp_path / "unicode.txt.csv"
    frame = penguin_like().assign(island=["Biscoé", "Dream"] * 20)
    frame.to_csv(path, sep="\t", index=False, encoding=encoding)
    ds = load_table(path, target="species")
    assert ds.X.shape == (40, 3) and set(ds.X["island"]) == {"Biscoé", "Dream"}
    assert any("UTF-16" in w for w in ds.warnings) and any("tabs" in w for w in ds.warnings)


def xlsx_bytes(path):
    """The opening of an .xlsx file: a ZIP archive whose first part is [Content_Types].xml."""
    import zipfile

    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return path


def test_a_workbook_named_csv_is_named_with_how_to_save_it(tmp_path):
    with pytest.raises(DataError, match=r"is an Excel workbook \(.xlsx\), not a CSV text file; "
                       r"open it in Excel .*'CSV UTF-8 \(Comma delimited\)'"):
        load_table(xlsx_bytes(tmp_path / "book.csv"))
    old = write(tmp_path, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.csv", "wb")
    with pytest.raises(DataError, match=r"Excel 97-2003 workbook \(.xls\).*CSV UTF-8"):
        load_table(old)
