"""Tables that would mislead or exhaust the model: a column of unique ids, text columns with
more categories than memory holds, repeated column names, a copy of the target."""

import time
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from cli_fixtures import messages
from skact_cli.main import app
from typer.testing import CliRunner

from skact.data import load_table, make_preprocessor
from skact.data.features import MAX_ONE_HOT_CELLS
from skact.exceptions import DataError


def _tune(path):
    return CliRunner().invoke(app, ["tune", str(path), "--n-trials", "1"],
                              catch_exceptions=False)


def _one_line(result, fragment):
    assert result.exit_code == 1, result.output
    errors = messages(result.stderr)
    assert len(errors) == 1 and fragment in errors[0], result.stderr
    assert "Traceback" not in result.output


def test_a_column_of_unique_ids_is_dropped_and_memory_stays_small(tmp_path):
    n = 20_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": [f"row-{i:06d}" for i in range(n)],
                          "x": rng.normal(size=n), "colour": rng.choice(["r", "g", "b"], n),
                          "label": rng.choice(["a", "b"], n)})
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    make_preprocessor(["x"], ["colour"]).fit_transform(frame.head(20))  # imports, first
    started = time.monotonic()
    tracemalloc.start()
    try:
        ds = load_table(path)
        encoded = make_preprocessor(ds.numeric_columns, ds.categorical_columns) \
            .fit_transform(ds.X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    took = time.monotonic() - started
    assert ds.feature_columns == ["x", "colour"]
    assert any("'id' looks like an identifier" in w and "not used as a feature" in w
               for w in ds.warnings)
    assert encoded.shape == (n, 4)
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert took < 10, f"{took:.1f} s"
    print(f"{n} rows of unique ids: {took:.1f} s, peak {peak / 2**20:.0f} MiB traced")


def test_text_columns_too_wide_to_one_hot_encode_are_refused_before_fitting(tmp_path):
    n = 12_000  # three columns of 5,000 categories: 12,000 x 15,000 values one-hot encoded
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{k}": [f"v{v}" for v in rng.integers(0, 5_000, n)]
                          for k in range(3)})
    frame["label"] = rng.choice(["a", "b"], n)
    path = tmp_path / "wide.csv"
    frame.to_csv(path, index=False)
    assert n * 15_000 > MAX_ONE_HOT_CELLS
    with pytest.raises(DataError, match=r"one-hot encoding its text columns would make "
                                        r"12000 rows x \d+ columns.*'c0' \(\d+ distinct"):
        load_table(path)
    _one_line(_tune(path), "group their rare values")


def test_repeated_column_names_are_an_error_naming_them(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("a,b,species,a,species\n" + "1,2,x,3,x\n4,5,y,6,y\n" * 10)
    with pytest.raises(DataError, match=r"'a' \(columns 1, 4\); 'species' \(columns 3, 5\)"):
        load_table(path, target="species")
    _one_line(_tune(path), "own name in the header")
    fine = tmp_path / "fine.csv"  # a name that only looks renamed is no repetition
    fine.write_text("a,a.1,label\n" + "1,2,x\n3,4,y\n" * 10)
    assert load_table(fine).feature_columns == ["a", "a.1"]


def test_a_copy_of_the_target_is_never_a_feature(tmp_path):
    rng = np.random.default_rng(0)
    species = rng.choice(["adelie", "gentoo"], 40)
    frame = pd.DataFrame({"x": rng.normal(size=40), "answer": species,
                          "code": (species == "gentoo").astype(int), "species": species})
    path = tmp_path / "leak.csv"
    frame.to_csv(path, index=False)
    ds = load_table(path)
    assert ds.feature_columns == ["x", "code"]
    assert any("'answer' holds the value of the target 'species' in every row" in w
               for w in ds.warnings)
    numbers = frame.assign(y=frame["x"] * 2, twice=frame["x"] * 2)[["x", "twice", "y"]]
    numbers.to_csv(path, index=False)
    assert load_table(path, task="regression").feature_columns == ["x"]


def test_a_numeric_column_that_numbers_the_rows_is_kept_but_warned_about(tmp_path):
    """A sorted file's row numbers give the class away under shuffled folds: an 'id' column
    of 0..n-1 (or 1..n, shuffled, with gaps where rows without a target were dropped) is
    named in a warning; counts, years and ranks with ties are not."""
    rng = np.random.default_rng(0)
    n = 60
    label = np.repeat(["a", "b"], n // 2)  # sorted by class, as files often are
    frame = pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n),
                          "shuffled": rng.permutation(np.arange(1, n + 1)),
                          "year": np.arange(1950, 1950 + n),
                          "visits": rng.integers(0, 5, n), "label": label})
    frame.loc[[3, 40], "label"] = None
    path = tmp_path / "sorted.csv"
    frame.to_csv(path, index=False)
    ds = load_table(path, target="label")
    flagged = [w.split("'")[1] for w in ds.warnings if "like row numbers" in w]
    assert flagged == ["id", "shuffled"]
    assert "id" in ds.feature_columns  # kept: a rank or a period can be a feature
    assert any("'id' holds distinct whole numbers from 0 to 59, one per row" in w
               and "delete it from the CSV if it is an id" in w for w in ds.warnings)
    result = CliRunner().invoke(app, ["tune", str(path), "--target", "label", "--n-trials", "1",
                                      "--max-epochs", "2", "--cv", "2", "--out",
                                      str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "'id' holds distinct whole numbers" in " ".join(result.output.split())
