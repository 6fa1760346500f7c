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
