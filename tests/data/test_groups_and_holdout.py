"""The study's design in the table: the group column set aside, the leakage warning (and
no false alarm on a category), test rows set aside by file or by ``COLUMN=VALUE``."""

import re

import numpy as np
import pytest
from cli_fixtures import speech_frame, write_csv

from skact.data import leakage_warning, load_table, set_aside_test, take_groups
from skact.data.groups import group_like_columns, named_like_a_unit
from skact.exceptions import DataError


def table(df, tmp_path, target="emotion"):
    return load_table(write_csv(df, tmp_path / "data.csv"), target=target)


def flagged(df, tmp_path, target="emotion"):
    return [name for name, _, _ in group_like_columns(table(df, tmp_path, target))]


def test_a_speaker_column_is_named_in_one_warning_line(tmp_path):
    ds = table(speech_frame(), tmp_path)
    warning = leakage_warning(ds)
    assert "\n" not in warning
    assert warning.startswith("column 'speaker' looks like the id of a repeated unit (60 "
                              "values, 20 rows each on average)")
    assert warning.endswith("pass groups='speaker'")  # the command line: --groups speaker


def test_an_id_column_without_a_telling_name_is_found_by_its_shape(tmp_path):
    """Codes whose rows share a strong signature: a group structure, whatever the name."""
    df = speech_frame().rename(columns={"speaker": "code"})
    assert flagged(df, tmp_path) == ["code"]
    numbers = speech_frame()
    numbers["speaker"] = numbers["speaker"].str[3:].astype(int)  # 0..59 as numbers
    assert flagged(numbers.rename(columns={"speaker": "c"}), tmp_path) == ["c"]


@pytest.mark.parametrize("column", ["island", "colour", "age", "user_type"])
def test_a_genuine_feature_does_not_raise_the_warning(tmp_path, column):
    """A category with a handful of levels, or a whole-number feature with many repeated
    values but no group structure, is a feature, not a unit's id."""
    rng = np.random.default_rng(0)
    df = speech_frame().drop(columns="speaker")
    n = len(df)
    df[column] = {
        "island": lambda: rng.choice(["Biscoe", "Dream", "Torgersen"], n),
        "colour": lambda: rng.choice(["red", "green", "blue", "grey", "white", "black"], n),
        "age": lambda: rng.integers(20, 70, n),
        "user_type": lambda: rng.choice(["free", "pro", "team"], n),
    }[column]()
    ds = table(df, tmp_path)
    assert group_like_columns(ds) == []
    assert leakage_warning(ds) is None


def test_names_that_say_unit():
    assert all(map(named_like_a_unit, ["speaker", "speaker_id", "SpeakerID", "subject",
                                       "Patient No", "session", "participant", "user_id",
                                       "id", "spk"]))
    assert not any(map(named_like_a_unit, ["width", "user_type", "valid", "grid",
                                           "speaker_age", "idle"]))


def test_take_groups_removes_the_column_from_the_features(tmp_path):
    ds = table(speech_frame(), tmp_path)
    train, groups = take_groups(ds, "speaker")
    assert "speaker" not in train.feature_columns and "speaker" not in \
        train.categorical_columns
    assert groups.name == "speaker" and groups.nunique() == 60 and len(groups) == ds.n_rows


@pytest.mark.parametrize("column, message", [
    ("speeker", "has no column 'speeker' for groups (did you mean 'speaker'?)"),
    ("emotion", "groups='emotion' names the target column"),
])
def test_a_bad_group_column_is_one_line(tmp_path, column, message):
    ds = table(speech_frame(n_speakers=6), tmp_path)
    with pytest.raises(DataError, match=re.escape(message)) as e:
        take_groups(ds, column)
    assert "\n" not in str(e.value)


def test_a_group_column_with_empty_cells_is_refused(tmp_path):
    df = speech_frame(n_speakers=6)
    df.loc[3, "speaker"] = None
    with pytest.raises(DataError, match="group column 'speaker' is empty in 1 rows"):
        take_groups(table(df, tmp_path), "speaker")


def split_frame():
    df = speech_frame(n_speakers=12, rows=10)
    df["split"] = np.where(df.index % 4 == 0, "test", "train")
    return df


def test_column_value_marks_test_rows_and_leaves_the_features(tmp_path):
    ds = table(split_frame(), tmp_path)
    train, test = set_aside_test(ds, "split=test", "data.csv")
    assert (train.n_rows, test.n_rows) == (90, 30)
    assert "split" not in train.feature_columns
    assert test.source == "split=test"
    assert set(test.y) <= set(train.y)


def test_column_value_matches_numbers_as_written(tmp_path):
    df = split_frame()
    df["fold"] = np.where(df["split"] == "test", 1, 0)
    train, test = set_aside_test(table(df.drop(columns="split"), tmp_path), "fold=1")
    assert test.n_rows == 30 and "fold" not in train.feature_columns


@pytest.mark.parametrize("spec, message", [
    ("split=dev", "test='split=dev' matches no row of data.csv; the values of 'split' are: "
                  "'train' (90 rows), 'test' (30 rows)"),
    ("splt=test", "data.csv has no column 'splt' for test (did you mean 'split'?)"),
    ("emotion=sad", "test='emotion=...' names the target column"),
])
def test_bad_test_rows_are_one_line(tmp_path, spec, message):
    with pytest.raises(DataError) as e:
        set_aside_test(table(split_frame(), tmp_path), spec, "data.csv")
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)


def test_a_value_that_marks_every_row_is_refused(tmp_path):
    df = split_frame().assign(split="test")
    with pytest.raises(DataError, match=r"test='split=test' matches every row \(120\)"):
        set_aside_test(table(df, tmp_path), "split=test", "data.csv")


def test_a_test_file_is_read_like_the_training_table(tmp_path):
    ds = table(speech_frame(n_speakers=6), tmp_path)
    path = write_csv(speech_frame(n_speakers=3, seed=1, first_speaker=50), tmp_path / "t.csv")
    train, test = set_aside_test(ds, path)
    assert train is ds and test.n_rows == 60 and test.source == str(path)


def test_a_test_file_without_a_feature_column_or_with_a_new_class_is_refused(tmp_path):
    ds = table(speech_frame(n_speakers=6), tmp_path)
    other = speech_frame(n_speakers=3, seed=1)
    path = write_csv(other.drop(columns=["mfcc3", "mfcc7"]), tmp_path / "t.csv")
    with pytest.raises(DataError, match="lacks feature columns the training rows had: "
                                        "'mfcc3', 'mfcc7'"):
        set_aside_test(ds, path)
    other.loc[:4, "emotion"] = "bored"
    path = write_csv(other, tmp_path / "t.csv")
    with pytest.raises(DataError, match=r"t.csv are not among the classes of the training "
                                        r"rows: 'bored' \(5 rows\)"):
        set_aside_test(ds, path)


def test_training_rows_keep_enough_of_each_class_for_the_folds(tmp_path):
    df = split_frame()
    df.loc[df["emotion"] == "sad", "emotion"] = "happy"
    df.loc[df.index[df["split"] == "train"][:3], "emotion"] = "sad"
    df.loc[df.index[df["split"] == "test"][:8], "emotion"] = "sad"
    with pytest.raises(DataError, match="in the training rows: every class needs at least 5"):
        set_aside_test(table(df, tmp_path), "split=test", "data.csv", min_class_count=5)
